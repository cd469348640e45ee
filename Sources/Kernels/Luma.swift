/// Kernels over 8-bit luma planes (row-major, `width` bytes per row, no padding).
///
/// Measured on this machine (FIELD-NOTES, and again here): explicit `SIMD16<UInt8>` max/min and a
/// UInt64 SWAR version of the absolute difference were 2-5x slower than a plain loop with an Int32
/// accumulator, which LLVM turns into `psadbw` on its own; so the byte kernels are plain loops.
public enum Luma {
    /// Pixels per partial sum: 2^23 · 255 < 2^31, so an Int32 accumulator cannot overflow.
    static let chunk = 1 << 23

    /// Mean absolute difference of two equally sized planes, 0...255 (0 for empty). Allocates: no.
    public static func meanAbsoluteDifference(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Float {
        precondition(a.count == b.count, "meanAbsoluteDifference: sizes differ")
        guard !a.isEmpty else { return 0 }
        return Float(Double(sumAbsDiff(a.baseAddress!, b.baseAddress!, a.count)) / Double(a.count))
    }

    /// Σ|a−b| over n bytes, in Int32 chunks (the accumulator width the vectoriser handles best).
    @inline(__always)
    static func sumAbsDiff(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Int {
        var total = 0
        var start = 0
        while start < n {
            let end = min(n, start + chunk)
            var acc: Int32 = 0
            for i in start..<end {
                let d = Int32(a[i]) &- Int32(b[i])
                acc &+= d < 0 ? 0 &- d : d
            }
            total += Int(acc)
            start = end
        }
        return total
    }

    /// Scalar twin of `meanAbsoluteDifference` (Int arithmetic, one pixel at a time).
    public static func meanAbsoluteDifferenceReference(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Float {
        precondition(a.count == b.count, "meanAbsoluteDifference: sizes differ")
        guard !a.isEmpty else { return 0 }
        var s = 0
        for i in 0..<a.count { s += abs(Int(a[i]) - Int(b[i])) }
        return Float(Double(s) / Double(a.count))
    }

    /// Per-block mean luma (0...255) on the same `blocksX × blocksY` grid as
    /// `blockMeanAbsoluteDifference`, row-major into `out` (`count == blocksX·blocksY`); a block with no
    /// pixels (a grid finer than the plane) is 0. A plain loop: it is its own reference. Allocates: no.
    public static func blockMeans(_ p: UnsafeBufferPointer<UInt8>, width: Int, height: Int, blocksX: Int, blocksY: Int,
                                  into out: UnsafeMutableBufferPointer<Float>) {
        precondition(p.count >= width * height, "blockMeans: plane size")
        precondition(out.count == blocksX * blocksY, "blockMeans: out.count")
        for by in 0..<blocksY {
            let y0 = by * height / blocksY, y1 = (by + 1) * height / blocksY
            for bx in 0..<blocksX {
                let x0 = bx * width / blocksX, x1 = (bx + 1) * width / blocksX
                var s = 0
                for y in y0..<y1 { for x in x0..<x1 { s += Int(p[y * width + x]) } }
                out[by * blocksX + bx] = Float(s) / Float(max(1, (y1 - y0) * (x1 - x0)))
            }
        }
    }

    /// Per-block mean absolute difference (0...255) on a `blocksX × blocksY` grid, row-major into
    /// `out` (`count == blocksX·blocksY`). Block (bx, by) covers columns
    /// `bx·width/blocksX ..< (bx+1)·width/blocksX` and likewise rows, so blocks tile the whole plane
    /// when the size is not divisible. Preconditions: `1 ≤ blocksX ≤ width`, `1 ≤ blocksY ≤ height`.
    /// Allocates: no.
    public static func blockMeanAbsoluteDifference(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>,
                                                   width: Int, height: Int, blocksX: Int, blocksY: Int,
                                                   into out: UnsafeMutableBufferPointer<Float>) {
        precondition(a.count == width * height && b.count == a.count, "blockMeanAbsoluteDifference: plane size")
        precondition(blocksX >= 1 && blocksX <= width && blocksY >= 1 && blocksY <= height, "blockMeanAbsoluteDifference: grid")
        precondition(out.count == blocksX * blocksY, "blockMeanAbsoluteDifference: out.count")
        let ap = a.baseAddress!, bp = b.baseAddress!
        for by in 0..<blocksY {
            let y0 = by * height / blocksY, y1 = (by + 1) * height / blocksY
            for bx in 0..<blocksX {
                let x0 = bx * width / blocksX, x1 = (bx + 1) * width / blocksX
                var s = 0
                for y in y0..<y1 {
                    let row = y * width + x0
                    s += sumAbsDiff(ap + row, bp + row, x1 - x0)
                }
                out[by * blocksX + bx] = Float(Double(s) / Double((y1 - y0) * (x1 - x0)))
            }
        }
    }

    /// Scalar twin of `blockMeanAbsoluteDifference`.
    public static func blockMeanAbsoluteDifferenceReference(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>,
                                                            width: Int, height: Int, blocksX: Int, blocksY: Int,
                                                            into out: UnsafeMutableBufferPointer<Float>) {
        precondition(a.count == width * height && b.count == a.count, "blockMeanAbsoluteDifference: plane size")
        precondition(out.count == blocksX * blocksY, "blockMeanAbsoluteDifference: out.count")
        for by in 0..<blocksY {
            for bx in 0..<blocksX {
                let x0 = bx * width / blocksX, x1 = (bx + 1) * width / blocksX
                let y0 = by * height / blocksY, y1 = (by + 1) * height / blocksY
                var s = 0
                for y in y0..<y1 {
                    for x in x0..<x1 { s += abs(Int(a[y * width + x]) - Int(b[y * width + x])) }
                }
                out[by * blocksX + bx] = Float(Double(s) / Double((y1 - y0) * (x1 - x0)))
            }
        }
    }

    /// 256-bin histogram of pixel values (counts) into `out` (`count == 256`, overwritten).
    /// Three interleaved sub-histograms (`out` itself plus two UInt16 ones, folded in every 65,535
    /// pixels so they cannot overflow) avoid the store-to-load stall on runs of equal pixels; the
    /// two extra tables are exactly 1 KiB, the largest `withUnsafeTemporaryAllocation` keeps on the
    /// stack on Linux. Allocates: no.
    public static func histogram(_ a: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt32>) {
        precondition(out.count == 256, "histogram: out.count must be 256")
        let o = out.baseAddress!
        o.initialize(repeating: 0, count: 256)
        let n = a.count
        guard n > 0 else { return }
        let p = a.baseAddress!
        withUnsafeTemporaryAllocation(of: UInt16.self, capacity: 512) { h in
            let t = h.baseAddress!
            var i = 0
            while i + 3 <= n {
                // At most 65,535 triples per chunk: each UInt16 bin gains at most one per triple.
                let end = i + 3 * min(65_535, (n - i) / 3)
                t.initialize(repeating: 0, count: 512)
                while i < end {
                    o[Int(p[i])] &+= 1
                    t[Int(p[i &+ 1])] &+= 1
                    t[256 &+ Int(p[i &+ 2])] &+= 1
                    i &+= 3
                }
                for v in 0..<256 { o[v] &+= UInt32(t[v]) &+ UInt32(t[256 &+ v]) }
            }
            while i < n { o[Int(p[i])] &+= 1; i &+= 1 }
        }
    }

    /// Scalar twin of `histogram`.
    public static func histogramReference(_ a: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt32>) {
        precondition(out.count == 256, "histogram: out.count must be 256")
        for v in 0..<256 { out[v] = 0 }
        for p in a { out[Int(p)] += 1 }
    }

    /// Box-filter downscale by an integer `factor`: destination is `(width/factor) × (height/factor)`
    /// (floor; leftover columns/rows are dropped), each pixel the rounded mean of a factor×factor
    /// block. Preconditions: `factor ≥ 1`, `dst.count == (width/factor)·(height/factor)`.
    /// Allocates: no.
    public static func downscale(_ src: UnsafeBufferPointer<UInt8>, width: Int, height: Int, factor: Int,
                                 into dst: UnsafeMutableBufferPointer<UInt8>) {
        precondition(factor >= 1 && src.count == width * height, "downscale: shape")
        let dw = width / factor, dh = height / factor
        precondition(dst.count == dw * dh, "downscale: dst.count must be (width/factor)·(height/factor)")
        guard dw > 0 && dh > 0 else { return }
        let s = src.baseAddress!, d = dst.baseAddress!
        // Small factors get their own copies so the per-pixel loop over the factor is unrolled.
        switch factor {
        case 1: d.update(from: s, count: width * height)
        case 2: downscaleRows(s, width, d, dw, dh, 2)
        case 3: downscaleRows(s, width, d, dw, dh, 3)
        case 4: downscaleRows(s, width, d, dw, dh, 4)
        case 5: downscaleRows(s, width, d, dw, dh, 5)
        default: downscaleRows(s, width, d, dw, dh, factor)
        }
    }

    /// Box filter body: sums each destination pixel's block row by row in UInt32 (a block of up to
    /// 16 million pixels cannot overflow) and rounds to nearest.
    @inline(__always)
    static func downscaleRows(_ s: UnsafePointer<UInt8>, _ width: Int, _ d: UnsafeMutablePointer<UInt8>,
                              _ dw: Int, _ dh: Int, _ factor: Int) {
        let area = UInt32(factor &* factor)
        for dy in 0..<dh {
            let top = s + dy &* factor &* width
            let out = d + dy &* dw
            for dx in 0..<dw {
                var t: UInt32 = 0
                var p = top + dx &* factor
                for _ in 0..<factor {
                    for c in 0..<factor { t &+= UInt32(p[c]) }
                    p += width
                }
                out[dx] = UInt8((t &+ area / 2) / area)
            }
        }
    }

    /// Scalar twin of `downscale`.
    public static func downscaleReference(_ src: UnsafeBufferPointer<UInt8>, width: Int, height: Int, factor: Int,
                                          into dst: UnsafeMutableBufferPointer<UInt8>) {
        precondition(factor >= 1 && src.count == width * height, "downscale: shape")
        let dw = width / factor, dh = height / factor
        precondition(dst.count == dw * dh, "downscale: dst.count must be (width/factor)·(height/factor)")
        let area = factor * factor
        for dy in 0..<dh {
            for dx in 0..<dw {
                var t = 0
                for y in 0..<factor { for x in 0..<factor { t += Int(src[(dy * factor + y) * width + dx * factor + x]) } }
                dst[dy * dw + dx] = UInt8((t + area / 2) / area)
            }
        }
    }

    /// Mean luma, 0...255 (0 for empty). Allocates: no.
    public static func mean(_ a: UnsafeBufferPointer<UInt8>) -> Float {
        guard !a.isEmpty else { return 0 }
        let p = a.baseAddress!
        var total = 0
        var start = 0
        while start < a.count {
            let end = min(a.count, start + chunk)
            var acc: UInt32 = 0
            for i in start..<end { acc &+= UInt32(p[i]) }
            total += Int(acc)
            start = end
        }
        return Float(Double(total) / Double(a.count))
    }

    /// Scalar twin of `mean`.
    public static func meanReference(_ a: UnsafeBufferPointer<UInt8>) -> Float {
        guard !a.isEmpty else { return 0 }
        var t = 0
        for v in a { t += Int(v) }
        return Float(Double(t) / Double(a.count))
    }
}
