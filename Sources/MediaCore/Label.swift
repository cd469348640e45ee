/// The five classroom labels of the timeline contract (docs/ARCHITECTURE.md §3).
public enum Label: String, Codable, CaseIterable, Sendable, Hashable {
    /// The teacher speaking.
    case teacher
    /// One student speaking.
    case student
    /// Several voices at once: group or pair discussion, chorus.
    case multi
    /// No voice: seatwork, thinking.
    case silence
    /// Recorded audio or video played to the class.
    case media

    /// Whether the label counts as a T (teacher behaviour) in S-T analysis.
    public var isTeacherBehaviour: Bool { self == .teacher || self == .media }
    /// Whether the label is students talking (`student` or `multi`).
    public var isStudentTalk: Bool { self == .student || self == .multi }
}
