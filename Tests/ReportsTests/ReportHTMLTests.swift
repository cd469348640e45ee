import Foundation
import Testing
import MediaCore
@testable import Reports

@Suite("Report HTML")
struct ReportHTMLTests {
    static let hostile = "<script>alert(1)</script>&\"'"

    func hostileReport() -> Report {
        var r = SampleReport.make(title: Self.hostile, file: "<script>&\"'.mp4")
        r.lesson?.teacher = Self.hostile
        r.lesson?.subject = "<img src=x onerror=alert(1)>"
        r.microLessons[0].title = Self.hostile
        r.microLessons[1].clip = "javascript:alert(1)"
        r.microLessons[2].clip = "../../../etc/passwd"
        r.microLessons[0].thumbnail = "\"><script>alert(1)</script>.jpg"
        r.findings.append(Finding(code: .other(Self.hostile), severity: .critical, message: Self.hostile,
                                  moments: [TimeRange(start: 5, end: 9)]))
        r.notes.append(Self.hostile)
        r.pipeline = PipelineSummary(name: Self.hostile, parameters: [Self.hostile: .text(Self.hostile)])
        r.recording.sha256 = Self.hostile
        r.generator = Self.hostile
        r.generatedAt = Self.hostile
        return r
    }

    @Test(arguments: ReportLanguage.allCases)
    func hostileTextStaysText(lang: ReportLanguage) {
        let html = ReportWriter.html(hostileReport(), language: lang)
        #expect(!html.lowercased().contains("<script"))
        #expect(!html.contains("<img src=x"))
        #expect(!html.contains("javascript:"))
        #expect(!html.contains("../"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;&#39;"))
        // No attribute was broken out of: every quote in the markup comes in pairs per tag.
        #expect(!html.contains("\"\">"))
    }

    @Test func escapeHTMLCoversAllFive() {
        #expect(escapeHTML("<a href=\"x\">Tom & Jerry's</a>") == "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;")
        #expect(escapeHTML("中文 ok") == "中文 ok")
        #expect(escapeHTML("a\u{0}b\u{1B}c\td\n") == "abc\td\n")
    }

    @Test func safeRelativeURLs() {
        #expect(safeRelativeURL("clips/01-导入.mp4") == "clips/01-%E5%AF%BC%E5%85%A5.mp4")
        #expect(safeRelativeURL("clips/a b#c.mp4") == "clips/a%20b%23c.mp4")
        for bad in ["", "/etc/passwd", "../x.mp4", "clips/../../x", "javascript:alert(1)", "C:\\x.mp4", "https://x.org/a.mp4", "clips//a", "./a"] {
            #expect(safeRelativeURL(bad) == nil, "\(bad)")
        }
    }

    @Test(arguments: ReportLanguage.allCases)
    func everySectionRenders(lang: ReportLanguage) {
        let html = ReportWriter.html(SampleReport.make(), language: lang)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<html lang=\"\(lang == .zh ? "zh-CN" : "en")\">"))
        for id in ["summary", "timeline", "findings", "st", "talk", "phases", "microlessons", "method"] {
            #expect(html.contains("<section id=\"\(id)\">"), "missing section \(id)")
        }
        #expect(html.components(separatedBy: "<svg").count - 1 == 4)   // strip, S-T curve, Rt-Ch, histogram
        #expect(html.contains("@page{size:A4"))
        #expect(html.contains("Noto Sans CJK SC"))
        // Self-contained: no scripts, no external resources.
        #expect(!html.contains("<script") && !html.contains("http://") && !html.contains("https://") && !html.contains("@import"))
        // The lesson's mode in the language of the report.
        let mode = SampleReport.make().st!.mode
        let zhMode = ["lecture": "讲授型", "practice": "练习型", "dialogue": "对话型", "mixed": "混合型"][mode.rawValue]!
        #expect(html.contains(zhMode))
        if lang == .en { #expect(html.contains("S-T teaching mode")) } else { #expect(html.contains("S-T 教学模式")) }
    }

    @Test func findingsAreLocalisedWithFallback() {
        let zh = ReportWriter.html(SampleReport.make(), language: .zh)
        #expect(zh.contains("候答时间偏短"))
        #expect(zh.contains("提问后的候答时间中位数为"))
        // An unknown code falls back to the (escaped) English message.
        #expect(zh.contains("A finding code the report does not know &lt;b&gt;yet&lt;/b&gt;."))
        let en = ReportWriter.html(SampleReport.make(), language: .en)
        #expect(en.contains("Short wait time") && en.contains("Median wait time after a question was"))
        // Missing values: Chinese falls back to the English message too.
        let f = Finding(code: .highTeacherTalk, severity: .warning, message: "English only")
        #expect(FindingText.message(f, .zh) == "English only")
    }

    @Test func momentLinksPointAtMarkersAndClips() throws {
        let r = SampleReport.make()
        let html = ReportWriter.html(r, language: .en)
        // Every in-page link has its target.
        let hrefs = html.components(separatedBy: "href=\"#").dropFirst().map { String($0.prefix { $0 != "\"" }) }
        #expect(!hrefs.isEmpty)
        for h in hrefs { #expect(html.contains("id=\"\(h)\""), "dangling #\(h)") }
        // The long-silence moment (1080 s) lies in micro-lesson 2, whose clip starts at 560 s.
        #expect(html.contains("href=\"clips/02-light-reactions.mp4#t=520.0\""))
        // Micro-lesson 4 has no clip: no play link for it.
        #expect(!html.contains("clips/04"))
    }

    @Test func reportWithoutSTOrQuestionsOrMicroLessons() {
        var r = SampleReport.make()
        r.st = nil
        r.interaction = InteractionSummary()
        r.microLessons = []
        r.phases = []
        r.findings = []
        r.lesson = nil
        for lang in ReportLanguage.allCases {
            let html = ReportWriter.html(r, language: lang)
            #expect(html.contains(UIStrings.t(.stTooShort, lang)))
            #expect(html.contains(UIStrings.t(.noAnswered, lang)))
            #expect(html.contains(UIStrings.t(.noMicroLessons, lang)))
            #expect(html.contains(UIStrings.t(.noFindings, lang)))
            #expect(html.contains("<h1>\(escapeHTML(r.recording.file))</h1>"))
        }
    }

    @Test func stringsTableIsComplete() {
        for key in UIKey.allCases {
            let pair = UIStrings.table[key]
            #expect(pair != nil, "no strings for \(key)")
            #expect(!(pair?.zh.isEmpty ?? true) && !(pair?.en.isEmpty ?? true), "\(key)")
        }
        for code in FindingCode.allCases {
            let t = FindingText.titles(code)
            #expect(!t.zh.isEmpty && !t.en.isEmpty, "\(code)")
        }
    }

    @Test func clockFormat() {
        #expect(Fmt.clock(0) == "00:00")
        #expect(Fmt.clock(123.9) == "02:03")
        #expect(Fmt.clock(3725) == "1:02:05")
        #expect(Fmt.duration(2700, .en) == "45 min" && Fmt.duration(3599, .en) == "1 h 00 min")
        #expect(Fmt.duration(42, .zh) == "42 秒")
    }

    /// Writes sample reports for a visual check when LESSONLENS_SAMPLE_REPORT_DIR is set
    /// (scripts/screenshot-report.sh renders them); otherwise checks only that rendering succeeds.
    @Test func writeSampleReports() throws {
        let dir = ProcessInfo.processInfo.environment["LESSONLENS_SAMPLE_REPORT_DIR"]
        for lang in ReportLanguage.allCases {
            let html = ReportWriter.html(SampleReport.make(), language: lang)
            #expect(html.count > 10_000)
            if let dir {
                try html.write(toFile: "\(dir)/r-\(lang.rawValue).html", atomically: true, encoding: .utf8)
            }
        }
        if let dir {
            try ReportWriter.html(hostileReport(), language: .en).write(toFile: "\(dir)/r-hostile.html", atomically: true, encoding: .utf8)
        }
    }
}
