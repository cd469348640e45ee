public import Foundation
internal import GRDB

/// What a portal account may see (the decision itself is `Portal.Access`).
public enum UserRole: String, Sendable, Codable, CaseIterable {
    /// Own lessons only (by teacher id).
    case teacher
    /// A school's teaching researcher or administrator: every lesson of the school, teachers compared.
    case schoolAdmin
    /// Every school of the district.
    case districtAdmin
}

/// A portal account (`lessonlens users add`).
public struct UserRow: Sendable, Equatable, Codable {
    public var id: Int64
    public var name: String
    public var role: UserRole
    /// bcrypt hash; nil for accounts that sign in only through the identity provider.
    public var passwordHash: String?
    public var teacherID: String?
    public var school: String?

    public init(id: Int64, name: String, role: UserRole, passwordHash: String? = nil, teacherID: String? = nil,
                school: String? = nil) {
        self.id = id
        self.name = name
        self.role = role
        self.passwordHash = passwordHash
        self.teacherID = teacherID
        self.school = school
    }
}

/// A signed-in browser: the token's SHA-256 is stored, never the token.
public struct SessionRow: Sendable, Equatable {
    public var user: UserRow
    public var csrf: String
    public var expiresAt: Date

    public init(user: UserRow, csrf: String, expiresAt: Date) {
        self.user = user
        self.csrf = csrf
        self.expiresAt = expiresAt
    }
}

/// One analysed lesson as the portal lists it: the result row, its job and its attribution.
public struct LessonRow: Sendable, Equatable, Codable {
    public var jobID: Int64
    public var path: String
    public var createdAt: Date
    public var summary: ResultSummary
    public var attribution: Attribution?
    /// The teacher's name from the timetable, when the lesson has a teacher id.
    public var teacherName: String?

    public init(jobID: Int64, path: String, createdAt: Date, summary: ResultSummary, attribution: Attribution? = nil,
                teacherName: String? = nil) {
        self.jobID = jobID
        self.path = path
        self.createdAt = createdAt
        self.summary = summary
        self.attribution = attribution
        self.teacherName = teacherName
    }
}

/// A row of the audit log.
public struct AuditEntry: Sendable, Equatable, Codable {
    public var at: Date
    public var userName: String
    public var action: String
    public var detail: String
    public var ip: String

    public init(at: Date, userName: String, action: String, detail: String, ip: String) {
        self.at = at
        self.userName = userName
        self.action = action
        self.detail = detail
        self.ip = ip
    }
}

extension CatalogStore {
    /// Adds an account; an existing name is updated (role, hash, teacher id, school) instead.
    @discardableResult
    public func addUser(name: String, role: UserRole, passwordHash: String?, teacherID: String?, school: String?,
                        now: Date = Date()) throws -> UserRow {
        try write("add user '\(name)'") { db in
            try db.execute(sql: """
                INSERT INTO users (name, role, password_hash, teacher_id, school, created_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET role = excluded.role, password_hash = excluded.password_hash,
                    teacher_id = excluded.teacher_id, school = excluded.school
                """, arguments: [name, role.rawValue, passwordHash, teacherID, school, now.timeIntervalSince1970])
            guard let user = try Self.fetchUser(db, where: "name = ?", [name]) else {
                throw CatalogError.database(path: path, operation: "add user", reason: "row vanished")
            }
            return user
        }
    }

    public func userCount() throws -> Int {
        try read("count users") { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM users") ?? 0 }
    }

    public func user(named name: String) throws -> UserRow? {
        try read("read user") { db in try Self.fetchUser(db, where: "name = ?", [name]) }
    }

    /// The account whose teacher id is `teacherID` (identity-provider sign-in).
    public func user(teacherID: String) throws -> UserRow? {
        try read("read user") { db in try Self.fetchUser(db, where: "teacher_id = ? ORDER BY id LIMIT 1", [teacherID]) }
    }

    public func users() throws -> [UserRow] {
        try read("list users") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM users ORDER BY name").map(Self.userRow)
        }
    }

    static func userRow(_ r: Row) -> UserRow {
        UserRow(id: r["id"], name: r["name"], role: UserRole(rawValue: r["role"]) ?? .teacher,
                passwordHash: r["password_hash"], teacherID: r["teacher_id"], school: r["school"])
    }

    static func fetchUser(_ db: Database, where clause: String, _ args: StatementArguments) throws -> UserRow? {
        try Row.fetchOne(db, sql: "SELECT * FROM users WHERE \(clause)", arguments: args).map(userRow)
    }

    /// Stores a session for `userID` under the SHA-256 of its token.
    public func createSession(tokenHash: String, userID: Int64, csrf: String, expiresAt: Date, now: Date = Date()) throws {
        try write("create session") { db in
            try db.execute(sql: "DELETE FROM sessions WHERE expires_at < ?", arguments: [now.timeIntervalSince1970])
            try db.execute(sql: "INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [tokenHash, userID, csrf, now.timeIntervalSince1970, expiresAt.timeIntervalSince1970])
        }
    }

    /// The live session with this token hash, with its account.
    public func session(tokenHash: String, now: Date = Date()) throws -> SessionRow? {
        try read("read session") { db in
            guard let r = try Row.fetchOne(db, sql: """
                SELECT s.csrf, s.expires_at, u.* FROM sessions s JOIN users u ON u.id = s.user_id
                WHERE s.token_hash = ? AND s.expires_at > ?
                """, arguments: [tokenHash, now.timeIntervalSince1970]) else { return nil }
            return SessionRow(user: Self.userRow(r), csrf: r["csrf"], expiresAt: Date(timeIntervalSince1970: r["expires_at"]))
        }
    }

    public func deleteSession(tokenHash: String) throws {
        try write("delete session") { db in try db.execute(sql: "DELETE FROM sessions WHERE token_hash = ?", arguments: [tokenHash]) }
    }

    /// Appends to the audit log (sign-ins, failed sign-ins, exports, assignments).
    public func audit(user: String, action: String, detail: String = "", ip: String = "", now: Date = Date()) throws {
        try write("write audit log") { db in
            try db.execute(sql: "INSERT INTO audit_log (at, user_name, action, detail, ip) VALUES (?, ?, ?, ?, ?)",
                           arguments: [now.timeIntervalSince1970, user, action, detail, ip])
        }
    }

    public func auditLog(limit: Int = 1000) throws -> [AuditEntry] {
        try read("read audit log") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM audit_log ORDER BY id DESC LIMIT ?", arguments: [limit]).map {
                AuditEntry(at: Date(timeIntervalSince1970: $0["at"]), userName: $0["user_name"], action: $0["action"],
                           detail: $0["detail"], ip: $0["ip"])
            }
        }
    }

    /// Analysed lessons, newest first; `teacherID` / `school` narrow the SQL (the portal still decides
    /// each row with its access rule).
    public func lessons(teacherID: String? = nil, school: String? = nil, jobID: Int64? = nil) throws -> [LessonRow] {
        try read("list lessons") { db in
            var sql = Self.lessonSelect + " WHERE 1 = 1"
            var args: StatementArguments = []
            if let teacherID { sql += " AND j.teacher_id = ?"; args += [teacherID] }
            if let school { sql += " AND coalesce(j.school, res.school) = ?"; args += [school] }
            if let jobID { sql += " AND j.id = ?"; args += [jobID] }
            sql += " ORDER BY coalesce(j.recorded_at, '') DESC, res.created_at DESC, res.job_id DESC"
            return try Row.fetchAll(db, sql: sql, arguments: args).map(Self.lessonRow)
        }
    }
}
