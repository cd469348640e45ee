public import Catalog
public import Foundation
import Logging
import PostgresNIO

/// The PostgreSQL side of `PortalCatalog` (issues 11 and 12): accounts, sessions, the audit log and the
/// settings, with the SQLite catalog's semantics (`CatalogStore+Accounts.swift`). Every value is a bound
/// parameter (`PostgresQuery` interpolation binds); text sort keys are `COLLATE "C"`, so the order is
/// SQLite's BINARY (byte) order whatever the database's locale.
extension PostgresJobQueue: PortalCatalog {
    /// The URL without its password.
    public var catalogDescription: String { location }

    static let userColumns = "u.id, u.name, u.role, u.password_hash, u.teacher_id, u.school"

    static func userRow(_ row: PostgresRow) throws -> UserRow {
        let r = row.makeRandomAccess()
        return UserRow(id: try r["id"].decode(Int64.self), name: try r["name"].decode(String.self),
                       role: UserRole(rawValue: try r["role"].decode(String.self)) ?? .teacher,
                       passwordHash: try r["password_hash"].decode(String?.self),
                       teacherID: try r["teacher_id"].decode(String?.self), school: try r["school"].decode(String?.self))
    }

    @discardableResult
    public func addUser(name: String, role: UserRole, passwordHash: String?, teacherID: String?, school: String?,
                        now: Date) async throws -> UserRow {
        let (logger, location, t, roleName) = (self.logger, self.location, now.timeIntervalSince1970, role.rawValue)
        return try await call("add user '\(name)'") { c in
            // One upsert, as SQLite's: an update of an existing name takes an id from the sequence as SQLite's
            // AUTOINCREMENT does (the parity test sees the same ids on both).
            guard let row = try await Self.rows(c, """
                INSERT INTO users AS u (name, role, password_hash, teacher_id, school, created_at)
                VALUES (\(name), \(roleName), \(passwordHash), \(teacherID), \(school), \(t))
                ON CONFLICT (name) DO UPDATE SET role = excluded.role, password_hash = excluded.password_hash,
                    teacher_id = excluded.teacher_id, school = excluded.school
                RETURNING \(unescaped: Self.userColumns)
                """, logger).first else {
                throw CatalogError.database(path: location, operation: "add user", reason: "row vanished")
            }
            return try Self.userRow(row)
        }
    }

    public func userCount() async throws -> Int {
        let logger = self.logger
        return try await call("count users") { c in
            try await Self.rows(c, "SELECT COUNT(*) FROM users", logger).first?.decode(Int.self) ?? 0
        }
    }

    public func user(named name: String) async throws -> UserRow? {
        let logger = self.logger
        return try await call("read user") { c in
            try await Self.rows(c, "SELECT \(unescaped: Self.userColumns) FROM users u WHERE u.name = \(name)", logger)
                .first.map(Self.userRow)
        }
    }

    public func user(teacherID: String) async throws -> UserRow? {
        let logger = self.logger
        return try await call("read user") { c in
            try await Self.rows(c, """
                SELECT \(unescaped: Self.userColumns) FROM users u WHERE u.teacher_id = \(teacherID) ORDER BY u.id LIMIT 1
                """, logger).first.map(Self.userRow)
        }
    }

    public func users() async throws -> [UserRow] {
        let logger = self.logger
        return try await call("list users") { c in
            try await Self.rows(c, "SELECT \(unescaped: Self.userColumns) FROM users u ORDER BY u.name COLLATE \"C\"", logger)
                .map(Self.userRow)
        }
    }

    public func createSession(tokenHash: String, userID: Int64, csrf: String, expiresAt: Date, now: Date) async throws {
        let (logger, t, expires) = (self.logger, now.timeIntervalSince1970, expiresAt.timeIntervalSince1970)
        _ = try await call("create session") { c in
            try await Self.transaction(c, logger: logger) { c in
                try await c.query("DELETE FROM sessions WHERE expires_at < \(t)", logger: logger)
                try await c.query("""
                    INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at)
                    VALUES (\(tokenHash), \(userID), \(csrf), \(t), \(expires))
                    """, logger: logger)
                return 0
            }
        }
    }

    public func session(tokenHash: String, now: Date) async throws -> SessionRow? {
        let (logger, t) = (self.logger, now.timeIntervalSince1970)
        return try await call("read session") { c in
            guard let row = try await Self.rows(c, """
                SELECT s.csrf, s.expires_at, \(unescaped: Self.userColumns) FROM sessions s JOIN users u ON u.id = s.user_id
                WHERE s.token_hash = \(tokenHash) AND s.expires_at > \(t)
                """, logger).first else { return nil }
            let r = row.makeRandomAccess()
            return SessionRow(user: try Self.userRow(row), csrf: try r["csrf"].decode(String.self),
                              expiresAt: Date(timeIntervalSince1970: try r["expires_at"].decode(Double.self)))
        }
    }

    public func deleteSession(tokenHash: String) async throws {
        let logger = self.logger
        _ = try await call("delete session") { c in
            try await c.query("DELETE FROM sessions WHERE token_hash = \(tokenHash)", logger: logger)
            return 0
        }
    }

    public func audit(user: String, action: String, detail: String, ip: String, now: Date) async throws {
        let (logger, t) = (self.logger, now.timeIntervalSince1970)
        // Repeated after a broken connection like every call: an entry twice is better than none.
        _ = try await call("write audit log") { c in
            try await c.query("""
                INSERT INTO audit_log (at, user_name, action, detail, ip) VALUES (\(t), \(user), \(action), \(detail), \(ip))
                """, logger: logger)
            return 0
        }
    }

    public func auditLog(limit: Int) async throws -> [AuditEntry] {
        let logger = self.logger
        // SQLite reads a negative LIMIT as no limit; PostgreSQL refuses it, and LIMIT NULL is no limit.
        let bound: Int? = limit < 0 ? nil : limit
        return try await call("read audit log") { c in
            try await Self.rows(c, """
                SELECT at, user_name, action, detail, ip FROM audit_log ORDER BY id DESC LIMIT \(bound)
                """, logger).map { row in
                let (at, user, action, detail, ip) = try row.decode((Double, String, String, String, String).self)
                return AuditEntry(at: Date(timeIntervalSince1970: at), userName: user, action: action, detail: detail, ip: ip)
            }
        }
    }

    // MARK: - Settings

    public func setting(_ key: String) async throws -> String? {
        let logger = self.logger
        return try await call("read setting \(key)") { c in
            try await Self.rows(c, "SELECT value FROM settings WHERE key = \(key)", logger).first?.decode(String.self)
        }
    }

    public func setSetting(_ key: String, _ value: String) async throws {
        let logger = self.logger
        _ = try await call("write setting \(key)") { c in
            try await c.query("""
                INSERT INTO settings (key, value) VALUES (\(key), \(value)) ON CONFLICT (key) DO UPDATE SET value = excluded.value
                """, logger: logger)
            return 0
        }
    }
}
