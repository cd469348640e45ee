#if canImport(Glibc)
import Glibc  // log, rounding (Swift's .rounded() needs the C math library on Linux)
#elseif canImport(Darwin)
import Darwin
#endif
public import MediaCore

/// Classroom analytics on a labelled timeline (docs/ARCHITECTURE.md §3): talk time, S-T analysis, turn
/// exchanges, questions and wait time, activity phases and findings. Pure functions on `[Segment]`.
public enum Analytics {
    /// Applies the same-label merge rule and makes the timeline contiguous over `[0, duration]` seconds.
    ///
    /// Steps: segments are sorted, clipped to `[0, duration]`, overlaps are cut (the earlier segment keeps
    /// the overlap), uncovered time becomes `silence`, a `silence` strictly shorter than `mergeGapSeconds`
    /// between two stretches of the same label takes that label, and neighbours with equal labels are joined.
    /// Idempotent. Returns `[]` when `duration <= 0`, one `silence` segment when there are no segments.
    public static func normalise(_ segments: [Segment], duration: Double, mergeGapSeconds: Double) -> [Segment] {
        guard duration > 0, duration.isFinite else { return [] }
        let sorted = segments
            .filter { $0.start.isFinite && $0.end.isFinite }
            .sorted { ($0.start, $0.end) < ($1.start, $1.end) }
        var filled: [Segment] = []
        var cursor = 0.0
        for seg in sorted {
            let start = max(seg.start, cursor, 0)
            let end = min(seg.end, duration)
            guard end > start else { continue }
            if start > cursor { filled.append(Segment(start: cursor, end: start, label: .silence)) }
            filled.append(Segment(start: start, end: end, label: seg.label))
            cursor = end
        }
        if cursor < duration { filled.append(Segment(start: cursor, end: duration, label: .silence)) }

        var merged = coalesce(filled)
        // A microsecond of tolerance, so a pause of 2.3 − 0.8 s (1.4999999999999998 in floating point)
        // counts as the 1.5 s it is and stays a pause.
        let mergeBelow = mergeGapSeconds - 1e-6
        // After coalescing, a silence's neighbours are never silence, so relabelling one short pause
        // cannot change the decision for another.
        if merged.count >= 3 {
            for i in 1..<(merged.count - 1) where merged[i].label == .silence
                && merged[i].duration < mergeBelow
                && merged[i - 1].label == merged[i + 1].label {
                merged[i].label = merged[i - 1].label
            }
        }
        return coalesce(merged)
    }

    /// Joins neighbouring segments with the same label (the input is contiguous and sorted).
    static func coalesce(_ segments: [Segment]) -> [Segment] {
        var out: [Segment] = []
        out.reserveCapacity(segments.count)
        for seg in segments {
            if let last = out.last, last.label == seg.label {
                out[out.count - 1].end = seg.end
            } else {
                out.append(seg)
            }
        }
        return out
    }

    /// Seconds per label and ratios over the whole `duration` (seconds).
    ///
    /// `studentSeconds` and `multiSeconds` are the seconds of each label; `studentRatio` is student talk,
    /// (`student` + `multi`) / duration, as the contract defines it. Ratios are 0 when `duration <= 0`.
    public static func talk(_ timeline: [Segment], duration: Double) -> TalkSummary {
        var seconds: [Label: Double] = [:]
        for seg in timeline { seconds[seg.label, default: 0] += seg.duration }
        var t = TalkSummary()
        t.teacherSeconds = seconds[.teacher] ?? 0
        t.studentSeconds = seconds[.student] ?? 0
        t.multiSeconds = seconds[.multi] ?? 0
        t.silenceSeconds = seconds[.silence] ?? 0
        t.mediaSeconds = seconds[.media] ?? 0
        if duration > 0 {
            t.teacherRatio = t.teacherSeconds / duration
            t.studentRatio = (t.studentSeconds + t.multiSeconds) / duration
            t.multiRatio = t.multiSeconds / duration
            t.silenceRatio = t.silenceSeconds / duration
            t.mediaRatio = t.mediaSeconds / duration
        }
        let spoken = t.teacherSeconds + t.studentSeconds + t.multiSeconds
        t.teacherShareOfTalk = spoken > 0 ? t.teacherSeconds / spoken : nil
        return t
    }

    /// Counts turn exchanges: a `teacher` segment followed by a `student` or `multi` segment, directly or
    /// across one `silence` segment strictly shorter than `maxSilenceSeconds` (contract §3).
    /// Expects a normalised timeline (contiguous, neighbours with different labels).
    public static func turnExchanges(_ timeline: [Segment], maxSilenceSeconds: Double) -> Int {
        var count = 0
        for i in timeline.indices where timeline[i].label == .teacher {
            if answerIndex(after: i, in: timeline, maxSilenceSeconds: maxSilenceSeconds, inclusive: false) != nil {
                count += 1
            }
        }
        return count
    }

    /// The index of the `student`/`multi` segment that answers the teacher segment `i`, if any: directly next,
    /// or after exactly one silence shorter than (or, with `inclusive`, equal to) `maxSilenceSeconds`.
    static func answerIndex(after i: Int, in timeline: [Segment], maxSilenceSeconds: Double, inclusive: Bool) -> Int? {
        let next = i + 1
        guard next < timeline.count else { return nil }
        if timeline[next].label.isStudentTalk { return next }
        guard timeline[next].label == .silence, next + 1 < timeline.count,
              timeline[next + 1].label.isStudentTalk else { return nil }
        let gap = timeline[next].duration
        let ok = inclusive ? gap <= maxSilenceSeconds : gap < maxSilenceSeconds
        return ok ? next + 1 : nil
    }
}
