import MediaCore
import Testing
@testable import Analysis

/// The speech / no-speech metric of `lessonlens eval` on symbolic timelines (10 ms frames).
@Suite struct SpeechScoringTests {
    private func seg(_ a: Double, _ b: Double, _ l: Label) -> Segment { Segment(start: a, end: b, label: l) }

    @Test func identicalTimelinesHaveNoError() {
        let t = [seg(0, 5, .silence), seg(5, 10, .teacher), seg(10, 20, .media)]
        let s = TimelineScoring.speechScore(truth: t, predicted: t, duration: 20)
        #expect(s.frames == 2000)
        #expect(s.frameError == 0)
        #expect(s.referenceSpeechFrames == 500)
        #expect(s.silenceKeptSilence == 1)
        #expect(s.mediaKeptMedia == 1)
    }

    @Test func speechLabelsAreInterchangeableAndNonSpeechLabelsToo() {
        // teacher vs multi is still speech; silence vs media is still non-speech.
        let truth = [seg(0, 10, .teacher), seg(10, 20, .silence)]
        let pred = [seg(0, 10, .multi), seg(10, 20, .media)]
        let s = TimelineScoring.speechScore(truth: truth, predicted: pred, duration: 20)
        #expect(s.frameError == 0)
        // … but the noise shares see the labels: all of the reference silence was called media.
        #expect(s.silenceAsMedia == 1)
        #expect(s.silenceKeptSilence == 0)
    }

    @Test func missesAndFalseAlarmsCountFrames() {
        let truth = [seg(0, 10, .teacher), seg(10, 20, .silence)]
        let pred = [seg(0, 8, .teacher), seg(8, 16, .silence), seg(16, 20, .student)]
        let s = TimelineScoring.speechScore(truth: truth, predicted: pred, duration: 20)
        #expect(s.missedFrames == 200)
        #expect(s.falseAlarmFrames == 400)
        #expect(abs(s.frameError - 0.3) < 1e-12)
        #expect(abs((s.missRate ?? -1) - 0.2) < 1e-12)
        #expect(abs((s.falseAlarmRate ?? -1) - 0.4) < 1e-12)
        #expect(abs((s.silenceAsSpeech ?? -1) - 0.4) < 1e-12)
        #expect(abs((s.silenceKeptSilence ?? -1) - 0.6) < 1e-12)
    }

    @Test func pausesShorterThanOneAndAHalfSecondsInsideSpeechAreSpeech() {
        // Reference has a 1.0 s pause between a teacher and a student: that is speech.
        let truth = [seg(0, 5, .teacher), seg(5, 6, .silence), seg(6, 10, .student)]
        let pred = [seg(0, 10, .teacher)]
        #expect(TimelineScoring.speechScore(truth: truth, predicted: pred, duration: 10).frameError == 0)
        // The hypothesis's 1.4 s pause is filled too…
        let pred2 = [seg(0, 3, .teacher), seg(3, 4.4, .silence), seg(4.4, 10, .teacher)]
        #expect(TimelineScoring.speechScore(truth: [seg(0, 10, .teacher)], predicted: pred2, duration: 10).frameError == 0)
        // … but a 1.6 s pause is not: 160 missed frames.
        let pred3 = [seg(0, 3, .teacher), seg(3, 4.6, .silence), seg(4.6, 10, .teacher)]
        let s3 = TimelineScoring.speechScore(truth: [seg(0, 10, .teacher)], predicted: pred3, duration: 10)
        #expect(s3.missedFrames == 160)
    }

    @Test func pausesAtTheEdgesAreNotFilled() {
        // 1 s of silence before the first speech stays non-speech in both.
        let truth = [seg(0, 1, .silence), seg(1, 5, .teacher)]
        let pred = [seg(0, 5, .teacher)]
        let s = TimelineScoring.speechScore(truth: truth, predicted: pred, duration: 5)
        #expect(s.falseAlarmFrames == 100)
    }

    @Test func mediaKeptAndUncoveredTimeIsSilence() {
        let truth = [seg(0, 10, .media)]
        let pred = [seg(0, 4, .media), seg(4, 6, .multi)]    // 6…10 uncovered = silence
        let s = TimelineScoring.speechScore(truth: truth, predicted: pred, duration: 10)
        #expect(abs((s.mediaKeptMedia ?? -1) - 0.4) < 1e-12)
        #expect(s.falseAlarmFrames == 200)
        #expect(s.referenceSilenceFrames == 0)
        #expect(s.silenceKeptSilence == nil)
    }

    @Test func mergeFillsOnlyInnerShortGaps() {
        let m = TimelineScoring.mergeSpeechPauses([false, true, false, false, true, false, false, false, true, false],
                                                  maxGapFrames: 3)
        #expect(m == [false, true, true, true, true, false, false, false, true, false])
    }

    @Test func pooledAddsCounts() {
        let a = TimelineScoring.speechScore(truth: [seg(0, 10, .teacher)], predicted: [seg(0, 10, .teacher)], duration: 10)
        let b = TimelineScoring.speechScore(truth: [seg(0, 10, .silence)], predicted: [seg(0, 10, .teacher)], duration: 10)
        let p = SpeechScore.pooled([a, b])
        #expect(p.frames == 2000)
        #expect(abs(p.frameError - 0.5) < 1e-12)
        #expect(p.silenceAsSpeech == 1)
    }
}
