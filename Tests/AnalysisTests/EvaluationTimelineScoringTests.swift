import MediaCore
import Testing
@testable import Analysis

@Suite struct EvaluationTimelineScoringTests {
    @Test func perfectPredictionScoresOne() {
        let truth = [Segment(start: 0, end: 10, label: .teacher), Segment(start: 10, end: 20, label: .silence)]
        let s = TimelineScoring.frameAccuracy(truth: truth, predicted: truth, duration: 20)
        #expect(abs(s.accuracy - 1) < 1e-9)
        #expect(abs(s.teacherRatioError) < 1e-9)
        #expect(s.recall[.teacher] == 1)
        #expect(s.recall[.student] == nil)
    }

    @Test func confusionCountsSeconds() {
        let truth = [Segment(start: 0, end: 10, label: .teacher), Segment(start: 10, end: 20, label: .student)]
        let pred = [Segment(start: 0, end: 15, label: .teacher), Segment(start: 15, end: 20, label: .student)]
        let s = TimelineScoring.frameAccuracy(truth: truth, predicted: pred, duration: 20)
        #expect(abs(s.accuracy - 0.75) < 1e-9)
        // truth student predicted teacher for 5 s
        #expect(abs(s.confusion[1][0] - 5) < 1e-6)
        #expect(abs(s.teacherRatioError - 0.25) < 1e-9)
        #expect(abs((s.precision[.teacher] ?? 0) - 10.0 / 15.0) < 1e-9)
        #expect(abs((s.recall[.student] ?? 0) - 0.5) < 1e-9)
        #expect(s.table.contains("accuracy 0.750"))
    }

    @Test func uncoveredTimeIsSilence() {
        let truth = [Segment(start: 0, end: 5, label: .teacher)]
        let s = TimelineScoring.frameAccuracy(truth: truth, predicted: [], duration: 10)
        #expect(abs(s.confusion[0][3] - 5) < 1e-6)
        #expect(abs(s.confusion[3][3] - 5) < 1e-6)
    }

    @Test func pooledAddsConfusion() {
        let a = TimelineScoring.frameAccuracy(truth: [Segment(start: 0, end: 10, label: .teacher)],
                                              predicted: [Segment(start: 0, end: 10, label: .teacher)], duration: 10)
        let b = TimelineScoring.frameAccuracy(truth: [Segment(start: 0, end: 10, label: .teacher)],
                                              predicted: [Segment(start: 0, end: 10, label: .media)], duration: 10)
        let p = TimelineScore.pooled([a, b])
        #expect(abs(p.accuracy - 0.5) < 1e-9)
        #expect(abs(p.teacherRatioError - 0.5) < 1e-9)
        #expect(abs(p.seconds - 20) < 1e-6)
    }
}
