import Foundation
import TestSupport
import Testing

/// `lessonlens analyze` end to end on SampleMedia: every output, the report.json contract, re-rendering,
/// hostile names.
@Suite(.serialized, .tags(.media, .slow)) struct AnalyzeCLITests {
    static func json(_ path: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// A Chinese report of a real run shows every method note of its report.json in Chinese, rendered from
    /// the note's code (`methodNotes`), and none as its English sentence (`notes`).
    static func expectNotesInChinese(reportDir dir: String) throws {
        let report = try json(dir + "/report.json")
        let notes = try #require(report["notes"] as? [String])
        let codes = try #require(report["methodNotes"] as? [[String: Any]]).compactMap { $0["code"] as? String }
        #expect(!notes.isEmpty && codes.count == notes.count)
        let html = try String(contentsOfFile: dir + "/report.html", encoding: .utf8)
        #expect(html.contains("lang=\"zh-CN\""))
        let list = try #require(html.components(separatedBy: "<ul class=\"notes\">").dropFirst().first?
            .components(separatedBy: "</ul>").first)
        let items = list.components(separatedBy: "<li>").dropFirst()
        #expect(items.count == notes.count)
        for item in items {
            #expect(item.unicodeScalars.contains { (0x4E00...0x9FFF).contains($0.value) }, "not in Chinese: \(item)")
        }
        for note in notes {
            let escaped = note.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "'", with: "&#39;")
                .replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;")
            #expect(!html.contains(String(escaped.prefix(20))), "English note in the zh report: \(note)")
        }
    }

    @Test func analysesAVideoLessonWithItsPlan() throws {
        let out = try TempFolder("cli").url
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try LessonLens.run(["analyze", TestEnvironment.sample("lesson-en-dialogue.mp4"), "--out", out.path, "--lang", "en", "--json"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let line = try #require(r.stdout.split(separator: "\n").first)
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        let dir = try #require(summary["reportDir"] as? String)
        for f in ["report.html", "report.json", "timeline.csv", "chapters.vtt"] {
            #expect(FileManager.default.fileExists(atPath: dir + "/" + f), "\(f) written")
        }
        let report = try Self.json(dir + "/report.json")
        #expect(report["schemaVersion"] as? Int == 1)
        for key in ["recording", "timeline", "talk", "st", "interaction", "slides", "microLessons", "findings"] {
            #expect(report[key] != nil, "report.json has \(key)")
        }
        let recording = try #require(report["recording"] as? [String: Any])
        #expect((recording["sha256"] as? String)?.count == 64)
        #expect(abs((recording["durationSeconds"] as? Double ?? 0) - 160) < 20)
        let timeline = try #require(report["timeline"] as? [[String: Any]])
        #expect(!timeline.isEmpty)
        // Contiguous over [0, duration].
        var t = 0.0
        for seg in timeline {
            #expect(abs((seg["start"] as? Double ?? -1) - t) < 1e-6)
            t = seg["end"] as? Double ?? t
        }
        #expect(abs(t - (recording["durationSeconds"] as? Double ?? 0)) < 1e-6)
        let st = try #require(report["st"] as? [String: Any])
        #expect(["lecture", "practice", "dialogue", "mixed"].contains(st["mode"] as? String ?? ""))
        // The plan next to the file has 3 knowledge points: 3 micro-lessons with clips.
        let lessons = try #require(report["microLessons"] as? [[String: Any]])
        let plan = try String(contentsOfFile: TestEnvironment.sample("lesson-en-dialogue.plan.yml"), encoding: .utf8)
        let planned = plan.components(separatedBy: "- title:").count - 1
        #expect(lessons.count == planned)
        for l in lessons {
            let clip = try #require(l["clip"] as? String)
            #expect(clip.hasPrefix("clips/") && clip.hasSuffix(".mp4"))
            #expect(FileManager.default.fileExists(atPath: dir + "/" + clip))
        }
        let vtt = try String(contentsOfFile: dir + "/chapters.vtt", encoding: .utf8)
        #expect(vtt.hasPrefix("WEBVTT"))
        let csv = try String(contentsOfFile: dir + "/timeline.csv", encoding: .utf8)
        #expect(csv.split(separator: "\n").count == timeline.count + 1)

        // Re-render in the other language without re-analysis.
        let html = try String(contentsOfFile: dir + "/report.html", encoding: .utf8)
        #expect(html.contains("lang=\"en\""))
        let rr = try LessonLens.run(["report", dir, "--lang", "zh"])
        #expect(rr.status == 0, "stderr: \(rr.stderr)")
        let zh = try String(contentsOfFile: dir + "/report.html", encoding: .utf8)
        #expect(zh.contains("lang=\"zh"))
        try Self.expectNotesInChinese(reportDir: dir)

        // The catalog knows the lesson.
        let jobs = try LessonLens.run(["jobs", "list", "--json", "--out", out.path])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(jobs.stdout.utf8)) as? [[String: Any]])
        #expect(rows.count == 1 && rows.first?["state"] as? String == "done")
        let export = try LessonLens.run(["export", "--format", "csv", "--catalog", out.path + "/catalog.sqlite"])
        #expect(export.status == 0, "stderr: \(export.stderr)")
        #expect(export.stdout.contains("lesson-en-dialogue.mp4"))
    }

    @Test func audioOnlyRecordingGetsAudioClips() throws {
        let out = try TempFolder("cli").url
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try LessonLens.run(["analyze", TestEnvironment.sample("lesson-audio.m4a"), "--out", out.path, "--json"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let line = try #require(r.stdout.split(separator: "\n").first)
        let dir = try #require((try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["reportDir"] as? String)
        let report = try Self.json(dir + "/report.json")
        let recording = try #require(report["recording"] as? [String: Any])
        #expect(recording["video"] is NSNull, "video is an explicit null")
        for l in (report["microLessons"] as? [[String: Any]]) ?? [] {
            #expect((l["clip"] as? String)?.hasSuffix(".m4a") == true)
        }
    }

    /// The room microphone with the teacher's lapel track (audio track 1): both are analysed, the
    /// report says so, and the teacher's talk time is within 3 % of the lesson of the truth file's.
    @Test func lapelTrackIsAnalysedWithTheRoomTrack() throws {
        let out = try TempFolder("cli").url
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try LessonLens.run(["analyze", TestEnvironment.sample("lesson-lapel.m4a"), "--out", out.path, "--json",
                             "--set", "audio.teacherTrack=1", "--set", "clips.enabled=false"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let line = try #require(r.stdout.split(separator: "\n").first)
        let dir = try #require((try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["reportDir"] as? String)
        let report = try Self.json(dir + "/report.json")
        let notes = try #require(report["notes"] as? [String])
        #expect(notes.contains { $0.contains("lapel microphone") })
        let codes = ((report["methodNotes"] as? [[String: Any]]) ?? []).compactMap { $0["code"] as? String }
        #expect(codes.contains("lapel-microphone") && codes.contains("no-video"))
        try Self.expectNotesInChinese(reportDir: dir)
        let truth = try Self.json(TestEnvironment.sample("lesson-lapel.truth.json"))
        let duration = try #require(truth["durationSeconds"] as? Double)
        let trueTeacher = try #require((truth["talk"] as? [String: Any])?["teacherSeconds"] as? Double)
        let teacher = try #require((report["talk"] as? [String: Any])?["teacherSeconds"] as? Double)
        #expect(abs(teacher - trueTeacher) / duration < 0.03, "teacher \(teacher) s, truth \(trueTeacher) s")
        // The recording's audio is the room track (track 0), not the lapel.
        let audio = try #require((report["recording"] as? [String: Any])?["audio"] as? [String: Any])
        #expect(audio["streamIndex"] as? Int == 0)
    }

    @Test func videoWithoutAudioGetsAFinding() throws {
        let out = try TempFolder("cli").url
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try LessonLens.run(["analyze", TestEnvironment.sample("broken/no-audio.mp4"), "--out", out.path, "--json"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let line = try #require(r.stdout.split(separator: "\n").first)
        let dir = try #require((try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["reportDir"] as? String)
        let report = try Self.json(dir + "/report.json")
        #expect((report["recording"] as? [String: Any])?["audio"] is NSNull)
        #expect((report["timeline"] as? [Any])?.isEmpty == true)
        let codes = ((report["findings"] as? [[String: Any]]) ?? []).compactMap { $0["code"] as? String }
        #expect(codes.contains("no-audio"))
    }

    @Test func hostileFileNameAndTitleAreEscaped() throws {
        let out = try TempFolder("cli").url
        defer { try? FileManager.default.removeItem(at: out) }
        let hostile = out.appendingPathComponent("<script>alert(1)&\"' $(touch pwned) 课.m4a").path
        try FileManager.default.copyItem(atPath: TestEnvironment.sample("lesson-audio.m4a"), toPath: hostile)
        let plan = out.appendingPathComponent("plan.yml").path
        try "title: \"<script>alert('x')</script>\"\nknowledgePoints:\n  - title: \"../../etc/<b>passwd</b>\"\n"
            .write(toFile: plan, atomically: true, encoding: .utf8)
        let r = try LessonLens.run(["analyze", hostile, "--out", out.appendingPathComponent("o").path, "--lesson-plan", plan, "--json"], cwd: out)
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("pwned").path))
        let line = try #require(r.stdout.split(separator: "\n").first)
        let dir = try #require((try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["reportDir"] as? String)
        let html = try String(contentsOfFile: dir + "/report.html", encoding: .utf8)
        #expect(!html.lowercased().contains("<script"))
        #expect(html.contains("&lt;script&gt;"))
        let clips = (try? FileManager.default.contentsOfDirectory(atPath: dir + "/clips")) ?? []
        #expect(clips.allSatisfy { !$0.contains("/") && !$0.contains("..") && !$0.contains("<") })
    }
}
