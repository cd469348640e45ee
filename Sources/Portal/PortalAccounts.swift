import Foundation
internal import Catalog
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

    /// Adds (or updates) an account; returns the line to print.
    /// - Parameter cost: bcrypt cost (12 for real accounts; tests use 4 to stay fast).
    @discardableResult
    public static func add(catalog path: String, name: String, role roleArg: String, password: String, teacherID: String?,
                           school: String?, cost: UInt8 = 12) throws -> String {
        guard let role = role(roleArg) else { throw PortalError.badAccount("--role '\(roleArg)': expected one of \(roleNames.joined(separator: ", "))") }
        guard !name.isEmpty, name.count <= 200 else { throw PortalError.badAccount("the user name must be 1-200 characters") }
        if role == .teacher, (teacherID ?? "").isEmpty { throw PortalError.badAccount("a teacher account needs --teacher-id (the timetable's teacher id)") }
        if role == .schoolAdmin, (school ?? "").isEmpty { throw PortalError.badAccount("a school-admin account needs --school") }
        guard password.count >= 8 else { throw PortalError.badAccount("the password must have at least 8 characters") }
        let store = try CatalogStore(path: path)
        let user = try store.addUser(name: name, role: role, passwordHash: Bcrypt.hash(password, cost: cost),
                                     teacherID: teacherID, school: school)
        try store.audit(user: "-", action: "user-add", detail: "\(user.name) \(roleName(user.role))")
        return "user \(user.name): \(roleName(user.role))" + (user.teacherID.map { " teacher-id \($0)" } ?? "") + (user.school.map { " school \($0)" } ?? "")
    }

    /// One line per account: NAME, ROLE, TEACHER ID, SCHOOL (tab-separated).
    public static func list(catalog path: String) throws -> [String] {
        let store = try CatalogStore(path: path, create: false)
        return try store.users().map { u in [u.name, roleName(u.role), u.teacherID ?? "-", u.school ?? "-"].joined(separator: "\t") }
    }
}
