import Foundation
import MediaCore
import MediaIO
import TestSupport
import Testing

@Suite(.tags(.media))
struct AudioDecodeTests {
    /// Decodes the whole audio track into one array, checking chunk continuity on the way.
    static func decodeAll(_ path: String, options: ReadOptions = ReadOptions(video: nil)) throws -> (samples: [Float], chunks: [AudioChunk], summary: ReadSummary) {
        let reader = try MediaReader(path: path, options: options)
        var chunks: [AudioChunk] = []
        var all: [Float] = []
        let summary = try reader.run(onAudio: { chunk in
            #expect(chunk.firstSampleIndex == all.count, "chunks must be contiguous")
            #expect(chunk.startSeconds == Double(chunk.firstSampleIndex) / 16000)
            all.append(contentsOf: chunk.samples)
            chunks.append(AudioChunk(startSeconds: chunk.startSeconds, sampleRate: chunk.sampleRate, samples: [], firstSampleIndex: chunk.firstSampleIndex))
        }, onVideo: { _ in })
        return (all, chunks, summary)
    }

    @Test func pcmSineIsExactToTheSample() throws {
        let fx = try Fixtures()
        defer { fx.remove() }
        // 3 s of a 1 kHz sine at 48 kHz, 16-bit PCM in WAV: no codec delay, so the count is exact.
        let file = try fx.ffmpeg(["-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=48000:duration=3", "-c:a", "pcm_s16le"], output: "sine.wav")
        let (samples, chunks, summary) = try Self.decodeAll(file)
        #expect(samples.count == 48_000)
        #expect(summary.audioSeconds == 3)
        #expect(chunks.count == 3)
        #expect(chunks.map(\.startSeconds) == [0, 1, 2])
        // A 1 kHz sine at 16 kHz crosses zero 2000 times a second.
        var crossings = 0
        for i in 1000..<47_000 where (samples[i - 1] < 0) != (samples[i] < 0) { crossings += 1 }
        #expect(abs(crossings - 2 * 1000 * 46_000 / 16_000) <= 2)
        // ffmpeg's sine source has amplitude 1/8; resampling keeps the level.
        let peak = samples[1000..<47_000].map(abs).max() ?? 0
        #expect(abs(peak - 0.125) < 0.01)
    }

    @Test func stereoIsDownmixedAnd44kIsResampled() throws {
        let fx = try Fixtures()
        defer { fx.remove() }
        let file = try fx.ffmpeg(["-f", "lavfi", "-i", "sine=frequency=300:sample_rate=44100:duration=2",
                                  "-af", "pan=stereo|c0=c0|c1=c0", "-c:a", "pcm_s16le"], output: "stereo.wav")
        let (samples, _, _) = try Self.decodeAll(file)
        #expect(samples.count == 32_000)
        let rms = (samples[2000..<30_000].reduce(0) { $0 + $1 * $1 } / 28_000).squareRoot()
        #expect(rms > 0.05, "downmix should keep the tone, rms \(rms)")
    }

    @Test func aacInMP4StartsAtZeroAndHasTheRightLength() throws {
        let fx = try Fixtures()
        defer { fx.remove() }
        let file = try fx.ffmpeg(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=4", "-c:a", "aac"], output: "a.m4a")
        let (samples, chunks, _) = try Self.decodeAll(file)
        #expect(chunks.first?.startSeconds == 0)
        // AAC frames are 1024 samples: the decoded length is within one frame of the source.
        #expect(abs(samples.count - 64_000) <= 1024 / 3 + 1)
    }

    @Test func mpegTSStartTimeIsSubtracted() throws {
        let fx = try Fixtures()
        defer { fx.remove() }
        let file = try fx.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
                                  "-t", "3", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-f", "mpegts"], output: "start.ts")
        let reader = try MediaReader(path: file, options: ReadOptions(video: .fps(5)))
        #expect(reader.info.startSeconds > 1.0, "MPEG-TS files start at about 1.4 s")
        var frameTimes: [Double] = []
        var firstChunk: Double?
        let summary = try reader.run(onAudio: { if firstChunk == nil { firstChunk = $0.startSeconds } }, onVideo: { frameTimes.append($0.timeSeconds) })
        #expect(firstChunk == 0)
        let first = try #require(frameTimes.first)
        #expect(abs(first) < 0.1, "first frame at \(first)")
        #expect(abs(summary.audioSeconds - 3) < 0.1)
        #expect(abs((frameTimes.last ?? 0) - 2.8) < 0.25)
        // Sampling at 5 fps gives about 5 frames a second, on the grid.
        #expect(abs(frameTimes.count - 15) <= 1)
    }

    @Test func memoryDoesNotAccumulate() throws {
        // A streaming read hands out chunks and keeps nothing: the reader holds at most about one chunk.
        let fx = try Fixtures()
        defer { fx.remove() }
        let file = try fx.ffmpeg(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=20", "-c:a", "aac"], output: "long.m4a")
        let reader = try MediaReader(path: file, options: ReadOptions(video: nil))
        var maxChunk = 0
        _ = try reader.run(onAudio: { maxChunk = max(maxChunk, $0.samples.count) }, onVideo: { _ in })
        #expect(maxChunk == 16_000)
    }
}
