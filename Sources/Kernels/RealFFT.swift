import RealModule

/// Forward FFT of real Float32 input whose size is a power of two, returning the power spectrum.
///
/// Method: the `size` real samples are packed as `size/2` complex values (even samples real, odd
/// samples imaginary), transformed by an iterative radix-2 decimation-in-time complex FFT on split
/// real/imaginary arrays (bit-reversed load, radix-4 first pass, `SIMD8<Float>` butterflies once a
/// stage's half-length reaches 8), then untangled into the `size/2 + 1` real-input bins. Twiddles and
/// the bit-reversal table are built once in `init`, so the struct is immutable and truly `Sendable`:
/// one instance can be shared by every thread.
///
/// Scratch: the transform works in the output buffer plus `size/2` floats of scratch, which
/// `powerSpectrum(_:into:)` takes from the stack (size ≤ 512) and `powerSpectrum(_:into:scratch:)`
/// takes from the caller.
public struct RealFFT: Sendable {
    /// Number of real input samples (a power of two, at least 4).
    public let size: Int
    /// size / 2: the length of the complex FFT.
    let half: Int
    /// Bit-reversal permutation of 0..<half.
    let bitReverse: [Int32]
    /// Per-stage twiddles: stage with half-length h uses entries h..<2h, each exp(-2πi·j/(2h)).
    let stageCos: [Float]
    let stageSin: [Float]
    /// Untangling twiddles exp(-2πi·k/size) for k in 0...half.
    let postCos: [Float]
    let postSin: [Float]

    /// Builds the tables for `size` real samples. Precondition: `size` is a power of two ≥ 4.
    /// Allocates: the tables (about 5·size/2 floats), once.
    public init(size: Int) {
        precondition(size >= 4 && size & (size - 1) == 0, "RealFFT: size must be a power of two >= 4")
        self.size = size
        let m = size / 2
        half = m
        var bits = 0
        while (1 << bits) < m { bits += 1 }
        var rev = [Int32](repeating: 0, count: m)
        for i in 0..<m {
            var r = 0
            var v = i
            for _ in 0..<bits { r = (r << 1) | (v & 1); v >>= 1 }
            rev[i] = Int32(r)
        }
        bitReverse = rev
        var sc = [Float](repeating: 1, count: max(m, 2))
        var ss = [Float](repeating: 0, count: max(m, 2))
        var h = 1
        while h < m {
            for j in 0..<h {
                let a = -Double.pi * Double(j) / Double(h)
                sc[h + j] = Float(Double.cos(a))
                ss[h + j] = Float(Double.sin(a))
            }
            h *= 2
        }
        stageCos = sc
        stageSin = ss
        var pc = [Float](repeating: 0, count: m + 1)
        var ps = [Float](repeating: 0, count: m + 1)
        for k in 0...m {
            let a = -2 * Double.pi * Double(k) / Double(size)
            pc[k] = Float(Double.cos(a))
            ps[k] = Float(Double.sin(a))
        }
        postCos = pc
        postSin = ps
    }

    /// Power spectrum `|X[k]|²` for k = 0...size/2 (unnormalised DFT: a sine of amplitude A exactly
    /// on a bin gives (A·size/2)²). `input.count == size`, `output.count == size/2 + 1`.
    /// Cost: O(size·log size). Allocates: no for size ≤ 512 (size/2 floats of scratch fit the
    /// stdlib's 1 KiB stack limit for `withUnsafeTemporaryAllocation` on Linux); one heap block per
    /// call above that, so use `powerSpectrum(_:into:scratch:)` for big sizes in loops.
    public func powerSpectrum(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>) {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: half) { scratch in
            powerSpectrum(input, into: output, scratch: scratch)
        }
    }

    /// Same as `powerSpectrum(_:into:)` with caller-provided scratch of at least `size/2` floats.
    /// Allocates: no, at any size.
    public func powerSpectrum(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>,
                              scratch: UnsafeMutableBufferPointer<Float>) {
        precondition(input.count == size, "RealFFT: input.count must equal size")
        precondition(output.count == half + 1, "RealFFT: output.count must equal size/2 + 1")
        precondition(scratch.count >= half, "RealFFT: scratch must hold size/2 floats")
        // The real parts live in the output itself, the imaginary parts in the scratch; the
        // untangling below reads bins k and m−k before it overwrites them.
        let re = output.baseAddress!
        let im = scratch.baseAddress!
        transform(input.baseAddress!, re, im)
        let m = half
        let out = re
        // k = 0 and k = size/2 are purely real: X0 = Re Z0 + Im Z0, X(n/2) = Re Z0 − Im Z0.
        let dc = re[0] + im[0], ny = re[0] - im[0]
        postCos.withUnsafeBufferPointer { pcb in
            postSin.withUnsafeBufferPointer { psb in
                let pc = pcb.baseAddress!, ps = psb.baseAddress!
                // With E = (Z[k] + conj Z[m−k])/2, O = (Z[k] − conj Z[m−k])/(2i), P = W^k·O:
                // X[k] = E + P and X[m−k] = conj(E − P), so one pass over k ≤ m/2 gives both bins.
                var k = 1
                let mid = m / 2
                while k <= mid {
                    let j = m &- k
                    let zr = re[k], zi = im[k], cr = re[j], ci = -im[j]
                    let er = 0.5 * (zr + cr), ei = 0.5 * (zi + ci)
                    let or = 0.5 * (zi - ci), oi = -0.5 * (zr - cr)
                    let wr = pc[k], wi = ps[k]
                    let pr = wr * or - wi * oi
                    let pi = wr * oi + wi * or
                    let ar = er + pr, ai = ei + pi
                    let br = er - pr, bi = ei - pi
                    out[k] = ar * ar + ai * ai
                    out[j] = br * br + bi * bi
                    k &+= 1
                }
            }
        }
        out[0] = dc * dc
        out[m] = ny * ny
    }

    /// Complex FFT of the packed input into split arrays `re`, `im` (each `half` long).
    @inline(__always)
    func transform(_ x: UnsafePointer<Float>, _ re: UnsafeMutablePointer<Float>, _ im: UnsafeMutablePointer<Float>) {
        let m = half
        bitReverse.withUnsafeBufferPointer { rb in
            let r = rb.baseAddress!
            for i in 0..<m {
                let s = Int(r[i]) &* 2
                re[i] = x[s]
                im[i] = x[s &+ 1]
            }
        }
        guard m >= 4 else {
            // m == 2: a single butterfly.
            let ar = re[0], ai = im[0], br = re[1], bi = im[1]
            re[0] = ar + br; im[0] = ai + bi
            re[1] = ar - br; im[1] = ai - bi
            return
        }
        // Stages h = 1 and h = 2 fused into one radix-4 pass: their twiddles are 1 and −i, so no
        // multiplications, and the data is touched once instead of twice.
        var g = 0
        while g < m {
            let a0r = re[g], a0i = im[g], a1r = re[g &+ 1], a1i = im[g &+ 1]
            let a2r = re[g &+ 2], a2i = im[g &+ 2], a3r = re[g &+ 3], a3i = im[g &+ 3]
            let t0r = a0r + a1r, t0i = a0i + a1i, t1r = a0r - a1r, t1i = a0i - a1i
            let t2r = a2r + a3r, t2i = a2i + a3i, t3r = a2r - a3r, t3i = a2i - a3i
            re[g] = t0r + t2r; im[g] = t0i + t2i
            re[g &+ 2] = t0r - t2r; im[g &+ 2] = t0i - t2i
            // −i·t3 = (t3i, −t3r)
            re[g &+ 1] = t1r + t3i; im[g &+ 1] = t1i - t3r
            re[g &+ 3] = t1r - t3i; im[g &+ 3] = t1i + t3r
            g &+= 4
        }
        stageCos.withUnsafeBufferPointer { cb in
            stageSin.withUnsafeBufferPointer { sb in
                let tc = cb.baseAddress!, ts = sb.baseAddress!
                let rr = UnsafeMutableRawPointer(re), ir = UnsafeMutableRawPointer(im)
                let cr = UnsafeRawPointer(tc), sr = UnsafeRawPointer(ts)
                var h = 4
                if h < m {
                    // h = 4: one SIMD4 butterfly per group.
                    let wr = cr.loadUnaligned(fromByteOffset: 16, as: SIMD4<Float>.self)
                    let wi = sr.loadUnaligned(fromByteOffset: 16, as: SIMD4<Float>.self)
                    var g = 0
                    while g < m {
                        let oa = g &* 4, ob = oa &+ 16
                        let br = rr.loadUnaligned(fromByteOffset: ob, as: SIMD4<Float>.self)
                        let bi = ir.loadUnaligned(fromByteOffset: ob, as: SIMD4<Float>.self)
                        let ar = rr.loadUnaligned(fromByteOffset: oa, as: SIMD4<Float>.self)
                        let ai = ir.loadUnaligned(fromByteOffset: oa, as: SIMD4<Float>.self)
                        let tr = wr * br - wi * bi
                        let ti = wr * bi + wi * br
                        rr.storeBytes(of: ar + tr, toByteOffset: oa, as: SIMD4<Float>.self)
                        ir.storeBytes(of: ai + ti, toByteOffset: oa, as: SIMD4<Float>.self)
                        rr.storeBytes(of: ar - tr, toByteOffset: ob, as: SIMD4<Float>.self)
                        ir.storeBytes(of: ai - ti, toByteOffset: ob, as: SIMD4<Float>.self)
                        g &+= 8
                    }
                    h = 8
                }
                // h ≥ 8: SIMD8 butterflies along j inside each group.
                while h < m {
                    var g = 0
                    while g < m {
                        var j = 0
                        while j < h {
                            let oa = (g &+ j) &* 4, ob = oa &+ h &* 4, ow = (h &+ j) &* 4
                            let wr = cr.loadUnaligned(fromByteOffset: ow, as: SIMD8<Float>.self)
                            let wi = sr.loadUnaligned(fromByteOffset: ow, as: SIMD8<Float>.self)
                            let br = rr.loadUnaligned(fromByteOffset: ob, as: SIMD8<Float>.self)
                            let bi = ir.loadUnaligned(fromByteOffset: ob, as: SIMD8<Float>.self)
                            let ar = rr.loadUnaligned(fromByteOffset: oa, as: SIMD8<Float>.self)
                            let ai = ir.loadUnaligned(fromByteOffset: oa, as: SIMD8<Float>.self)
                            let tr = wr * br - wi * bi
                            let ti = wr * bi + wi * br
                            rr.storeBytes(of: ar + tr, toByteOffset: oa, as: SIMD8<Float>.self)
                            ir.storeBytes(of: ai + ti, toByteOffset: oa, as: SIMD8<Float>.self)
                            rr.storeBytes(of: ar - tr, toByteOffset: ob, as: SIMD8<Float>.self)
                            ir.storeBytes(of: ai - ti, toByteOffset: ob, as: SIMD8<Float>.self)
                            j &+= 8
                        }
                        g &+= 2 &* h
                    }
                    h &*= 2
                }
            }
        }
    }

    /// Naive O(n²) DFT power spectrum in Double, for tests: `|Σ x[j]·e^{-2πijk/n}|²`, k = 0...n/2.
    public static func powerSpectrumReference(_ input: [Float]) -> [Float] {
        let n = input.count
        guard n > 0 else { return [] }
        var out = [Float](repeating: 0, count: n / 2 + 1)
        for k in 0...(n / 2) {
            var sr = 0.0, si = 0.0
            for j in 0..<n {
                // Reduce jk mod n first so the angle stays small and exact.
                let a = -2 * Double.pi * Double((j * k) % n) / Double(n)
                sr += Double(input[j]) * Double.cos(a)
                si += Double(input[j]) * Double.sin(a)
            }
            out[k] = Float(sr * sr + si * si)
        }
        return out
    }
}
