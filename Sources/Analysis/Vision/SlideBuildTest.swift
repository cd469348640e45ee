/// Is a new stable view the old slide with something added (a bullet built in, pen ink, a label), or
/// new content? A build keeps the old slide's content where it was and only draws over background; a slide
/// change removes the old content. So the test looks at the old view's content (its edge pixels, where
/// the luma steps) and counts how much of it is gone in the new view.
///
/// Only old content that was still in place just before the change is examined: the reference view may
/// hold things that moved on since (the teacher who stood in front, a picture-in-picture frame, the
/// cursor), and those are not the slide.
enum SlideBuildTest {
    /// Result of `measure`: old content edge pixels examined, and how many of them the new view lost.
    struct Survival: Equatable {
        var edges: Int
        var destroyed: Int
        /// The same, counted in the blocks marked in `changedBlocks` only.
        var edgesInChanged = 0
        var destroyedInChanged = 0
        /// 1 when nothing could be examined (nothing shows that the old content survived).
        var destroyedShare: Float { edges > 0 ? Float(destroyed) / Float(edges) : 1 }
        /// Share destroyed in the changed blocks; 0 when they held no old content (the change was drawn
        /// entirely over background).
        var destroyedShareInChanged: Float { edgesInChanged > 0 ? Float(destroyedInChanged) / Float(edgesInChanged) : 0 }
    }

    /// Counts the edge pixels of `old` (central difference of at least `edgeThreshold` across x or y) that
    /// are found in `before`, and those of them not found in `new`; both are already aligned to `old`,
    /// and their brightness is `gain · old + offset`. A pixel is found when its 3 × 3 neighbourhood
    /// matches, at one of the nine placements within one pixel of its place, with a mean absolute
    /// difference of at most `tolerance`: the slack absorbs what registration leaves (sub-pixel shake,
    /// keystone wobble, resampling). Cost: about 2 × 81 operations per edge pixel. Allocates: no.
    static func measure(old: [UInt8], before: [UInt8], beforeBrightness: (gain: Float, offset: Float),
                        new: [UInt8], newBrightness: (gain: Float, offset: Float),
                        width w: Int, height h: Int, blocksX: Int, blocksY: Int, changedBlocks: [Bool], edgeThreshold: Float, tolerance: Float) -> Survival {
        precondition(old.count == w * h && new.count == w * h && before.count == w * h, "SlideBuildTest: sizes")
        guard w > 4, h > 4 else { return Survival(edges: 0, destroyed: 0) }
        let edgeStep = Int(edgeThreshold.rounded(.up))
        let limit = Int((tolerance * 9).rounded())
        let offB = Int(beforeBrightness.offset.rounded()), offN = Int(newBrightness.offset.rounded())
        let gB = Int((beforeBrightness.gain * 256).rounded()), gN = Int((newBrightness.gain * 256).rounded())
        var edges = 0, destroyed = 0, edgesInChanged = 0, destroyedInChanged = 0
        old.withUnsafeBufferPointer { o in
            before.withUnsafeBufferPointer { b in
                new.withUnsafeBufferPointer { n in
                    for y in 2..<(h - 2) {
                        let rowBlock = min(blocksY - 1, y * blocksY / h) * blocksX
                        for x in 2..<(w - 2) {
                            let p = y * w + x
                            let gx = abs(Int(o[p + 1]) - Int(o[p - 1])), gy = abs(Int(o[p + w]) - Int(o[p - w]))
                            guard max(gx, gy) >= edgeStep,
                                  found(o, b, gain: gB, offset: offB, at: p, width: w, limit: limit) else { continue }
                            edges += 1
                            let changed = changedBlocks[rowBlock + min(blocksX - 1, x * blocksX / w)]
                            if changed { edgesInChanged += 1 }
                            if !found(o, n, gain: gN, offset: offN, at: p, width: w, limit: limit) {
                                destroyed += 1
                                if changed { destroyedInChanged += 1 }
                            }
                        }
                    }
                }
            }
        }
        return Survival(edges: edges, destroyed: destroyed, edgesInChanged: edgesInChanged, destroyedInChanged: destroyedInChanged)
    }

    @inline(__always)
    private static func found(_ o: UnsafeBufferPointer<UInt8>, _ n: UnsafeBufferPointer<UInt8>, gain g: Int, offset off: Int,
                              at p: Int, width w: Int, limit: Int) -> Bool {
        for dy in -1...1 {
            for dx in -1...1 {
                var s = 0
                for j in -1...1 {
                    let ro = p + j * w, rn = p + (j + dy) * w + dx
                    s += abs(Int(n[rn - 1]) - off - (g * Int(o[ro - 1])) >> 8)
                        + abs(Int(n[rn]) - off - (g * Int(o[ro])) >> 8)
                        + abs(Int(n[rn + 1]) - off - (g * Int(o[ro + 1])) >> 8)
                }
                if s <= limit { return true }
            }
        }
        return false
    }
}
