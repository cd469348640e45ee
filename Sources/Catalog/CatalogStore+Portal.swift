import Foundation
internal import GRDB

/// Which lessons a portal query may return and how it orders them (issue 11). The scope (`teacherID`,
/// `school`) is the access rule's SQL form; the filters are the list page's.
public struct LessonQuery: Sendable, Equatable {
    /// The columns the lesson list sorts by.
    public enum SortKey: String, Sendable, CaseIterable {
        case date, subject, className = "class", teacherRatio = "talk", rt, findings
    }
    /// Only lessons whose attribution has this teacher id.
    public var teacherID: String?
    /// Only lessons of this school (attribution's, else the plan's).
    public var school: String?
    public var subject: String?
    public var className: String?
    /// Substring of title, file, teacher name or class.
    public var text: String?
    /// `yyyy-MM-dd`, inclusive.
    public var fromDate: String?
    public var toDate: String?
    public var sort: SortKey
    public var ascending: Bool

    public init(teacherID: String? = nil, school: String? = nil, subject: String? = nil, className: String? = nil,
                text: String? = nil, fromDate: String? = nil, toDate: String? = nil, sort: SortKey = .date,
                ascending: Bool = false) {
        self.teacherID = teacherID
        self.school = school
        self.subject = subject
        self.className = className
        self.text = text
        self.fromDate = fromDate
        self.toDate = toDate
        self.sort = sort
        self.ascending = ascending
    }
}

/// Count and mean values of a group of lessons (the school view's distributions).
public struct LessonGroupStats: Sendable, Equatable, Codable {
    public var key: String
    public var lessons: Int
    public var meanTeacherRatio: Double
    public var meanRt: Double?
    public var meanCh: Double?
    /// Seconds.
    public var meanWaitSeconds: Double?
    public var meanQuestions: Double
    /// Lessons per teacher-talk decile, `[0, 0.1)`, …, `[0.9, 1]`.
    public var teacherRatioHistogram: [Int]

    public init(key: String, lessons: Int, meanTeacherRatio: Double, meanRt: Double? = nil, meanCh: Double? = nil,
                meanWaitSeconds: Double? = nil, meanQuestions: Double, teacherRatioHistogram: [Int]) {
        self.key = key
        self.lessons = lessons
        self.meanTeacherRatio = meanTeacherRatio
        self.meanRt = meanRt
        self.meanCh = meanCh
        self.meanWaitSeconds = meanWaitSeconds
        self.meanQuestions = meanQuestions
        self.teacherRatioHistogram = teacherRatioHistogram
    }
}

/// The school view's grouping keys as SQL over `results res JOIN jobs j LEFT JOIN teachers t`, the same
/// text on SQLite and PostgreSQL (both backends use it, so they group alike).
public enum LessonGroupKey {
    public static let all = ["subject", "class", "teacher", "grade"]

    public static func sql(_ groupBy: String) -> String {
        switch groupBy {
        case "class": return "coalesce(j.class_name, '?')"
        case "teacher": return "coalesce(t.name || ' (' || j.teacher_id || ')', j.teacher_id, res.teacher, '?')"
        case "grade": return "coalesce(CAST(j.grade AS TEXT), '?')"
        default: return "coalesce(j.subject, res.subject, '?')"
        }
    }

    /// ORDER BY of the grouped rows: grades by number (then `?`), other keys by their text.
    public static func order(_ groupBy: String) -> String {
        groupBy == "grade" ? "min(coalesce(j.grade, 99)), k" : "k"
    }
}

extension CatalogStore {
    static let lessonSelect = """
        SELECT res.*, j.path AS job_path, j.school AS a_school, j.room AS a_room, j.teacher_id AS a_teacher_id,
            j.subject AS a_subject, j.class_name AS a_class, j.recorded_at AS a_recorded_at, j.slot_id AS a_slot,
            j.attribution AS a_source, t.name AS teacher_name
        FROM results res JOIN jobs j ON j.id = res.job_id LEFT JOIN teachers t ON t.id = j.teacher_id
        """

    static func whereClause(_ q: LessonQuery) -> (String, StatementArguments) {
        var sql = " WHERE 1 = 1"
        var args: StatementArguments = []
        if let v = q.teacherID { sql += " AND j.teacher_id = ?"; args += [v] }
        if let v = q.school { sql += " AND coalesce(j.school, res.school) = ?"; args += [v] }
        if let v = q.subject { sql += " AND coalesce(j.subject, res.subject) = ?"; args += [v] }
        if let v = q.className { sql += " AND j.class_name = ?"; args += [v] }
        if let v = q.fromDate { sql += " AND substr(coalesce(j.recorded_at, datetime(res.created_at, 'unixepoch')), 1, 10) >= ?"; args += [v] }
        if let v = q.toDate { sql += " AND substr(coalesce(j.recorded_at, datetime(res.created_at, 'unixepoch')), 1, 10) <= ?"; args += [v] }
        if let v = q.text, !v.isEmpty {
            // instr, not LIKE: the user's % and _ are plain characters.
            sql += " AND (instr(lower(coalesce(res.lesson_title, '')), lower(?)) > 0 OR instr(lower(j.path), lower(?)) > 0"
            sql += " OR instr(lower(coalesce(t.name, res.teacher, '')), lower(?)) > 0 OR instr(lower(coalesce(j.class_name, '')), lower(?)) > 0)"
            args += [v, v, v, v]
        }
        return (sql, args)
    }

    static func orderClause(_ q: LessonQuery) -> String {
        let dir = q.ascending ? "ASC" : "DESC"
        let date = "coalesce(j.recorded_at, datetime(res.created_at, 'unixepoch'))"
        let key: String
        switch q.sort {
        case .date: key = date
        case .subject: key = "coalesce(j.subject, res.subject, '')"
        case .className: key = "coalesce(j.class_name, '')"
        case .teacherRatio: key = "res.teacher_ratio"
        case .rt: key = "coalesce(res.rt, -1)"
        case .findings: key = "res.findings_count"
        }
        return " ORDER BY \(key) \(dir), \(date) \(dir), res.job_id \(dir)"
    }

    static func lessonRow(_ row: Row) -> LessonRow {
        let summary = ResultSummary(row: row)
        let attribution = (row["a_source"] as String?).flatMap(AttributionSource.init(rawValue:)).map {
            Attribution(school: row["a_school"], room: row["a_room"], teacherID: row["a_teacher_id"],
                        subject: row["a_subject"], className: row["a_class"], recordedAt: row["a_recorded_at"],
                        slotID: row["a_slot"], source: $0)
        }
        return LessonRow(jobID: row["job_id"], path: row["job_path"], createdAt: Date(timeIntervalSince1970: row["created_at"]),
                         summary: summary, attribution: attribution, teacherName: row["teacher_name"])
    }

    /// One page of lessons and the number of lessons the query matches; memory is one page, whatever the
    /// catalog's size.
    public func lessonsPage(_ q: LessonQuery, limit: Int, offset: Int) throws -> (rows: [LessonRow], total: Int) {
        try read("list lessons") { db in
            let (w, args) = Self.whereClause(q)
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM results res JOIN jobs j ON j.id = res.job_id LEFT JOIN teachers t ON t.id = j.teacher_id" + w,
                                         arguments: args) ?? 0
            var pageArgs = args
            pageArgs += [max(0, limit), max(0, offset)]
            let rows = try Row.fetchAll(db, sql: Self.lessonSelect + w + Self.orderClause(q) + " LIMIT ? OFFSET ?", arguments: pageArgs)
            return (rows.map(Self.lessonRow), total)
        }
    }

    /// Distinct subjects and classes the query's scope holds (the list page's filter choices).
    public func lessonFacets(_ q: LessonQuery) throws -> (subjects: [String], classes: [String]) {
        try read("list lesson facets") { db in
            let (w, args) = Self.whereClause(LessonQuery(teacherID: q.teacherID, school: q.school))
            let from = " FROM results res JOIN jobs j ON j.id = res.job_id LEFT JOIN teachers t ON t.id = j.teacher_id" + w
            let subjects = try String.fetchAll(db, sql: "SELECT DISTINCT coalesce(j.subject, res.subject) AS s" + from + " AND s IS NOT NULL ORDER BY s LIMIT 200", arguments: args)
            let classes = try String.fetchAll(db, sql: "SELECT DISTINCT j.class_name AS c" + from + " AND c IS NOT NULL ORDER BY c LIMIT 500", arguments: args)
            return (subjects, classes)
        }
    }

    /// Lesson statistics grouped by `groupBy`, in SQL: one row per group in memory. The keys
    /// (`LessonGroupKey`): `subject`, `class`, `teacher` (`name (id)`, else the plan's teacher), `grade`
    /// (`1`…`12`, sorted by number); `?` for a lesson without one. Anything else groups by subject.
    public func lessonGroups(_ q: LessonQuery, groupBy: String) throws -> [LessonGroupStats] {
        let key = LessonGroupKey.sql(groupBy)
        var bins = ""
        for i in 0..<10 {
            let hi = i == 9 ? "res.teacher_ratio <= 1.0001" : "res.teacher_ratio < \(Double(i + 1) / 10)"
            bins += ", SUM(CASE WHEN res.teacher_ratio >= \(Double(i) / 10) AND \(hi) THEN 1 ELSE 0 END) AS b\(i)"
        }
        return try read("group lessons") { db in
            let (w, args) = Self.whereClause(q)
            let sql = """
                SELECT \(key) AS k, COUNT(*) AS n, AVG(res.teacher_ratio) AS tr, AVG(res.rt) AS rt, AVG(res.ch) AS ch,
                    AVG(res.median_wait) AS wait, AVG(res.question_count) AS q\(bins)
                FROM results res JOIN jobs j ON j.id = res.job_id LEFT JOIN teachers t ON t.id = j.teacher_id
                """ + w + " GROUP BY k ORDER BY " + LessonGroupKey.order(groupBy)
            return try Row.fetchAll(db, sql: sql, arguments: args).map { r in
                LessonGroupStats(key: r["k"], lessons: r["n"], meanTeacherRatio: r["tr"] ?? 0, meanRt: r["rt"], meanCh: r["ch"],
                                 meanWaitSeconds: r["wait"], meanQuestions: r["q"] ?? 0,
                                 teacherRatioHistogram: (0..<10).map { r["b\($0)"] ?? 0 })
            }
        }
    }
}
