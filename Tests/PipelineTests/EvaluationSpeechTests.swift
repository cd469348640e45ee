import Foundation
import MediaCore
import TestSupport
import Testing
@testable import Analysis
@testable import Pipeline

/// The real-set fields of truth files and scores, and the per-split speech table.
@Suite(.tags(.media)) struct EvaluationSpeechTests {
    @Test func truthSplitAndRealDecodeAndFallBackToTuning() throws {
        let json = #"{"durationSeconds": 30, "timeline": [{"start": 0, "end": 30, "label": "silence"}], "tuning": false,"#
            + #" "split": "heldout", "real": true, "sources": [{"package": "x"}]}"#
        let t = try JSONDecoder().decode(LessonTruth.self, from: Data(json.utf8))
        #expect(t.real == true)
        #expect(t.splitName == "heldout")
        let old = try JSONDecoder().decode(LessonTruth.self, from: Data(#"{"durationSeconds": 1, "timeline": [], "tuning": true}"#.utf8))
        #expect(old.splitName == "dev")
        #expect(old.real == nil)
    }

    private func score(_ file: String, _ split: String, truth: [Segment], predicted: [Segment], duration: Double) -> LessonScore {
        var s = LessonScore(file: file, tuning: split == "dev", durationSeconds: duration, elapsedSeconds: 0)
        s.split = split
        s.setSpeech(TimelineScoring.speechScore(truth: truth, predicted: predicted, duration: duration))
        return s
    }

    @Test func speechTablePoolsEachSplitApart() {
        let dev = score("a.wav", "dev", truth: [Segment(start: 0, end: 10, label: .teacher)],
                        predicted: [Segment(start: 0, end: 10, label: .teacher)], duration: 10)
        let ho = score("b.wav", "heldout", truth: [Segment(start: 0, end: 10, label: .silence)],
                       predicted: [Segment(start: 0, end: 10, label: .multi)], duration: 10)
        let table = Evaluation.speechTable([ho, dev])
        let pooled = table.split(separator: "\n").filter { $0.hasPrefix("POOLED") }
        #expect(pooled.count == 2)
        #expect(pooled[0].hasPrefix("POOLED dev (1 files)"))
        #expect(pooled[0].contains(" 0.000 "))
        #expect(pooled[1].hasPrefix("POOLED heldout (1 files)"))
        #expect(pooled[1].contains(" 1.000 "))
    }

    @Test func scoresJSONCarriesTheSpeechFieldsBesideTheOldOnes() throws {
        var s = score("a.wav", "dev", truth: [Segment(start: 0, end: 4, label: .teacher), Segment(start: 4, end: 10, label: .silence)],
                      predicted: [Segment(start: 0, end: 10, label: .teacher)], duration: 10)
        s.frameAccuracy = 0.4
        let obj = try JSONSerialization.jsonObject(with: JSONEncoder().encode([s])) as! [[String: Any]]
        #expect(obj[0]["frameAccuracy"] as? Double == 0.4)
        #expect(abs((obj[0]["speechFrameError"] as? Double ?? -1) - 0.6) < 1e-12)
        #expect(obj[0]["silenceAsSpeech"] as? Double == 1)
        #expect(obj[0]["split"] as? String == "dev")
        let counts = obj[0]["speech"] as? [String: Any]
        #expect(counts?["falseAlarmFrames"] as? Int == 600)
    }
}
