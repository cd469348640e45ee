/// YIN fundamental-frequency estimator (de Cheveigné & Kawahara 2002): difference function,
/// cumulative-mean-normalised difference (CMND), absolute threshold, parabolic refinement.
///
/// A frame of `frameLength` samples gives lags up to `tauMax = ceil(sampleRate/minHz)` and an
/// integration window of `frameLength − tauMax − 1` samples, so the frame should span at least two
/// periods of `minHz` (at 16 kHz and 80 Hz: 400 samples is the minimum, 640 is comfortable).
/// The difference function is computed as `E(0) + E(τ) − 2·r(τ)` with SIMD dot products for r(τ).
///
/// Holds scratch for the difference function, so it is a non-`Sendable` final class: use one
/// instance per task. `estimate` allocates nothing.
public final class YinPitch {
    /// Sample rate, Hz.
    public let sampleRate: Int
    /// Samples per frame expected by `estimate`.
    public let frameLength: Int
    /// Smallest lag searched (from maxHz), samples.
    public let tauMin: Int
    /// Largest lag searched (from minHz), samples.
    public let tauMax: Int
    /// YIN's absolute threshold: the first CMND dip below it is taken (0.1 as in the paper; lower
    /// values trade octave-too-high errors for octave-too-low ones).
    public var threshold: Float = 0.1
    /// Heuristic voicing limit: a frame whose best CMND is at or above this is unvoiced (hz = 0).
    /// 0.35 sits between voiced speech (typically < 0.25) and white noise (CMND minimum ≈ 0.6–0.9).
    public var voicingThreshold: Float = 0.35
    /// Integration window, samples.
    let window: Int
    /// d(τ) then CMND(τ) for τ in 0...tauMax+1.
    private var cmnd: [Float]

    /// Preconditions: `0 < minHz < maxHz < sampleRate/2`, and `frameLength` long enough for an
    /// integration window of at least `sampleRate/maxHz` samples after the largest lag.
    public init(sampleRate: Int, minHz: Float, maxHz: Float, frameLength: Int) {
        precondition(minHz > 0 && minHz < maxHz && maxHz < Float(sampleRate) / 2, "YinPitch: bad frequency range")
        self.sampleRate = sampleRate
        self.frameLength = frameLength
        tauMin = max(2, Int(Float(sampleRate) / maxHz))
        tauMax = Int((Float(sampleRate) / minHz).rounded(.up))
        window = frameLength - tauMax - 1
        precondition(window >= tauMin, "YinPitch: frameLength too short for minHz")
        cmnd = [Float](repeating: 0, count: tauMax + 2)
    }

    /// Returns `(hz, aperiodicity)`: the fundamental in Hz (0 when unvoiced) and the CMND value at
    /// the chosen lag clamped to 0...1 (lower = more periodic). `frame.count == frameLength`.
    /// Cost: about (tauMax+1) dot products of the window length. Allocates: no.
    public func estimate(_ frame: UnsafeBufferPointer<Float>) -> (hz: Float, aperiodicity: Float) {
        precondition(frame.count == frameLength, "YinPitch: frame.count must equal frameLength")
        let x = frame.baseAddress!
        let w = window, last = tauMax + 1
        return cmnd.withUnsafeMutableBufferPointer { cb in
            let d = cb.baseAddress!
            // E(τ) = Σ_{j<w} x[τ+j]², slid one sample at a time (Double so the running update stays exact enough).
            var e0 = 0.0
            for j in 0..<w { e0 += Double(x[j]) * Double(x[j]) }
            var et = e0
            d[0] = 0
            for tau in 1...last {
                et += Double(x[tau + w - 1]) * Double(x[tau + w - 1]) - Double(x[tau - 1]) * Double(x[tau - 1])
                let r = Double(Signal.dotRaw(x, x + tau, w))
                d[tau] = Float(max(0, e0 + et - 2 * r))
            }
            return decide(d)
        }
    }

    /// Scalar twin of `estimate`: the difference function by its definition `Σ (x[j] − x[j+τ])²`.
    public func estimateReference(_ frame: UnsafeBufferPointer<Float>) -> (hz: Float, aperiodicity: Float) {
        precondition(frame.count == frameLength, "YinPitch: frame.count must equal frameLength")
        let w = window
        return cmnd.withUnsafeMutableBufferPointer { cb in
            let d = cb.baseAddress!
            d[0] = 0
            for tau in 1...(tauMax + 1) {
                var s: Float = 0
                for j in 0..<w {
                    let v = frame[j] - frame[j + tau]
                    s += v * v
                }
                d[tau] = s
            }
            return decide(d)
        }
    }

    /// Turns the difference function in `d` into CMND in place and picks the lag.
    private func decide(_ d: UnsafeMutablePointer<Float>) -> (hz: Float, aperiodicity: Float) {
        let last = tauMax + 1
        var running: Float = 0
        d[0] = 1
        for tau in 1...last {
            running += d[tau]
            // A silent frame has no periodicity: CMND = 1 wherever the running mean is zero.
            d[tau] = running > 0 ? d[tau] * Float(tau) / running : 1
        }
        var best = -1
        var tau = tauMin
        while tau <= tauMax {
            if d[tau] < threshold {
                while tau + 1 <= tauMax && d[tau + 1] < d[tau] { tau += 1 }
                best = tau
                break
            }
            tau += 1
        }
        if best < 0 {
            best = tauMin
            for t in tauMin...tauMax where d[t] < d[best] { best = t }
        }
        let value = d[best]
        let aperiodicity = min(1, max(0, value))
        guard value < voicingThreshold else { return (0, aperiodicity) }
        // Parabola through the three CMND values around the dip refines the lag below one sample.
        var shift: Float = 0
        let a = d[best - 1], b = d[best], c = d[best + 1]
        let den = a - 2 * b + c
        if den > 0 { shift = min(1, max(-1, 0.5 * (a - c) / den)) }
        return (Float(sampleRate) / (Float(best) + shift), aperiodicity)
    }
}
