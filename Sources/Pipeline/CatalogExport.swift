public import Catalog
public import Foundation

/// Machine-readable views of the catalog for `lessonlens jobs --json` and `lessonlens export`.
public enum CatalogExport {
    /// A job as `jobs list --json` prints it. Field names are a contract (extend, never rename):
    /// `id, file, sha256, state, error, reportDir` are always present (`error`/`reportDir` may be null).
    public struct JobJSON: Encodable, Sendable {
        public var id: Int64
        /// Full path of the file.
        public var file: String
        public var sha256: String
        public var state: String
        public var error: String?
        public var reportDir: String?
        public var attempts: Int
        public var pipeline: String
        public var duplicateOf: Int64?
        /// ISO-8601 times.
        public var createdAt: String
        public var startedAt: String?
        public var finishedAt: String?
        public var nextAttemptAt: String?
        public var leaseOwner: String?
        /// Host holding the job (running) or that completed it (done).
        public var host: String?

        public init(_ job: JobRow) {
            id = job.id
            file = job.path
            sha256 = job.sha256
            state = job.state.rawValue
            error = job.error
            reportDir = job.reportDir
            attempts = job.attempts
            pipeline = job.pipeline
            duplicateOf = job.duplicateOf
            createdAt = CatalogExport.iso(job.createdAt)
            startedAt = job.startedAt.map(CatalogExport.iso)
            finishedAt = job.finishedAt.map(CatalogExport.iso)
            nextAttemptAt = job.nextAttemptAt.map(CatalogExport.iso)
            leaseOwner = job.leaseOwner
            host = job.host
        }

        enum CodingKeys: String, CodingKey {
            case id, file, sha256, state, error, reportDir, attempts, pipeline, duplicateOf, createdAt, startedAt,
                 finishedAt, nextAttemptAt, leaseOwner, host
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(file, forKey: .file)
            try c.encode(sha256, forKey: .sha256)
            try c.encode(state, forKey: .state)
            try c.encode(error, forKey: .error)            // explicit null
            try c.encode(reportDir, forKey: .reportDir)    // explicit null
            try c.encode(attempts, forKey: .attempts)
            try c.encode(pipeline, forKey: .pipeline)
            try c.encodeIfPresent(duplicateOf, forKey: .duplicateOf)
            try c.encode(createdAt, forKey: .createdAt)
            try c.encodeIfPresent(startedAt, forKey: .startedAt)
            try c.encodeIfPresent(finishedAt, forKey: .finishedAt)
            try c.encodeIfPresent(nextAttemptAt, forKey: .nextAttemptAt)
            try c.encodeIfPresent(leaseOwner, forKey: .leaseOwner)
            try c.encodeIfPresent(host, forKey: .host)
        }
    }

    /// Jobs as a pretty JSON array (UTF-8, keys sorted so output is stable).
    public static func jobsJSON(_ jobs: [JobRow]) throws -> String {
        String(decoding: try encoder.encode(jobs.map(JobJSON.init)), as: UTF8.self)
    }

    /// One job as a pretty JSON object.
    public static func jobJSON(_ job: JobRow) throws -> String {
        String(decoding: try encoder.encode(JobJSON(job)), as: UTF8.self)
    }

    private static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// Header of the results CSV. Ratios are 0…1 over the whole duration; times are seconds.
    public static let csvHeader = [
        "job_id", "file", "path", "sha256", "pipeline", "analysed_at", "duration_s", "teacher_ratio", "student_ratio",
        "multi_ratio", "silence_ratio", "rt", "ch", "mode", "median_wait_s", "questions", "turn_exchanges", "findings",
        "slide_changes", "micro_lessons", "language", "lesson_title", "teacher", "subject", "school", "report_dir",
    ]

    /// One row per analysed lesson (RFC 4180: CRLF line ends, fields quoted when needed; an empty field
    /// is a missing value). Text that a spreadsheet would run as a formula (`=`, `+`, `-`, `@` first) is
    /// prefixed with `'`, since file names come from whoever dropped the file.
    public static func csv(_ rows: [ResultRow]) -> String {
        var lines = [csvHeader.joined(separator: ",")]
        for r in rows {
            let s = r.summary
            let fields: [String] = [
                "\(r.jobID)", text((r.path as NSString).lastPathComponent), text(r.path), r.sha256, text(r.pipeline),
                iso(r.createdAt), num(s.durationSeconds), num(s.teacherRatio), num(s.studentRatio), num(s.multiRatio),
                num(s.silenceRatio), num(s.rt), num(s.ch), text(s.mode ?? ""), num(s.medianWaitSeconds),
                "\(s.questionCount)", "\(s.turnExchanges)", "\(s.findingsCount)", "\(s.slideChanges)", "\(s.microLessons)",
                text(s.language), text(s.lessonTitle ?? ""), text(s.teacher ?? ""), text(s.subject ?? ""),
                text(s.school ?? ""), text(s.reportDir),
            ]
            lines.append(fields.joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    private static func num(_ d: Double?) -> String {
        guard let d, d.isFinite else { return "" }
        // Up to 6 decimals, no exponent: every statistics tool reads it, and it is finer than any measure.
        var s = String(format: "%.6f", d)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }

    private static func text(_ raw: String) -> String {
        var s = raw
        if let first = s.first, "=+-@".contains(first) { s = "'" + s }
        if s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            s = "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return s
    }

    static func iso(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: date)
    }

    /// Parses `--since`: `YYYY-MM-DD` (midnight, local time) or a full ISO-8601 time.
    public static func parseDate(_ text: String) -> Date? {
        let full = ISO8601DateFormatter()
        if let d = full.date(from: text) { return d }
        full.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = full.date(from: text) { return d }
        let day = DateFormatter()
        day.locale = Locale(identifier: "en_US_POSIX")
        day.timeZone = TimeZone.current
        for format in ["yyyy-MM-dd", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm"] {
            day.dateFormat = format
            if let d = day.date(from: text) { return d }
        }
        return nil
    }
}
