import Foundation
import MediaCore
import MediaIO
import TestSupport
import Testing

@Suite(.tags(.media))
struct ProbeTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var args: [String]
        var container: String
        var videoCodec: String?
        var audioCodec: String?
        var sampleRate: Int?
        var channels: Int?
        var audioStreams = 1
        var testDescription: String { name }
    }

    static let video = ["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25"]
    static func tone(_ rate: Int, _ layout: String = "mono") -> [String] {
        ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=\(rate),aformat=channel_layouts=\(layout)"]
    }

    static let cases: [Case] = [
        Case(name: "lesson.mp4", args: video + tone(48000, "stereo") + ["-t", "2", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac"],
             container: "mov,mp4,m4a,3gp,3g2,mj2", videoCodec: "h264", audioCodec: "aac", sampleRate: 48000, channels: 2),
        Case(name: "lesson.mov", args: video + tone(44100) + ["-t", "2", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac"],
             container: "mov,mp4,m4a,3gp,3g2,mj2", videoCodec: "h264", audioCodec: "aac", sampleRate: 44100, channels: 1),
        Case(name: "lesson.ts", args: video + tone(48000, "stereo") + ["-t", "2", "-c:v", "mpeg2video", "-c:a", "mp2"],
             container: "mpegts", videoCodec: "mpeg2video", audioCodec: "mp2", sampleRate: 48000, channels: 2),
        Case(name: "lesson.flv", args: video + tone(44100, "stereo") + ["-t", "2", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac"],
             container: "flv", videoCodec: "h264", audioCodec: "aac", sampleRate: 44100, channels: 2),
        Case(name: "lesson.mkv", args: video + tone(48000) + ["-t", "2", "-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error", "-c:a", "libmp3lame"],
             container: "matroska,webm", videoCodec: "hevc", audioCodec: "mp3", sampleRate: 48000, channels: 1),
        Case(name: "lesson.m4a", args: tone(44100, "stereo") + ["-t", "2", "-c:a", "aac"],
             container: "mov,mp4,m4a,3gp,3g2,mj2", videoCodec: nil, audioCodec: "aac", sampleRate: 44100, channels: 2),
        Case(name: "two-tracks.mkv", args: video + tone(48000) + tone(16000) + ["-t", "2", "-map", "0", "-map", "1", "-map", "2",
                                                                                 "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac"],
             container: "matroska,webm", videoCodec: "h264", audioCodec: "aac", sampleRate: 48000, channels: 1, audioStreams: 2),
    ]

    @Test(arguments: cases)
    func probesEveryContainer(_ c: Case) throws {
        let fx = try Fixtures()
        defer { fx.remove() }
        let file = try fx.ffmpeg(c.args, output: c.name)
        let info = try MediaProbe.probe(path: file)
        #expect(info.container == c.container)
        #expect(abs(info.durationSeconds - 2) < 0.15, "duration \(info.durationSeconds)")
        #expect(info.video?.codec == c.videoCodec)
        #expect(info.audio?.codec == c.audioCodec)
        #expect(info.audio?.sampleRate == c.sampleRate)
        #expect(info.audio?.channels == c.channels)
        #expect(info.streams.filter { $0.type == "audio" }.count == c.audioStreams)
        if c.videoCodec != nil {
            #expect(info.video?.width == 320 && info.video?.height == 240)
            #expect(abs((info.video?.fps ?? 0) - 25) < 0.01)
        }
    }

    @Test func picksAnAudioTrack() throws {
        let fx = try Fixtures()
        defer { fx.remove() }
        let file = try fx.ffmpeg(Self.tone(48000) + Self.tone(16000) + ["-t", "1", "-map", "0", "-map", "1", "-c:a", "aac"], output: "tracks.mka")
        #expect(try MediaProbe.probe(path: file, audioTrack: 1).audio?.sampleRate == 16000)
        #expect(try MediaProbe.probe(path: file, audioTrack: 0).audio?.sampleRate == 48000)
        let error = #expect(throws: MediaError.self) { try MediaProbe.probe(path: file, audioTrack: 2) }
        #expect(error?.exitCode == .badMedia)
        #expect(error?.message.contains("audio track 2 does not exist") == true)
    }

    @Test func decodesASecondAudioTrackAlongside() throws {
        let fx = try Fixtures()
        defer { fx.remove() }
        // Track 0: 440 Hz at 48 kHz; track 1: 1 kHz at 16 kHz (like a lapel microphone), 2 s each.
        let file = try fx.ffmpeg(Self.tone(48000) + ["-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=16000"]
                                 + ["-t", "2", "-map", "0", "-map", "1", "-c:a", "pcm_s16le"], output: "lapel.mkv")
        func crossingsPerSecond(_ x: [Float]) -> Double {
            var c = 0
            for i in 1..<x.count where (x[i - 1] < 0) != (x[i] < 0) { c += 1 }
            return Double(c) / (Double(x.count) / 16000)
        }
        var options = ReadOptions(video: nil)
        options.secondAudioTrack = 1
        let reader = try MediaReader(path: file, options: options)
        #expect(reader.hasSecondAudio)
        #expect(reader.info.audio?.sampleRate == 48000)
        var main: [Float] = [], second: [Float] = []
        _ = try reader.run(onAudio: { main += $0.samples }, onSecondAudio: { second += $0.samples }, onVideo: { _ in })
        #expect(abs(main.count - 32000) <= 160 && abs(second.count - 32000) <= 160)
        #expect(abs(crossingsPerSecond(main) - 880) < 10)
        #expect(abs(crossingsPerSecond(second) - 2000) < 10)

        // Second track 0 with no main track chosen: the main track is the other one.
        options.secondAudioTrack = 0
        let swapped = try MediaReader(path: file, options: options)
        #expect(swapped.info.audio?.sampleRate == 16000 && swapped.hasSecondAudio)
        // A single-track file: that track is the main one and nothing is second.
        let single = try fx.ffmpeg(Self.tone(16000) + ["-t", "1", "-c:a", "pcm_s16le"], output: "one.wav")
        let alone = try MediaReader(path: single, options: options)
        #expect(alone.info.audio != nil && !alone.hasSecondAudio)
        options.secondAudioTrack = 3
        let error = #expect(throws: MediaError.self) { try MediaReader(path: file, options: options) }
        #expect(error?.message.contains("audio track 3 (second track) does not exist") == true)
    }

    @Test func variableFrameRateIsReadable() throws {
        let fx = try Fixtures()
        defer { fx.remove() }
        // Drop frames at irregular times to make a VFR file.
        let file = try fx.ffmpeg(Self.video + ["-t", "3", "-vf", "select='not(mod(n\\,3))+not(mod(n\\,7))'", "-fps_mode", "vfr",
                                              "-c:v", "libx264", "-preset", "ultrafast"], output: "vfr.mp4")
        let reader = try MediaReader(path: file, options: ReadOptions(video: .fps(2)))
        var times: [Double] = []
        _ = try reader.run(onAudio: { _ in }, onVideo: { times.append($0.timeSeconds) })
        #expect(times.count >= 5)
        #expect(times == times.sorted())
    }
}
