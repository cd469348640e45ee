import Foundation
public import MediaCore

/// Frame-level agreement between a predicted and a true timeline.
public struct TimelineScore: Sendable, Equatable {
    /// Labels in the order of the confusion matrix rows and columns.
    public static let labels: [Label] = [.teacher, .student, .multi, .silence, .media]
    /// Share of frames whose predicted label equals the true one (0…1).
    public var accuracy: Double
    /// Per true label: share of its frames predicted correctly (recall, 0…1); nil when absent in truth.
    public var recall: [Label: Double]
    /// Per predicted label: share of its frames that are correct (precision, 0…1); nil when never predicted.
    public var precision: [Label: Double]
    /// Seconds with true label `labels[row]` predicted as `labels[column]`.
    public var confusion: [[Double]]
    /// Predicted minus true teacher-talk ratio (teacher seconds / duration).
    public var teacherRatioError: Double
    /// Seconds scored.
    public var seconds: Double

    /// A fixed-width table: accuracy, per-label recall/precision and the confusion matrix (seconds).
    public var table: String {
        func f(_ v: Double?) -> String { v.map { String(format: "%.3f", $0) } ?? "  -  " }
        var s = String(format: "accuracy %.3f  teacher-ratio error %+.3f  (%.0f s)\n", accuracy, teacherRatioError, seconds)
        s += "truth\\pred " + Self.labels.map { $0.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0) }.joined(separator: " ")
        s += "  recall  precision\n"
        for (r, l) in Self.labels.enumerated() {
            s += l.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)
            s += confusion[r].map { String(format: "%8.1f", $0) }.joined(separator: " ")
            s += "   \(f(recall[l]))   \(f(precision[l]))\n"
        }
        return s
    }

    public init(accuracy: Double, recall: [Label: Double], precision: [Label: Double], confusion: [[Double]],
                teacherRatioError: Double, seconds: Double) {
        self.accuracy = accuracy
        self.recall = recall
        self.precision = precision
        self.confusion = confusion
        self.teacherRatioError = teacherRatioError
        self.seconds = seconds
    }

    /// Pools several scores (confusion matrices add; ratio error is the duration-weighted mean of the
    /// absolute errors).
    public static func pooled(_ scores: [TimelineScore]) -> TimelineScore {
        var conf = [[Double]](repeating: [Double](repeating: 0, count: 5), count: 5)
        var secs = 0.0, err = 0.0
        for s in scores {
            for r in 0..<5 { for c in 0..<5 { conf[r][c] += s.confusion[r][c] } }
            secs += s.seconds
            err += abs(s.teacherRatioError) * s.seconds
        }
        var score = TimelineScoring.score(confusion: conf)
        score.teacherRatioError = secs > 0 ? err / secs : 0
        return score
    }
}

/// Scores timelines frame by frame (the evaluation tool; separate from speed benchmarks).
public enum TimelineScoring {
    /// Samples both timelines every `step` seconds (at the centre of each step) over `[0, duration]`.
    /// - Parameters:
    ///   - truth: true segments (seconds); uncovered time counts as `silence`.
    ///   - predicted: predicted segments (seconds); uncovered time counts as `silence`.
    ///   - duration: seconds to score.
    ///   - step: frame length in seconds.
    public static func frameAccuracy(truth: [Segment], predicted: [Segment], duration: Double,
                                     step: Double = 0.1) -> TimelineScore {
        precondition(step > 0, "step must be positive")
        var conf = [[Double]](repeating: [Double](repeating: 0, count: 5), count: 5)
        let frames = Int((duration / step).rounded(.down))
        var ti = 0, pi = 0
        var teacherTrue = 0.0, teacherPred = 0.0
        for k in 0..<frames {
            let t = (Double(k) + 0.5) * step
            let a = label(at: t, in: truth, cursor: &ti)
            let b = label(at: t, in: predicted, cursor: &pi)
            conf[index(a)][index(b)] += step
            if a == .teacher { teacherTrue += step }
            if b == .teacher { teacherPred += step }
        }
        var score = score(confusion: conf)
        score.teacherRatioError = duration > 0 ? (teacherPred - teacherTrue) / duration : 0
        return score
    }

    static func score(confusion conf: [[Double]]) -> TimelineScore {
        let total = conf.joined().reduce(0, +)
        var correct = 0.0
        var recall: [Label: Double] = [:], precision: [Label: Double] = [:]
        for (i, l) in TimelineScore.labels.enumerated() {
            correct += conf[i][i]
            let row = conf[i].reduce(0, +)
            let col = conf.reduce(0) { $0 + $1[i] }
            if row > 0 { recall[l] = conf[i][i] / row }
            if col > 0 { precision[l] = conf[i][i] / col }
        }
        return TimelineScore(accuracy: total > 0 ? correct / total : 0, recall: recall, precision: precision,
                             confusion: conf, teacherRatioError: 0, seconds: total)
    }

    private static func index(_ l: Label) -> Int { TimelineScore.labels.firstIndex(of: l)! }

    /// Label at time `t`; `cursor` advances monotonically (segments sorted by start).
    fileprivate static func label(at t: Double, in segs: [Segment], cursor: inout Int) -> Label {
        while cursor < segs.count && segs[cursor].end <= t { cursor += 1 }
        if cursor < segs.count && segs[cursor].start <= t { return segs[cursor].label }
        return .silence
    }
}

/// Speech / no-speech agreement on 10 ms frames (the real-audio metric, docs/MEASUREMENTS.md).
///
/// Speech is `teacher`, `student` or `multi`; non-speech is `silence` or `media`. Both timelines are
/// reduced to speech / non-speech first, then a non-speech pause shorter than 1.5 s with speech on
/// both sides counts as speech (the 1.5 s merge rule; a pause at the start or end of the file stays).
/// On top of the frame error it says what the hypothesis calls the reference's `silence` (real noise
/// in the real set) and how much of the reference's `media` it keeps `media` (its own labels, not
/// reduced). Counts are frames, so scores of many files pool by adding them.
public struct SpeechScore: Codable, Sendable, Equatable {
    /// Frame length, seconds.
    public static let frameSeconds = 0.01
    /// A non-speech pause shorter than this between two speech stretches counts as speech.
    public static let mergeSeconds = 1.5

    /// Frames scored.
    public var frames: Int = 0
    /// Reference speech frames (after the merge rule).
    public var referenceSpeechFrames: Int = 0
    /// Reference speech, hypothesis non-speech.
    public var missedFrames: Int = 0
    /// Reference non-speech, hypothesis speech.
    public var falseAlarmFrames: Int = 0
    /// Frames whose reference label is `silence` (after the reference's own merge rule, before the
    /// speech pause rule), and what the hypothesis labelled them.
    public var referenceSilenceFrames: Int = 0
    public var silenceAsSilenceFrames: Int = 0
    public var silenceAsMediaFrames: Int = 0
    public var silenceAsMultiFrames: Int = 0
    /// `teacher` or `student`.
    public var silenceAsSpeechFrames: Int = 0
    /// Frames whose reference label is `media`, and how many the hypothesis labelled `media`.
    public var referenceMediaFrames: Int = 0
    public var mediaAsMediaFrames: Int = 0

    public init() {}

    /// (missed + false alarm) / frames; 0 when nothing was scored.
    public var frameError: Double { frames > 0 ? Double(missedFrames + falseAlarmFrames) / Double(frames) : 0 }
    public var missRate: Double? { referenceSpeechFrames > 0 ? Double(missedFrames) / Double(referenceSpeechFrames) : nil }
    public var falseAlarmRate: Double? {
        let n = frames - referenceSpeechFrames
        return n > 0 ? Double(falseAlarmFrames) / Double(n) : nil
    }
    private func share(_ k: Int, of n: Int) -> Double? { n > 0 ? Double(k) / Double(n) : nil }
    /// Shares of the reference `silence` labelled silence / media / multi / teacher-or-student (sum 1).
    public var silenceKeptSilence: Double? { share(silenceAsSilenceFrames, of: referenceSilenceFrames) }
    public var silenceAsMedia: Double? { share(silenceAsMediaFrames, of: referenceSilenceFrames) }
    public var silenceAsMulti: Double? { share(silenceAsMultiFrames, of: referenceSilenceFrames) }
    public var silenceAsSpeech: Double? { share(silenceAsSpeechFrames, of: referenceSilenceFrames) }
    /// Share of the reference `media` labelled `media`.
    public var mediaKeptMedia: Double? { share(mediaAsMediaFrames, of: referenceMediaFrames) }

    /// Sum of the counts.
    public static func pooled(_ scores: [SpeechScore]) -> SpeechScore {
        var p = SpeechScore()
        for s in scores {
            p.frames += s.frames
            p.referenceSpeechFrames += s.referenceSpeechFrames
            p.missedFrames += s.missedFrames
            p.falseAlarmFrames += s.falseAlarmFrames
            p.referenceSilenceFrames += s.referenceSilenceFrames
            p.silenceAsSilenceFrames += s.silenceAsSilenceFrames
            p.silenceAsMediaFrames += s.silenceAsMediaFrames
            p.silenceAsMultiFrames += s.silenceAsMultiFrames
            p.silenceAsSpeechFrames += s.silenceAsSpeechFrames
            p.referenceMediaFrames += s.referenceMediaFrames
            p.mediaAsMediaFrames += s.mediaAsMediaFrames
        }
        return p
    }
}

extension TimelineScoring {
    /// Labels at the centres of `frames` frames of `step` seconds; uncovered time is `silence`.
    public static func frameLabels(_ segs: [Segment], frames: Int, step: Double = SpeechScore.frameSeconds) -> [Label] {
        let sorted = segs.sorted { $0.start < $1.start }
        var cursor = 0
        return (0..<max(0, frames)).map { k in label(at: (Double(k) + 0.5) * step, in: sorted, cursor: &cursor) }
    }

    /// Whether each label is speech (`teacher`, `student`, `multi`).
    public static func isSpeech(_ l: Label) -> Bool { l == .teacher || l == .student || l == .multi }

    /// Fills every non-speech run shorter than `maxGapFrames` that has speech on both sides.
    public static func mergeSpeechPauses(_ speech: [Bool], maxGapFrames: Int) -> [Bool] {
        var out = speech
        var k = 0
        while k < out.count {
            guard !out[k] else { k += 1; continue }
            var e = k
            while e < out.count && !out[e] { e += 1 }
            if k > 0 && e < out.count && e - k < maxGapFrames { for i in k..<e { out[i] = true } }
            k = e
        }
        return out
    }

    /// The speech / no-speech score of `predicted` against `truth` over `[0, duration]` (10 ms frames).
    public static func speechScore(truth: [Segment], predicted: [Segment], duration: Double) -> SpeechScore {
        let step = SpeechScore.frameSeconds
        let n = max(0, Int((duration / step + 1e-9).rounded(.down)))
        let ref = frameLabels(truth, frames: n, step: step)
        let hyp = frameLabels(predicted, frames: n, step: step)
        let gap = Int((SpeechScore.mergeSeconds / step).rounded())
        let rs = mergeSpeechPauses(ref.map(isSpeech), maxGapFrames: gap)
        let hs = mergeSpeechPauses(hyp.map(isSpeech), maxGapFrames: gap)
        var s = SpeechScore()
        s.frames = n
        for k in 0..<n {
            if rs[k] { s.referenceSpeechFrames += 1; if !hs[k] { s.missedFrames += 1 } }
            else if hs[k] { s.falseAlarmFrames += 1 }
            switch ref[k] {
            case .silence:
                s.referenceSilenceFrames += 1
                switch hyp[k] {
                case .silence: s.silenceAsSilenceFrames += 1
                case .media: s.silenceAsMediaFrames += 1
                case .multi: s.silenceAsMultiFrames += 1
                case .teacher, .student: s.silenceAsSpeechFrames += 1
                }
            case .media:
                s.referenceMediaFrames += 1
                if hyp[k] == .media { s.mediaAsMediaFrames += 1 }
            default: break
            }
        }
        return s
    }
}
