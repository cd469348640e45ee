import Foundation
import TestSupport
import Testing

/// `watch` takes `--set KEY=VALUE` and `--verbose` like `analyze` (issue 13, item 3): the overrides are
/// validated before the watcher starts and are the parameters its jobs run with.
@Suite struct WatchOptionsTests {
    @Test func setOverridesReachTheJobsAndBadOnesAreRefused() throws {
        let dir = try TempFolder("cli").url
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in").path
        let out = dir.appendingPathComponent("out").path
        try FileManager.default.createDirectory(atPath: input, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: TestEnvironment.sample("lesson-audio.m4a"), toPath: input + "/a.m4a")

        let bad = try LessonLens.run(["watch", input, "--out", out, "--once", "--set", "microLessons.enabeld=false"])
        #expect(bad.status == 64, "stderr: \(bad.stderr)")
        #expect(bad.stderr.contains("microLessons.enabeld") && bad.stderr.split(separator: "\n").count == 1, "stderr: \(bad.stderr)")

        let r = try LessonLens.run(["watch", input, "--out", out, "--once", "--debounce", "0", "--pipeline", "audio-only",
                             "--set", "microLessons.enabled=false", "--verbose"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let reports = try FileManager.default.contentsOfDirectory(atPath: out).filter {
            FileManager.default.fileExists(atPath: out + "/" + $0 + "/report.json")
        }
        try #require(reports.count == 1, "reports: \(reports); stderr: \(r.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/" + reports[0] + "/report.json"))) as? [String: Any])
        #expect((report["microLessons"] as? [Any])?.isEmpty ?? true, "microLessons.enabled=false was applied")
        #expect(!FileManager.default.fileExists(atPath: out + "/" + reports[0] + "/clips"))

        let help = try LessonLens.run(["watch", "--help"])
        #expect(help.stdout.contains("--set") && help.stdout.contains("--verbose"))
    }
}
