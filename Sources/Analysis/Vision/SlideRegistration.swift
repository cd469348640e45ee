import Kernels

/// Block-wise luma differences between two frames of one size that tolerate what a camera and an
/// encoder do to a still slide: a global shift (shake, in half pixels) and a global brightness offset
/// and gain (exposure and encoder brightness pumping). `SlideDetector` compares with it; one instance per
/// detector holds the scratch buffers, so comparing allocates nothing once the frame size is known.
struct SlideRegistration {
    /// Shift and brightness that best explain `b` from `a`: `b(x + dx, y + dy) ≈ gain · a(x, y) + offset`.
    struct Alignment: Equatable {
        var dx: Float = 0
        var dy: Float = 0
        var gain: Float = 1
        var offset: Float = 0
        /// `gain` in 1/256 steps, for integer pixel loops.
        var gainQ8: Int { Int((gain * 256).rounded()) }
    }

    let width: Int
    let height: Int
    let blocksX: Int
    let blocksY: Int
    let maxShiftPixels: Int
    let maxOffset: Float
    let maxGainChange: Float
    /// Per-block mean absolute differences of the last `compare` (row-major blocks).
    private(set) var blocks: [Float]
    /// `b` resampled at the last alignment (valid after a `compare` that registered).
    private var shifted: [UInt8]
    private var sumsA: [Float]
    private var sumsB: [Float]
    private var offsets: [Float]

    init(width: Int, height: Int, blocksX: Int, blocksY: Int, maxShiftPixels: Int, maxOffset: Float, maxGainChange: Float) {
        self.width = width
        self.height = height
        self.blocksX = blocksX
        self.blocksY = blocksY
        self.maxShiftPixels = maxShiftPixels
        self.maxOffset = maxOffset
        self.maxGainChange = maxGainChange
        blocks = [Float](repeating: 0, count: blocksX * blocksY)
        shifted = [UInt8](repeating: 0, count: width * height)
        sumsA = blocks
        sumsB = blocks
        offsets = blocks
    }

    /// Fills `blocks` with the mean absolute difference per block of `a` against `b` − offset, first
    /// unshifted; when more than `registerAbove` of the blocks exceed `threshold`, also at the best
    /// half-pixel shift, keeping whichever leaves fewer changed blocks. Returns the changed fraction and
    /// the alignment used. Cost: one pass, plus about 60 subsampled passes when it registers.
    mutating func compare(_ a: [UInt8], _ b: [UInt8], threshold: Float, registerAbove: Float) -> (fraction: Float, alignment: Alignment) {
        precondition(a.count == width * height && b.count == width * height, "SlideRegistration: frame size")
        let (gain, offset) = brightness(a, b)
        var alignment = Alignment(dx: 0, dy: 0, gain: gain, offset: offset)
        blockDifferences(a, b, alignment)
        var fraction = changedFraction(threshold)
        guard fraction > registerAbove, maxShiftPixels > 0 else { return (fraction, alignment) }
        let unshifted = blocks
        let best = bestShift(a, b, alignment)
        if best.hx != 0 || best.hy != 0 {
            resample(b, hx: best.hx, hy: best.hy)
            blockDifferences(a, shifted, alignment)
            let aligned = changedFraction(threshold)
            if aligned < fraction {
                fraction = aligned
                alignment.dx = Float(best.hx) / 2
                alignment.dy = Float(best.hy) / 2
            } else {
                blocks = unshifted
            }
        }
        return (fraction, alignment)
    }

    /// `b` resampled at `alignment` (a copy of `b` when it is unshifted).
    mutating func aligned(_ b: [UInt8], _ alignment: Alignment) -> [UInt8] {
        let hx = Int((alignment.dx * 2).rounded()), hy = Int((alignment.dy * 2).rounded())
        if hx == 0 && hy == 0 { return b }
        resample(b, hx: hx, hy: hy)
        return shifted
    }

    private func changedFraction(_ threshold: Float) -> Float {
        var n = 0
        for v in blocks where v > threshold { n += 1 }
        return Float(n) / Float(blocks.count)
    }

    /// Gain and offset of `b` against `a` from the block means: a least-squares line, refitted once
    /// without the blocks it explains worst (content changes: a teacher, new text, move only a minority of
    /// blocks; a global brightness change moves them all alike). Gain is clamped to 1 ± `maxGainChange`,
    /// offset to ±`maxOffset`, so a real change of the picture is never explained away.
    private mutating func brightness(_ a: [UInt8], _ b: [UInt8]) -> (gain: Float, offset: Float) {
        guard maxOffset > 0 || maxGainChange > 0 else { return (1, 0) }
        blockSums(a, into: &sumsA)
        blockSums(b, into: &sumsB)
        var gain: Float = 1, offset: Float = 0
        var keep = [Bool](repeating: true, count: 0)  // filled on the second pass only
        for pass in 0..<2 {
            var n: Float = 0, sx: Float = 0, sy: Float = 0, sxx: Float = 0, sxy: Float = 0
            for i in sumsA.indices where pass == 0 || keep[i] {
                let x = sumsA[i], y = sumsB[i]
                n += 1; sx += x; sy += y; sxx += x * x; sxy += x * y
            }
            guard n >= 2 else { break }
            let vx = sxx - sx * sx / n
            // A flat picture (a blank slide) says nothing about gain: offset only.
            gain = vx > 25 * n ? (sxy - sx * sy / n) / vx : 1
            gain = min(1 + maxGainChange, max(1 - maxGainChange, gain))
            for i in offsets.indices { offsets[i] = sumsB[i] - gain * sumsA[i] }
            var sorted = pass == 0 ? offsets : offsets.indices.filter { keep[$0] }.map { offsets[$0] }
            sorted.sort()
            offset = sorted[sorted.count / 2]
            if pass == 0 {
                var residuals = offsets.map { abs($0 - offset) }
                residuals.sort()
                let limit = max(3, 2 * residuals[residuals.count / 2])
                keep = offsets.map { abs($0 - offset) <= limit }
            }
        }
        return (gain, min(maxOffset, max(-maxOffset, offset)))
    }

    private func blockSums(_ p: [UInt8], into out: inout [Float]) {
        let (w, h, bx, by) = (width, height, blocksX, blocksY)
        p.withUnsafeBufferPointer { p in
            out.withUnsafeMutableBufferPointer { Luma.blockMeans(p, width: w, height: h, blocksX: bx, blocksY: by, into: $0) }
        }
    }

    private mutating func blockDifferences(_ a: [UInt8], _ b: [UInt8], _ m: Alignment) {
        let w = width, h = height, bx = blocksX, by = blocksY
        let off = Int(m.offset.rounded()), g = m.gainQ8
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                blocks.withUnsafeMutableBufferPointer { out in
                    for j in 0..<by {
                        let y0 = j * h / by, y1 = (j + 1) * h / by
                        for i in 0..<bx {
                            let x0 = i * w / bx, x1 = (i + 1) * w / bx
                            var s = 0
                            for y in y0..<y1 {
                                let row = y * w
                                for x in x0..<x1 { s += abs(Int(pb[row + x]) - off - (g * Int(pa[row + x])) >> 8) }
                            }
                            out[j * bx + i] = Float(s) / Float(max(1, (y1 - y0) * (x1 - x0)))
                        }
                    }
                }
            }
        }
    }

    /// Best shift in half pixels: whole pixels within ±`maxShiftPixels` by the sum of absolute differences
    /// on every second pixel of every second row (the border of width `maxShiftPixels + 1` left out), then
    /// the eight half-pixel neighbours of the winner (bilinear).
    private mutating func bestShift(_ a: [UInt8], _ b: [UInt8], _ alignment: Alignment) -> (hx: Int, hy: Int) {
        let m = maxShiftPixels
        let off = Int(alignment.offset.rounded()), g = alignment.gainQ8
        let w = width, h = height
        guard w > 2 * (m + 2), h > 2 * (m + 2) else { return (0, 0) }
        var best = (sad: Int.max, hx: 0, hy: 0)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                for dy in -m...m {
                    for dx in -m...m {
                        var s = 0
                        var y = m + 1
                        while y < h - m - 1 {
                            let ra = y * w, rb = (y + dy) * w + dx
                            var x = m + 1
                            while x < w - m - 1 {
                                s += abs(Int(pb[rb + x]) - off - (g * Int(pa[ra + x])) >> 8)
                                x += 2
                            }
                            y += 2
                        }
                        // Ties go to the smaller shift, so a still frame stays unshifted.
                        if s < best.sad || (s == best.sad && abs(dx) + abs(dy) < abs(best.hx / 2) + abs(best.hy / 2)) {
                            best = (s, 2 * dx, 2 * dy)
                        }
                    }
                }
            }
        }
        let whole = best
        for ey in -1...1 {
            for ex in -1...1 where ex != 0 || ey != 0 {
                let hx = whole.hx + ex, hy = whole.hy + ey
                guard abs(hx) <= 2 * m, abs(hy) <= 2 * m else { continue }
                resample(b, hx: hx, hy: hy)
                var s = 0
                a.withUnsafeBufferPointer { pa in
                    shifted.withUnsafeBufferPointer { ps in
                        var y = m + 1
                        while y < h - m - 1 {
                            var x = m + 1
                            while x < w - m - 1 {
                                s += abs(Int(ps[y * w + x]) - off - (g * Int(pa[y * w + x])) >> 8)
                                x += 2
                            }
                            y += 2
                        }
                    }
                }
                if s < best.sad { best = (s, hx, hy) }
            }
        }
        return (best.hx, best.hy)
    }

    /// `shifted(x, y) = b(x + hx/2, y + hy/2)`, bilinear for half pixels, edges clamped.
    private mutating func resample(_ b: [UInt8], hx: Int, hy: Int) {
        let w = width, h = height
        let x0 = hx >= 0 ? hx / 2 : -((-hx + 1) / 2), y0 = hy >= 0 ? hy / 2 : -((-hy + 1) / 2)
        let halfX = hx & 1 != 0, halfY = hy & 1 != 0
        b.withUnsafeBufferPointer { pb in
            shifted.withUnsafeMutableBufferPointer { out in
                for y in 0..<h {
                    let ya = min(h - 1, max(0, y + y0)), yb = halfY ? min(h - 1, max(0, y + y0 + 1)) : ya
                    for x in 0..<w {
                        let xa = min(w - 1, max(0, x + x0)), xb = halfX ? min(w - 1, max(0, x + x0 + 1)) : xa
                        let s = Int(pb[ya * w + xa]) + Int(pb[ya * w + xb]) + Int(pb[yb * w + xa]) + Int(pb[yb * w + xb])
                        out[y * w + x] = UInt8((s + 2) / 4)
                    }
                }
            }
        }
    }
}
