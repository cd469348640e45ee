import Foundation
import TestSupport
import Testing

/// `analyze` given a file whose name is not valid UTF-8 (issue 14, item 12): the file is opened by the
/// bytes of its argument and analysed; the report, the catalog and the messages show the name with the
/// bad bytes escaped. The name is passed as raw bytes through the shell, since Foundation's Process only
/// takes Strings. Before: "error: cannot read 'caf\u{FFFD}.m4a': no such file", exit 66.
@Suite(.tags(.media, .slow)) struct NonUTF8NameTests {
    func analyze(_ dir: URL, _ name: String) throws -> (status: Int32, stdout: String, stderr: String) {
        let r = try Tool.run("/bin/sh", ["-c", #"cd "$1" && cp "$2" "$(printf 'caf\351.m4a')" && exec "$3" analyze "$(printf "$4")" --out out --json"#,
                                         "sh", dir.path, TestEnvironment.sample("lesson-audio.m4a"), TestEnvironment.lessonlensBinary, name])
        return (r.status, r.stdout, r.stderr)
    }

    @Test func aLatin1NamedRecordingIsAnalysedAndShownEscaped() throws {
        let dir = try TempFolder("cli").url
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try analyze(dir, #"caf\351.m4a"#)
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(object["file"] as? String == #"caf\xE9.m4a"#)
        let reportDir = dir.appendingPathComponent(try #require(object["reportDir"] as? String)).path
        try Self.expectEscapedReportWithClips(reportDir)
        let jobs = try LessonLens.run(["jobs", "list", "--out", dir.appendingPathComponent("out").path])
        #expect(jobs.stdout.contains(#"caf\\xE9.m4a"#) && jobs.stdout.contains("done"), "jobs: \(jobs.stdout)")
    }

    @Test func aMissingNonUTF8NameIsOneLineWithTheNameEscaped() throws {
        let dir = try TempFolder("cli").url
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try analyze(dir, #"nofile\351.m4a"#)
        #expect(r.status == 66, "stderr: \(r.stderr)")
        #expect(r.stderr.contains(#"nofile\xE9.m4a"#) && r.stderr.split(separator: "\n").count == 1, "stderr: \(r.stderr)")
    }

    /// `watch --once` on a folder holding a real recording under a Latin-1 name: analysed (not a failed
    /// job asking for a rename), its report and clips cut from the same file, the name shown escaped.
    @Test func watchAnalysesALatin1NamedRecording() throws {
        let dir = try TempFolder("cli").url
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Tool.run("/bin/sh", ["-c", #"cd "$1" && mkdir in && cp "$2" "in/$(printf 'caf\351.m4a')" && exec "$3" watch in --out out --once --debounce 0"#,
                                         "sh", dir.path, TestEnvironment.sample("lesson-audio.m4a"), TestEnvironment.lessonlensBinary])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let jobs = try LessonLens.run(["jobs", "list", "--out", dir.appendingPathComponent("out").path])
        #expect(jobs.stdout.contains(#"caf\\xE9.m4a"#) && jobs.stdout.contains("done"), "jobs: \(jobs.stdout)")
        let out = dir.appendingPathComponent("out").path
        let reports = try FileManager.default.contentsOfDirectory(atPath: out).filter {
            !$0.hasPrefix(".") && FileManager.default.fileExists(atPath: out + "/" + $0 + "/report.json")
        }
        #expect(reports.count == 1, "out: \(reports)")
        let reportDir = out + "/" + (reports.first ?? "")
        try Self.expectEscapedReportWithClips(reportDir)
    }

    /// The report names the file escaped, and every micro-lesson has its clip, cut from the same file
    /// (read through its descriptor).
    static func expectEscapedReportWithClips(_ reportDir: String) throws {
        let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: reportDir + "/report.json"))) as? [String: Any])
        let recording = try #require(report["recording"] as? [String: Any])
        #expect(recording["file"] as? String == #"caf\xE9.m4a"#)
        let lessons = report["microLessons"] as? [[String: Any]] ?? []
        #expect(!lessons.isEmpty)
        for l in lessons {
            let clip = try #require(l["clip"] as? String, "a clip for every micro-lesson")
            #expect(FileManager.default.fileExists(atPath: reportDir + "/" + clip))
        }
    }
}
