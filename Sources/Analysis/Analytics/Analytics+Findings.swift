#if canImport(Glibc)
import Glibc  // rounding for message numbers
#elseif canImport(Darwin)
import Darwin
#endif
public import MediaCore

// The codes (`FindingCode`) are report vocabulary and live in MediaCore with `Finding`.

extension Analytics {
    /// The finding the pipeline adds when the recording has no audio stream (nothing here can be measured).
    public static func noAudioFinding() -> Finding {
        Finding(code: FindingCode.noAudio, severity: .critical,
                message: "The recording has no audio track: talk time, S-T analysis, questions and wait time were not measured.")
    }

    /// Weak points a teaching researcher would flag, most severe first. Thresholds come from `config`
    /// (each default cites its source). `values` carries the numbers each message speaks of (ratios in 0...1,
    /// times in seconds); `moments` the stretches that show it. Expects a normalised timeline.
    ///
    /// Codes: `high-teacher-talk`, `little-student-talk`, `short-wait-time`, `long-monologue`, `long-silence`,
    /// `few-questions`, `unanswered-questions`, `no-speech`, `too-short-for-st` (and `no-audio`, made by
    /// `noAudioFinding()`).
    public static func findings(timeline: [Segment], duration: Double, talk: TalkSummary, st: STSummary?,
                                interaction: InteractionSummary, config: AnalyticsConfig) -> [Finding] {
        guard duration > 0 else { return [] }
        var out: [Finding] = []
        let spokenSeconds = talk.teacherSeconds + talk.studentSeconds + talk.multiSeconds
        let monologues = teacherRuns(timeline, maxPauseSeconds: config.monologueMaxPauseSeconds)

        if spokenSeconds == 0 {
            out.append(Finding(code: FindingCode.noSpeech, severity: .warning,
                               message: "No voice was detected in the recording; check the microphone and the audio track.",
                               values: ["durationSeconds": duration]))
        }

        if talk.teacherRatio > config.teacherTalkRatioMax {
            let longest = monologues.sorted { $0.duration > $1.duration }.prefix(3).sorted { $0.start < $1.start }
            out.append(Finding(
                code: FindingCode.highTeacherTalk, severity: .warning,
                message: "The teacher talked for \(percent(talk.teacherRatio)) of the lesson (threshold \(percent(config.teacherTalkRatioMax))); leave more room for student talk.",
                values: ["teacherRatio": talk.teacherRatio, "threshold": config.teacherTalkRatioMax],
                moments: Array(longest)))
        }

        if spokenSeconds > 0 && talk.studentRatio < config.studentTalkRatioMin {
            out.append(Finding(
                code: FindingCode.littleStudentTalk, severity: .warning,
                message: "Students talked for \(percent(talk.studentRatio)) of the lesson (threshold \(percent(config.studentTalkRatioMin))).",
                values: ["studentRatio": talk.studentRatio, "threshold": config.studentTalkRatioMin]))
        }

        if interaction.answeredQuestions >= config.minAnsweredForWaitFinding,
           let median = interaction.medianWaitSeconds, median < config.minWaitSeconds {
            let short = interaction.questions.filter { ($0.waitSeconds ?? .infinity) < config.minWaitSeconds }
            out.append(Finding(
                code: FindingCode.shortWaitTime, severity: .warning,
                message: "Median wait time after a question was \(seconds1(median)) s (recommended at least \(seconds1(config.minWaitSeconds)) s); \(short.count) of \(interaction.answeredQuestions) answered questions had a shorter wait.",
                values: ["medianWaitSeconds": median, "threshold": config.minWaitSeconds,
                         "shortWaits": Double(short.count), "answeredQuestions": Double(interaction.answeredQuestions)],
                moments: short.prefix(10).map { TimeRange(start: $0.utteranceStart ?? $0.time, end: $0.answerStart ?? $0.time) }))
        }

        let long = monologues.filter { $0.duration >= config.monologueSeconds }
        if let longest = long.map(\.duration).max() {
            out.append(Finding(
                code: FindingCode.longMonologue, severity: .warning,
                message: "\(long.count) stretch(es) of uninterrupted teacher talk of at least \(minutes(config.monologueSeconds)) min; the longest lasted \(minutes(longest)) min.",
                values: ["count": Double(long.count), "longestSeconds": longest, "threshold": config.monologueSeconds],
                moments: long))
        }

        let silences = timeline.filter { $0.label == .silence && $0.duration >= config.longSilenceSeconds }
        if let longest = silences.map(\.duration).max() {
            out.append(Finding(
                code: FindingCode.longSilence, severity: .info,
                message: "\(silences.count) silence(s) of at least \(minutes(config.longSilenceSeconds)) min (longest \(minutes(longest)) min); fine for planned seatwork, otherwise check the pacing.",
                values: ["count": Double(silences.count), "longestSeconds": longest, "threshold": config.longSilenceSeconds],
                moments: silences.map { TimeRange(start: $0.start, end: $0.end) }))
        }

        if duration >= config.minDurationForRateFindings && spokenSeconds > 0 {
            let perHour = Double(interaction.questions.count) / (duration / 3600)
            if perHour < config.fewQuestionsPerHour {
                out.append(Finding(
                    code: FindingCode.fewQuestions, severity: .warning,
                    message: "Only \(interaction.questions.count) question(s) detected (\(seconds1(perHour)) per hour, threshold \(seconds1(config.fewQuestionsPerHour))).",
                    values: ["questions": Double(interaction.questions.count), "perHour": perHour,
                             "threshold": config.fewQuestionsPerHour]))
            }
        }

        let unanswered = interaction.questions.filter { $0.waitSeconds == nil }
        if interaction.questions.count >= config.minQuestionsForUnansweredFinding {
            let share = Double(unanswered.count) / Double(interaction.questions.count)
            if share > config.unansweredShareMax {
                out.append(Finding(
                    code: FindingCode.unansweredQuestions, severity: .info,
                    message: "\(unanswered.count) of \(interaction.questions.count) questions got no student answer within \(seconds1(config.maxWaitSeconds)) s.",
                    values: ["unanswered": Double(unanswered.count), "questions": Double(interaction.questions.count),
                             "share": share, "threshold": config.unansweredShareMax],
                    moments: unanswered.prefix(10).map { TimeRange(start: $0.utteranceStart ?? $0.time, end: $0.time) }))
            }
        }

        if st == nil || st?.n == 0 {
            out.append(Finding(
                code: FindingCode.tooShortForST, severity: .info,
                message: "The recording is shorter than one S-T interval (\(seconds1(config.stIntervalSeconds)) s); S-T analysis was not computed.",
                values: ["durationSeconds": duration, "intervalSeconds": config.stIntervalSeconds]))
        }

        // Stable sort: most severe first, otherwise the order above.
        return out.enumerated().sorted { a, b in
            a.element.severity != b.element.severity ? a.element.severity > b.element.severity : a.offset < b.offset
        }.map(\.element)
    }

    /// Maximal stretches of teacher talk in which the teacher pauses only for less than `maxPauseSeconds`
    /// (no student, multi or media segment inside), from the first teacher segment's start to the last's end.
    static func teacherRuns(_ timeline: [Segment], maxPauseSeconds: Double) -> [TimeRange] {
        var runs: [TimeRange] = []
        var current: TimeRange?
        var i = 0
        while i < timeline.count {
            let seg = timeline[i]
            if seg.label == .teacher {
                if current == nil { current = TimeRange(start: seg.start, end: seg.end) } else { current!.end = seg.end }
            } else if seg.label == .silence, current != nil, seg.duration < maxPauseSeconds,
                      i + 1 < timeline.count, timeline[i + 1].label == .teacher {
                // A short pause between two teacher stretches: the run continues.
            } else if let c = current {
                runs.append(c)
                current = nil
            }
            i += 1
        }
        if let c = current { runs.append(c) }
        return runs
    }

    static func percent(_ ratio: Double) -> String { "\(Int((ratio * 100).rounded()))%" }
    static func seconds1(_ s: Double) -> String { String((s * 10).rounded() / 10) }
    static func minutes(_ s: Double) -> String { String((s / 6).rounded() / 10) }
}
