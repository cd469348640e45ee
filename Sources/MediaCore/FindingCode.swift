/// Stable identifiers of findings (`report.json` → `findings[].code`); Reports localises by them.
public enum FindingCode: String, Sendable, Codable, CaseIterable, Equatable {
    case highTeacherTalk = "high-teacher-talk"
    case littleStudentTalk = "little-student-talk"
    case shortWaitTime = "short-wait-time"
    case longMonologue = "long-monologue"
    case longSilence = "long-silence"
    case fewQuestions = "few-questions"
    case unansweredQuestions = "unanswered-questions"
    case noSpeech = "no-speech"
    case tooShortForST = "too-short-for-st"
    /// Made by the pipeline when the recording has no audio stream.
    case noAudio = "no-audio"
    /// Made by the pipeline when much less could be decoded than the container states.
    case truncatedRecording = "truncated-recording"
}
