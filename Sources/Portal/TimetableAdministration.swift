import Catalog

/// What the administrator's timetable pages do, supplied by the command that starts the portal (the
/// timetable's parser and the attribution live in `Pipeline`, which the portal does not import):
/// `lessonlens serve` passes the same code `lessonlens timetable import|attribute|unmatched|assign` runs.
public protocol TimetableAdministration: Sendable {
    /// Imports a timetable CSV (all or nothing; each term in it replaces that term) and attributes every
    /// lesson again. `school`: the rows must all be of this school (a school administrator's import).
    /// Returns one line per term and the attribution counts; a refused file throws `TimetableRefusal`.
    func importTimetable(csv: String, school: String?) async throws -> [String]
    /// Assigns a lesson to a teacher id of the timetable (kept by later re-attribution).
    func assign(jobID: Int64, teacherID: String) async throws -> String
}

/// A timetable the page refuses: the line-numbered problems, shown escaped, nothing imported.
public struct TimetableRefusal: Error, Sendable {
    public var problems: [String]
    public init(_ problems: [String]) { self.problems = problems }
}
