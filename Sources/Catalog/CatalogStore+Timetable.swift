public import Foundation
internal import GRDB

/// One timetable row as imported (`lessonlens timetable import`): a lesson taught in a room, on a weekday
/// of the term (1 = Monday … 7 = Sunday) or on one date (`yyyy-MM-dd`), from `startMinute` to `endMinute`
/// (minutes after local midnight).
public struct TimetableSlot: Sendable, Equatable, Codable {
    /// Row id in the catalog (0 before it is stored).
    public var id: Int64
    public var term: String
    public var school: String
    public var room: String
    public var weekday: Int?
    public var date: String?
    public var startMinute: Int
    public var endMinute: Int
    public var teacherID: String
    public var teacherName: String
    public var subject: String
    public var className: String
    /// Line of the CSV file it came from.
    public var line: Int

    public init(id: Int64 = 0, term: String, school: String, room: String, weekday: Int?, date: String?,
                startMinute: Int, endMinute: Int, teacherID: String, teacherName: String, subject: String,
                className: String, line: Int) {
        self.id = id
        self.term = term
        self.school = school
        self.room = room
        self.weekday = weekday
        self.date = date
        self.startMinute = startMinute
        self.endMinute = endMinute
        self.teacherID = teacherID
        self.teacherName = teacherName
        self.subject = subject
        self.className = className
        self.line = line
    }
}

/// Where a lesson's teacher, subject and class came from.
public enum AttributionSource: String, Sendable, Codable, CaseIterable {
    /// The lesson plan next to the recording (it wins over the timetable).
    case plan
    /// The timetable slot that overlaps the recording most.
    case timetable
    /// An administrator assigned it (`timetable assign`, the admin page).
    case manual
    /// No slot matched: listed for an administrator.
    case unmatched
}

/// Who taught a lesson, stored on its job (`v4-attribution-accounts`).
public struct Attribution: Sendable, Equatable, Codable {
    public var school: String?
    public var room: String?
    public var teacherID: String?
    public var subject: String?
    public var className: String?
    /// Local wall-clock start, `yyyy-MM-dd HH:mm:ss`.
    public var recordedAt: String?
    public var slotID: Int64?
    public var source: AttributionSource

    public init(school: String? = nil, room: String? = nil, teacherID: String? = nil, subject: String? = nil,
                className: String? = nil, recordedAt: String? = nil, slotID: Int64? = nil, source: AttributionSource) {
        self.school = school
        self.room = room
        self.teacherID = teacherID
        self.subject = subject
        self.className = className
        self.recordedAt = recordedAt
        self.slotID = slotID
        self.source = source
    }
}

/// A done lesson without a teacher, for an administrator to assign.
public struct UnmatchedLesson: Sendable, Equatable, Codable {
    public var jobID: Int64
    public var path: String
    public var school: String?
    public var room: String?
    public var recordedAt: String?

    public init(jobID: Int64, path: String, school: String? = nil, room: String? = nil, recordedAt: String? = nil) {
        self.jobID = jobID
        self.path = path
        self.school = school
        self.room = room
        self.recordedAt = recordedAt
    }
}

extension CatalogStore {
    /// Replaces every slot of `term` by `slots` in one transaction (an import of the term again replaces
    /// it; a failure leaves the previous timetable). Teachers named in the rows are created or renamed.
    /// Jobs attributed from the replaced slots keep their attribution until re-attributed.
    public func replaceTerms(_ terms: [(term: String, slots: [TimetableSlot])], now: Date = Date()) throws {
        try write("import the timetable") { db in
          for (term, slots) in terms {
            try db.execute(sql: "UPDATE jobs SET slot_id = NULL WHERE slot_id IN (SELECT id FROM timetable_slots WHERE term = ?)",
                           arguments: [term])
            try db.execute(sql: "DELETE FROM timetable_slots WHERE term = ?", arguments: [term])
            try db.execute(sql: "INSERT INTO terms (name, imported_at) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET imported_at = excluded.imported_at",
                           arguments: [term, now.timeIntervalSince1970])
            for s in slots {
                try db.execute(sql: """
                    INSERT INTO teachers (id, name, school) VALUES (?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET name = excluded.name, school = excluded.school
                    """, arguments: [s.teacherID, s.teacherName, s.school])
                try db.execute(sql: """
                    INSERT INTO timetable_slots (term, school, room, weekday, date, start_minute, end_minute, teacher_id,
                        subject, class_name, line) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [term, s.school, s.room, s.weekday, s.date, s.startMinute, s.endMinute, s.teacherID,
                                     s.subject, s.className, s.line])
            }
          }
        }
    }

    /// Every timetable slot (all terms), newest term import first.
    public func timetableSlots() throws -> [TimetableSlot] {
        try read("read the timetable") { db in
            try Row.fetchAll(db, sql: """
                SELECT s.*, t.name AS teacher_name FROM timetable_slots s JOIN teachers t ON t.id = s.teacher_id
                JOIN terms ON terms.name = s.term ORDER BY terms.imported_at DESC, s.id
                """).map { r in
                TimetableSlot(id: r["id"], term: r["term"], school: r["school"], room: r["room"], weekday: r["weekday"],
                              date: r["date"], startMinute: r["start_minute"], endMinute: r["end_minute"],
                              teacherID: r["teacher_id"], teacherName: r["teacher_name"], subject: r["subject"],
                              className: r["class_name"], line: r["line"])
            }
        }
    }

    /// Teacher ids and names known from the timetable.
    public func teachers() throws -> [(id: String, name: String, school: String)] {
        try read("read teachers") { db in
            try Row.fetchAll(db, sql: "SELECT id, name, school FROM teachers ORDER BY id").map { ($0["id"], $0["name"], $0["school"]) }
        }
    }

    /// Stores who taught job `jobID`'s lesson.
    public func setAttribution(jobID: Int64, _ a: Attribution) throws {
        try write("attribute job \(jobID)") { db in
            try db.execute(sql: """
                UPDATE jobs SET school = ?, room = ?, teacher_id = ?, subject = ?, class_name = ?, recorded_at = ?,
                    slot_id = ?, attribution = ?, grade = ? WHERE id = ?
                """, arguments: [a.school, a.room, a.teacherID, a.subject, a.className, a.recordedAt, a.slotID,
                                 a.source.rawValue, a.className.flatMap(SchoolGrade.parse), jobID])
            if db.changesCount != 1 { throw CatalogError.noSuchJob(id: jobID) }
        }
    }

    /// The attribution stored on job `jobID` (nil before any).
    public func attribution(jobID: Int64) throws -> Attribution? {
        try read("read attribution of job \(jobID)") { db in
            guard let r = try Row.fetchOne(db, sql: "SELECT * FROM jobs WHERE id = ?", arguments: [jobID]) else {
                throw CatalogError.noSuchJob(id: jobID)
            }
            guard let source = (r["attribution"] as String?).flatMap(AttributionSource.init(rawValue:)) else { return nil }
            return Attribution(school: r["school"], room: r["room"], teacherID: r["teacher_id"], subject: r["subject"],
                               className: r["class_name"], recordedAt: r["recorded_at"], slotID: r["slot_id"], source: source)
        }
    }

    /// Done lessons no slot matched (or never attributed), by id: one page after `afterID`.
    public func unmatchedLessons(school: String?, afterID: Int64, limit: Int) throws -> [UnmatchedLesson] {
        try read("list unmatched lessons") { db in
            try Row.fetchAll(db, sql: """
                SELECT id, path, school, room, recorded_at FROM jobs
                WHERE state = 'done' AND (attribution IS NULL OR attribution = 'unmatched') AND id > ?
                    AND (? IS NULL OR school = ?) ORDER BY id LIMIT ?
                """, arguments: [afterID, school, school, max(0, limit)]).map {
                UnmatchedLesson(jobID: $0["id"], path: $0["path"], school: $0["school"], room: $0["room"], recordedAt: $0["recorded_at"])
            }
        }
    }

    /// Done jobs with the path each was analysed from, for re-attribution: one page after `afterID`.
    public func doneJobs(afterID: Int64, limit: Int) throws -> [(id: Int64, path: String, reportDir: String)] {
        try read("list done jobs") { db in
            try Row.fetchAll(db, sql: "SELECT id, path, report_dir FROM jobs WHERE state = 'done' AND id > ? ORDER BY id LIMIT ?",
                             arguments: [afterID, max(0, limit)]).map { ($0["id"], $0["path"], $0["report_dir"]) }
        }
    }
}

extension CatalogStore {
    /// A stored setting (`settings` table), nil when unset.
    public func setting(_ key: String) throws -> String? {
        try read("read setting \(key)") { db in try String.fetchOne(db, sql: "SELECT value FROM settings WHERE key = ?", arguments: [key]) }
    }

    public func setSetting(_ key: String, _ value: String) throws {
        try write("write setting \(key)") { db in
            try db.execute(sql: "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                           arguments: [key, value])
        }
    }
}
