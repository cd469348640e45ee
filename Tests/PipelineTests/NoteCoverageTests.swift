import Testing
import MediaCore
@testable import Analysis
@testable import Reports

/// The notes the Analysis producers really write are all known to the report's Chinese table
/// (`Reports.NoteText`). This lives in PipelineTests, which depends on both Analysis and Reports; the notes written inline by AnalyzeJob and MicroLessonWriter are covered by
/// copies in ReportsTests/NoteTextTests.
@Suite("Method notes from the producers are translated")
struct NoteCoverageTests {
    static var producedNotes: [String] {
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
        #expect(notes.contains { $0.hasPrefix("The video frame size changed 1 time(s)") })
    }

    @Test(arguments: producedNotes)
    func everyProducedNoteIsTranslated(note: String) {
        let zh = NoteText.localised(note, .zh)
        #expect(zh != note, "no Chinese template matches: \(note)")
        #expect(NoteText.localised(note, .en) == note)
    }
}
