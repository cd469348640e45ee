public import Catalog
import Foundation
import Logging
import PostgresNIO

/// The portal's lesson lists on PostgreSQL: the same filters, order and limits as the SQLite catalog
/// (`CatalogStore+Portal.swift`), in PostgreSQL's dialect:
/// - text sort keys and comparisons are `COLLATE "C"` (SQLite's BINARY: byte order, whatever the locale);
/// - SQLite's `datetime(res.created_at, 'unixepoch')` is `createdAtUTC`, the same UTC `yyyy-MM-dd HH:mm:ss`
///   text (rounded to the millisecond, then the seconds truncated, as SQLite does);
/// - the text search is a plain substring after `lower` under `COLLATE "C"` (ASCII letters only, as
///   SQLite's built-in `lower`): `strpos`, not `LIKE`, so the user's `%` and `_` are plain characters.
extension PostgresJobQueue {
    /// SQLite's `datetime(res.created_at, 'unixepoch')`: SQLite rounds the Julian day to whole milliseconds
    /// (the same double arithmetic as here) and prints the seconds truncated.
    static let createdAtUTC = """
        to_char(to_timestamp((floor(res.created_at * 1000.0::float8 + 210866760000000.0::float8 + 0.5::float8) \
        - 210866760000000.0::float8) / 1000.0::float8) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')
        """
    /// The date a lesson sorts and filters by: its attribution's local start, else when it was analysed (UTC).
    static let lessonDate = "coalesce(j.recorded_at, \(createdAtUTC))"

    static let lessonFrom = " FROM results res JOIN jobs j ON j.id = res.job_id LEFT JOIN teachers t ON t.id = j.teacher_id"

    static let lessonSelect = """
        SELECT res.*, j.path AS job_path, j.school AS a_school, j.room AS a_room, j.teacher_id AS a_teacher_id,
            j.subject AS a_subject, j.class_name AS a_class, j.recorded_at AS a_recorded_at, j.slot_id AS a_slot,
            j.attribution AS a_source, t.name AS teacher_name
        """ + lessonFrom

    /// The query's `WHERE` (binds numbered from `$1`, so it follows a statement head without binds).
    static func whereClause(_ q: LessonQuery) -> PostgresQuery {
        var w = PostgresQuery(unsafeSQL: " WHERE 1 = 1")
        if let v = q.teacherID { w.sql += " AND j.teacher_id = "; w.bind(v) }
        if let v = q.school { w.sql += " AND coalesce(j.school, res.school) = "; w.bind(v) }
        if let v = q.subject { w.sql += " AND coalesce(j.subject, res.subject) = "; w.bind(v) }
        if let v = q.className { w.sql += " AND j.class_name = "; w.bind(v) }
        if let v = q.fromDate { w.sql += " AND substr(\(lessonDate), 1, 10) COLLATE \"C\" >= "; w.bind(v) }
        if let v = q.toDate { w.sql += " AND substr(\(lessonDate), 1, 10) COLLATE \"C\" <= "; w.bind(v) }
        if let v = q.text, !v.isEmpty {
            w.bind(v, sql: false)
            let needle = "lower($\(w.binds.count)::text COLLATE \"C\")"
            func contains(_ haystack: String) -> String { "strpos(lower((\(haystack)) COLLATE \"C\"), \(needle)) > 0" }
            w.sql += " AND (\(contains("coalesce(res.lesson_title, '')")) OR \(contains("j.path"))"
            w.sql += " OR \(contains("coalesce(t.name, res.teacher, '')")) OR \(contains("coalesce(j.class_name, '')")))"
        }
        return w
    }

    static func orderClause(_ q: LessonQuery) -> String {
        let dir = q.ascending ? "ASC" : "DESC"
        let date = "\(lessonDate) COLLATE \"C\""
        let key: String
        switch q.sort {
        case .date: key = date
        case .subject: key = "coalesce(j.subject, res.subject, '') COLLATE \"C\""
        case .className: key = "coalesce(j.class_name, '') COLLATE \"C\""
        case .teacherRatio: key = "res.teacher_ratio"
        case .rt: key = "coalesce(res.rt, -1)"
        case .findings: key = "res.findings_count"
        }
        return " ORDER BY \(key) \(dir), \(date) \(dir), res.job_id \(dir)"
    }

    /// The summary of a `results` row (`res.*`).
    static func resultSummary(_ r: PostgresRandomAccessRow) throws -> ResultSummary {
        func v<T: PostgresDecodable>(_ name: String, _: T.Type = T.self) throws -> T { try r[name].decode(T.self) }
        let warnings: String? = try v("warnings")
        return ResultSummary(
            durationSeconds: try v("duration"), teacherRatio: try v("teacher_ratio"),
            studentRatio: try v("student_ratio"), multiRatio: try v("multi_ratio"), silenceRatio: try v("silence_ratio"),
            rt: try v("rt"), ch: try v("ch"), mode: try v("mode"), medianWaitSeconds: try v("median_wait"),
            questionCount: try v("question_count"), turnExchanges: try v("turn_exchanges"),
            findingsCount: try v("findings_count"), slideChanges: try v("slide_changes"),
            microLessons: try v("micro_lessons"), language: try v("language"), lessonTitle: try v("lesson_title"),
            teacher: try v("teacher"), subject: try v("subject"), school: try v("school"),
            reportDir: try v("report_dir"),
            warnings: warnings.map { $0.split(separator: ",").map(String.init) })
    }

    /// A row of `lessonSelect`.
    static func lessonRow(_ row: PostgresRow) throws -> LessonRow {
        let r = row.makeRandomAccess()
        func v<T: PostgresDecodable>(_ name: String, _: T.Type = T.self) throws -> T { try r[name].decode(T.self) }
        let source: String? = try v("a_source")
        var attribution: Attribution?
        if let source = source.flatMap(AttributionSource.init(rawValue:)) {
            attribution = Attribution(school: try v("a_school"), room: try v("a_room"), teacherID: try v("a_teacher_id"),
                                      subject: try v("a_subject"), className: try v("a_class"),
                                      recordedAt: try v("a_recorded_at"), slotID: try v("a_slot"), source: source)
        }
        return LessonRow(jobID: try v("job_id"), path: try v("job_path"),
                         createdAt: Date(timeIntervalSince1970: try v("created_at")), summary: try resultSummary(r),
                         attribution: attribution, teacherName: try v("teacher_name"))
    }

    public func lessons(teacherID: String?, school: String?, jobID: Int64?) async throws -> [LessonRow] {
        let logger = self.logger
        var q = PostgresQuery(unsafeSQL: Self.lessonSelect + " WHERE 1 = 1")
        if let teacherID { q.sql += " AND j.teacher_id = "; q.bind(teacherID) }
        if let school { q.sql += " AND coalesce(j.school, res.school) = "; q.bind(school) }
        if let jobID { q.sql += " AND j.id = "; q.bind(jobID) }
        q.sql += " ORDER BY coalesce(j.recorded_at, '') COLLATE \"C\" DESC, res.created_at DESC, res.job_id DESC"
        let query = q
        return try await call("list lessons") { c in try await Self.rows(c, query, logger).map(Self.lessonRow) }
    }

    public func lessonsPage(_ q: LessonQuery, limit: Int, offset: Int) async throws -> (rows: [LessonRow], total: Int) {
        let logger = self.logger
        let w = Self.whereClause(q)
        let count = PostgresQuery(unsafeSQL: "SELECT COUNT(*)" + Self.lessonFrom + w.sql, binds: w.binds)
        var page = PostgresQuery(unsafeSQL: Self.lessonSelect + w.sql + Self.orderClause(q), binds: w.binds)
        page.sql += " LIMIT "
        page.bind(max(0, limit))
        page.sql += " OFFSET "
        page.bind(max(0, offset))
        let pageQuery = page
        // One transaction: the count and the page see the same snapshot.
        return try await call("list lessons") { c in
            try await Self.transaction(c, logger: logger) { c in
                try await c.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
                let total = try await Self.rows(c, count, logger).first?.decode(Int.self) ?? 0
                let rows = try await Self.rows(c, pageQuery, logger).map(Self.lessonRow)
                return (rows, total)
            }
        }
    }

    public func lessonFacets(_ q: LessonQuery) async throws -> (subjects: [String], classes: [String]) {
        let logger = self.logger
        let w = Self.whereClause(LessonQuery(teacherID: q.teacherID, school: q.school))
        let subjects = PostgresQuery(unsafeSQL: "SELECT DISTINCT coalesce(j.subject, res.subject) COLLATE \"C\" AS s"
                                         + Self.lessonFrom + w.sql
                                         + " AND coalesce(j.subject, res.subject) IS NOT NULL ORDER BY s LIMIT 200",
                                     binds: w.binds)
        let classes = PostgresQuery(unsafeSQL: "SELECT DISTINCT j.class_name COLLATE \"C\" AS c" + Self.lessonFrom + w.sql
                                        + " AND j.class_name IS NOT NULL ORDER BY c LIMIT 500",
                                    binds: w.binds)
        return try await call("list lesson facets") { c in
            let s = try await Self.rows(c, subjects, logger).map { try $0.decode(String.self) }
            let k = try await Self.rows(c, classes, logger).map { try $0.decode(String.self) }
            return (s, k)
        }
    }

    public func lessonGroups(_ q: LessonQuery, groupBy: String) async throws -> [LessonGroupStats] {
        let logger = self.logger
        let key = LessonGroupKey.sql(groupBy)
        let order = groupBy == "grade" ? "min(coalesce(j.grade, 99)), 1" : "1"
        // Constants of the code, not values: the same decile bounds as SQLite's.
        var bins = ""
        for i in 0..<10 {
            let lo = "\(Double(i) / 10)::float8"
            let hi = i == 9 ? "res.teacher_ratio <= 1.0001::float8" : "res.teacher_ratio < \(Double(i + 1) / 10)::float8"
            bins += ", SUM(CASE WHEN res.teacher_ratio >= \(lo) AND \(hi) THEN 1 ELSE 0 END) AS b\(i)"
        }
        let w = Self.whereClause(q)
        // AVG over float8 (an integer column cast first): the sum divided by the count in doubles, as SQLite's AVG.
        let query = PostgresQuery(unsafeSQL: """
            SELECT \(key) COLLATE "C" AS k, COUNT(*) AS n, AVG(res.teacher_ratio) AS tr, AVG(res.rt) AS rt, AVG(res.ch) AS ch,
                AVG(res.median_wait) AS wait, AVG(res.question_count::float8) AS q\(bins)
            """ + Self.lessonFrom + w.sql + " GROUP BY 1 ORDER BY " + order, binds: w.binds)
        return try await call("group lessons") { c in
            try await Self.rows(c, query, logger).map { row in
                let r = row.makeRandomAccess()
                func v<T: PostgresDecodable>(_ name: String, _: T.Type = T.self) throws -> T { try r[name].decode(T.self) }
                return LessonGroupStats(key: try v("k"), lessons: try v("n"), meanTeacherRatio: try v("tr", Double?.self) ?? 0,
                                        meanRt: try v("rt"), meanCh: try v("ch"), meanWaitSeconds: try v("wait"),
                                        meanQuestions: try v("q", Double?.self) ?? 0,
                                        teacherRatioHistogram: try (0..<10).map { try v("b\($0)", Int?.self) ?? 0 })
            }
        }
    }
}

extension PostgresQuery {
    /// Appends `value` as the next bound parameter and, unless `sql` is false, its `$n` to the SQL.
    mutating func bind<T: PostgresDynamicTypeEncodable>(_ value: T?, sql: Bool = true) {
        binds.append(value)
        if sql { self.sql += "$\(binds.count)" }
    }
}
