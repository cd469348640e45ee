public import MediaCore

extension Analytics {
    /// Upper edges of the wait-time histogram bins, seconds: 0-1, 1-2, 2-3, 3-5, 5+. The 3 s and 5 s edges
    /// are Rowe's (1986) recommended range; the 1 s edge is the typical classroom wait she measured.
    public static let waitHistogramEdges: [Double] = [0, 1, 2, 3, 5]

    /// Finds teacher questions from turn structure and pitch. **A heuristic**: without speech recognition
    /// a question is inferred acoustically, so rhetorical questions, and questions the teacher answers
    /// within the same breath, are missed, and an instruction followed by a student voice counts as one.
    ///
    /// - Answered: a `teacher` segment followed by a `student` segment (or by `multi` when the utterance ended
    ///   with rising pitch: a chorus answer) lasting at least `config.minAnswerSeconds`, directly or across one
    ///   silence of at most `config.maxWaitSeconds`; `waitSeconds` is that silence (0 when directly next).
    /// - Unanswered (`waitSeconds == nil`): a `teacher` segment whose end lies within
    ///   `config.risingPitchToleranceSeconds` of a time in `risingPitchEnds`, followed by at least
    ///   `config.unansweredMinSilenceSeconds` of silence and then by the teacher again, or by a student only
    ///   after more than `maxWaitSeconds` (too late to be an answer). On a normalised timeline pauses shorter
    ///   than the merge gap are inside the teacher segment, so the effective minimum is the merge gap.
    ///
    /// `time` is the end of the teacher utterance. The median is over answered questions (nil when none);
    /// the histogram has the bins of `waitHistogramEdges`. Expects a normalised timeline.
    ///
    /// - Parameter risingPitchEnds: times (seconds) at which a teacher utterance ended with a rising pitch
    ///   contour (from voice analysis).
    public static func questions(_ timeline: [Segment], risingPitchEnds: [Double], config: AnalyticsConfig) -> InteractionSummary {
        let rising = risingPitchEnds.filter(\.isFinite).sorted()
        func hasRisingEnd(at t: Double) -> Bool {
            // Binary search for the first rising end ≥ t − tolerance.
            var lo = 0, hi = rising.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if rising[mid] < t - config.risingPitchToleranceSeconds { lo = mid + 1 } else { hi = mid }
            }
            return lo < rising.count && rising[lo] <= t + config.risingPitchToleranceSeconds
        }

        var questions: [Question] = []
        for i in timeline.indices where timeline[i].label == .teacher {
            let seg = timeline[i]
            let risingEnd = hasRisingEnd(at: seg.end)
            // One student voice answers a question. Several at once (`multi`) after the teacher is usually
            // group work starting on an instruction; it counts as a (chorus) answer only when the teacher's
            // utterance ended with the rising pitch of a question.
            if let a = answerIndex(after: i, in: timeline, maxSilenceSeconds: config.maxWaitSeconds, inclusive: true),
               timeline[a].label == .student || risingEnd, timeline[a].duration >= config.minAnswerSeconds {
                let answerStart = timeline[a].start
                questions.append(Question(time: seg.end, waitSeconds: max(0, answerStart - seg.end),
                                          utteranceStart: seg.start, answerStart: answerStart, risingPitch: risingEnd))
                continue
            }
            guard risingEnd, i + 2 < timeline.count, timeline[i + 1].label == .silence else { continue }
            let pause = timeline[i + 1].duration
            let after = timeline[i + 2].label
            let teacherResumed = after == .teacher
            let lateStudent = after.isStudentTalk && pause > config.maxWaitSeconds
            if pause >= config.unansweredMinSilenceSeconds && (teacherResumed || lateStudent) {
                questions.append(Question(time: seg.end, waitSeconds: nil, utteranceStart: seg.start,
                                          answerStart: nil, risingPitch: true))
            }
        }

        var summary = InteractionSummary()
        summary.turnExchanges = turnExchanges(timeline, maxSilenceSeconds: config.exchangeMaxSilenceSeconds)
        summary.questions = questions
        let waits = questions.compactMap(\.waitSeconds)
        summary.answeredQuestions = waits.count
        summary.medianWaitSeconds = median(waits)
        summary.waitHistogram = histogram(waits, edges: waitHistogramEdges)
        return summary
    }

    /// The median of `values`, the mean of the two middle values for an even count; nil when empty.
    public static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let s = values.sorted()
        let m = s.count / 2
        return s.count % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2
    }

    /// Counts `values` into bins `[edges[k], edges[k+1])`, the last bin open-ended. Values below the first
    /// edge go into the first bin.
    static func histogram(_ values: [Double], edges: [Double]) -> [HistogramBin] {
        var bins = edges.indices.map { k in
            HistogramBin(from: edges[k], to: k + 1 < edges.count ? edges[k + 1] : nil, count: 0)
        }
        guard !bins.isEmpty else { return [] }
        for v in values {
            let k = bins.lastIndex { v >= $0.from } ?? 0
            bins[k].count += 1
        }
        return bins
    }
}
