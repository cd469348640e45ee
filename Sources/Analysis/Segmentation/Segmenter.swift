#if canImport(Glibc)
import Glibc  // log for the length prior (the stdlib has no transcendental functions)
#elseif canImport(Darwin)
import Darwin
#endif
public import MediaCore

/// Settings of `Segmenter`. Scores are in one unit: a plain slide change is worth 1.
public struct SegmenterConfig: Sendable, Equatable {
    /// Shortest micro-lesson without a plan, seconds (typical micro-lessons are 3-15 minutes).
    public var minSeconds: Double = 180
    /// Longest micro-lesson without a plan, seconds.
    public var maxSeconds: Double = 900
    /// Score of a slide change as a boundary: the strongest visual cue that a new topic starts.
    public var slideWeight: Double = 1
    /// Extra score for a slide change per unit of its strength (0...1, how different the new slide is):
    /// a section slide looks unlike the slides before it. Heuristic.
    public var slideStrengthWeight: Double = 2.5
    /// Score of a pause (a `silence` segment) at its end, reached at `pauseFullSeconds`: a teacher
    /// often pauses before a new topic, but also for many other reasons, so it counts less than a slide.
    public var pauseWeight: Double = 0.4
    /// Pause length (seconds) that earns the full `pauseWeight`; shorter pauses earn proportionally less.
    public var pauseFullSeconds: Double = 5
    /// Score of a change of activity (teacher share of talk before vs after, over `activityWindowSeconds`).
    public var activityWeight: Double = 0.4
    /// Window on each side of a candidate for the activity change, seconds (the S-T interval).
    public var activityWindowSeconds: Double = 30
    /// Cues closer than this (seconds) to a slide change are merged into it (the slide keeps the time):
    /// a teacher pauses, then shows the next slide and starts talking, within a few seconds.
    public var mergeSeconds: Double = 4
    /// Grid of zero-score candidates (seconds), so a segmentation exists without any cue.
    public var gridSeconds: Double = 10
    /// Without a plan: cost of one more boundary. A boundary is worth placing only where the cues score
    /// more than this (about one slide change backed by a pause or an activity change).
    public var boundaryCost: Double = 1.2
    /// Weight of the squared log-ratio of a segment's length to the target length (the length prior).
    public var lengthWeight: Double = 0.15
    /// Penalty per unit of relative excess beyond the min/max lengths (soft constraints, steep).
    public var outsidePenalty: Double = 8
    /// With a plan: penalty per expected-segment length of introduction or summary left outside the
    /// micro-lessons (they exist, but are short).
    public var outsidePlanPenalty: Double = 1.5

    public init() {}
}

/// A scored candidate boundary (seconds, score), for diagnostics.
public struct BoundaryCandidate: Sendable, Equatable {
    public var time: Double
    public var score: Double
}

/// Knowledge-point micro-lessons.
public enum Segmenter {
    /// Segments a lesson into micro-lessons.
    ///
    /// With a plan of N knowledge points: N contiguous segments titled from the plan (an introduction before
    /// the first and a summary after the last may stay outside). Without: the count is chosen within the
    /// min/max lengths, titles "Part k", covering the whole lesson. Method: candidate boundaries (slide
    /// changes, ends of pauses, changes of activity; a grid as fallback) are scored, and dynamic
    /// programming picks the boundaries maximising cue scores plus a length prior.
    /// - Parameters:
    ///   - duration: lesson length, seconds.
    ///   - timeline: the labelled audio timeline (may be empty for video-only recordings).
    ///   - slideChanges: slide change times, seconds (may be empty for audio-only recordings).
    ///   - slideStrengths: optional 0...1 strength per slide change (how unlike the previous slide).
    /// - Returns: micro-lessons in time order, `clip` and `thumbnail` nil.
    public static func segment(duration: Double, timeline: [Segment], slideChanges: [Double], plan: [KnowledgePoint]?,
                               config: SegmenterConfig, slideStrengths: [Double]? = nil) -> [MicroLesson] {
        guard duration > 0 else { return [] }
        let cands = candidates(duration: duration, timeline: timeline, slideChanges: slideChanges,
                               slideStrengths: slideStrengths, config: config)
        if let plan, !plan.isEmpty {
            let bounds = planBoundaries(duration: duration, count: plan.count, candidates: cands, config: config)
            return (0..<plan.count).map { k in
                MicroLesson(index: k + 1, start: bounds[k], end: bounds[k + 1], title: plan[k].title)
            }
        }
        let bounds = freeBoundaries(duration: duration, candidates: cands, config: config)
        return (0..<(bounds.count - 1)).map { k in
            MicroLesson(index: k + 1, start: bounds[k], end: bounds[k + 1], title: "Part \(k + 1)")
        }
    }

    /// The scored candidate boundaries, strictly inside (0, duration), ascending.
    public static func candidates(duration: Double, timeline: [Segment], slideChanges: [Double], slideStrengths: [Double]?,
                                  config: SegmenterConfig) -> [BoundaryCandidate] {
        var slides: [BoundaryCandidate] = []
        for (i, t) in slideChanges.enumerated() where t > 0 && t < duration {
            let strength = slideStrengths.flatMap { i < $0.count ? min(1, max(0, $0[i])) : nil } ?? 0
            slides.append(BoundaryCandidate(time: t, score: config.slideWeight + config.slideStrengthWeight * strength))
        }
        slides.sort { $0.time < $1.time }
        var others: [BoundaryCandidate] = []
        let sorted = timeline.sorted { $0.start < $1.start }
        for s in sorted where s.label == .silence && s.end < duration && s.end > 0 {
            let score = config.pauseWeight * min(1, s.duration / config.pauseFullSeconds)
            if score > 0 { others.append(BoundaryCandidate(time: s.end, score: score)) }
        }
        // Activity change at each label change: share of teacher behaviour before vs after.
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.label != b.label && b.start > 0 && b.start < duration {
            let t = b.start
            let w = config.activityWindowSeconds
            let before = teacherShare(sorted, from: max(0, t - w), to: t)
            let after = teacherShare(sorted, from: t, to: min(duration, t + w))
            let score = config.activityWeight * abs(before - after)
            if score > 0.05 * config.activityWeight { others.append(BoundaryCandidate(time: t, score: score)) }
        }
        // Merge cues into a nearby slide change (best one per kind), else keep the strongest per cluster.
        var merged = slides
        var loose: [BoundaryCandidate] = []
        var bonus = [Double](repeating: 0, count: slides.count)
        var bonusPause = [Double](repeating: 0, count: slides.count)
        for c in others {
            if let j = slides.indices.min(by: { abs(slides[$0].time - c.time) < abs(slides[$1].time - c.time) }),
               abs(slides[j].time - c.time) <= config.mergeSeconds {
                // One pause and one activity change at most count for one slide change.
                if c.score <= config.pauseWeight && isPause(c, timeline: sorted) {
                    bonusPause[j] = max(bonusPause[j], c.score)
                } else {
                    bonus[j] = max(bonus[j], c.score)
                }
            } else {
                loose.append(c)
            }
        }
        for j in merged.indices { merged[j].score += bonus[j] + bonusPause[j] }
        loose.sort { $0.time < $1.time }
        var clustered: [BoundaryCandidate] = []
        for c in loose {
            if let last = clustered.last, c.time - last.time <= config.mergeSeconds {
                // Pause end plus activity change close together: one candidate at the stronger one's time.
                let total = last.score + c.score
                clustered[clustered.count - 1] = BoundaryCandidate(time: c.score > last.score ? c.time : last.time, score: total)
            } else {
                clustered.append(c)
            }
        }
        var all = merged + clustered
        // Zero-score grid: keeps the dynamic programme feasible without cues.
        if config.gridSeconds > 0 {
            var t = config.gridSeconds
            while t < duration - 1e-9 {
                if !all.contains(where: { abs($0.time - t) < config.gridSeconds / 2 }) {
                    all.append(BoundaryCandidate(time: t, score: 0))
                }
                t += config.gridSeconds
            }
        }
        return all.sorted { $0.time < $1.time }
    }

    private static func isPause(_ c: BoundaryCandidate, timeline: [Segment]) -> Bool {
        timeline.contains { $0.label == .silence && abs($0.end - c.time) < 1e-9 }
    }

    private static func teacherShare(_ timeline: [Segment], from a: Double, to b: Double) -> Double {
        guard b > a else { return 0 }
        var t = 0.0
        for s in timeline where s.end > a && s.start < b && s.label.isTeacherBehaviour {
            t += min(b, s.end) - max(a, s.start)
        }
        return t / (b - a)
    }

    /// Length prior of one segment: 0 at the target, a squared log-ratio around it, steep outside [lo, hi].
    private static func lengthScore(_ length: Double, target: Double, lo: Double, hi: Double, config: SegmenterConfig) -> Double {
        guard length > 0 else { return -.infinity }
        let r = log(length / target)
        var s = -config.lengthWeight * r * r
        if length < lo { s -= config.outsidePenalty * (lo - length) / lo }
        if length > hi { s -= config.outsidePenalty * (length - hi) / hi }
        return s
    }

    /// N+1 boundaries for a plan of `count` points: b0 (start of the first point) ... bN (end of the last).
    static func planBoundaries(duration: Double, count n: Int, candidates: [BoundaryCandidate], config: SegmenterConfig) -> [Double] {
        // Positions: 0, candidates, duration. Boundary score: the candidate's (0 at the ends).
        let pos = [BoundaryCandidate(time: 0, score: 0)] + candidates + [BoundaryCandidate(time: duration, score: 0)]
        let m = pos.count
        let target = duration / Double(n)
        // The configured lengths bind only where they can: a short lesson with many points gets shorter ones.
        let lo = min(config.minSeconds, 0.1 * target)
        let hi = max(config.maxSeconds, 3 * target)
        guard m >= n + 1 else { return (0...n).map { Double($0) * target } }
        let neg = -Double.infinity
        // best[k][j]: boundaries b0...bk chosen, bk = pos[j].
        var best = [[Double]](repeating: [Double](repeating: neg, count: m), count: n + 1)
        var from = [[Int]](repeating: [Int](repeating: -1, count: m), count: n + 1)
        for j in 0..<(m - 1) {
            // Introduction [0, b0) outside the micro-lessons: allowed, penalised by its length.
            best[0][j] = pos[j].score - config.outsidePlanPenalty * pos[j].time / target
        }
        for k in 1...n {
            for j in k..<m {
                var bestValue = neg, bestFrom = -1
                for i in (k - 1)..<j where best[k - 1][i] > neg {
                    let v = best[k - 1][i] + lengthScore(pos[j].time - pos[i].time, target: target, lo: lo, hi: hi, config: config)
                    if v > bestValue { bestValue = v; bestFrom = i }
                }
                if bestFrom >= 0 { best[k][j] = bestValue + pos[j].score; from[k][j] = bestFrom }
            }
        }
        var endJ = -1, endValue = neg
        for j in n..<m where best[n][j] > neg {
            let v = best[n][j] - config.outsidePlanPenalty * (duration - pos[j].time) / target
            if v > endValue { endValue = v; endJ = j }
        }
        guard endJ >= 0 else { return (0...n).map { Double($0) * target } }
        var out = [Double](repeating: 0, count: n + 1)
        var j = endJ
        for k in stride(from: n, through: 0, by: -1) {
            out[k] = pos[j].time
            j = from[k][j]
        }
        return out
    }

    /// Boundaries 0 = b0 < ... < bK = duration with K chosen (no plan).
    static func freeBoundaries(duration: Double, candidates: [BoundaryCandidate], config: SegmenterConfig) -> [Double] {
        let lo = config.minSeconds, hi = max(config.maxSeconds, lo)
        // A lesson shorter than two minimum lengths is one micro-lesson.
        if duration < 2 * lo { return [0, duration] }
        let target = (lo * hi).squareRoot()  // geometric middle of the allowed range (about 6.7 min for 3-15)
        let pos = [BoundaryCandidate(time: 0, score: 0)] + candidates + [BoundaryCandidate(time: duration, score: 0)]
        let m = pos.count
        var best = [Double](repeating: -.infinity, count: m)
        var from = [Int](repeating: -1, count: m)
        best[0] = 0
        for j in 1..<m {
            let gain = j == m - 1 ? 0 : pos[j].score - config.boundaryCost
            for i in 0..<j where best[i] > -.infinity {
                // Without a plan the shortest length is a hard limit (the user asked for clips of at
                // least that length); the whole lesson as one clip is always possible.
                if pos[j].time - pos[i].time < lo && !(i == 0 && j == m - 1) { continue }
                let v = best[i] + lengthScore(pos[j].time - pos[i].time, target: target, lo: lo, hi: hi, config: config) * 0.25 + gain
                if v > best[j] { best[j] = v; from[j] = i }
            }
        }
        var out: [Double] = []
        var j = m - 1
        while j >= 0 { out.append(pos[j].time); j = from[j] }
        return out.reversed()
    }
}
