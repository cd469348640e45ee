public import MediaCore

/// Everything `Analytics.analyse` computes for one lesson.
public struct LessonAnalytics: Sendable, Equatable {
    /// The normalised timeline (contiguous over `[0, duration]`, merge rule applied).
    public var timeline: [Segment]
    public var talk: TalkSummary
    /// nil when the recording is shorter than one S-T interval (no full window; see `Analytics.st`).
    public var st: STSummary?
    public var interaction: InteractionSummary
    public var phases: [Phase]
    public var findings: [Finding]
    /// How the numbers were obtained where they are heuristics (for the report's method section).
    public var notes: [String]

    public init(timeline: [Segment], talk: TalkSummary, st: STSummary?, interaction: InteractionSummary,
                phases: [Phase], findings: [Finding], notes: [String]) {
        self.timeline = timeline
        self.talk = talk
        self.st = st
        self.interaction = interaction
        self.phases = phases
        self.findings = findings
        self.notes = notes
    }
}

extension Analytics {
    /// Everything at once: normalises `timeline` (seconds) over `[0, duration]`, then computes talk, S-T
    /// (nil when no full interval fits), interaction, phases and findings with `config`.
    ///
    /// - Parameter risingPitchEnds: times (seconds) at which a teacher utterance ended with a rising pitch.
    public static func analyse(timeline: [Segment], duration: Double, risingPitchEnds: [Double],
                               config: AnalyticsConfig) -> LessonAnalytics {
        let tl = normalise(timeline, duration: duration, mergeGapSeconds: config.mergeGapSeconds)
        let talk = talk(tl, duration: duration)
        let stFull = st(tl, duration: duration, intervalSeconds: config.stIntervalSeconds, rule: config.stRule)
        let st: STSummary? = stFull.n > 0 ? stFull : nil
        let interaction = questions(tl, risingPitchEnds: risingPitchEnds, config: config)
        let phases = phases(tl, windowSeconds: config.phaseWindowSeconds, switchPenalty: config.phaseSwitchPenalty)
        let findings = findings(timeline: tl, duration: duration, talk: talk, st: st, interaction: interaction,
                                config: config)
        return LessonAnalytics(timeline: tl, talk: talk, st: st, interaction: interaction, phases: phases,
                               findings: findings, notes: methodNotes(config))
    }

    /// One-sentence disclosures of the heuristics behind the analytics, in English (for `Report.notes`).
    public static func methodNotes(_ config: AnalyticsConfig) -> [String] {
        [
            "Timeline: pauses shorter than \(seconds1(config.mergeGapSeconds)) s between two stretches of the same label are counted as that label.",
            "S-T analysis: \(seconds1(config.stIntervalSeconds)) s windows, rule \(config.stRule.rawValue); teacher speech and media count as T, everything else as S; only full windows are coded.",
            "Questions are detected acoustically, without speech recognition (a heuristic): a teacher utterance followed within \(seconds1(config.maxWaitSeconds)) s by a student voice counts as an answered question; a teacher utterance ending with rising pitch, followed by a pause and then by the teacher again, counts as unanswered. Rhetorical questions and instructions answered by students are not told apart.",
            "Wait time is the silence between the end of the teacher's utterance and the first student voice.",
            "Activity phases are a heuristic: the label mix in a \(seconds1(config.phaseWindowSeconds)) s sliding window scores each second, and a Viterbi smoothing ignores interruptions too short to outweigh a phase change.",
        ]
    }
}

extension LessonAnalytics {
    /// Copies the analytics into `report`: timeline, talk, st, interaction and phases are replaced; findings
    /// and notes are appended (the pipeline may already have added its own, such as `no-audio`).
    public func fill(_ report: inout Report) {
        report.timeline = timeline
        report.talk = talk
        report.st = st
        report.interaction = interaction
        report.phases = phases
        report.findings += findings
        report.notes += notes
    }
}
