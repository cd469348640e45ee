import Foundation
import MediaCore
import MediaIO
import TestSupport
import Testing

@Suite(.tags(.media))
struct BadInputTests {
    @Test func missingFileIs66() {
        let e = #expect(throws: MediaError.self) { try MediaProbe.probe(path: "/nonexistent/lesson.mp4") }
        #expect(e?.exitCode == .inputMissing)
        #expect(e?.message == "cannot read 'lesson.mp4': no such file")
    }

    @Test func emptyFileIs65() throws {
        let fx = try Fixtures()
        defer { fx.remove() }
        _ = FileManager.default.createFile(atPath: fx.path("empty.mp4"), contents: Data())
        let e = #expect(throws: MediaError.self) { try MediaProbe.probe(path: fx.path("empty.mp4")) }
        #expect(e?.exitCode == .badMedia)
        #expect(e?.message.contains("file is empty") == true)
    }

    @Test func textFileIs65() throws {
        let fx = try Fixtures()
        defer { fx.remove() }
        _ = FileManager.default.createFile(atPath: fx.path("notes.mp4"), contents: Data("hello, not a video\n".utf8))
        let e = #expect(throws: MediaError.self) { try MediaProbe.probe(path: fx.path("notes.mp4")) }
        #expect(e?.exitCode == .badMedia)
        #expect(e?.message.hasPrefix("cannot read 'notes.mp4': not a media file") == true)
    }

    @Test func mp4WithoutMoovIs65() throws {
        let fx = try Fixtures()
        defer { fx.remove() }
        let file = try fx.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-t", "3", "-c:v", "libx264", "-preset", "ultrafast"], output: "full.mp4")
        let data = try Data(contentsOf: URL(fileURLWithPath: file))
        // Without faststart the moov atom is at the end: cutting the file loses it.
        try data.prefix(data.count * 3 / 10).write(to: URL(fileURLWithPath: fx.path("cut.mp4")))
        let e = #expect(throws: MediaError.self) { try MediaProbe.probe(path: fx.path("cut.mp4")) }
        #expect(e?.exitCode == .badMedia)
    }

    @Test func truncatedTSIsReadableUpToTheBreak() throws {
        let fx = try Fixtures()
        defer { fx.remove() }
        let file = try fx.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
                                  "-t", "6", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-f", "mpegts"], output: "full.ts")
        let data = try Data(contentsOf: URL(fileURLWithPath: file))
        // Cut mid-packet (not on a 188-byte boundary) to leave a damaged tail.
        try data.prefix(data.count / 2 + 77).write(to: URL(fileURLWithPath: fx.path("half.ts")))
        let reader = try MediaReader(path: fx.path("half.ts"), options: ReadOptions(video: .fps(2)))
        var audio = 0.0
        let summary = try reader.run(onAudio: { audio = $0.startSeconds + $0.durationSeconds }, onVideo: { _ in })
        #expect(audio > 1.5 && audio < 5.5, "read \(audio) s of a 6 s file cut in half")
        #expect(summary.videoFrames > 2)
    }

    @Test func garbageInTheMiddleIsSkipped() throws {
        let fx = try Fixtures()
        defer { fx.remove() }
        let file = try fx.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
                                  "-t", "6", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-f", "mpegts"], output: "g.ts")
        var data = try Data(contentsOf: URL(fileURLWithPath: file))
        var rng = SystemRandomNumberGenerator()
        let from = data.count * 2 / 5, to = data.count * 3 / 5
        for i in from..<to { data[i] = UInt8.random(in: 0...255, using: &rng) }
        try data.write(to: URL(fileURLWithPath: fx.path("garbage.ts")))
        let reader = try MediaReader(path: fx.path("garbage.ts"))
        var last = 0.0
        _ = try reader.run(onAudio: { last = $0.startSeconds + $0.durationSeconds }, onVideo: { _ in })
        #expect(last > 4, "reading goes on past the damage (reached \(last) s)")
    }

    @Test func videoOnlyHasNoAudio() throws {
        let fx = try Fixtures()
        defer { fx.remove() }
        let file = try fx.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-t", "2", "-c:v", "libx264", "-preset", "ultrafast"], output: "v.mp4")
        let reader = try MediaReader(path: file)
        #expect(reader.info.audio == nil)
        var frames = 0
        let s = try reader.run(onAudio: { _ in Issue.record("no audio expected") }, onVideo: { _ in frames += 1 })
        #expect(frames >= 3 && s.audioSeconds == 0)
    }
}
