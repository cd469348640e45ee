import Foundation

/// Fusion of a room microphone with the teacher's lapel microphone, by role: the room track decides
/// silence, one voice, several voices and media (it hears the class best); the lapel decides who the
/// teacher is (on it the wearer is unmistakably the closest voice).
///
/// The cue is the lapel gap of a stretch of speech: its level above the lapel's own floor minus its
/// level above the room's floor. Students are about equally far from both microphones, so their gap
/// is near 0 dB whatever the gains; the wearer's is 15-30 dB. The threshold between the two is
/// found per recording by Otsu's method (the split of the turns' gaps that minimises the
/// duration-weighted variance within the two groups), so no gain or level is assumed.
enum LapelFusion {
    /// Smallest difference between the two groups' mean gaps (dB) that counts as two groups: below
    /// it only one kind of speaker talked (e.g. a lecture with no student turn), and the gap cannot
    /// say which; the caller falls back to the single-microphone decision.
    static let minSeparationDB: Float = 6

    /// Otsu threshold of `values` weighted by `weights`; nil when there are fewer than two values or
    /// the two groups are less than `minSeparationDB` apart.
    static func threshold(_ values: [Float], weights: [Float]) -> Float? {
        let items = zip(values, weights).filter { $0.0.isFinite && $0.1 > 0 }.sorted { $0.0 < $1.0 }
        guard items.count >= 2 else { return nil }
        let totalW = items.reduce(0) { $0 + Double($1.1) }
        let totalS = items.reduce(0) { $0 + Double($1.0) * Double($1.1) }
        var w0 = 0.0, s0 = 0.0
        var best: (score: Double, split: Int, gap: Double)?
        for k in 0..<(items.count - 1) {
            w0 += Double(items[k].1); s0 += Double(items[k].0) * Double(items[k].1)
            let w1 = totalW - w0
            guard w0 > 0, w1 > 0 else { continue }
            let m0 = s0 / w0, m1 = (totalS - s0) / w1
            // Maximising the between-group variance = minimising the within-group variance.
            let between = w0 * w1 * (m1 - m0) * (m1 - m0)
            if best == nil || between > best!.score { best = (between, k, m1 - m0) }
        }
        guard let best, best.gap >= Double(minSeparationDB) else { return nil }
        return (items[best.split].0 + items[best.split + 1].0) / 2
    }

    /// Mean lapel gap (dB) over the blocks of `range` that are `activeDB` above the floor on either
    /// track; nil when none is.
    static func gap(lapel: BlockSource, room: BlockSource, range: Range<Int>, activeDB: Float) -> Float? {
        var sum: Float = 0, n: Float = 0
        for b in range where b < lapel.count && b < room.count {
            let l = lapel.rel(b), r = room.rel(b)
            guard l > activeDB || r > activeDB else { continue }
            sum += l - r; n += 1
        }
        return n > 0 ? sum / n : nil
    }
}
