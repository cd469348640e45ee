public import Foundation
public import MediaCore

/// Turns a `Report` into its files: report.json, timeline.csv, chapters.vtt, report.html and the one-line
/// summary rows of `lessonlens export`. Pure functions: no file I/O here (the pipeline writes atomically).
public enum ReportWriter {
    /// report.json: pretty-printed, keys sorted, slashes unescaped, so the same report always gives the same
    /// bytes. `waitSeconds`, `medianWaitSeconds`, `video` and `audio` are explicit `null`s when absent; `st`
    /// is omitted when S-T analysis was not computed (recording shorter than one interval).
    /// Throws `EncodingError` for a non-finite number (a bug upstream: JSON has no NaN).
    public static func json(_ r: Report) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(r)
        data.append(0x0A)  // end the file with a newline, as text tools expect
        return data
    }

    /// timeline.csv: header `start,end,label`, one row per segment, times in seconds with 3 decimals.
    public static func timelineCSV(_ r: Report) -> String {
        var out = "start,end,label\n"
        for seg in r.timeline {
            out += "\(Fmt.fixed(seg.start, 3)),\(Fmt.fixed(seg.end, 3)),\(seg.label.rawValue)\n"
        }
        return out
    }

    /// chapters.vtt: WebVTT chapters, one cue per micro-lesson (`HH:MM:SS.mmm` times), cue text the title.
    /// Titles are made safe for cue text: `&`, `<`, `>` escaped, line breaks and `-->` removed.
    public static func chaptersVTT(_ r: Report) -> String {
        var out = "WEBVTT\n"
        for m in r.microLessons {
            var title = m.title
                .replacingOccurrences(of: "\r\n", with: " ")
                .replacingOccurrences(of: "\n", with: " ")
                .replacingOccurrences(of: "\r", with: " ")
                .replacingOccurrences(of: "-->", with: "→")
                .replacingOccurrences(of: "&", with: "&amp;")
                .replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;")
                .trimmingCharacters(in: .whitespaces)
            if title.isEmpty { title = "\(m.index)" }
            out += "\n\(m.index)\n\(Fmt.vtt(m.start)) --> \(Fmt.vtt(m.end))\n\(title)\n"
        }
        return out
    }

    /// A whole summary table: the header and one row per report, in the given order.
    public static func summaryCSV(_ reports: [Report]) -> String {
        summaryCSVHeader + reports.map(summaryCSVRow).joined()
    }

    /// The columns of `summaryCSVRow`, comma-separated, with a trailing newline.
    public static let summaryCSVHeader: String = summaryColumns.joined(separator: ",") + "\n"

    /// Column names of the export summary (ratios in 0...1, times in seconds; empty cell = not available).
    public static let summaryColumns: [String] = [
        "file", "recording_id", "title", "teacher", "subject", "date", "duration_seconds",
        "teacher_talk_ratio", "student_talk_ratio", "multi_ratio", "silence_ratio", "media_ratio",
        "st_interval_seconds", "st_rule", "rt", "ch", "st_mode", "turn_exchanges", "questions",
        "answered_questions", "median_wait_seconds", "micro_lessons", "findings", "warnings",
    ]

    /// One CSV row (with a trailing newline) summarising a lesson for `lessonlens export`; columns as in
    /// `summaryColumns`. Text fields are CSV-escaped (and guarded against formula injection).
    public static func summaryCSVRow(_ r: Report) -> String {
        func num(_ x: Double?, _ digits: Int) -> String { x.map { Fmt.fixed($0, digits) } ?? "" }
        let cells: [String] = [
            escapeCSV(r.recording.file), escapeCSV(r.recording.id),
            escapeCSV(r.lesson?.title ?? ""), escapeCSV(r.lesson?.teacher ?? ""),
            escapeCSV(r.lesson?.subject ?? ""), escapeCSV(r.lesson?.date ?? ""),
            num(r.recording.durationSeconds, 3),
            num(r.talk.teacherRatio, 4), num(r.talk.studentRatio, 4), num(r.talk.multiRatio, 4),
            num(r.talk.silenceRatio, 4), num(r.talk.mediaRatio, 4),
            num(r.st?.intervalSeconds, 0), escapeCSV(r.st?.rule.rawValue ?? ""), num(r.st?.rt, 4), num(r.st?.ch, 4),
            escapeCSV(r.st?.mode.rawValue ?? ""),
            String(r.interaction.turnExchanges), String(r.interaction.questions.count),
            String(r.interaction.answeredQuestions), num(r.interaction.medianWaitSeconds, 2),
            String(r.microLessons.count), String(r.findings.count),
            escapeCSV(r.findings.filter { $0.severity >= .warning }.map(\.code.rawValue).joined(separator: ";")),
        ]
        return cells.joined(separator: ",") + "\n"
    }
}
