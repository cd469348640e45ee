import RealModule

/// Per-frame spectral descriptors over a power spectrum of `fftSize/2 + 1` bins
/// (bin k is at `k·sampleRate/fftSize` Hz, so the last bin is the Nyquist frequency).
public enum Spectral {
    /// Floor applied before logarithms: 1e-10 is -100 dB relative to a unit power bin (librosa's
    /// `amin`), far below anything a 16-bit source produces, and it keeps log finite for silence.
    public static let floor: Float = 1e-10

    /// `x[i] = log10(max(x[i], 1e-10))` in place. Allocates: no.
    public static func log10InPlace(_ x: UnsafeMutableBufferPointer<Float>) {
        for i in 0..<x.count { x[i] = Float.log10(max(x[i], floor)) }
    }

    /// Spectral flatness (Wiener entropy) over bins `[lo, hi)`: geometric mean / arithmetic mean of
    /// the power, each bin floored at 1e-10; 0...1, near 1 for white noise, near 0 for a pure tone.
    /// Silence counts as flat (1), as in librosa. Empty range gives 0. Allocates: no.
    public static func flatness(_ power: UnsafeBufferPointer<Float>, lo: Int, hi: Int) -> Float {
        precondition(lo >= 0 && hi <= power.count, "flatness: range outside the spectrum")
        guard hi > lo else { return 0 }
        var logSum = 0.0, sum = 0.0
        for k in lo..<hi {
            let p = max(power[k], floor)
            logSum += Double(Float.log(p))
            sum += Double(p)
        }
        let n = Double(hi - lo)
        let g = Double(Float.exp(Float(logSum / n)))
        return Float(min(1, max(0, g / (sum / n))))
    }

    /// Spectral flux: `Σ max(0, c[k] − p[k])` where c and p are the current and previous magnitude
    /// spectra each scaled to unit sum, so the result is 0...1 regardless of loudness (0: same
    /// shape; 1: energy moved to bins that were empty). An all-zero spectrum stays all zero.
    /// Counts must match. Allocates: no.
    public static func flux(previous: UnsafeBufferPointer<Float>, current: UnsafeBufferPointer<Float>) -> Float {
        precondition(previous.count == current.count, "flux: counts differ")
        let sp = Signal.sum(previous), sc = Signal.sum(current)
        let ip: Float = sp > 0 ? 1 / sp : 0, ic: Float = sc > 0 ? 1 / sc : 0
        var f: Float = 0
        for k in 0..<current.count { f += max(0, current[k] * ic - previous[k] * ip) }
        return f
    }

    /// Spectral centroid, Hz: power-weighted mean bin frequency; 0 for an all-zero spectrum.
    /// `power.count` must be fftSize/2 + 1 (≥ 2). Allocates: no.
    public static func centroid(_ power: UnsafeBufferPointer<Float>, sampleRate: Int) -> Float {
        precondition(power.count >= 2, "centroid: need at least 2 bins")
        var num = 0.0, den = 0.0
        for k in 0..<power.count {
            num += Double(k) * Double(power[k])
            den += Double(power[k])
        }
        guard den > 0 else { return 0 }
        let binHz = Double(sampleRate) / Double(2 * (power.count - 1))
        return Float(num / den * binHz)
    }

    /// Fraction (0...1) of the spectrum's energy in bins whose frequency lies in `[loHz, hiHz]`;
    /// 0 for an all-zero spectrum. `power.count` must be fftSize/2 + 1 (≥ 2). Allocates: no.
    public static func bandEnergyRatio(_ power: UnsafeBufferPointer<Float>, sampleRate: Int,
                                       loHz: Float, hiHz: Float) -> Float {
        precondition(power.count >= 2, "bandEnergyRatio: need at least 2 bins")
        let binHz = Double(sampleRate) / Double(2 * (power.count - 1))
        var band = 0.0, total = 0.0
        for k in 0..<power.count {
            let p = Double(power[k])
            total += p
            let f = Double(k) * binHz
            if f >= Double(loHz) && f <= Double(hiHz) { band += p }
        }
        guard total > 0 else { return 0 }
        return Float(band / total)
    }
}
