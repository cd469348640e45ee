public import MediaCore

// `STRule` and `STMode` are report vocabulary and live in MediaCore with the report model;
// `STMode.classify` is in STMode+Classify.swift.

/// Parameters of the classroom analytics. Units are in the names; every default says where it comes from.
public struct AnalyticsConfig: Sendable, Equatable {
    /// S-T sampling interval, seconds. 30 s is the standard S-T interval; 15 s is the common finer variant.
    public var stIntervalSeconds: Double = 30
    /// How each S-T window is coded.
    public var stRule: STRule = .windowMajority
    /// A pause shorter than this between two stretches of one label belongs to that label (contract §3).
    public var mergeGapSeconds: Double = 1.5
    /// A turn exchange may have one silence strictly shorter than this between teacher and student (contract §3).
    public var exchangeMaxSilenceSeconds: Double = 10
    /// A student voice more than this many seconds after a teacher utterance is not an answer to it.
    /// 10 s is about twice the upper end of Rowe's recommended 3-5 s wait; longer gaps are usually seatwork.
    public var maxWaitSeconds: Double = 10
    /// Shortest student voice that counts as an answer, seconds. An answer is at least a few words; a
    /// student stretch shorter than the 1.5 s merge gap cannot be told apart from a teacher syllable or a
    /// noise attributed to a student, which on the tuning lessons were nearly all the false questions.
    public var minAnswerSeconds: Double = 1.5

    // MARK: Question detector (heuristic)

    /// A rising-pitch end counts for a teacher utterance when it lies within this many seconds of the
    /// utterance's end; 0.5 s covers the pitch tracker's hop and the VAD's hangover.
    public var risingPitchToleranceSeconds: Double = 0.5
    /// An unanswered question needs at least this much silence after it (a pause left for an answer).
    /// 1 s is the "typical classroom wait" Rowe (1986) measured; shorter pauses are ordinary breathing gaps.
    public var unansweredMinSilenceSeconds: Double = 1.0

    // MARK: Findings thresholds

    /// Teacher talk above this share of the lesson is flagged. Flanders' "rule of two-thirds" (Flanders 1970)
    /// found teacher talk ≈ 2/3 of class time in typical lessons; DART (Owens et al. 2017) and TeachFX report
    /// single-voice/teacher talk ≥ 70 % as lecture-dominated. 0.7 also matches the S-T lecture threshold Rt ≥ 0.7.
    public var teacherTalkRatioMax: Double = 0.7
    /// Median wait time below this is flagged. Rowe (1986, "Wait time: slowing down may be a way of speeding
    /// up!", J. Teacher Education 37(1)) found typical waits under 1 s and benefits from 3-5 s.
    public var minWaitSeconds: Double = 3.0
    /// The wait-time finding needs at least this many answered questions, so one quick reply is not a trend.
    public var minAnsweredForWaitFinding: Int = 3
    /// Uninterrupted teacher talk at least this long is flagged. Bligh (2000, "What's the Use of Lectures?")
    /// reports attention dropping after 10-20 min and Wilson & Korn (2007) question even that; 5 min is the
    /// stricter prompt teacher-feedback tools use to suggest a check for understanding, not an established limit.
    public var monologueSeconds: Double = 300
    /// A teacher pause shorter than this does not end a monologue (no student spoke; the teacher kept the floor).
    /// 5 s is above Rowe's 3-5 s wait: a longer silence is time left to the class.
    public var monologueMaxPauseSeconds: Double = 5
    /// Student talk (`student` + `multi`) below this share is flagged. DART (Owens et al. 2017) reports that
    /// lecture-only sessions have little multiple-voice / no-voice time; 10 % is a conservative floor
    /// (FIAS studies put student talk at ~20 % of typical lessons, Flanders 1970).
    public var studentTalkRatioMin: Double = 0.1
    /// Continuous silence at least this long is reported (as information: it may be planned seatwork).
    /// COPUS (Smith et al. 2013) codes activities in 2-min intervals; a silence filling one is an activity.
    public var longSilenceSeconds: Double = 120
    /// Fewer detected questions per hour than this is flagged. Classroom studies count dozens of teacher
    /// questions per hour (Gall 1970, "The use of questions in teaching"); 10/h is deliberately low because
    /// the acoustic detector misses questions answered by the teacher or not followed by a pause.
    public var fewQuestionsPerHour: Double = 10
    /// Rate findings (few questions) need at least this much recording, seconds; a 3-min excerpt says little.
    public var minDurationForRateFindings: Double = 600
    /// A share of unanswered questions above this is flagged (more than half the questions got no student voice).
    public var unansweredShareMax: Double = 0.5
    /// The unanswered-questions finding needs at least this many detected questions.
    public var minQuestionsForUnansweredFinding: Int = 4

    // MARK: Phases (heuristic smoothing)

    /// Width of the sliding window whose label mix describes each second, seconds. One S-T interval:
    /// the same grain classroom observers use.
    public var phaseWindowSeconds: Double = 30
    /// Cost of switching phase in the Viterbi smoothing, in nats of evidence (see `Analytics.phases`).
    /// 12 nats ≈ 15-20 s of clearly different activity is needed before a new phase starts.
    public var phaseSwitchPenalty: Double = 12

    public init() {}
}
