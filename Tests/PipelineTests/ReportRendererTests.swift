import Foundation
import Testing
import MediaCore
@testable import Pipeline
import Reports

/// `lessonlens report` re-renders a report.json written by another version: spellings this version does
/// not know are shown as given, never a decoding failure.
@Suite("Re-rendering a report.json from another version")
struct ReportRendererTests {
    func report() -> Report {
        let rec = RecordingSummary(id: "0123456789abcdef", file: "a.m4a", sha256: String(repeating: "0", count: 64), sizeBytes: 1,
                                   durationSeconds: 60, startSeconds: 0, container: "wav", video: nil, audio: nil)
        var r = Report(generator: "lessonlens test", generatedAt: "2026-12-02T00:00:00Z", language: .known(.en), recording: rec,
                       pipeline: PipelineSummary(name: "standard", parameters: [:]),
                       st: STSummary(intervalSeconds: 30, rule: .known(.windowMajority), sequence: "TS", rt: 0.5, ch: 0.5,
                                     mode: .known(.dialogue), n: 2, runs: 2, curve: [STPoint(t: 0, s: 0), STPoint(t: 1, s: 0), STPoint(t: 1, s: 1)]),
                       findings: [Finding(code: .noSpeech, severity: .warning, message: "No voice.")])
        r.setNotes([MethodNote(.waitTime), MethodNote(.noVideo)])
        return r
    }

    @Test func unknownSpellingsRender() throws {
        var text = String(decoding: try ReportWriter.json(report()), as: UTF8.self)
        for (from, to) in [("\"en\"", "\"fr\""), ("\"window-majority\"", "\"every-10-s\""), ("\"dialogue\"", "\"seminar\""),
                           ("\"no-speech\"", "\"added-later\""), ("\"no-video\"", "\"new-note\"")] {
            #expect(text.contains(from))
            text = text.replacingOccurrences(of: from, with: to)
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rr-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data(text.utf8).write(to: URL(fileURLWithPath: dir + "/report.json"))
        // No --lang and a language this version does not know: Chinese, the default.
        let path = try ReportRenderer.render(directory: dir, language: nil, output: nil)
        let html = try String(contentsOfFile: path, encoding: .utf8)
        #expect(html.contains("lang=\"zh-CN\""))
        #expect(html.contains("seminar") && html.contains("every-10-s") && html.contains("added-later"))
        // The known note in Chinese, the unknown one by its English sentence.
        #expect(html.contains("<li>候答时间是教师话语结束到第一个学生声音出现之间的安静时间。</li>"))
        #expect(html.contains("<li>The recording has no video: slide changes and motion are not reported.</li>"))
        let en = try String(contentsOfFile: try ReportRenderer.render(directory: dir, language: "en", output: dir + "/en.html"), encoding: .utf8)
        #expect(en.contains("lang=\"en\"") && en.contains("<li>Wait time is the silence"))
    }
}
