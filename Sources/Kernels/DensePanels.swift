// The register-blocked Dense kernels: the weights repacked into panels of 8 rows (k-major, so one
// SIMD8 load holds 8 rows' weights at one k) and an outer-product micro-kernel (accumulators = rows ×
// columns, one weight load and one broadcast per column per step, no horizontal sums). The portable
// kernel here runs on any CPU (baseline x86-64: SIMD8 as two SSE registers, multiply then add); the
// AVX2+FMA kernel of the same layout is in KernelsAVX2, chosen at run time (`Dense.kernel`).
internal import CKernelsCPU
internal import KernelsAVX2

/// The implementation behind `Dense.multiply`.
public enum DenseKernel: Sendable, CaseIterable, CustomStringConvertible {
    /// `Dense.multiplyReference`: scalar, sums in index order.
    case reference
    /// The former kernel: 4 rows × 2 columns of SIMD4 dot products with horizontal sums (kept as the
    /// benchmark baseline).
    case dotSIMD4
    /// Panels of 16 rows × 2 columns, portable SIMD (no FMA: products rounded before the sum).
    case portable
    /// Panels of 16 rows × 4 columns, AVX2 + FMA (KernelsAVX2); only on CPUs that have both.
    case avx2

    /// Whether this CPU can run it (`avx2`: AVX2, FMA and OS support for the ymm registers).
    public var isAvailable: Bool {
        switch self {
        case .reference, .dotSIMD4, .portable: true
        case .avx2: DensePanels.cpuHasAVX2FMA
        }
    }

    public var description: String {
        switch self {
        case .reference: "reference"
        case .dotSIMD4: "dot-simd4"
        case .portable: "portable"
        case .avx2: "avx2"
        }
    }
}

enum DensePanels {
    /// Rows per panel (one SIMD8 of weights per k).
    static let height = 8
    /// Panels per AVX2 tile; packed panel counts are multiples of it (the extra panels are zeros).
    static let group = 2

    static let cpuHasAVX2FMA: Bool = lessonlens_cpu_has_avx2_fma() != 0

    /// AVX2 when the CPU has it and `LESSONLENS_SIMD=portable` is not set, else portable. Read once.
    static let chosen: DenseKernel = cpuHasAVX2FMA && lessonlens_simd_forced_portable() == 0 ? .avx2 : .portable

    /// Panels for `rows`: whole panels, rounded up to a multiple of `group`.
    static func panelCount(rows: Int) -> Int {
        let p = (rows + height - 1) / height
        return (p + group - 1) / group * group
    }

    /// `values` (`rows × depth`, row-major) as panels: W[8p+i, k] at p·depth·8 + k·8 + i, zero beyond `rows`.
    static func pack(rows: Int, depth: Int, values: [Float]) -> [Float] {
        let count = panelCount(rows: rows)
        var out = [Float](repeating: 0, count: count * depth * height)
        for r in 0..<rows {
            let base = (r / height) * depth * height + r % height
            for k in 0..<depth { out[base + k * height] = values[r * depth + k] }
        }
        return out
    }

    /// `bias` padded with zeros to `panelCount × 8` floats.
    static func packBias(rows: Int, bias: [Float]) -> [Float] {
        var out = [Float](repeating: 0, count: panelCount(rows: rows) * height)
        for r in 0..<rows { out[r] = bias[r] }
        return out
    }

    /// The portable kernel: same contract as `DenseAVX2.multiply` (reads no column float at or beyond
    /// `depth`), 16 rows × 2 columns per tile: on baseline x86-64 a SIMD8 is two SSE registers, so the
    /// four accumulators take eight, and each step two weight loads and two broadcasts feed eight
    /// multiplies and eight adds (measured against 8 × 4 and 8 × 6 tiles, which need more shuffles for
    /// their broadcasts: 5-20 % slower). Allocates: no.
    static func multiplyPortable(panels: UnsafePointer<Float>, panelCount: Int, rows: Int, depth: Int,
                                 bias: UnsafePointer<Float>, columns: UnsafePointer<Float>, columnStride: Int,
                                 columnCount: Int, output: UnsafeMutablePointer<Float>) {
        let panelBytes = depth * 32
        let w = UnsafeRawPointer(panels), b = UnsafeRawPointer(bias)
        let cs = columnStride
        var p = 0
        while p + 2 <= panelCount && p * 8 < rows {
            let r = p * 8
            let valid = min(16, rows - r)
            let w0 = w + p * panelBytes, w1 = w0 + panelBytes
            let bias0 = load(b, r * 4), bias1 = load(b, r * 4 + 32)
            var n = 0
            while n + 2 <= columnCount {
                let x0 = columns + n * cs
                tile2x2(w0, w1, depth, x0, x0 + cs, bias0, bias1, output + n * rows + r, rows, valid)
                n += 2
            }
            if n < columnCount {
                tile2x1(w0, w1, depth, columns + n * cs, bias0, bias1, output + n * rows + r, valid)
            }
            p += 2
        }
    }

    @inline(__always)
    private static func load(_ p: UnsafeRawPointer, _ offset: Int) -> SIMD8<Float> {
        p.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
    }

    /// `valid` rows (the first 8 from `a`, the rest from `b`) of one output column.
    @inline(__always)
    private static func put2(_ a: SIMD8<Float>, _ b: SIMD8<Float>, _ out: UnsafeMutablePointer<Float>, _ valid: Int) {
        if valid >= 16 {
            let raw = UnsafeMutableRawPointer(out)
            raw.storeBytes(of: a, as: SIMD8<Float>.self)
            raw.storeBytes(of: b, toByteOffset: 32, as: SIMD8<Float>.self)
        } else {
            for i in 0..<valid { out[i] = i < 8 ? a[i] : b[i - 8] }
        }
    }

    @inline(__always)
    private static func tile2x2(_ w0: UnsafeRawPointer, _ w1: UnsafeRawPointer, _ depth: Int,
                                _ x0: UnsafePointer<Float>, _ x1: UnsafePointer<Float>,
                                _ bias0: SIMD8<Float>, _ bias1: SIMD8<Float>,
                                _ out: UnsafeMutablePointer<Float>, _ rows: Int, _ valid: Int) {
        var a0 = SIMD8<Float>(), a1 = a0, b0 = a0, b1 = a0
        var k = 0, off = 0
        while k < depth {
            let qa = load(w0, off), qb = load(w1, off)
            var v = SIMD8<Float>(repeating: x0[k])
            a0 += qa * v; b0 += qb * v
            v = SIMD8<Float>(repeating: x1[k])
            a1 += qa * v; b1 += qb * v
            k += 1; off += 32
        }
        put2(a0 + bias0, b0 + bias1, out, valid)
        put2(a1 + bias0, b1 + bias1, out + rows, valid)
    }

    /// Matrix × one vector: two k steps per iteration into separate accumulators.
    @inline(__always)
    private static func tile2x1(_ w0: UnsafeRawPointer, _ w1: UnsafeRawPointer, _ depth: Int, _ x0: UnsafePointer<Float>,
                                _ bias0: SIMD8<Float>, _ bias1: SIMD8<Float>,
                                _ out: UnsafeMutablePointer<Float>, _ valid: Int) {
        var a0 = SIMD8<Float>(), a1 = a0, b0 = a0, b1 = a0
        var k = 0, off = 0
        while k + 2 <= depth {
            let v0 = SIMD8<Float>(repeating: x0[k]), v1 = SIMD8<Float>(repeating: x0[k + 1])
            a0 += load(w0, off) * v0; b0 += load(w1, off) * v0
            a1 += load(w0, off + 32) * v1; b1 += load(w1, off + 32) * v1
            k += 2; off += 64
        }
        if k < depth {
            let v0 = SIMD8<Float>(repeating: x0[k])
            a0 += load(w0, off) * v0; b0 += load(w1, off) * v0
        }
        put2(a0 + a1 + bias0, b0 + b1 + bias1, out, valid)
    }
}
