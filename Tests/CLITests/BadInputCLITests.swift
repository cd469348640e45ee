import Foundation
import TestSupport
import Testing

/// Every bad-input case of SampleMedia/broken through the real binary: exit code and the one-line message.
@Suite(.tags(.media, .slow)) struct BadInputCLITests {
    struct Case: Sendable, CustomTestStringConvertible {
        var file: String
        var status: Int32
        var message: String
        var testDescription: String { file }
    }

    static let cases = [
        Case(file: "broken/empty.mp4", status: 65, message: "error: cannot read 'empty.mp4': file is empty (0 bytes)"),
        Case(file: "broken/not-media.mp4", status: 65, message: "error: cannot read 'not-media.mp4': not a media file FFmpeg can read"),
        Case(file: "broken/truncated.mp4", status: 65, message: "error: cannot read 'truncated.mp4': not a media file FFmpeg can read"),
        Case(file: "broken/does-not-exist.mp4", status: 66, message: "error: cannot read 'does-not-exist.mp4': no such file"),
    ]

    @Test(arguments: cases)
    func probeFails(_ c: Case) throws {
        let r = try LessonLens.run(["probe", TestEnvironment.sample(c.file)])
        #expect(r.status == c.status)
        #expect(r.stderr.hasPrefix(c.message), "stderr: \(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "one line")
        #expect(r.stdout.isEmpty)
    }

    @Test(arguments: cases)
    func analyzeFailsAndLeavesNoReport(_ c: Case) throws {
        let out = try TempFolder("cli").url
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try LessonLens.run(["analyze", TestEnvironment.sample(c.file), "--out", out.path])
        #expect(r.status == c.status)
        #expect(r.stderr.hasPrefix(c.message), "stderr: \(r.stderr)")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { !$0.hasPrefix("catalog.sqlite") }
        #expect(leftovers.isEmpty, "no report folder for a failed file: \(leftovers)")
        // A file that exists is in the catalog as a failed job with the reason; a missing one cannot be.
        let jobs = try LessonLens.run(["jobs", "list", "--catalog", out.appendingPathComponent("catalog.sqlite").path])
        if c.status == 65 {
            #expect(jobs.stdout.contains("failed") && jobs.stdout.contains((c.file as NSString).lastPathComponent), "jobs: \(jobs.stdout)")
        } else {
            #expect(!jobs.stdout.contains("failed"), "jobs: \(jobs.stdout)")
        }
    }

    @Test func truncatedTSIsAnalysedWithAWarning() throws {
        let out = try TempFolder("cli").url
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try LessonLens.run(["analyze", TestEnvironment.sample("broken/truncated.ts"), "--out", out.path, "--pipeline", "quick"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stdout.contains("report.html"))
    }

    @Test func usageErrorsAre64() throws {
        #expect(try LessonLens.run(["analyze"]).status == 64)
        #expect(try LessonLens.run(["analyze", "x.mp4", "--lang", "fr"]).status == 64)
        #expect(try LessonLens.run(["analyze", "x.mp4", "--workers", "0"]).status == 64)
        for poll in ["0.1", "301", "nan"] {
            let r = try LessonLens.run(["worker", "--catalog", "postgres://nobody@127.0.0.1:1/x", "--max-poll", poll])
            #expect(r.status == 64, "--max-poll \(poll): \(r.stderr)")
        }
        let bad = try LessonLens.run(["analyze", TestEnvironment.sample("lesson-audio.m4a"), "--set", "st.intervalSeconds=20"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("st.intervalSeconds"))
    }

    @Test func helpExplainsExitCodes() throws {
        let r = try LessonLens.run(["--help"])
        #expect(r.status == 0)
        for word in ["analyze", "watch", "jobs", "export", "probe", "report", "eval", "65 bad or corrupt media"] {
            #expect(r.stdout.contains(word), "help mentions \(word)")
        }
    }
}
