public import Catalog
public import Foundation

/// The SQLite queue is a `PortalCatalog` too (each call the store's own method on the catalog's threads),
/// so `lessonlens worker --catalog FILE` attributes its lessons as the PostgreSQL worker does (issue 11).
extension SQLiteJobQueue: PortalCatalog {
    public var catalogDescription: String { catalog.store.path }

    @discardableResult
    public func addUser(name: String, role: UserRole, passwordHash: String?, teacherID: String?, school: String?,
                        now: Date) async throws -> UserRow {
        try await catalog { try $0.addUser(name: name, role: role, passwordHash: passwordHash, teacherID: teacherID, school: school, now: now) }
    }
    public func userCount() async throws -> Int { try await catalog { try $0.userCount() } }
    public func user(named name: String) async throws -> UserRow? { try await catalog { try $0.user(named: name) } }
    public func user(teacherID: String) async throws -> UserRow? { try await catalog { try $0.user(teacherID: teacherID) } }
    public func users() async throws -> [UserRow] { try await catalog { try $0.users() } }
    public func createSession(tokenHash: String, userID: Int64, csrf: String, expiresAt: Date, now: Date) async throws {
        try await catalog { try $0.createSession(tokenHash: tokenHash, userID: userID, csrf: csrf, expiresAt: expiresAt, now: now) }
    }
    public func session(tokenHash: String, now: Date) async throws -> SessionRow? {
        try await catalog { try $0.session(tokenHash: tokenHash, now: now) }
    }
    public func deleteSession(tokenHash: String) async throws { try await catalog { try $0.deleteSession(tokenHash: tokenHash) } }
    public func audit(user: String, action: String, detail: String, ip: String, now: Date) async throws {
        try await catalog { try $0.audit(user: user, action: action, detail: detail, ip: ip, now: now) }
    }
    public func auditLog(limit: Int) async throws -> [AuditEntry] { try await catalog { try $0.auditLog(limit: limit) } }

    public func lessons(teacherID: String?, school: String?, jobID: Int64?) async throws -> [LessonRow] {
        try await catalog { try $0.lessons(teacherID: teacherID, school: school, jobID: jobID) }
    }
    public func lessonsPage(_ q: LessonQuery, limit: Int, offset: Int) async throws -> (rows: [LessonRow], total: Int) {
        try await catalog { try $0.lessonsPage(q, limit: limit, offset: offset) }
    }
    public func lessonFacets(_ q: LessonQuery) async throws -> (subjects: [String], classes: [String]) {
        try await catalog { try $0.lessonFacets(q) }
    }
    public func lessonGroups(_ q: LessonQuery, groupBy: String) async throws -> [LessonGroupStats] {
        try await catalog { try $0.lessonGroups(q, groupBy: groupBy) }
    }

    public func replaceTerms(_ terms: [(term: String, slots: [TimetableSlot])], now: Date) async throws {
        try await catalog { try $0.replaceTerms(terms, now: now) }
    }
    public func timetableSlots() async throws -> [TimetableSlot] { try await catalog { try $0.timetableSlots() } }
    public func teachers() async throws -> [(id: String, name: String, school: String)] { try await catalog { try $0.teachers() } }
    public func setAttribution(jobID: Int64, _ a: Attribution) async throws { try await catalog { try $0.setAttribution(jobID: jobID, a) } }
    public func attribution(jobID: Int64) async throws -> Attribution? { try await catalog { try $0.attribution(jobID: jobID) } }
    public func unmatchedLessons(school: String?, afterID: Int64, limit: Int) async throws -> [UnmatchedLesson] {
        try await catalog { try $0.unmatchedLessons(school: school, afterID: afterID, limit: limit) }
    }
    public func doneJobs(afterID: Int64, limit: Int) async throws -> [(id: Int64, path: String, reportDir: String)] {
        try await catalog { try $0.doneJobs(afterID: afterID, limit: limit) }
    }
    public func setting(_ key: String) async throws -> String? { try await catalog { try $0.setting(key) } }
    public func setSetting(_ key: String, _ value: String) async throws { try await catalog { try $0.setSetting(key, value) } }
}
