/// Forward FFT of real Float32 input whose size is a power of two, returning the power spectrum.
///
/// Method: the `size` real samples are packed as `size/2` complex values (even samples real, odd
/// samples imaginary), transformed by an iterative radix-2 decimation-in-time complex FFT on split
/// real/imaginary arrays (bit-reversed load, radix-4 first pass, `SIMD8<Float>` butterflies once a
/// stage's half-length reaches 8), then untangled into the `size/2 + 1` real-input bins. Twiddles and
/// the bit-reversal table are built once in `init`, so the struct is immutable and truly `Sendable`:
/// one instance can be shared by every thread.
///
/// Scratch: `powerSpectrum(_:into:)` takes `size` floats of temporary storage from the stack
/// (`withUnsafeTemporaryAllocation`); `powerSpectrum(_:into:scratch:)` lets the caller pass it.
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
                sc[h + j] = Float(kCos(a))
                ss[h + j] = Float(kSin(a))
            }
            h *= 2
        }
        stageCos = sc
        stageSin = ss
        var pc = [Float](repeating: 0, count: m + 1)
        var ps = [Float](repeating: 0, count: m + 1)
        for k in 0...m {
            let a = -2 * Double.pi * Double(k) / Double(size)
            pc[k] = Float(kCos(a))
            ps[k] = Float(kSin(a))
        }
        postCos = pc
        postSin = ps
    }

    /// Power spectrum `|X[k]|²` for k = 0...size/2 (unnormalised DFT: a full-scale sine of amplitude
    /// A on a bin gives (A·size/2)²). `input.count == size`, `output.count == size/2 + 1`.
    /// Cost: O(size·log size). Allocates: no (scratch on the stack).
    public func powerSpectrum(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>) {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: size) { scratch in
            powerSpectrum(input, into: output, scratch: scratch)
        }
    }

    /// Same as `powerSpectrum(_:into:)` with caller-provided scratch of at least `size` floats.
    public func powerSpectrum(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>,
                              scratch: UnsafeMutableBufferPointer<Float>) {
        precondition(input.count == size, "RealFFT: input.count must equal size")
        precondition(output.count == half + 1, "RealFFT: output.count must equal size/2 + 1")
        precondition(scratch.count >= size, "RealFFT: scratch must hold size floats")
        let re = scratch.baseAddress!
        let im = re + half
        transform(input.baseAddress!, re, im)
        let m = half
        let out = output.baseAddress!
        // k = 0 and k = size/2 are purely real: X0 = Re Z0 + Im Z0, X(n/2) = Re Z0 − Im Z0.
        let dc = re[0] + im[0], ny = re[0] - im[0]
        out[0] = dc * dc
        out[m] = ny * ny
        postCos.withUnsafeBufferPointer { pcb in
            postSin.withUnsafeBufferPointer { psb in
                let pc = pcb.baseAddress!, ps = psb.baseAddress!
                var k = 1
                while k < m {
                    let zr = re[k], zi = im[k], cr = re[m - k], ci = -im[m - k]
                    // E = (Z[k] + conj Z[m−k]) / 2, O = (Z[k] − conj Z[m−k]) / (2i), X = E + W^k·O.
                    let er = 0.5 * (zr + cr), ei = 0.5 * (zi + ci)
                    let dr = zr - cr, di = zi - ci
                    let or = 0.5 * di, oi = -0.5 * dr
                    let wr = pc[k], wi = ps[k]
                    let xr = er + (wr * or - wi * oi)
                    let xi = ei + (wr * oi + wi * or)
                    out[k] = xr * xr + xi * xi
                    k &+= 1
                }
            }
        }
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
        // Radix-2 stages, h = half-length of the butterflies.
        stageCos.withUnsafeBufferPointer { cb in
            stageSin.withUnsafeBufferPointer { sb in
                let tc = cb.baseAddress!, ts = sb.baseAddress!
                var h = 1
                while h < m {
                    var g = 0
                    while g < m {
                        for j in 0..<h {
                            let a = g &+ j, b = a &+ h
                            let wr = tc[h &+ j], wi = ts[h &+ j]
                            let br = re[b], bi = im[b]
                            let tr = wr * br - wi * bi
                            let ti = wr * bi + wi * br
                            let ar = re[a], ai = im[a]
                            re[b] = ar - tr; im[b] = ai - ti
                            re[a] = ar + tr; im[a] = ai + ti
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
                sr += Double(input[j]) * kCos(a)
                si += Double(input[j]) * kSin(a)
            }
            out[k] = Float(sr * sr + si * si)
        }
        return out
    }
}
