import Testing
import MediaCore
@testable import Analysis

/// Builds a contiguous timeline from (label, seconds) pairs starting at 0.
func analyticsTimeline(_ parts: [(Label, Double)]) -> [Segment] {
    var t = 0.0
    return parts.map { part in
        defer { t += part.1 }
        return Segment(start: t, end: t + part.1, label: part.0)
    }
}

/// One 30 s (or `interval`) window per letter: T = teacher, S = student.
func analyticsWindows(_ letters: String, interval: Double = 30) -> [Segment] {
    Analytics.coalesce(analyticsTimeline(letters.map { ($0 == "T" ? .teacher : .student, interval) }))
}

@Suite("Analytics normalise")
struct AnalyticsNormaliseTests {
    @Test func emptyInputBecomesOneSilence() {
        #expect(Analytics.normalise([], duration: 60, mergeGapSeconds: 1.5) == [Segment(start: 0, end: 60, label: .silence)])
    }

    @Test func zeroOrNegativeDurationIsEmpty() {
        #expect(Analytics.normalise([Segment(start: 0, end: 5, label: .teacher)], duration: 0, mergeGapSeconds: 1.5).isEmpty)
        #expect(Analytics.normalise([], duration: -1, mergeGapSeconds: 1.5).isEmpty)
    }

    @Test func gapsAreFilledWithSilenceAndClipped() {
        let out = Analytics.normalise([Segment(start: 5, end: 10, label: .teacher), Segment(start: 50, end: 70, label: .student)],
                                      duration: 60, mergeGapSeconds: 1.5)
        #expect(out == [Segment(start: 0, end: 5, label: .silence), Segment(start: 5, end: 10, label: .teacher),
                        Segment(start: 10, end: 50, label: .silence), Segment(start: 50, end: 60, label: .student)])
    }

    @Test func unsortedAndOverlappingSegments() {
        let out = Analytics.normalise([Segment(start: 8, end: 15, label: .student), Segment(start: 0, end: 10, label: .teacher)],
                                      duration: 15, mergeGapSeconds: 1.5)
        #expect(out == [Segment(start: 0, end: 10, label: .teacher), Segment(start: 10, end: 15, label: .student)])
    }

    @Test(arguments: [(1.49, true), (1.5, false), (1.0, true), (2.0, false)])
    func mergeRuleBoundary(gap: Double, merges: Bool) {
        // Explicit silence segment between two teacher stretches.
        let explicit = [Segment(start: 0, end: 10, label: .teacher), Segment(start: 10, end: 10 + gap, label: .silence),
                        Segment(start: 10 + gap, end: 20, label: .teacher)]
        // The same pause as an unlabelled gap.
        let implicit = [explicit[0], explicit[2]]
        for input in [explicit, implicit] {
            let out = Analytics.normalise(input, duration: 20, mergeGapSeconds: 1.5)
            if merges {
                #expect(out == [Segment(start: 0, end: 20, label: .teacher)])
            } else {
                #expect(out.map(\.label) == [.teacher, .silence, .teacher])
            }
        }
    }

    @Test func floatingPointPauseOfOnePointFiveStays() {
        let input = [Segment(start: 0, end: 0.8, label: .teacher), Segment(start: 2.3, end: 20, label: .teacher)]
        #expect(2.3 - 0.8 < 1.5)   // the premise: the subtraction is a hair short
        let out = Analytics.normalise(input, duration: 20, mergeGapSeconds: 1.5)
        #expect(out.map(\.label) == [.teacher, .silence, .teacher])
    }

    @Test func shortPauseBetweenDifferentLabelsStays() {
        let out = Analytics.normalise(analyticsTimeline([(.teacher, 10), (.silence, 1), (.student, 5)]), duration: 16, mergeGapSeconds: 1.5)
        #expect(out.map(\.label) == [.teacher, .silence, .student])
    }

    @Test func shortPauseAtTheEdgesStays() {
        let out = Analytics.normalise(analyticsTimeline([(.silence, 1), (.teacher, 10), (.silence, 1)]), duration: 12, mergeGapSeconds: 1.5)
        #expect(out.map(\.label) == [.silence, .teacher, .silence])
    }

    @Test func sameLabelNeighboursJoinAndResultIsIdempotent() {
        let input = analyticsTimeline([(.teacher, 5), (.teacher, 5), (.silence, 0.5), (.teacher, 3), (.silence, 4), (.multi, 2)])
        let once = Analytics.normalise(input, duration: 19.5, mergeGapSeconds: 1.5)
        #expect(once == [Segment(start: 0, end: 13.5, label: .teacher), Segment(start: 13.5, end: 17.5, label: .silence),
                         Segment(start: 17.5, end: 19.5, label: .multi)])
        #expect(Analytics.normalise(once, duration: 19.5, mergeGapSeconds: 1.5) == once)
    }
}

@Suite("Analytics talk and turns")
struct AnalyticsTalkTests {
    @Test func secondsAndRatios() {
        let tl = analyticsTimeline([(.teacher, 60), (.student, 15), (.multi, 5), (.silence, 10), (.media, 10)])
        let t = Analytics.talk(tl, duration: 100)
        #expect(t.teacherSeconds == 60 && t.studentSeconds == 15 && t.multiSeconds == 5)
        #expect(t.silenceSeconds == 10 && t.mediaSeconds == 10)
        #expect(abs(t.teacherRatio - 0.6) < 1e-12)
        #expect(abs(t.studentRatio - 0.2) < 1e-12)   // student + multi
        #expect(abs(t.multiRatio - 0.05) < 1e-12)
        #expect(abs(t.silenceRatio - 0.1) < 1e-12 && abs(t.mediaRatio - 0.1) < 1e-12)
        #expect(abs((t.teacherShareOfTalk ?? -1) - 0.75) < 1e-12)
    }

    @Test func allSilenceAndEmpty() {
        let silent = Analytics.talk([Segment(start: 0, end: 50, label: .silence)], duration: 50)
        #expect(silent.teacherRatio == 0 && silent.studentRatio == 0 && silent.silenceRatio == 1)
        #expect(silent.teacherShareOfTalk == nil)
        let empty = Analytics.talk([], duration: 0)
        #expect(empty == TalkSummary())
    }

    @Test func turnExchanges() {
        func count(_ parts: [(Label, Double)]) -> Int { Analytics.turnExchanges(analyticsTimeline(parts), maxSilenceSeconds: 10) }
        #expect(count([(.teacher, 5), (.student, 3)]) == 1)
        #expect(count([(.teacher, 5), (.multi, 3)]) == 1)
        #expect(count([(.teacher, 5), (.silence, 9.9), (.student, 3)]) == 1)
        #expect(count([(.teacher, 5), (.silence, 10), (.student, 3)]) == 0)   // "shorter than 10 s"
        #expect(count([(.student, 5), (.teacher, 3)]) == 0)
        #expect(count([(.teacher, 5), (.silence, 2), (.teacher, 3)]) == 0)
        #expect(count([(.teacher, 5), (.media, 2), (.student, 3)]) == 0)
        #expect(count([(.teacher, 5), (.student, 3), (.teacher, 4), (.silence, 2), (.multi, 6), (.teacher, 1)]) == 2)
        #expect(Analytics.turnExchanges([], maxSilenceSeconds: 10) == 0)
    }
}
