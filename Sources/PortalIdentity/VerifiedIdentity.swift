public import Foundation

/// Who signed in, as a token that passed every check says. `teacherID` is the configured claim's value and
/// is meant to be matched to the timetable's teacher id; the other fields are informational and optional.
public struct VerifiedIdentity: Sendable, Equatable {
    public let teacherID: String
    public let name: String?
    public let role: String?
    public let school: String?
    public let issuedAt: Date
    public let expiresAt: Date

    public init(teacherID: String, name: String?, role: String?, school: String?, issuedAt: Date, expiresAt: Date) {
        self.teacherID = teacherID
        self.name = name
        self.role = role
        self.school = school
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
    }
}
