import Testing
import MediaCore
@testable import Analysis

@Suite("Analytics questions and wait time")
struct AnalyticsQuestionsTests {
    let config = AnalyticsConfig()

    @Test func answeredQuestionWait() throws {
        let tl = analyticsTimeline([(.teacher, 10), (.silence, 2.5), (.student, 3), (.teacher, 5)])
        let r = Analytics.questions(tl, risingPitchEnds: [], config: config)
        let q = try #require(r.questions.first)
        #expect(r.questions.count == 1)
        #expect(q.time == 10 && q.waitSeconds == 2.5 && q.answerStart == 12.5 && q.utteranceStart == 0)
        #expect(q.risingPitch == false)
        #expect(r.medianWaitSeconds == 2.5 && r.answeredQuestions == 1 && r.turnExchanges == 1)
    }

    @Test func directAnswerHasZeroWaitAndMultiAnswers() {
        let tl = analyticsTimeline([(.teacher, 10), (.multi, 3)])
        let r = Analytics.questions(tl, risingPitchEnds: [10.1], config: config)
        #expect(r.questions == [Question(time: 10, waitSeconds: 0, utteranceStart: 0, answerStart: 10, risingPitch: true)])
    }

    @Test(arguments: [(1.4, 0), (1.5, 1)])
    func shortStudentBlipIsNoAnswer(length: Double, count: Int) {
        let tl = analyticsTimeline([(.teacher, 10), (.student, length), (.teacher, 10)])
        #expect(Analytics.questions(tl, risingPitchEnds: [], config: config).questions.count == count)
    }

    @Test func groupWorkAfterAnInstructionIsNoAnswer() {
        // Teacher speaks, then several voices start at once without a question cue: group work, not an answer.
        let tl = analyticsTimeline([(.teacher, 10), (.silence, 1), (.multi, 30)])
        #expect(Analytics.questions(tl, risingPitchEnds: [], config: config).questions.isEmpty)
        #expect(Analytics.questions(tl, risingPitchEnds: [10], config: config).questions.count == 1)
    }

    @Test(arguments: [(10.0, true), (10.01, false)])
    func maxWaitBoundary(pause: Double, answered: Bool) {
        let tl = analyticsTimeline([(.teacher, 10), (.silence, pause), (.student, 3)])
        let r = Analytics.questions(tl, risingPitchEnds: [], config: config)
        #expect(r.questions.count == (answered ? 1 : 0))
        // With a rising end the late student makes it an unanswered question.
        let rising = Analytics.questions(tl, risingPitchEnds: [10], config: config)
        #expect(rising.questions.count == 1)
        #expect((rising.questions[0].waitSeconds == nil) == !answered)
    }

    @Test func unansweredNeedsRisingPitchPauseAndTeacherAgain() {
        let tl = analyticsTimeline([(.teacher, 10), (.silence, 2), (.teacher, 8)])
        let r = Analytics.questions(tl, risingPitchEnds: [10.2], config: config)
        #expect(r.questions == [Question(time: 10, waitSeconds: nil, utteranceStart: 0, answerStart: nil, risingPitch: true)])
        #expect(r.medianWaitSeconds == nil && r.answeredQuestions == 0)
        // No rising pitch, or one too far from the end: no question.
        #expect(Analytics.questions(tl, risingPitchEnds: [], config: config).questions.isEmpty)
        #expect(Analytics.questions(tl, risingPitchEnds: [10.6, 5], config: config).questions.isEmpty)
        // Pause shorter than 1 s (only possible before normalising): no question.
        let short = analyticsTimeline([(.teacher, 10), (.silence, 0.8), (.teacher, 8)])
        #expect(Analytics.questions(short, risingPitchEnds: [10], config: config).questions.isEmpty)
        // Followed by media: not counted.
        let media = analyticsTimeline([(.teacher, 10), (.silence, 2), (.media, 8)])
        #expect(Analytics.questions(media, risingPitchEnds: [10], config: config).questions.isEmpty)
        // At the very end: no evidence of what followed.
        let end = analyticsTimeline([(.teacher, 10), (.silence, 2)])
        #expect(Analytics.questions(end, risingPitchEnds: [10], config: config).questions.isEmpty)
    }

    @Test func medianAndHistogram() {
        let waits = [0.5, 1, 2.5, 3, 4, 7]
        var parts: [(Label, Double)] = []
        for w in waits { parts += [(.teacher, 5), (.silence, w), (.student, 2)] }
        let r = Analytics.questions(analyticsTimeline(parts), risingPitchEnds: [], config: config)
        #expect(r.questions.compactMap(\.waitSeconds) == waits)
        #expect(r.medianWaitSeconds == 2.75)
        #expect(r.waitHistogram == [HistogramBin(from: 0, to: 1, count: 1), HistogramBin(from: 1, to: 2, count: 1),
                                    HistogramBin(from: 2, to: 3, count: 1), HistogramBin(from: 3, to: 5, count: 2),
                                    HistogramBin(from: 5, to: nil, count: 1)])
    }

    @Test func emptyTimeline() {
        let r = Analytics.questions([], risingPitchEnds: [3], config: config)
        #expect(r.questions.isEmpty && r.medianWaitSeconds == nil && r.turnExchanges == 0)
        #expect(r.waitHistogram.count == 5 && r.waitHistogram.allSatisfy { $0.count == 0 })
    }

    @Test func medianOddEvenEmpty() {
        #expect(Analytics.median([]) == nil)
        #expect(Analytics.median([3, 1, 2]) == 2)
        #expect(Analytics.median([4, 1, 3, 2]) == 2.5)
    }
}
