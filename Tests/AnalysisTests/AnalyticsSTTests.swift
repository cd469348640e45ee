import Testing
import MediaCore
@testable import Analysis

@Suite("Analytics S-T")
struct AnalyticsSTTests {
    @Test(arguments: [
        ("TTTSSTTSTT", 0.7, 0.4, 5, "lecture"),    // Rt exactly 0.7: lecture wins before dialogue
        ("TTSSSSSTSS", 0.3, 0.3, 4, "practice"),   // Rt exactly 0.3
        ("TSTSTSTSTS", 0.5, 0.9, 10, "dialogue"),
        ("TTTTTSSSSS", 0.5, 0.1, 2, "mixed"),
        ("TTTSSSTTSS", 0.5, 0.3, 4, "mixed"),
        ("TTTTSSTTSS", 0.6, 0.3, 4, "mixed"),
        ("TTSSTTSSTT", 0.6, 0.4, 5, "dialogue"),    // Ch exactly 0.4
        ("TTTT", 1.0, 0.0, 1, "lecture"),          // one run: Ch = 0
        ("SSSS", 0.0, 0.0, 1, "practice"),
    ])
    func formulasAndModes(sequence: String, rt: Double, ch: Double, runs: Int, mode: String) {
        let duration = Double(sequence.count) * 30
        let s = Analytics.st(analyticsWindows(sequence), duration: duration, intervalSeconds: 30, rule: .windowMajority)
        #expect(s.sequence == sequence)
        #expect(s.n == sequence.count)
        #expect(abs(s.rt - rt) < 1e-12)
        #expect(abs(s.ch - ch) < 1e-12)
        #expect(s.runs == runs)
        #expect(s.mode.rawValue == mode)
        #expect(s.rule.rawValue == "window-majority")
        // Both rules agree on whole-window labels.
        let i = Analytics.st(analyticsWindows(sequence), duration: duration, intervalSeconds: 30, rule: .instant)
        #expect(i.sequence == sequence && i.rule.rawValue == "instant")
    }

    @Test func curveIsCumulative() {
        let s = Analytics.st(analyticsWindows("TTS"), duration: 90, intervalSeconds: 30, rule: .windowMajority)
        #expect(s.curve == [STPoint(t: 0, s: 0), STPoint(t: 1, s: 0), STPoint(t: 2, s: 0), STPoint(t: 2, s: 1)])
    }

    @Test func exactlyHalfWindowIsT() {
        let half = analyticsTimeline([(.teacher, 15), (.student, 15)])
        #expect(Analytics.st(half, duration: 30, intervalSeconds: 30, rule: .windowMajority).sequence == "T")
        let less = analyticsTimeline([(.teacher, 14.9), (.student, 15.1)])
        #expect(Analytics.st(less, duration: 30, intervalSeconds: 30, rule: .windowMajority).sequence == "S")
        // Media counts as T behaviour and adds to teacher time; float sums just under 15 s still count as half.
        let mixed = analyticsTimeline([(.media, 10), (.silence, 10), (.teacher, 5), (.multi, 5)])
        #expect(Analytics.st(mixed, duration: 30, intervalSeconds: 30, rule: .windowMajority).sequence == "T")
        let thirds = analyticsTimeline([(.teacher, 0.1), (.student, 15), (.teacher, 14.9)])
        #expect(Analytics.st(thirds, duration: 30, intervalSeconds: 30, rule: .windowMajority).sequence == "T")
    }

    @Test func instantRuleUsesTheMiddle() {
        let tl = analyticsTimeline([(.student, 10), (.teacher, 10), (.student, 10)])
        #expect(Analytics.st(tl, duration: 30, intervalSeconds: 30, rule: .windowMajority).sequence == "S")
        #expect(Analytics.st(tl, duration: 30, intervalSeconds: 30, rule: .instant).sequence == "T")
        // A boundary exactly at the middle belongs to the segment that starts there ([start, end)).
        let edge = analyticsTimeline([(.teacher, 15), (.student, 15)])
        #expect(Analytics.st(edge, duration: 30, intervalSeconds: 30, rule: .instant).sequence == "S")
        // Uncovered time counts as S.
        #expect(Analytics.st([], duration: 30, intervalSeconds: 30, rule: .instant).sequence == "S")
    }

    @Test func fifteenSecondInterval() {
        let tl = analyticsTimeline([(.teacher, 30), (.student, 15), (.teacher, 15)])
        let s = Analytics.st(tl, duration: 60, intervalSeconds: 15, rule: .windowMajority)
        #expect(s.sequence == "TTST" && s.n == 4 && s.runs == 3)
        #expect(abs(s.rt - 0.75) < 1e-12 && abs(s.ch - 0.5) < 1e-12)
        #expect(s.intervalSeconds == 15 && s.mode.rawValue == "lecture")
    }

    @Test func onlyFullWindowsCount() {
        let tl = analyticsTimeline([(.teacher, 30), (.student, 29.9)])
        #expect(Analytics.st(tl, duration: 59.9, intervalSeconds: 30, rule: .windowMajority).sequence == "T")
        // A container duration a hair short of a window boundary still yields that window.
        #expect(Analytics.st(tl, duration: 59.99999999, intervalSeconds: 30, rule: .windowMajority).n == 2)
    }

    @Test func shorterThanOneInterval() {
        let s = Analytics.st(analyticsTimeline([(.teacher, 29)]), duration: 29, intervalSeconds: 30, rule: .windowMajority)
        #expect(s.n == 0 && s.sequence.isEmpty && s.rt == 0 && s.ch == 0 && s.runs == 0)
        #expect(s.mode.rawValue == "none" && s.curve == [STPoint(t: 0, s: 0)])
        let a = Analytics.analyse(timeline: analyticsTimeline([(.teacher, 29)]), duration: 29, risingPitchEnds: [], config: AnalyticsConfig())
        #expect(a.st == nil)
        #expect(a.findings.contains { $0.code.rawValue == "too-short-for-st" })
    }

    @Test func allSilenceAndEmptyTimeline() {
        let silent = Analytics.st([Segment(start: 0, end: 120, label: .silence)], duration: 120, intervalSeconds: 30, rule: .windowMajority)
        #expect(silent.sequence == "SSSS" && silent.rt == 0 && silent.ch == 0 && silent.mode.rawValue == "practice")
        let empty = Analytics.st([], duration: 90, intervalSeconds: 30, rule: .windowMajority)
        #expect(empty.sequence == "SSS")
        let none = Analytics.st([], duration: 0, intervalSeconds: 30, rule: .windowMajority)
        #expect(none.n == 0)
    }

    @Test func modeClassifierOrder() {
        #expect(STMode.classify(rt: 0.7, ch: 0.9) == .lecture)
        #expect(STMode.classify(rt: 0.3, ch: 0.9) == .practice)
        #expect(STMode.classify(rt: 0.69, ch: 0.4) == .dialogue)
        #expect(STMode.classify(rt: 0.31, ch: 0.39) == .mixed)
    }
}
