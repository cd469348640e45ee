import Catalog

/// The one access rule of the portal (issue 11): a teacher sees the lessons attributed to her teacher id,
/// a school administrator or researcher every lesson of her school, a district administrator all.
/// Everything else is "not found" (404), the same answer as for an id that does not exist.
enum Access {
    /// The catalog query narrowed to what `user` may see; nil when she may see nothing.
    static func scope(_ user: UserRow) -> LessonQuery? {
        switch user.role {
        case .teacher:
            guard let id = user.teacherID, !id.isEmpty else { return nil }
            return LessonQuery(teacherID: id)
        case .schoolAdmin:
            guard let school = user.school, !school.isEmpty else { return nil }
            return LessonQuery(school: school)
        case .districtAdmin:
            return LessonQuery()
        }
    }

    /// Whether `user` may open `lesson` (checked on every row, also after the scoped SQL).
    static func allows(_ user: UserRow, _ lesson: LessonRow) -> Bool {
        switch user.role {
        case .teacher:
            guard let id = user.teacherID, !id.isEmpty else { return false }
            return lesson.attribution?.teacherID == id
        case .schoolAdmin:
            guard let school = user.school, !school.isEmpty else { return false }
            return (lesson.attribution?.school ?? lesson.summary.school) == school
        case .districtAdmin:
            return true
        }
    }

    /// Administrators see the school view and compare teachers.
    static func isAdmin(_ user: UserRow) -> Bool { user.role != .teacher }
}
