import Foundation
public import Catalog
internal import HummingbirdBcrypt

/// `lessonlens users add|list`: local portal accounts with bcrypt-hashed passwords.
public enum PortalAccounts {
    /// The roles as the command line spells them.
    public static let roleNames = ["teacher", "school-admin", "district-admin"]

    static func role(_ name: String) -> UserRole? {
        switch name {
        case "teacher": return .teacher
        case "school-admin": return .schoolAdmin
        case "district-admin": return .districtAdmin
        default: return nil
        }
    }

    static func roleName(_ r: UserRole) -> String {
        switch r {
        case .teacher: return "teacher"
        case .schoolAdmin: return "school-admin"
        case .districtAdmin: return "district-admin"
        }
    }

    /// Checks an account's arguments (before any catalog is opened): its role, or `PortalError.badAccount`.
    @discardableResult
    public static func check(name: String, role roleArg: String, password: String, teacherID: String?, school: String?) throws -> UserRole {
        guard let role = role(roleArg) else { throw PortalError.badAccount("--role '\(roleArg)': expected one of \(roleNames.joined(separator: ", "))") }
        guard !name.isEmpty, name.count <= 200 else { throw PortalError.badAccount("the user name must be 1-200 characters") }
        if role == .teacher, (teacherID ?? "").isEmpty { throw PortalError.badAccount("a teacher account needs --teacher-id (the timetable's teacher id)") }
        if role == .schoolAdmin, (school ?? "").isEmpty { throw PortalError.badAccount("a school-admin account needs --school") }
        guard password.count >= 8 else { throw PortalError.badAccount("the password must have at least 8 characters") }
        return role
    }

    /// Adds (or updates) an account in `catalog` (either backend); returns the line to print.
    /// - Parameter cost: bcrypt cost (12 for real accounts; tests use 4 to stay fast).
    @discardableResult
    public static func add(in catalog: any PortalCatalog, name: String, role roleArg: String, password: String, teacherID: String?,
                           school: String?, cost: UInt8 = 12) async throws -> String {
        let role = try check(name: name, role: roleArg, password: password, teacherID: teacherID, school: school)
        let user = try await catalog.addUser(name: name, role: role, passwordHash: Bcrypt.hash(password, cost: cost),
                                             teacherID: teacherID, school: school, now: Date())
        try await catalog.audit(user: "-", action: "user-add", detail: "\(user.name) \(roleName(user.role))", ip: "", now: Date())
        return line(user)
    }

    /// `add(in:)` on the SQLite catalog at `path` (created if missing), synchronously (test fixtures).
    @discardableResult
    public static func add(catalog path: String, name: String, role roleArg: String, password: String, teacherID: String?,
                           school: String?, cost: UInt8 = 12) throws -> String {
        let role = try check(name: name, role: roleArg, password: password, teacherID: teacherID, school: school)
        let store = try CatalogStore(path: path)
        let user = try store.addUser(name: name, role: role, passwordHash: Bcrypt.hash(password, cost: cost),
                                     teacherID: teacherID, school: school)
        try store.audit(user: "-", action: "user-add", detail: "\(user.name) \(roleName(user.role))")
        return line(user)
    }

    static func line(_ user: UserRow) -> String {
        "user \(user.name): \(roleName(user.role))" + (user.teacherID.map { " teacher-id \($0)" } ?? "") + (user.school.map { " school \($0)" } ?? "")
    }

    /// One line per account of `catalog`: NAME, ROLE, TEACHER ID, SCHOOL (tab-separated).
    public static func list(in catalog: any PortalCatalog) async throws -> [String] {
        try await catalog.users().map { u in [u.name, roleName(u.role), u.teacherID ?? "-", u.school ?? "-"].joined(separator: "\t") }
    }
}
