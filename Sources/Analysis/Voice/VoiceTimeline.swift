import MediaCore

/// Block labels → contiguous segments, and the 1.5 s same-label merge rule.
enum VoiceTimeline {
    /// Contiguous segments over `[0, duration]` from per-block labels (block `i` covers
    /// `[i, i + 1) × blockSeconds`); the last segment is stretched or clipped to `duration`; no blocks
    /// gives one `silence` segment.
    static func segments(labels: [Label], blockSeconds: Double, duration: Double) -> [Segment] {
        guard duration > 0 else { return [] }
        var out: [Segment] = []
        var i = 0
        while i < labels.count {
            let start = Double(i) * blockSeconds
            if start >= duration { break }
            var j = i
            while j < labels.count && labels[j] == labels[i] { j += 1 }
            out.append(Segment(start: start, end: min(duration, Double(j) * blockSeconds), label: labels[i]))
            i = j
        }
        if out.isEmpty { return [Segment(start: 0, end: duration, label: .silence)] }
        out[out.count - 1].end = duration
        return out
    }

    /// Applies the same-label merge rule (docs/ARCHITECTURE.md §3, docs/TRUTH-FORMAT.md): a `silence`
    /// pause shorter than `gapSeconds` between two stretches of one label becomes that label; adjacent
    /// equal labels are joined. Input must be contiguous and sorted.
    static func merge(_ input: [Segment], gapSeconds: Double) -> [Segment] {
        var out: [Segment] = []
        for s in joinEqual(input) {
            if out.count >= 2, let last = out.last, last.label == .silence, last.duration < gapSeconds,
               out[out.count - 2].label == s.label, s.label != .silence {
                out.removeLast()
                out[out.count - 1].end = s.end
            } else if let last = out.last, last.label == s.label {
                out[out.count - 1].end = s.end
            } else {
                out.append(s)
            }
        }
        return out
    }

    static func joinEqual(_ input: [Segment]) -> [Segment] {
        var out: [Segment] = []
        for s in input where s.end > s.start {
            if let last = out.last, last.label == s.label { out[out.count - 1].end = s.end } else { out.append(s) }
        }
        return out
    }
}
