import Foundation
import TestSupport
import Testing

/// `lessonlens analyze` on recordings whose audio M4A/MP4 cannot hold (PCM from a WAV, PCM beside H.264 in
/// MKV): the analysis succeeds and every clip named in report.json exists and plays at the micro-lesson's length.
@Suite(.serialized, .tags(.media, .slow)) struct PCMClipsCLITests {
    struct Probe: Decodable {
        struct Stream: Decodable { var codec_type: String; var codec_name: String }
        struct Format: Decodable { var duration: String? }
        var streams: [Stream]
        var format: Format
    }

    static func probe(_ path: String) throws -> Probe {
        try Tool.probe(path)
    }

    /// Presentation times of the video keyframes, seconds.
    static func keyframeSeconds(_ path: String) throws -> [Double] {
        let csv = try Tool.ffprobe(["-v", "error", "-select_streams", "v:0", "-skip_frame", "nokey",
                                       "-show_entries", "frame=pts_time", "-of", "csv=p=0", path])
        return String(decoding: csv, as: UTF8.self).split(whereSeparator: { $0 == "\n" || $0 == "," })
            .compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
    }

    /// Analyses `input` and checks each micro-lesson's clip; returns the report folder and the lessons.
    static func analyseAndCheckClips(_ input: String, out: URL, clipExtension: String, audioCodec: String,
                                     hasVideo: Bool) throws -> (String, [[String: Any]]) {
        let r = try LessonLens.run(["analyze", input, "--out", out.appendingPathComponent("o").path, "--json"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let line = try #require(r.stdout.split(separator: "\n").first)
        let dir = try #require((try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["reportDir"] as? String)
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/report.json"))
        let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let lessons = try #require(report["microLessons"] as? [[String: Any]])
        #expect(!lessons.isEmpty)
        let notes = (report["notes"] as? [String]) ?? []
        #expect(!notes.contains { $0.contains("could not be cut") }, "notes: \(notes)")
        let keyframes = hasVideo ? try Self.keyframeSeconds(input) : []
        for l in lessons {
            let clip = try #require(l["clip"] as? String, "micro-lesson \(l["index"] ?? "?") has a clip")
            #expect(clip.hasPrefix("clips/") && clip.hasSuffix("." + clipExtension), "\(clip)")
            let path = dir + "/" + clip
            try #require(FileManager.default.fileExists(atPath: path), "\(clip) exists")
            let p = try probe(path)
            #expect(p.streams.first { $0.codec_type == "audio" }?.codec_name == audioCodec)
            #expect(p.streams.contains { $0.codec_type == "video" } == hasVideo)
            let start = l["start"] as? Double ?? 0, end = l["end"] as? Double ?? 0
            // Audio clips are cut where asked; video clips start at the keyframe at or before the start.
            let clipStart = keyframes.last { $0 <= start + 1e-3 } ?? start
            let duration = Double(p.format.duration ?? "") ?? -1
            #expect(abs(duration - (end - clipStart)) <= 0.1, "\(clip): \(duration) s for [\(clipStart), \(end))")
        }
        let clips = try FileManager.default.contentsOfDirectory(atPath: dir + "/clips")
        #expect(clips.allSatisfy { !$0.hasPrefix(".") }, "no temporary files: \(clips)")
        return (dir, lessons)
    }

    @Test func wavLessonGetsWAVClips() throws {
        let out = try TempFolder("cli").url
        defer { try? FileManager.default.removeItem(at: out) }
        let wav = out.appendingPathComponent("lesson.wav").path
        _ = try Tool.run("/usr/bin/ffmpeg", ["-nostdin", "-y", "-loglevel", "error", "-i", TestEnvironment.sample("lesson-audio.m4a"),
                                     "-c:a", "pcm_s16le", wav])
        _ = try Self.analyseAndCheckClips(wav, out: out, clipExtension: "wav", audioCodec: "pcm_s16le", hasVideo: false)
    }

    @Test func mkvWithPCMAudioGetsMKVClipsAndThumbnails() throws {
        let out = try TempFolder("cli").url
        defer { try? FileManager.default.removeItem(at: out) }
        let mkv = out.appendingPathComponent("lesson.mkv").path
        _ = try Tool.run("/usr/bin/ffmpeg", ["-nostdin", "-y", "-loglevel", "error", "-i", TestEnvironment.sample("lesson-en-dialogue.mp4"),
                                     "-c:v", "copy", "-c:a", "pcm_s16le", mkv])
        let (dir, lessons) = try Self.analyseAndCheckClips(mkv, out: out, clipExtension: "mkv", audioCodec: "pcm_s16le", hasVideo: true)
        for l in lessons {
            let thumb = try #require(l["thumbnail"] as? String, "micro-lesson \(l["index"] ?? "?") has a thumbnail")
            #expect(FileManager.default.fileExists(atPath: dir + "/" + thumb))
        }
    }
}
