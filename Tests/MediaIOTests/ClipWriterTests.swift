import Foundation
import MediaCore
import MediaIO
import Testing

/// Media made with the ffmpeg CLI at test time, in a temporary folder.
enum ClipFixtures {
    static let folder: String = {
        let dir = NSTemporaryDirectory() + "lessonlens-clip-tests-\(getpid())"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }()

    @discardableResult
    static func run(_ tool: String, _ args: [String]) throws -> Data {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/" + tool)
        p.arguments = args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw SimpleError(.failure, "\(tool) failed: \(args.joined(separator: " "))") }
        return data
    }

    /// 20 s of 640×360 25 fps H.264 (keyframe every 2 s exactly, B-frames on) + 48 kHz AAC, MP4.
    static let video: String = {
        let path = folder + "/av.mp4"
        if !FileManager.default.fileExists(atPath: path) {
            _ = try? run("ffmpeg", ["-nostdin", "-y", "-loglevel", "error",
                                "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=20",
                                "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=20",
                                "-c:v", "libx264", "-preset", "ultrafast", "-bf", "2", "-g", "50", "-keyint_min", "50",
                                "-sc_threshold", "0", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k", "-shortest", path])
        }
        return path
    }()

    /// 20 s of 44.1 kHz AAC in M4A.
    static let audio: String = {
        let path = folder + "/a.m4a"
        if !FileManager.default.fileExists(atPath: path) {
            _ = try? run("ffmpeg", ["-nostdin", "-y", "-loglevel", "error", "-f", "lavfi",
                                "-i", "sine=frequency=300:sample_rate=44100:duration=20", "-c:a", "aac", "-b:a", "64k", path])
        }
        return path
    }()

    struct Probe: Decodable {
        struct Stream: Decodable {
            var codec_type: String
            var codec_name: String
            var start_time: String?
            var duration: String?
            var width: Int?
            var height: Int?
        }
        struct Format: Decodable { var duration: String?; var start_time: String?; var format_name: String }
        var streams: [Stream]
        var format: Format
    }

    static func probe(_ path: String) throws -> Probe {
        let data = try run("ffprobe", ["-v", "error", "-print_format", "json", "-show_streams", "-show_format", path])
        return try JSONDecoder().decode(Probe.self, from: data)
    }

    /// Whether the moov atom comes before mdat (faststart).
    static func moovFirst(_ path: String) throws -> Bool {
        let d = try Data(contentsOf: URL(fileURLWithPath: path))
        guard let moov = d.range(of: Data("moov".utf8)), let mdat = d.range(of: Data("mdat".utf8)) else { return false }
        return moov.lowerBound < mdat.lowerBound
    }
}

@Suite(.serialized) struct ClipWriterTests {
    @Test func cutsAtTheKeyframeBeforeStartWithTimestampsFromZero() throws {
        let out = ClipFixtures.folder + "/01-clip.mp4"
        let info = try ClipWriter.cut(input: ClipFixtures.video, output: out, start: 5.3, end: 11.7)
        // Keyframes every 2 s: the one at or before 5.3 s is 4 s.
        #expect(abs(info.start - 4) < 0.01)
        #expect(info.hasVideo && info.hasAudio)
        #expect(abs(info.end - 11.7) < 0.2)

        let p = try ClipFixtures.probe(out)
        #expect(p.format.format_name.contains("mp4"))
        #expect(p.streams.map(\.codec_type).sorted() == ["audio", "video"])
        #expect(p.streams.first { $0.codec_type == "video" }?.codec_name == "h264")
        #expect(p.streams.first { $0.codec_type == "audio" }?.codec_name == "aac")
        let duration = Double(p.format.duration ?? "") ?? -1
        // Within one GOP (2 s) of what was asked for.
        #expect(abs(duration - (11.7 - 5.3)) <= 2.0, "duration \(duration)")
        #expect(abs(Double(p.format.start_time ?? "") ?? -1) < 0.05, "start_time \(p.format.start_time ?? "nil")")
        for s in p.streams { #expect(abs(Double(s.start_time ?? "") ?? -1) < 0.05, "\(s.codec_type) start \(s.start_time ?? "nil")") }
        #expect(try ClipFixtures.moovFirst(out))
        // No temporary file is left beside the clip.
        let left = try FileManager.default.contentsOfDirectory(atPath: ClipFixtures.folder).filter { $0.contains(".part-") }
        #expect(left.isEmpty)
    }

    @Test func clipDecodesBackThroughMediaReaderInSync() throws {
        let out = ClipFixtures.folder + "/02-clip.mp4"
        let info = try ClipWriter.cut(input: ClipFixtures.video, output: out, start: 8, end: 14)
        #expect(abs(info.start - 8) < 0.01)
        var frames: [LumaFrame] = []
        var audioSeconds = 0.0
        let reader = try MediaReader(path: out, options: ReadOptions(video: .fps(5)))
        let summary = try reader.run(onAudio: { audioSeconds += $0.durationSeconds }, onVideo: { frames.append($0) })
        #expect(abs((frames.first?.timeSeconds ?? -1)) < 0.05)
        #expect(frames.first?.isKeyframe == true)
        let videoEnd = (frames.last?.timeSeconds ?? 0) + 0.2
        #expect(abs(videoEnd - 6) < 0.3, "video ends at \(videoEnd)")
        #expect(abs(audioSeconds - 6) < 0.15, "audio \(audioSeconds) s")
        #expect(summary.warnings.isEmpty)
    }

    @Test func audioOnlyClipIsM4A() throws {
        let out = ClipFixtures.folder + "/03-audio.m4a"
        let info = try ClipWriter.cut(input: ClipFixtures.audio, output: out, start: 3, end: 9)
        #expect(!info.hasVideo && info.hasAudio)
        let p = try ClipFixtures.probe(out)
        #expect(p.streams.map(\.codec_type) == ["audio"])
        #expect(abs((Double(p.format.duration ?? "") ?? -1) - 6) < 0.1)
        #expect(abs(Double(p.format.start_time ?? "") ?? -1) < 0.05)
        var seconds = 0.0
        _ = try MediaReader(path: out).run(onAudio: { seconds += $0.durationSeconds }, onVideo: { _ in })
        #expect(abs(seconds - 6) < 0.1)
    }

    @Test func m4aOutputFromAVideoKeepsOnlyAudio() throws {
        let out = ClipFixtures.folder + "/04-from-video.m4a"
        let info = try ClipWriter.cut(input: ClipFixtures.video, output: out, start: 2.5, end: 6)
        #expect(!info.hasVideo)
        #expect(try ClipFixtures.probe(out).streams.map(\.codec_type) == ["audio"])
    }

    @Test func chineseFileNameWorks() throws {
        let out = ClipFixtures.folder + "/05-光合作用.mp4"
        _ = try ClipWriter.cut(input: ClipFixtures.video, output: out, start: 0, end: 3)
        #expect(FileManager.default.fileExists(atPath: out))
    }

    @Test func errorsSayWhatFailed() throws {
        #expect(throws: MediaError.self) { try ClipWriter.cut(input: ClipFixtures.folder + "/nope.mp4", output: ClipFixtures.folder + "/x.mp4", start: 0, end: 1) }
        do {
            _ = try ClipWriter.cut(input: ClipFixtures.video, output: ClipFixtures.folder + "/no/such/dir/x.mp4", start: 0, end: 1)
            Issue.record("expected an error")
        } catch let e as MediaError {
            #expect(e.kind == .cannotCreateOutput)
            #expect(e.exitCode == .cannotCreateOutput)
            #expect(e.message.hasPrefix("error: cannot write 'x.mp4'"))
        }
        #expect(throws: MediaError.self) { try ClipWriter.cut(input: ClipFixtures.video, output: ClipFixtures.folder + "/y.mp4", start: 5, end: 5) }
        #expect(throws: MediaError.self) { try ClipWriter.cut(input: ClipFixtures.video, output: ClipFixtures.folder + "/z.mp4", start: 100, end: 110) }
        #expect(!FileManager.default.fileExists(atPath: ClipFixtures.folder + "/z.mp4"))
    }
}
