#if canImport(Glibc)
import Glibc  // log, rounding (Swift's .rounded() needs the C math library on Linux)
#elseif canImport(Darwin)
import Darwin
#endif
public import MediaCore

extension Analytics {
    /// S-T analysis (docs/ARCHITECTURE.md §3) with windows `[k·interval, (k+1)·interval)`, full windows only.
    ///
    /// - `windowMajority`: T when `teacher` + `media` cover at least half of the window (exactly half is T).
    /// - `instant`: the label at the window's middle; a segment covers `[start, end)`, uncovered time is S.
    ///
    /// `Rt = N_T / N`, `Ch = (g − 1) / N` with g the number of runs. When no full window fits
    /// (`duration < intervalSeconds`) the result has `n == 0`, an empty sequence, `rt == 0`, `ch == 0`,
    /// `runs == 0`, the curve `[(0, 0)]` and mode `"none"`; `analyse` turns that into `st == nil` and a finding,
    /// so `"none"` never reaches report.json.
    public static func st(_ timeline: [Segment], duration: Double, intervalSeconds: Double, rule: STRule) -> STSummary {
        precondition(intervalSeconds > 0, "S-T interval must be positive")
        // Tolerance so that a 300.0000001 s file still has 10 windows of 30 s, and 299.9999999 s too (the
        // duration comes from a container and is rarely exact to the microsecond).
        let n = duration > 0 ? Int(((duration / intervalSeconds) + 1e-6).rounded(.down)) : 0
        var letters: [Character] = []
        letters.reserveCapacity(n)
        // Sweep: windows and segments both move forward in time, so each window starts from the first
        // segment that can still overlap it (O(windows + segments) instead of their product).
        let sorted = timeline.sorted { $0.start < $1.start }
        var first = 0
        for k in 0..<n {
            let w = TimeRange(start: Double(k) * intervalSeconds, end: Double(k + 1) * intervalSeconds)
            let isT: Bool
            switch rule {
            case .windowMajority:
                while first < sorted.count && sorted[first].end <= w.start { first += 1 }
                var tSeconds = 0.0
                var j = first
                while j < sorted.count && sorted[j].start < w.end {
                    if sorted[j].label.isTeacherBehaviour {
                        tSeconds += TimeRange(start: sorted[j].start, end: sorted[j].end).overlap(with: w)
                    }
                    j += 1
                }
                // Half-window tolerance absorbs float sums such as 14.999999999 s of 15 s.
                isT = tSeconds >= intervalSeconds / 2 - 1e-9
            case .instant:
                let mid = w.start + intervalSeconds / 2
                let label = timeline.first { $0.start <= mid && mid < $0.end }?.label ?? .silence
                isT = label.isTeacherBehaviour
            }
            letters.append(isT ? "T" : "S")
        }
        return summarise(sequence: letters, intervalSeconds: intervalSeconds, rule: rule)
    }

    /// Rt, Ch, runs, mode and curve from a T/S sequence.
    static func summarise(sequence: [Character], intervalSeconds: Double, rule: STRule) -> STSummary {
        let n = sequence.count
        var curve = [STPoint(t: 0, s: 0)]
        var nT = 0
        var runs = 0
        var previous: Character?
        for c in sequence {
            if c == "T" { nT += 1 }
            if c != previous { runs += 1 }
            previous = c
            let last = curve[curve.count - 1]
            curve.append(c == "T" ? STPoint(t: last.t + 1, s: last.s) : STPoint(t: last.t, s: last.s + 1))
        }
        guard n > 0 else {
            return STSummary(intervalSeconds: intervalSeconds, rule: .known(rule), sequence: "", rt: 0, ch: 0,
                             mode: .other("none"), n: 0, runs: 0, curve: curve)
        }
        let rt = Double(nT) / Double(n)
        let ch = Double(runs - 1) / Double(n)
        return STSummary(intervalSeconds: intervalSeconds, rule: .known(rule), sequence: String(sequence),
                         rt: rt, ch: ch, mode: .known(STMode.classify(rt: rt, ch: ch)), n: n, runs: runs,
                         curve: curve)
    }
}
