import Foundation
import MediaCore
import MediaIO
import TestSupport
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
        let r = try Tool.run("/usr/bin/" + tool, args)
        guard r.status == 0 else { throw SimpleError(.failure, "\(tool) failed: \(args.joined(separator: " ")): \(r.stderr)") }
        return r.data
    }

    /// 20 s of 640×360 25 fps H.264 (keyframe every 2 s exactly, B-frames on) + 48 kHz AAC, MP4.
    static let video: String = {
        let path = folder + "/av.mp4"
        if !FileManager.default.fileExists(atPath: path) {
            _ = try? MediaGenerator.testVideo(seconds: 20, frequency: 440, output: path)
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
        try Tool.probe(path)
    }

    /// Whether the moov atom comes before mdat (faststart).
    static func moovFirst(_ path: String) throws -> Bool {
        let d = try Data(contentsOf: URL(fileURLWithPath: path))
        guard let moov = d.range(of: Data("moov".utf8)), let mdat = d.range(of: Data("mdat".utf8)) else { return false }
        return moov.lowerBound < mdat.lowerBound
    }
}

@Suite(.serialized, .tags(.media)) struct ClipWriterTests {
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
        // (Only its own: ClipCodecTests cuts clips in the same folder in parallel.)
        let left = try FileManager.default.contentsOfDirectory(atPath: ClipFixtures.folder)
            .filter { $0.contains(".part-") && $0.contains("01-clip.") }
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

    /// One opening, several clips in any order (a later clip before an earlier one, audio only between two with
    /// video): each is the clip a fresh opening cuts, byte for byte.
    @Test func oneSourceCutsTheSameClipsAsFreshOpenings() throws {
        let source = try ClipWriter.Source(input: ClipFixtures.video)
        let ranges: [(Double, Double, String)] = [(8, 14, "mp4"), (2.5, 6, "m4a"), (0, 3, "mp4"), (5.3, 11.7, "mp4")]
        for (n, (start, end, ext)) in ranges.enumerated() {
            let shared = try source.cut(output: ClipFixtures.folder + "/src-\(n).\(ext)", start: start, end: end)
            let fresh = try ClipWriter.cut(input: ClipFixtures.video, output: ClipFixtures.folder + "/fresh-\(n).\(ext)", start: start, end: end)
            #expect(shared.start == fresh.start && shared.end == fresh.end && shared.hasVideo == fresh.hasVideo, "clip \(n)")
            let a = try Data(contentsOf: URL(fileURLWithPath: shared.path)), b = try Data(contentsOf: URL(fileURLWithPath: fresh.path))
            #expect(a == b, "clip \(n): \(a.count) vs \(b.count) bytes")
        }
        #expect(throws: MediaError.self) { try source.cut(output: ClipFixtures.folder + "/src-past.mp4", start: 100, end: 110) }
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
            #expect(e.message.hasPrefix("cannot write 'x.mp4'"))
        }
        #expect(throws: MediaError.self) { try ClipWriter.cut(input: ClipFixtures.video, output: ClipFixtures.folder + "/y.mp4", start: 5, end: 5) }
        #expect(throws: MediaError.self) { try ClipWriter.cut(input: ClipFixtures.video, output: ClipFixtures.folder + "/z.mp4", start: 100, end: 110) }
        #expect(!FileManager.default.fileExists(atPath: ClipFixtures.folder + "/z.mp4"))
    }
}

/// One recording a server might deliver, made with the ffmpeg CLI from the committed SampleMedia.
struct ClipSource: CustomTestStringConvertible, Sendable {
    var file: String
    var ffmpegArgs: [String]
    /// The codec the clip's audio must keep (no re-encode).
    var audioCodec: String
    /// The extension the clip gets.
    var clipExtension: String
    var hasVideo: Bool = false
    var testDescription: String { "\(audioCodec)\(hasVideo ? " + h264" : "") → .\(clipExtension)" }

    static let audioSample = TestEnvironment.sample("lesson-audio.m4a")
    static let videoSample = TestEnvironment.sample("lesson-en-dialogue.mp4")

    static func audio(_ file: String, _ codec: String, _ ext: String, extra: [String] = []) -> ClipSource {
        ClipSource(file: file, ffmpegArgs: ["-t", "20", "-i", audioSample, "-c:a", codec] + extra,
                   audioCodec: codec, clipExtension: ext)
    }
    static func video(_ file: String, _ codec: String, _ ext: String) -> ClipSource {
        ClipSource(file: file, ffmpegArgs: ["-t", "20", "-i", videoSample, "-c:v", "copy", "-c:a", codec],
                   audioCodec: codec, clipExtension: ext, hasVideo: true)
    }

    /// Makes the recording (once per test run) and returns its path.
    func make() throws -> String {
        let path = ClipFixtures.folder + "/src-" + file
        if !FileManager.default.fileExists(atPath: path) {
            try ClipFixtures.run("ffmpeg", ["-nostdin", "-y", "-loglevel", "error"] + ffmpegArgs + [path])
        }
        return path
    }
}

/// Clips of the audio codecs M4A/MP4 cannot hold go to the container libavformat says can, still without
/// re-encoding: PCM to WAV (big-endian PCM, FLAC, Opus, MP3 to Matroska audio), video beside them to MKV.
@Suite(.serialized, .tags(.media)) struct ClipCodecTests {
    static let sources: [ClipSource] = [
        .audio("s16.wav", "pcm_s16le", "wav"),
        .audio("f32.wav", "pcm_f32le", "wav"),
        .audio("u8.wav", "pcm_u8", "wav"),
        .audio("adpcm.wav", "adpcm_ms", "wav"),
        .audio("s16be.aiff", "pcm_s16be", "mka"),
        .audio("a.flac", "flac", "mka"),
        .audio("a.ogg", "libopus", "mka"),
        .audio("a.mp3", "libmp3lame", "mka"),
        .audio("a.ac3", "ac3", "m4a"),
        .video("pcm.mkv", "pcm_s16le", "mkv"),
        .video("pcm.mov", "pcm_s16be", "mkv"),
        // MP4's tag table lists FLAC, but its header refuses it below experimental compliance: falls back.
        .video("flac.mkv", "flac", "mkv"),
    ]

    /// ffmpeg's encoder name → the codec name ffprobe reports.
    static func probedName(_ codec: String) -> String {
        ["libopus": "opus", "libmp3lame": "mp3"][codec] ?? codec
    }

    @Test(arguments: sources) func clipKeepsTheCodecInAContainerThatHoldsIt(_ source: ClipSource) throws {
        let input = try source.make()
        let requested = ClipFixtures.folder + "/codec-\(source.file)." + (source.hasVideo ? "mp4" : "m4a")
        let info = try ClipWriter.cut(input: input, output: requested, start: 4, end: 10)
        let stem = String(requested.dropLast(4))
        #expect(info.path == stem + "." + source.clipExtension)
        #expect(FileManager.default.fileExists(atPath: info.path))
        if info.path != requested { #expect(!FileManager.default.fileExists(atPath: requested)) }
        #expect(info.hasAudio && info.hasVideo == source.hasVideo)

        let p = try ClipFixtures.probe(info.path)
        let audio = try #require(p.streams.first { $0.codec_type == "audio" }, "clip has its audio")
        #expect(audio.codec_name == Self.probedName(source.audioCodec), "no re-encode")
        #expect(p.streams.contains { $0.codec_type == "video" && $0.codec_name == "h264" } == source.hasVideo)
        let duration = Double(p.format.duration ?? "") ?? -1
        #expect(abs(duration - info.duration) <= 0.1, "probed \(duration) s, wrote \(info.duration) s")
        if !source.hasVideo { #expect(abs(duration - 6) <= 0.1, "probed \(duration) s") }

        // The project's own reader decodes it back, at the same length.
        var seconds = 0.0
        _ = try MediaReader(path: info.path).run(onAudio: { seconds += $0.durationSeconds }, onVideo: { _ in })
        // Audio runs from the clip's start (a keyframe with video) to the asked end.
        #expect(abs(seconds - (10 - info.start)) <= 0.1, "decoded \(seconds) s from \(info.start) s")
        // Only this case's own part files: the folder is shared with tests cutting clips in parallel.
        let name = "codec-\(source.file)."
        let left = try FileManager.default.contentsOfDirectory(atPath: ClipFixtures.folder)
            .filter { $0.contains(".part-") && $0.contains(name) }
        #expect(left.isEmpty)
    }

    @Test func aacStaysInM4AAndMP4() throws {
        let audio = try ClipWriter.cut(input: ClipFixtures.audio, output: ClipFixtures.folder + "/aac.m4a", start: 1, end: 4)
        #expect(audio.path.hasSuffix("/aac.m4a"))
        let video = try ClipWriter.cut(input: ClipFixtures.video, output: ClipFixtures.folder + "/aac.mp4", start: 1, end: 4)
        #expect(video.path.hasSuffix("/aac.mp4"))
    }

    @Test func audioOnlyRequestFromAPCMVideoIsWAV() throws {
        let input = try ClipSource.video("pcm.mkv", "pcm_s16le", "mkv").make()
        let info = try ClipWriter.cut(input: input, output: ClipFixtures.folder + "/pcm-audio-only.m4a", start: 2, end: 5)
        #expect(info.path.hasSuffix("/pcm-audio-only.wav") && !info.hasVideo)
        #expect(try ClipFixtures.probe(info.path).streams.map(\.codec_type) == ["audio"])
    }

    @Test func noContainerForTheCodecsLeavesNothing() throws {
        // ADPCM beside video: neither MP4 nor Matroska (at normal compliance) holds it.
        let input = ClipFixtures.folder + "/src-adpcm.avi"
        try ClipFixtures.run("ffmpeg", ["-nostdin", "-y", "-loglevel", "error", "-t", "6", "-i", ClipSource.videoSample,
                                        "-c:v", "copy", "-c:a", "adpcm_ms", input])
        let out = ClipFixtures.folder + "/none.mp4"
        do {
            _ = try ClipWriter.cut(input: input, output: out, start: 0, end: 3)
            Issue.record("expected an error")
        } catch let e as MediaError {
            #expect(e.kind == .cannotCreateOutput)
            #expect(e.message == "cannot write 'none.mp4': no clip container holds h264 + adpcm_ms without re-encoding (tried mp4, mkv)")
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: ClipFixtures.folder).filter { $0.hasPrefix("none.") || $0.contains("none.mp4.part") || $0.contains("none.mkv.part") }
        #expect(left.isEmpty)
    }
}
