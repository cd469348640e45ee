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
    public var notes: [MethodNote]

    public init(timeline: [Segment], talk: TalkSummary, st: STSummary?, interaction: InteractionSummary,
                phases: [Phase], findings: [Finding], notes: [MethodNote]) {
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

    /// Disclosures of the heuristics behind the analytics (for `Report.notes` and `Report.methodNotes`).
    public static func methodNotes(_ config: AnalyticsConfig) -> [MethodNote] {
        [
            MethodNote(.timelineMerge, ["mergeGapSeconds": .number(config.mergeGapSeconds)]),
            MethodNote(.stCoding, ["intervalSeconds": .number(config.stIntervalSeconds), "rule": .text(config.stRule.rawValue)]),
            MethodNote(.questionDetection, ["maxWaitSeconds": .number(config.maxWaitSeconds)]),
            MethodNote(.waitTime),
            MethodNote(.activityPhases, ["windowSeconds": .number(config.phaseWindowSeconds)]),
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
        for note in notes { report.addNote(note) }
    }
}
