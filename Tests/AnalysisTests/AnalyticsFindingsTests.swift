import Testing
import MediaCore
@testable import Analysis

@Suite("Analytics findings")
struct AnalyticsFindingsTests {
    func findings(_ parts: [(Label, Double)], rising: [Double] = [], config: AnalyticsConfig = AnalyticsConfig()) -> [Finding] {
        let tl = analyticsTimeline(parts)
        let duration = tl.last?.end ?? 0
        return Analytics.analyse(timeline: tl, duration: duration, risingPitchEnds: rising, config: config).findings
    }

    func codes(_ f: [Finding]) -> Set<String> { Set(f.map(\.code.rawValue)) }

    @Test func highTeacherTalkIsStrictlyAboveThreshold() throws {
        let high = findings([(.teacher, 71), (.student, 29)])
        let f = try #require(high.first { $0.code.rawValue == "high-teacher-talk" })
        #expect(abs((f.values["teacherRatio"] ?? 0) - 0.71) < 1e-12 && f.values["threshold"] == 0.7)
        #expect(f.moments == [TimeRange(start: 0, end: 71)])
        #expect(!codes(findings([(.teacher, 70), (.student, 30)])).contains("high-teacher-talk"))
    }

    @Test func littleStudentTalk() {
        #expect(codes(findings([(.teacher, 50), (.silence, 45), (.student, 5)])).contains("little-student-talk"))
        #expect(!codes(findings([(.teacher, 50), (.silence, 40), (.student, 10)])).contains("little-student-talk"))
    }

    @Test func shortWaitTimeNeedsThreeAnswers() throws {
        var parts: [(Label, Double)] = []
        for _ in 0..<3 { parts += [(.teacher, 20), (.silence, 1), (.student, 10)] }
        let f = try #require(findings(parts).first { $0.code.rawValue == "short-wait-time" })
        #expect(f.values["medianWaitSeconds"] == 1 && f.values["shortWaits"] == 3 && f.values["threshold"] == 3)
        #expect(f.moments.first == TimeRange(start: 0, end: 21))
        #expect(!codes(findings(Array(parts.prefix(6)))).contains("short-wait-time"))
        // Long enough waits: no finding.
        var patient: [(Label, Double)] = []
        for _ in 0..<3 { patient += [(.teacher, 20), (.silence, 3), (.student, 10)] }
        #expect(!codes(findings(patient)).contains("short-wait-time"))
    }

    @Test func longMonologueAllowsShortPauses() throws {
        let f = try #require(findings([(.teacher, 100), (.silence, 3), (.teacher, 207), (.student, 60)]).first { $0.code.rawValue == "long-monologue" })
        #expect(f.moments == [TimeRange(start: 0, end: 310)] && f.values["longestSeconds"] == 310)
        #expect(!codes(findings([(.teacher, 100), (.silence, 6), (.teacher, 207), (.student, 60)])).contains("long-monologue"))
    }

    @Test func longSilenceAtThreshold() throws {
        let f = try #require(findings([(.teacher, 60), (.silence, 120), (.student, 60)]).first { $0.code.rawValue == "long-silence" })
        #expect(f.severity == .info && f.moments == [TimeRange(start: 60, end: 180)])
        #expect(!codes(findings([(.teacher, 60), (.silence, 119), (.student, 60)])).contains("long-silence"))
    }

    @Test func fewQuestionsOnlyForLongRecordings() {
        let long: [(Label, Double)] = [(.teacher, 600), (.student, 600)]   // 20 min, 1 question
        #expect(codes(findings(long)).contains("few-questions"))
        #expect(!codes(findings([(.teacher, 200), (.student, 100)])).contains("few-questions"))
    }

    @Test func unansweredQuestions() throws {
        var parts: [(Label, Double)] = []
        var rising: [Double] = []
        var t = 0.0
        for _ in 0..<4 { parts += [(.teacher, 10), (.silence, 3)]; t += 10; rising.append(t); t += 3 }
        parts += [(.teacher, 10)]
        let f = try #require(findings(parts, rising: rising).first { $0.code.rawValue == "unanswered-questions" })
        #expect(f.values["unanswered"] == 4 && f.values["questions"] == 4 && f.values["share"] == 1)
    }

    @Test func allSilenceSaysNoSpeechOnly() {
        let f = findings([(.silence, 900)])
        #expect(f.first?.code.rawValue == "no-speech")
        #expect(!codes(f).contains("few-questions") && !codes(f).contains("little-student-talk"))
    }

    @Test func severityOrderAndEmpty() {
        let f = findings([(.teacher, 400), (.silence, 130), (.student, 10)])
        #expect(f.map(\.severity) == f.map(\.severity).sorted(by: >))
        #expect(codes(f).isSuperset(of: ["high-teacher-talk", "long-monologue", "long-silence", "little-student-talk"]))
        #expect(Analytics.findings(timeline: [], duration: 0, talk: TalkSummary(), st: nil,
                                   interaction: InteractionSummary(), config: AnalyticsConfig()).isEmpty)
    }

    @Test func noAudioFinding() {
        let f = Analytics.noAudioFinding()
        #expect(f.code.rawValue == "no-audio" && f.severity == .critical && !f.message.isEmpty)
    }

    @Test func analyseNormalisesAndAddsNotes() {
        let a = Analytics.analyse(timeline: [Segment(start: 0, end: 30, label: .teacher), Segment(start: 31, end: 60, label: .teacher)],
                                  duration: 90, risingPitchEnds: [], config: AnalyticsConfig())
        #expect(a.timeline == [Segment(start: 0, end: 60, label: .teacher), Segment(start: 60, end: 90, label: .silence)])
        #expect(a.st?.sequence == "TTS")
        #expect(!a.notes.isEmpty && !a.phases.isEmpty)
    }
}

@Suite("Analytics into a report")
struct AnalyticsReportFillTests {
    @Test func fillReplacesMeasuresAndAppendsFindings() {
        let a = Analytics.analyse(timeline: analyticsTimeline([(.teacher, 80), (.silence, 2), (.student, 20)]), duration: 102,
                                  risingPitchEnds: [], config: AnalyticsConfig())
        let rec = RecordingSummary(id: "0123456789abcdef", file: "x.mp4", sha256: "00", sizeBytes: 1, durationSeconds: 102,
                                   startSeconds: 0, container: "mp4", video: nil, audio: nil)
        var r = Report(generator: "t", generatedAt: "t", language: .known(.en), recording: rec,
                       pipeline: PipelineSummary(name: "default", parameters: [:]),
                       findings: [Finding(code: .other("pipeline-own"), severity: .info, message: "m")], notes: ["pipeline note"])
        a.fill(&r)
        #expect(r.timeline == a.timeline && r.talk == a.talk && r.st == a.st && r.interaction == a.interaction)
        #expect(r.findings.first?.code.rawValue == "pipeline-own" && r.findings.count == 1 + a.findings.count)
        #expect(r.notes.first == "pipeline note" && r.notes.count == 1 + a.notes.count)
        #expect(r.interaction.questions.first?.waitSeconds == 2)
    }
}
