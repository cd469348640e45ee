import Testing
import MediaCore
@testable import Analysis
@testable import Reports

/// The notes the Analysis producers really write have known codes and every value their sentences need,
/// so both report languages render them from the code (`Reports.NoteText`). This lives in PipelineTests,
/// which depends on both Analysis and Reports; the notes AnalyzeJob and MicroLessonWriter write are
/// checked on real runs in CLITests/AnalyzeCLITests.
@Suite("Method notes from the producers render in both languages")
struct NoteCoverageTests {
    static var producedNotes: [MethodNote] {
        var notes = [VoiceAnalyzer.speechModelNote] + VoiceAnalyzer.notes + [VoiceAnalyzer.lapelNote] + VoiceAnalyzer.lossNote(12.4) + VoiceAnalyzer.lossNote(0.6)
        var config = AnalyticsConfig()
        notes += Analytics.methodNotes(config)
        config.stRule = .instant
        config.stIntervalSeconds = 5
        config.mergeGapSeconds = 0.75
        config.maxWaitSeconds = 7
        config.phaseWindowSeconds = 45
        notes += Analytics.methodNotes(config)
        // Two frame sizes: the detector restarts once and says so.
        let detector = SlideDetector()
        detector.consume(LumaFrame(timeSeconds: 0, width: 16, height: 9, pixels: [UInt8](repeating: 40, count: 144), isKeyframe: true))
        detector.consume(LumaFrame(timeSeconds: 1, width: 32, height: 18, pixels: [UInt8](repeating: 40, count: 576), isKeyframe: true))
        notes += detector.finish().notes
        return notes
    }

    @Test func producersWriteTheExpectedNotes() {
        let notes = Self.producedNotes
        // model + 3 voice + lapel + 2 loss + 2 × 5 analytics + slide method + frame-size reset.
        #expect(notes.count == 19)
        #expect(notes.contains { $0.english?.hasPrefix("The video frame size changed 1 time(s)") == true })
        // The sentences of the default settings are report.json's notes as before the notes had codes.
        #expect(Analytics.methodNotes(AnalyticsConfig()).map(\.english) == Array(NoteFixtureSentences.analytics))
        #expect(SlideDetector().finish().notes.first?.english == NoteFixtureSentences.slides)
        #expect(VoiceAnalyzer.lossNote(12.4).first?.english == "About 12 minutes of the analysis record could not be read back from the temporary folder (disk error) and count as silence.")
        #expect(Analytics.methodNotes(mergeGapConfig()).first?.english == "Timeline: pauses shorter than 0.8 s between two stretches of the same label are counted as that label.")
    }

    func mergeGapConfig() -> AnalyticsConfig {
        var c = AnalyticsConfig()
        c.mergeGapSeconds = 0.75
        return c
    }

    @Test(arguments: producedNotes)
    func everyProducedNoteRendersInBothLanguages(note: MethodNote) throws {
        #expect(note.code.known != nil)
        let english = try #require(note.english, "values missing: \(note)")
        let zh = try #require(NoteText.text(note, .zh))
        #expect(zh != english)
        #expect(NoteText.text(note, .en) == english)
    }
}

/// The English sentences the producers wrote before the notes had codes (report.json's contract).
enum NoteFixtureSentences {
    static let analytics = [
        "Timeline: pauses shorter than 1.5 s between two stretches of the same label are counted as that label.",
        "S-T analysis: 30.0 s windows, rule window-majority; teacher speech and media count as T, everything else as S; only full windows are coded.",
        "Questions are detected acoustically, without speech recognition (a heuristic): a teacher utterance followed within 10.0 s by a student voice counts as an answered question; a teacher utterance ending with rising pitch, followed by a pause and then by the teacher again, counts as unanswered. Rhetorical questions and instructions answered by students are not told apart.",
        "Wait time is the silence between the end of the teacher's utterance and the first student voice.",
        "Activity phases are a heuristic: the label mix in a 30.0 s sliding window scores each second, and a Viterbi smoothing ignores interruptions too short to outweigh a phase change.",
    ]
    static let slides = "Slide changes: block-wise luma differences (16×9 blocks, a change needs 32 % of blocks changed and 1.5 s of stable new content); camera views away from the slides are recognised by their luma histogram and ignored (heuristic)."
}
