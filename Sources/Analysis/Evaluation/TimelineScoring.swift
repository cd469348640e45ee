import Foundation
import MediaCore

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
    private static func label(at t: Double, in segs: [Segment], cursor: inout Int) -> Label {
        while cursor < segs.count && segs[cursor].end <= t { cursor += 1 }
        if cursor < segs.count && segs[cursor].start <= t { return segs[cursor].label }
        return .silence
    }
}
