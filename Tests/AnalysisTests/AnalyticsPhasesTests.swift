import Testing
import MediaCore
@testable import Analysis

@Suite("Analytics phases")
struct AnalyticsPhasesTests {
    func checkContiguous(_ phases: [Phase], start: Double, end: Double) {
        #expect(phases.first?.start == start)
        #expect(phases.last?.end == end)
        for (a, b) in zip(phases, phases.dropFirst()) {
            #expect(a.end == b.start)
            #expect(a.kind != b.kind)
        }
    }

    @Test func emptyTimeline() {
        #expect(Analytics.phases([]).isEmpty)
    }

    @Test func allSilenceIsSeatwork() {
        let p = Analytics.phases([Segment(start: 0, end: 600, label: .silence)])
        #expect(p == [Phase(start: 0, end: 600, kind: .seatwork)])
    }

    @Test func shortInterruptionIsSmoothedAway() {
        let tl = analyticsTimeline([(.teacher, 150), (.student, 5), (.teacher, 100), (.silence, 8), (.teacher, 137.5)])
        let p = Analytics.phases(tl)
        #expect(p == [Phase(start: 0, end: 400.5, kind: .lecture)])
    }

    @Test func fiveActivitiesAreFoundInOrder() {
        var parts: [(Label, Double)] = [(.teacher, 300)]
        for _ in 0..<18 { parts += [(.teacher, 6), (.silence, 1), (.student, 3)] }   // 180 s of Q&A
        parts += [(.silence, 240), (.multi, 180), (.media, 120), (.teacher, 120)]
        let tl = Analytics.normalise(analyticsTimeline(parts), duration: 1140, mergeGapSeconds: 1.5)
        let p = Analytics.phases(tl)
        #expect(p.map(\.kind) == [.lecture, .qa, .seatwork, .discussion, .media, .lecture])
        let truth: [Double] = [300, 480, 720, 900, 1020]
        for (phase, boundary) in zip(p, truth) {
            #expect(abs(phase.end - boundary) <= 15, "phase \(phase.kind) ends at \(phase.end), truth \(boundary)")
        }
        checkContiguous(p, start: 0, end: 1140)
    }

    @Test func shortTimelineAndFractionalEnd() {
        let p = Analytics.phases(analyticsTimeline([(.teacher, 2.4)]))
        #expect(p == [Phase(start: 0, end: 2.4, kind: .lecture)])
    }

    @Test func studentTalkingAtLengthIsQA() {
        let p = Analytics.phases(analyticsTimeline([(.student, 120)]))
        #expect(p.map(\.kind) == [.qa])
    }
}
