import Foundation
import MediaCore
import MediaIO
import TestSupport
import Testing

/// Keyframe-first reading (issue 10): one frame per GOP where nothing changes, dense frames inside the
/// GOPs whose keyframes differ, in time order, with the change still placed within a frame or two.
@Suite(.tags(.media))
struct KeyframeFirstTests {
    /// 40 s of 320x180 at 25 fps with 10 s GOPs (recording servers' long GOPs): dark until 13.3 s, bright
    /// after. `extra`: encoder options (closed GOPs without B-frames, or open GOPs with B-frames).
    static func stepVideo(_ fx: Fixtures, _ name: String, extra: [String]) throws -> String {
        try fx.ffmpeg(["-f", "lavfi", "-i", "color=c=black:size=320x180:rate=25", "-t", "40",
                       "-vf", "geq=lum='if(lt(T,13.3),40,200)':cb=128:cr=128,format=yuv420p",
                       "-c:v", "libx264", "-preset", "ultrafast", "-g", "250", "-keyint_min", "250", "-sc_threshold", "0"] + extra,
                      output: name)
    }

    static func brightness(_ f: LumaFrame) -> Int { Int(f.pixels[f.width * (f.height / 2) + f.width / 2]) }

    @Test(arguments: [["-bf", "0"], ["-bf", "3", "-x264-params", "open-gop=1"]])
    func onlyTheChangedGOPIsDecodedDensely(_ extra: [String]) throws {
        let fx = try Fixtures()
        defer { fx.remove() }
        let file = try Self.stepVideo(fx, "step.mp4", extra: extra)
        let reader = try MediaReader(path: file, options: ReadOptions(decodeAudio: false, video: .keyframeFirst(KeyframeRefinement(fps: 2))))
        var compared: [(Double, Double)] = []
        reader.keyframesDiffer = { a, b in
            compared.append((a.timeSeconds, b.timeSeconds))
            return abs(Self.brightness(a) - Self.brightness(b)) > 20
        }
        reader.frameMatchesKeyframe = { frame, key in abs(Self.brightness(frame) - Self.brightness(key)) <= 5 }
        var frames: [LumaFrame] = []
        let summary = try reader.run(onAudio: { _ in }, onVideo: { frames.append($0) })
        let times = frames.map(\.timeSeconds)
        #expect(times == times.sorted() && Set(times).count == times.count, "strictly in time order: \(times)")
        let r = try #require(summary.refinement)
        #expect(r.keyframes == 4 && compared.count == 3, "keyframes at 0, 10, 20, 30: \(r)")
        #expect(abs(r.longestGOPSeconds - 10) < 0.1)
        // The GOP 10-20 s (the change) and the last one (nothing after it to compare with) are refined.
        #expect(r.refinedGOPs == 2 && r.unrefinedGOPs == 0, "\(r)")
        #expect(!times.contains { $0 > 0.01 && $0 < 9.99 } && !times.contains { $0 > 20.01 && $0 < 29.99 },
                "no dense frames where the keyframes agree: \(times)")
        // 2 frames/s from the GOP's keyframe until the first frame that shows the next keyframe's picture
        // (13.5 s), then nothing more of that GOP: 10.5, 11, …, 13.5.
        let inChanged = times.filter { $0 > 10 && $0 < 20 }
        #expect(abs(inChanged.count - 7) <= 1, "about 2 frames/s up to the change: \(inChanged)")
        #expect(r.settledEarly == 1, "the changed GOP stopped once settled: \(r)")
        #expect(!inChanged.contains { $0 > 14.1 }, "nothing decoded after the change settled: \(inChanged)")
        // The budget counts what was decoded: 3.5 s of the changed GOP plus the tail GOP's 9.5 s (to its
        // end: 19.5 s).
        #expect(r.refinedSeconds > 12.5 && r.refinedSeconds < 14, "budget counts what was decoded: \(r)")
        let firstBright = try #require(frames.first { Self.brightness($0) > 120 })
        #expect(abs(firstBright.timeSeconds - 13.3) <= 0.6, "change seen at \(firstBright.timeSeconds) s, not at the keyframe")
        #expect(summary.videoFrames == frames.count)
    }

    @Test func aSpentBudgetLeavesTheChangeAtTheKeyframe() throws {
        let fx = try Fixtures()
        defer { fx.remove() }
        let file = try Self.stepVideo(fx, "step.mp4", extra: ["-bf", "0"])
        let policy = KeyframeRefinement(fps: 2, maxShare: 0, minBudgetSeconds: 0, minRefinedGOPs: 0)
        let reader = try MediaReader(path: file, options: ReadOptions(decodeAudio: false, video: .keyframeFirst(policy)))
        reader.keyframesDiffer = { a, b in abs(Self.brightness(a) - Self.brightness(b)) > 20 }
        var frames: [LumaFrame] = []
        let summary = try reader.run(onAudio: { _ in }, onVideo: { frames.append($0) })
        let r = try #require(summary.refinement)
        #expect(r.unrefinedGOPs == 1, "\(r)")
        let firstBright = try #require(frames.first { Self.brightness($0) > 120 })
        #expect(abs(firstBright.timeSeconds - 20) < 0.05, "placed at the next keyframe: \(firstBright.timeSeconds)")
    }

    /// No seconds budget at all, but the floor of changed GOPs still refines the one change (long GOPs on a
    /// short recording must not leave its few slide changes at keyframes).
    @Test func theGOPFloorRefinesPastAnEmptySecondsBudget() throws {
        let fx = try Fixtures()
        defer { fx.remove() }
        let file = try Self.stepVideo(fx, "step.mp4", extra: ["-bf", "0"])
        let policy = KeyframeRefinement(fps: 2, maxShare: 0, minBudgetSeconds: 0, minRefinedGOPs: 2)  // the change and the tail GOP
        let reader = try MediaReader(path: file, options: ReadOptions(decodeAudio: false, video: .keyframeFirst(policy)))
        reader.keyframesDiffer = { a, b in abs(Self.brightness(a) - Self.brightness(b)) > 20 }
        var frames: [LumaFrame] = []
        let summary = try reader.run(onAudio: { _ in }, onVideo: { frames.append($0) })
        let r = try #require(summary.refinement)
        #expect(r.refinedGOPs >= 1 && r.unrefinedGOPs == 0, "\(r)")
        let firstBright = try #require(frames.first { Self.brightness($0) > 120 })
        #expect(abs(firstBright.timeSeconds - 13.3) <= 0.6, "change seen at \(firstBright.timeSeconds) s")
    }

    /// Nothing differs: one frame per GOP plus the last GOP, against every sampled frame of a dense read.
    @Test func aStillPictureCostsOneFramePerGOP() throws {
        let fx = try Fixtures()
        defer { fx.remove() }
        let file = try fx.ffmpeg(["-f", "lavfi", "-i", "color=c=gray:size=320x180:rate=25", "-t", "40",
                                  "-c:v", "libx264", "-preset", "ultrafast", "-g", "50"], output: "still.mp4")
        let reader = try MediaReader(path: file, options: ReadOptions(decodeAudio: false, video: .keyframeFirst(KeyframeRefinement(fps: 2))))
        reader.keyframesDiffer = { _, _ in false }
        let summary = try reader.run(onAudio: { _ in }, onVideo: { _ in })
        let r = try #require(summary.refinement)
        #expect(r.keyframes == 20 && r.refinedGOPs == 1, "\(r)")
        #expect(summary.videoFrames <= 20 + 4, "\(summary.videoFrames) frames (a dense read gives 80)")
    }
}

/// Video on its own thread (issue 10): the same frames as on the reading thread, errors from the frame
/// callback stop the read, and the audio is untouched.
@Suite(.tags(.media))
struct VideoThreadTests {
    static func read(_ file: String, _ sampling: VideoSampling, ownThread: Bool) throws -> (frames: [Double], samples: Int) {
        var o = ReadOptions(video: sampling)
        o.videoOnOwnThread = ownThread
        let reader = try MediaReader(path: file, options: o)
        reader.keyframesDiffer = { a, b in abs(KeyframeFirstTests.brightness(a) - KeyframeFirstTests.brightness(b)) > 20 }
        let lock = NSLock()
        var frames: [Double] = []
        var samples = 0
        _ = try reader.run(onAudio: { samples += $0.samples.count },
                           onVideo: { f in lock.withLock { frames.append(f.timeSeconds) } })
        return (frames, samples)
    }

    @Test(arguments: [VideoSampling.fps(2), .keyframeFirst(KeyframeRefinement())])
    func sameFramesOnEitherThread(_ sampling: VideoSampling) throws {
        let fx = try Fixtures()
        defer { fx.remove() }
        let file = try fx.ffmpeg(["-f", "lavfi", "-i", "color=c=black:size=320x180:rate=25", "-f", "lavfi", "-i", "sine=frequency=300:sample_rate=48000",
                                  "-t", "30", "-vf", "geq=lum='if(lt(T,13.3),40,200)':cb=128:cr=128,format=yuv420p",
                                  "-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-c:a", "aac"], output: "av.mp4")
        let here = try Self.read(file, sampling, ownThread: false)
        let there = try Self.read(file, sampling, ownThread: true)
        #expect(here.frames == there.frames && !here.frames.isEmpty)
        #expect(here.samples == there.samples && here.samples > 29 * 16_000)
    }

    struct Stop: Error {}

    @Test func anErrorFromTheFrameCallbackStopsTheRead() throws {
        let fx = try Fixtures()
        defer { fx.remove() }
        let file = try fx.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25", "-f", "lavfi", "-i", "sine=frequency=300:sample_rate=48000",
                                  "-t", "60", "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-c:a", "aac"], output: "long.mp4")
        var o = ReadOptions(video: .fps(2))
        o.videoOnOwnThread = true
        let reader = try MediaReader(path: file, options: o)
        var samples = 0
        #expect(throws: Stop.self) {
            _ = try reader.run(onAudio: { samples += $0.samples.count }, onVideo: { f in if f.timeSeconds > 5 { throw Stop() } })
        }
        #expect(samples < 50 * 16_000, "stopped early: \(samples) samples")
    }
}
