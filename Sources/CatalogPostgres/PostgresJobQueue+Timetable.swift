public import Catalog
public import Foundation
import Logging
import PostgresNIO

/// The timetable and the attribution on PostgreSQL, as the SQLite catalog's (`CatalogStore+Timetable.swift`).
extension PostgresJobQueue {
    /// Rows per multi-row `INSERT` of a timetable import (11 parameters each, far below PostgreSQL's 65,535).
    static let slotsPerInsert = 500

    public func replaceTerms(_ terms: [(term: String, slots: [TimetableSlot])], now: Date) async throws {
        let (logger, t) = (self.logger, now.timeIntervalSince1970)
        let plan = terms.map { Self.importStatements(term: $0.term, slots: $0.slots) }
        let slotCount = terms.reduce(0) { $0 + $1.slots.count }
        // One transaction (a failure leaves the previous timetable), repeated whole after a broken connection.
        // A large timetable may take longer than one ordinary call.
        _ = try await call("import the timetable", timeoutSeconds: callTimeoutSeconds + Double(slotCount) / 200) { c in
            try await Self.transaction(c, logger: logger) { c in
                for (term, statements) in zip(terms.map(\.term), plan) {
                    try await c.query("""
                        UPDATE jobs SET slot_id = NULL WHERE slot_id IN (SELECT id FROM timetable_slots WHERE term = \(term))
                        """, logger: logger)
                    try await c.query("DELETE FROM timetable_slots WHERE term = \(term)", logger: logger)
                    try await c.query("""
                        INSERT INTO terms (name, imported_at) VALUES (\(term), \(t))
                        ON CONFLICT (name) DO UPDATE SET imported_at = excluded.imported_at
                        """, logger: logger)
                    for statement in statements { try await c.query(statement, logger: logger) }
                }
                return 0
            }
        }
    }

    /// The statements that store one term's rows: its teachers (SQLite upserts one per row, so the last row
    /// naming a teacher wins; one statement cannot touch a row twice, so the last row per id is kept),
    /// then its slots in the rows' order (ids are given in that order, as SQLite's).
    static func importStatements(term: String, slots: [TimetableSlot]) -> [PostgresQuery] {
        var last: [String: (index: Int, name: String, school: String)] = [:]
        for (i, s) in slots.enumerated() { last[s.teacherID] = (i, s.teacherName, s.school) }
        let teachers = last.sorted { $0.value.index < $1.value.index }
        var out: [PostgresQuery] = []
        for start in stride(from: 0, to: teachers.count, by: slotsPerInsert) {
            var q = PostgresQuery(unsafeSQL: "INSERT INTO teachers (id, name, school) VALUES ")
            for (n, teacher) in teachers[start..<min(start + slotsPerInsert, teachers.count)].enumerated() {
                q.sql += n == 0 ? "(" : ", ("
                q.bind(teacher.key); q.sql += ", "; q.bind(teacher.value.name); q.sql += ", "; q.bind(teacher.value.school)
                q.sql += ")"
            }
            q.sql += " ON CONFLICT (id) DO UPDATE SET name = excluded.name, school = excluded.school"
            out.append(q)
        }
        for start in stride(from: 0, to: slots.count, by: slotsPerInsert) {
            var q = PostgresQuery(unsafeSQL: """
                INSERT INTO timetable_slots (term, school, room, weekday, date, start_minute, end_minute, teacher_id,
                    subject, class_name, line) VALUES
                """)
            for (n, s) in slots[start..<min(start + slotsPerInsert, slots.count)].enumerated() {
                q.sql += n == 0 ? " (" : ", ("
                q.bind(term); q.sql += ", "; q.bind(s.school); q.sql += ", "; q.bind(s.room); q.sql += ", "
                q.bind(s.weekday); q.sql += "::integer, "; q.bind(s.date); q.sql += "::text, "
                q.bind(s.startMinute); q.sql += ", "; q.bind(s.endMinute); q.sql += ", "; q.bind(s.teacherID); q.sql += ", "
                q.bind(s.subject); q.sql += ", "; q.bind(s.className); q.sql += ", "; q.bind(s.line)
                q.sql += ")"
            }
            out.append(q)
        }
        return out
    }

    public func timetableSlots() async throws -> [TimetableSlot] {
        let logger = self.logger
        return try await call("read the timetable") { c in
            try await Self.rows(c, """
                SELECT s.id, s.term, s.school, s.room, s.weekday, s.date, s.start_minute, s.end_minute, s.teacher_id,
                    t.name AS teacher_name, s.subject, s.class_name, s.line
                FROM timetable_slots s JOIN teachers t ON t.id = s.teacher_id
                JOIN terms ON terms.name = s.term ORDER BY terms.imported_at DESC, s.id
                """, logger).map { row in
                let r = row.makeRandomAccess()
                func v<T: PostgresDecodable>(_ name: String, _: T.Type = T.self) throws -> T { try r[name].decode(T.self) }
                return TimetableSlot(id: try v("id"), term: try v("term"), school: try v("school"), room: try v("room"),
                                     weekday: try v("weekday"), date: try v("date"), startMinute: try v("start_minute"),
                                     endMinute: try v("end_minute"), teacherID: try v("teacher_id"),
                                     teacherName: try v("teacher_name"), subject: try v("subject"),
                                     className: try v("class_name"), line: try v("line"))
            }
        }
    }

    public func teachers() async throws -> [(id: String, name: String, school: String)] {
        let logger = self.logger
        return try await call("read teachers") { c in
            try await Self.rows(c, "SELECT id, name, school FROM teachers ORDER BY id COLLATE \"C\"", logger).map {
                let (id, name, school) = try $0.decode((String, String, String).self)
                return (id: id, name: name, school: school)
            }
        }
    }

    public func setAttribution(jobID: Int64, _ a: Attribution) async throws {
        let logger = self.logger
        let source = a.source.rawValue
        let grade = a.className.flatMap(SchoolGrade.parse)
        let updated = try await call("attribute job \(jobID)") { c in
            try await Self.rows(c, """
                UPDATE jobs SET school = \(a.school), room = \(a.room), teacher_id = \(a.teacherID), subject = \(a.subject),
                    class_name = \(a.className), recorded_at = \(a.recordedAt), slot_id = \(a.slotID), attribution = \(source),
                    grade = \(grade)
                WHERE id = \(jobID) RETURNING id
                """, logger).count
        }
        if updated != 1 { throw CatalogError.noSuchJob(id: jobID) }
    }

    public func attribution(jobID: Int64) async throws -> Attribution? {
        let logger = self.logger
        return try await call("read attribution of job \(jobID)") { c in
            guard let row = try await Self.rows(c, """
                SELECT school, room, teacher_id, subject, class_name, recorded_at, slot_id, attribution FROM jobs WHERE id = \(jobID)
                """, logger).first else { throw CatalogError.noSuchJob(id: jobID) }
            let r = row.makeRandomAccess()
            func v<T: PostgresDecodable>(_ name: String, _: T.Type = T.self) throws -> T { try r[name].decode(T.self) }
            let source: String? = try v("attribution")
            guard let source = source.flatMap(AttributionSource.init(rawValue:)) else { return nil }
            return Attribution(school: try v("school"), room: try v("room"), teacherID: try v("teacher_id"),
                               subject: try v("subject"), className: try v("class_name"), recordedAt: try v("recorded_at"),
                               slotID: try v("slot_id"), source: source)
        }
    }

    public func unmatchedLessons(school: String?, afterID: Int64, limit: Int) async throws -> [UnmatchedLesson] {
        let logger = self.logger
        let limit = max(0, limit)
        return try await call("list unmatched lessons") { c in
            try await Self.rows(c, """
                SELECT id, path, school, room, recorded_at FROM jobs
                WHERE state = 'done' AND (attribution IS NULL OR attribution = 'unmatched') AND id > \(afterID)
                    AND (\(school)::text IS NULL OR school = \(school)) ORDER BY id LIMIT \(limit)
                """, logger).map { row in
                let (id, path, school, room, recordedAt) = try row.decode((Int64, String, String?, String?, String?).self)
                return UnmatchedLesson(jobID: id, path: path, school: school, room: room, recordedAt: recordedAt)
            }
        }
    }

    public func doneJobs(afterID: Int64, limit: Int) async throws -> [(id: Int64, path: String, reportDir: String)] {
        let logger = self.logger
        let limit = max(0, limit)
        return try await call("list done jobs") { c in
            try await Self.rows(c, """
                SELECT id, path, report_dir FROM jobs WHERE state = 'done' AND id > \(afterID) ORDER BY id LIMIT \(limit)
                """, logger).map {
                let (id, path, reportDir) = try $0.decode((Int64, String, String).self)
                return (id: id, path: path, reportDir: reportDir)
            }
        }
    }
}
