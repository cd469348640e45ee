import RealModule

/// Streaming audio kernels over Float32 samples (full scale = ±1.0).
///
/// Every fast kernel reads through unaligned `SIMD16<Float>` loads with four independent
/// accumulators and a scalar tail; each has a `...Reference` scalar twin that tests compare against.
/// None of them allocates, except `hannWindow`, which builds a table once.
public enum Signal {
    /// Root-mean-square of `x` (full-scale units, 0 for empty). Cost: one pass. Allocates: no.
    public static func rms(_ x: UnsafeBufferPointer<Float>) -> Float {
        guard !x.isEmpty else { return 0 }
        return (sumOfSquares(x) / Float(x.count)).squareRoot()
    }

    /// Scalar twin of `rms`, accumulating in Double so that it is the more exact of the two.
    public static func rmsReference(_ x: UnsafeBufferPointer<Float>) -> Float {
        guard !x.isEmpty else { return 0 }
        var acc = 0.0
        for v in x { acc += Double(v) * Double(v) }
        return Float((acc / Double(x.count)).squareRoot())
    }

    /// Decibels relative to full scale (dBFS) of an RMS value, floored at -120 dBFS
    /// (about the noise floor of 20-bit audio; quieter is "digital silence" for our purposes).
    public static func dbfs(rms: Float) -> Float {
        // Below 1e-6 full scale (-120 dB) nothing is audible or useful, and log10(0) is -inf.
        guard rms > 1e-6 else { return -120 }
        return max(-120, 20 * Float.log10(rms))
    }

    /// Fraction (0...1) of adjacent sample pairs whose sign differs; 0 when `x.count < 2`.
    ///
    /// The sign is the IEEE sign bit, so 0.0 counts as positive and -0.0 as negative (audio decoded
    /// from integer PCM never contains -0.0). Cost: one pass. Allocates: no.
    public static func zeroCrossingRate(_ x: UnsafeBufferPointer<Float>) -> Float {
        let n = x.count
        guard n >= 2, let base = x.baseAddress else { return 0 }
        let raw = UnsafeRawPointer(base)
        let pairs = n - 1
        var i = 0
        // Four accumulators of sign-bit XORs: the count of a lane stays far below 2^32.
        var c0 = SIMD8<UInt32>(), c1 = SIMD8<UInt32>(), c2 = SIMD8<UInt32>(), c3 = SIMD8<UInt32>()
        while i + 32 <= pairs {
            let o = i &* 4
            let a0 = raw.loadUnaligned(fromByteOffset: o, as: SIMD8<UInt32>.self)
            let b0 = raw.loadUnaligned(fromByteOffset: o &+ 4, as: SIMD8<UInt32>.self)
            let a1 = raw.loadUnaligned(fromByteOffset: o &+ 32, as: SIMD8<UInt32>.self)
            let b1 = raw.loadUnaligned(fromByteOffset: o &+ 36, as: SIMD8<UInt32>.self)
            let a2 = raw.loadUnaligned(fromByteOffset: o &+ 64, as: SIMD8<UInt32>.self)
            let b2 = raw.loadUnaligned(fromByteOffset: o &+ 68, as: SIMD8<UInt32>.self)
            let a3 = raw.loadUnaligned(fromByteOffset: o &+ 96, as: SIMD8<UInt32>.self)
            let b3 = raw.loadUnaligned(fromByteOffset: o &+ 100, as: SIMD8<UInt32>.self)
            c0 &+= (a0 ^ b0) &>> 31
            c1 &+= (a1 ^ b1) &>> 31
            c2 &+= (a2 ^ b2) &>> 31
            c3 &+= (a3 ^ b3) &>> 31
            i &+= 32
        }
        // One vector at a time for what is left, so a 400-sample frame ends with at most 7 scalar pairs.
        while i + 8 <= pairs {
            let o = i &* 4
            c0 &+= (raw.loadUnaligned(fromByteOffset: o, as: SIMD8<UInt32>.self)
                    ^ raw.loadUnaligned(fromByteOffset: o &+ 4, as: SIMD8<UInt32>.self)) &>> 31
            i &+= 8
        }
        var count = Int(((c0 &+ c1) &+ (c2 &+ c3)).wrappedSum())
        while i < pairs {
            count &+= Int((x[i].bitPattern ^ x[i &+ 1].bitPattern) >> 31)
            i &+= 1
        }
        return Float(count) / Float(pairs)
    }

    /// Scalar twin of `zeroCrossingRate` (same sign-bit definition).
    public static func zeroCrossingRateReference(_ x: UnsafeBufferPointer<Float>) -> Float {
        guard x.count >= 2 else { return 0 }
        var count = 0
        for i in 1..<x.count where (x[i - 1].sign == .minus) != (x[i].sign == .minus) {
            count += 1
        }
        return Float(count) / Float(x.count - 1)
    }

    /// `out[i] = x[i] * w[i]` (e.g. applying a window). Counts must match. Allocates: no.
    /// `out` may alias `x`.
    public static func multiply(_ x: UnsafeBufferPointer<Float>, _ w: UnsafeBufferPointer<Float>,
                                into out: UnsafeMutableBufferPointer<Float>) {
        precondition(x.count == w.count && x.count == out.count, "multiply: counts differ")
        let n = x.count
        guard n > 0, let xp = x.baseAddress, let wp = w.baseAddress, let op = out.baseAddress else { return }
        let xr = UnsafeRawPointer(xp), wr = UnsafeRawPointer(wp), orw = UnsafeMutableRawPointer(op)
        var i = 0
        while i + 16 <= n {
            let o = i &* 4
            let v = xr.loadUnaligned(fromByteOffset: o, as: SIMD16<Float>.self)
                * wr.loadUnaligned(fromByteOffset: o, as: SIMD16<Float>.self)
            orw.storeBytes(of: v, toByteOffset: o, as: SIMD16<Float>.self)
            i &+= 16
        }
        while i < n { op[i] = xp[i] * wp[i]; i &+= 1 }
    }

    /// Scalar twin of `multiply`.
    public static func multiplyReference(_ x: UnsafeBufferPointer<Float>, _ w: UnsafeBufferPointer<Float>,
                                         into out: UnsafeMutableBufferPointer<Float>) {
        precondition(x.count == w.count && x.count == out.count, "multiply: counts differ")
        for i in 0..<x.count { out[i] = x[i] * w[i] }
    }

    /// Periodic Hann window of `count` samples: `0.5 - 0.5 cos(2πi/count)` (the STFT convention,
    /// which overlap-adds to a constant at hop count/2). `count == 1` gives `[1]`. Allocates: the result.
    public static func hannWindow(count: Int) -> [Float] {
        precondition(count >= 0, "hannWindow: negative count")
        if count == 1 { return [1] }
        var w = [Float](repeating: 0, count: count)
        for i in 0..<count {
            w[i] = Float(0.5 - 0.5 * Double.cos(2 * Double.pi * Double(i) / Double(count)))
        }
        return w
    }

    /// Sum of `x` (0 for empty). Allocates: no.
    public static func sum(_ x: UnsafeBufferPointer<Float>) -> Float {
        let n = x.count
        guard n > 0, let p = x.baseAddress else { return 0 }
        let r = UnsafeRawPointer(p)
        var a0 = SIMD16<Float>(), a1 = SIMD16<Float>(), a2 = SIMD16<Float>(), a3 = SIMD16<Float>()
        var i = 0
        while i + 64 <= n {
            let o = i &* 4
            a0 += r.loadUnaligned(fromByteOffset: o, as: SIMD16<Float>.self)
            a1 += r.loadUnaligned(fromByteOffset: o &+ 64, as: SIMD16<Float>.self)
            a2 += r.loadUnaligned(fromByteOffset: o &+ 128, as: SIMD16<Float>.self)
            a3 += r.loadUnaligned(fromByteOffset: o &+ 192, as: SIMD16<Float>.self)
            i &+= 64
        }
        while i + 16 <= n {
            a0 += r.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Float>.self)
            i &+= 16
        }
        var s = ((a0 + a1) + (a2 + a3)).sum()
        while i < n { s += p[i]; i &+= 1 }
        return s
    }

    /// Scalar twin of `sum`, accumulating in Double.
    public static func sumReference(_ x: UnsafeBufferPointer<Float>) -> Float {
        var s = 0.0
        for v in x { s += Double(v) }
        return Float(s)
    }

    /// Dot product `Σ a[i]·b[i]`; counts must match (0 for empty). Allocates: no.
    public static func dot(_ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>) -> Float {
        precondition(a.count == b.count, "dot: counts differ")
        let n = a.count
        guard n > 0, let ap = a.baseAddress, let bp = b.baseAddress else { return 0 }
        return dotRaw(ap, bp, n)
    }

    /// Scalar twin of `dot`, accumulating in Double.
    public static func dotReference(_ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>) -> Float {
        precondition(a.count == b.count, "dot: counts differ")
        var s = 0.0
        for i in 0..<a.count { s += Double(a[i]) * Double(b[i]) }
        return Float(s)
    }

    /// Σ x[i]², the core of `rms`.
    @inline(__always)
    static func sumOfSquares(_ x: UnsafeBufferPointer<Float>) -> Float {
        guard let p = x.baseAddress else { return 0 }
        return dotRaw(p, p, x.count)
    }

    /// Dot product over raw pointers; shared by `dot`, `rms`, the mel filterbank and the DCT.
    @inline(__always)
    static func dotRaw(_ ap: UnsafePointer<Float>, _ bp: UnsafePointer<Float>, _ n: Int) -> Float {
        let ar = UnsafeRawPointer(ap), br = UnsafeRawPointer(bp)
        var a0 = SIMD16<Float>(), a1 = SIMD16<Float>(), a2 = SIMD16<Float>(), a3 = SIMD16<Float>()
        var i = 0
        while i + 64 <= n {
            let o = i &* 4
            a0 += ar.loadUnaligned(fromByteOffset: o, as: SIMD16<Float>.self)
                * br.loadUnaligned(fromByteOffset: o, as: SIMD16<Float>.self)
            a1 += ar.loadUnaligned(fromByteOffset: o &+ 64, as: SIMD16<Float>.self)
                * br.loadUnaligned(fromByteOffset: o &+ 64, as: SIMD16<Float>.self)
            a2 += ar.loadUnaligned(fromByteOffset: o &+ 128, as: SIMD16<Float>.self)
                * br.loadUnaligned(fromByteOffset: o &+ 128, as: SIMD16<Float>.self)
            a3 += ar.loadUnaligned(fromByteOffset: o &+ 192, as: SIMD16<Float>.self)
                * br.loadUnaligned(fromByteOffset: o &+ 192, as: SIMD16<Float>.self)
            i &+= 64
        }
        while i + 16 <= n {
            let o = i &* 4
            a0 += ar.loadUnaligned(fromByteOffset: o, as: SIMD16<Float>.self)
                * br.loadUnaligned(fromByteOffset: o, as: SIMD16<Float>.self)
            i &+= 16
        }
        var s = ((a0 + a1) + (a2 + a3)).sum()
        while i < n { s += ap[i] * bp[i]; i &+= 1 }
        return s
    }
}
