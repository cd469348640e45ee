import Foundation
import Testing
import MediaCore
@testable import Reports

@Suite("Report data files")
struct ReportDataTests {
    @Test func jsonRoundTripsAndIsStable() throws {
        let r = SampleReport.make()
        let data = try ReportWriter.json(r)
        let back = try JSONDecoder().decode(Report.self, from: data)
        #expect(back == r)
        #expect(try ReportWriter.json(back) == data)
        let text = try #require(String(data: data, encoding: .utf8))
        #expect(text.hasPrefix("{\n"))
        #expect(text.contains("\"schemaVersion\" : 1"))
        #expect(text.contains("\"clip\" : \"clips/01-导入.mp4\""))   // slashes not escaped
        // Keys are sorted: "findings" comes before "generatedAt" before "timeline".
        let f = try #require(text.range(of: "\"findings\"")), g = try #require(text.range(of: "\"generatedAt\"")),
            tl = try #require(text.range(of: "\"timeline\""))
        #expect(f.lowerBound < g.lowerBound && g.lowerBound < tl.lowerBound)
    }

    @Test func explicitNulls() throws {
        var r = SampleReport.make()
        r.recording.video = nil
        r.recording.audio = nil
        r.interaction.questions = [Question(time: 12, waitSeconds: nil)]
        r.interaction.medianWaitSeconds = nil
        let text = try #require(String(data: try ReportWriter.json(r), encoding: .utf8))
        #expect(text.contains("\"video\" : null"))
        #expect(text.contains("\"audio\" : null"))
        #expect(text.contains("\"waitSeconds\" : null"))
        #expect(text.contains("\"medianWaitSeconds\" : null"))
        #expect(try JSONDecoder().decode(Report.self, from: ReportWriter.json(r)) == r)
    }

    @Test func nonFiniteNumberThrows() {
        var r = SampleReport.make()
        r.talk.teacherRatio = .nan
        #expect(throws: EncodingError.self) { try ReportWriter.json(r) }
    }

    @Test func timelineCSV() {
        var r = SampleReport.make()
        r.timeline = [Segment(start: 0, end: 12.5, label: .teacher), Segment(start: 12.5, end: 13.0004, label: .silence),
                      Segment(start: 13.0004, end: 2700, label: .student)]
        #expect(ReportWriter.timelineCSV(r) == "start,end,label\n0.000,12.500,teacher\n12.500,13.000,silence\n13.000,2700.000,student\n")
        r.timeline = []
        #expect(ReportWriter.timelineCSV(r) == "start,end,label\n")
    }

    @Test func chaptersVTT() {
        var r = SampleReport.make()
        r.microLessons = [MicroLesson(index: 1, start: 0, end: 300.25, title: "Intro <b>&</b>\nnext --> line"),
                          MicroLesson(index: 2, start: 300.25, end: 3725.5, title: "  ")]
        let vtt = ReportWriter.chaptersVTT(r)
        #expect(vtt == """
        WEBVTT

        1
        00:00:00.000 --> 00:05:00.250
        Intro &lt;b&gt;&amp;&lt;/b&gt; next → line

        2
        00:05:00.250 --> 01:02:05.500
        2

        """)
        r.microLessons = []
        #expect(ReportWriter.chaptersVTT(r) == "WEBVTT\n")
    }

    @Test func vttTimestampFormat() {
        #expect(Fmt.vtt(0) == "00:00:00.000")
        #expect(Fmt.vtt(59.9996) == "00:01:00.000")
        #expect(Fmt.vtt(3600 + 62.0625) == "01:01:02.063")
        #expect(Fmt.vtt(-3) == "00:00:00.000")
    }

    @Test func csvEscaping() {
        #expect(escapeCSV("plain") == "plain")
        #expect(escapeCSV("a,b") == "\"a,b\"")
        #expect(escapeCSV("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(escapeCSV("two\nlines") == "\"two\nlines\"")
        #expect(escapeCSV("=HYPERLINK(\"x\")") == "\"'=HYPERLINK(\"\"x\"\")\"")
        #expect(escapeCSV("-1.5", text: false) == "-1.5")
        #expect(escapeCSV("@cmd") == "'@cmd")
    }

    @Test func summaryRowMatchesHeader() throws {
        var r = SampleReport.make(title: "Hello, \"world\"", file: "a,b.mp4")
        let header = ReportWriter.summaryCSVHeader
        let row = ReportWriter.summaryCSVRow(r)
        #expect(header.hasSuffix("\n") && row.hasSuffix("\n"))
        let cells = parseCSVLine(String(row.dropLast()))
        #expect(cells.count == ReportWriter.summaryColumns.count)
        let col = Dictionary(uniqueKeysWithValues: zip(ReportWriter.summaryColumns, cells))
        #expect(col["file"] == "a,b.mp4")
        #expect(col["title"] == "Hello, \"world\"")
        #expect(col["duration_seconds"] == "2700.000")
        #expect(col["st_mode"] == r.st?.mode.rawValue)
        #expect(col["warnings"] == "short-wait-time;long-monologue")
        r.st = nil
        r.interaction.medianWaitSeconds = nil
        let col2 = Dictionary(uniqueKeysWithValues: zip(ReportWriter.summaryColumns, parseCSVLine(String(ReportWriter.summaryCSVRow(r).dropLast()))))
        #expect(col2["rt"] == "" && col2["st_mode"] == "" && col2["median_wait_seconds"] == "")
    }

    /// A small RFC 4180 reader for one line, to check the writer from the reader's side.
    func parseCSVLine(_ line: String) -> [String] {
        var cells: [String] = [], cur = "", quoted = false
        let it = Array(line)
        var i = 0
        while i < it.count {
            let c = it[i]
            if quoted {
                if c == "\"" { if i + 1 < it.count && it[i + 1] == "\"" { cur.append("\""); i += 1 } else { quoted = false } }
                else { cur.append(c) }
            } else if c == "\"" { quoted = true }
            else if c == "," { cells.append(cur); cur = "" }
            else { cur.append(c) }
            i += 1
        }
        cells.append(cur)
        return cells
    }
}

@Test func summaryTableHasOneRowPerReport() {
    let table = ReportWriter.summaryCSV([SampleReport.make(), SampleReport.make(file: "b.mp4")])
    let lines = table.split(separator: "\n", omittingEmptySubsequences: false)
    #expect(lines.count == 4 && lines[3].isEmpty)
    #expect(lines[0] + "\n" == ReportWriter.summaryCSVHeader)
    #expect(lines[2].hasPrefix("b.mp4,"))
}
