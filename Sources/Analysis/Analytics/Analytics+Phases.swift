#if canImport(Glibc)
import Glibc  // log, rounding (Swift's .rounded() needs the C math library on Linux)
#elseif canImport(Darwin)
import Darwin
#endif
public import MediaCore

extension Analytics {
    /// Activity phases with the default window and switch penalty of `AnalyticsConfig`.
    public static func phases(_ timeline: [Segment]) -> [Phase] {
        let c = AnalyticsConfig()
        return phases(timeline, windowSeconds: c.phaseWindowSeconds, switchPenalty: c.phaseSwitchPenalty)
    }

    /// Splits the timeline into contiguous activity phases: `lecture` (teacher-dominated), `qa` (teacher and
    /// students alternating, or a student talking at length), `discussion` (several voices), `seatwork`
    /// (silence) and `media`. **A heuristic** in two steps:
    ///
    /// 1. Evidence: every second gets a score per phase kind from the label mix in a sliding window of
    ///    `windowSeconds` centred on it (teacher, student, multi, silence, media fractions) and the number of
    ///    teacher↔student speaker changes in it (alternation `a`, saturating at 4 per 30 s window: two
    ///    exchanges, one is a question inside a lecture). Scores: lecture = fT·(1−a), qa = (fT+fS+fM)·a +
    ///    fS·(1−a), discussion = fM·(1−a), seatwork = fSil, media = fMed.
    /// 2. Smoothing: the phase sequence maximising Σ log(score) − `switchPenalty` × (number of changes) is
    ///    found with the Viterbi algorithm, i.e. the most likely path of a hidden Markov model whose switch
    ///    probability is e^−penalty. A short interruption becomes its own phase only when its evidence
    ///    outweighs the two switches it costs, so the result is robust to the label noise of the detectors.
    ///
    /// Phases cover `[timeline.first.start, timeline.last.end]` in 1 s steps (the last one ends at the
    /// timeline end). Returns `[]` for an empty timeline.
    public static func phases(_ timeline: [Segment], windowSeconds: Double, switchPenalty: Double) -> [Phase] {
        guard let t0 = timeline.first?.start, let tEnd = timeline.map(\.end).max(), tEnd > t0 else { return [] }
        // One-second frames: finer than any phase worth reporting, coarse enough for 3 h lessons (10 800 frames).
        let hop = 1.0
        let frameCount = Int(((tEnd - t0) / hop).rounded(.up))
        let kinds = Phase.Kind.allCases
        let labels = Label.allCases

        // Seconds of each label in each frame (a sweep: segments are sorted and contiguous or nearly so).
        var perFrame = [[Double]](repeating: [Double](repeating: 0, count: frameCount), count: labels.count)
        for seg in timeline where seg.end > seg.start {
            let li = labels.firstIndex(of: seg.label)!
            var f = max(0, Int(((seg.start - t0) / hop).rounded(.down)))
            while f < frameCount {
                let fs = t0 + Double(f) * hop
                let overlap = min(seg.end, fs + hop) - max(seg.start, fs)
                if overlap > 0 { perFrame[li][f] += overlap }
                if fs + hop >= seg.end { break }
                f += 1
            }
        }
        // Speaker changes between teacher and students (silence in between allowed, media breaks the chain).
        var changes = [Double](repeating: 0, count: frameCount)
        var previousSpeakerIsTeacher: Bool?
        for seg in timeline {
            switch seg.label {
            case .silence: continue
            case .media: previousSpeakerIsTeacher = nil
            case .teacher, .student, .multi:
                let isTeacher = seg.label == .teacher
                if let p = previousSpeakerIsTeacher, p != isTeacher {
                    changes[min(frameCount - 1, max(0, Int(((seg.start - t0) / hop).rounded(.down))))] += 1
                }
                previousSpeakerIsTeacher = isTeacher
            }
        }
        func prefix(_ a: [Double]) -> [Double] {
            var p = [Double](repeating: 0, count: a.count + 1)
            for i in a.indices { p[i + 1] = p[i] + a[i] }
            return p
        }
        let labelPrefix = perFrame.map(prefix)
        let changePrefix = prefix(changes)
        let half = max(0, Int((windowSeconds / 2 / hop).rounded()))
        // Four speaker changes per 30 s saturate the alternation; scaled to the window width.
        let changesForFullAlternation = max(1, 4 * windowSeconds / 30)
        // Floor on a score so that log(score) stays finite: one frame of contrary evidence costs at most ~4 nats.
        let floorScore = 0.02

        var logScores = [[Double]](repeating: [Double](repeating: 0, count: kinds.count), count: frameCount)
        for f in 0..<frameCount {
            let lo = max(0, f - half), hi = min(frameCount, f + half + 1)
            var frac = labels.indices.map { labelPrefix[$0][hi] - labelPrefix[$0][lo] }
            let total = frac.reduce(0, +)
            if total > 0 { frac = frac.map { $0 / total } }
            let fT = frac[labels.firstIndex(of: .teacher)!], fS = frac[labels.firstIndex(of: .student)!]
            let fM = frac[labels.firstIndex(of: .multi)!], fSil = frac[labels.firstIndex(of: .silence)!]
            let fMed = frac[labels.firstIndex(of: .media)!]
            let a = min(1, (changePrefix[hi] - changePrefix[lo]) / changesForFullAlternation)
            for (k, kind) in kinds.enumerated() {
                let score: Double
                switch kind {
                case .lecture: score = fT * (1 - a)
                case .qa: score = (fT + fS + fM) * a + fS * (1 - a)
                case .discussion: score = fM * (1 - a)
                case .seatwork: score = fSil
                case .media: score = fMed
                }
                logScores[f][k] = log(max(floorScore, score))
            }
        }

        // Viterbi over the kinds.
        var best = logScores[0]
        var back = [[Int]](repeating: [Int](repeating: 0, count: kinds.count), count: frameCount)
        for f in 1..<max(1, frameCount) {
            var next = best
            for k in kinds.indices {
                var arg = k
                var value = best[k]
                for j in kinds.indices where j != k && best[j] - switchPenalty > value {
                    value = best[j] - switchPenalty
                    arg = j
                }
                next[k] = value + logScores[f][k]
                back[f][k] = arg
            }
            best = next
        }
        var state = best.indices.max { best[$0] < best[$1] }!
        var path = [Int](repeating: 0, count: frameCount)
        for f in stride(from: frameCount - 1, through: 0, by: -1) {
            path[f] = state
            state = back[f][state]
        }

        var phases: [Phase] = []
        var runStart = 0
        for f in 1...frameCount where f == frameCount || path[f] != path[runStart] {
            phases.append(Phase(start: t0 + Double(runStart) * hop, end: min(tEnd, t0 + Double(f) * hop),
                                kind: kinds[path[runStart]]))
            runStart = f
        }
        return phases
    }
}
