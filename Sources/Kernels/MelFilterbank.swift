import RealModule

/// Triangular mel filterbank on the HTK mel scale (`mel = 2595·log10(1 + hz/700)`).
///
/// `bandCount + 2` edge points are spaced evenly in mel from `minHz` to `maxHz`; band b rises
/// linearly from edge b to its centre (edge b+1), where its weight is 1, and falls to 0 at edge b+2.
/// Weights are evaluated at each FFT bin's exact frequency `k·sampleRate/fftSize` and are not area
/// normalised (HTK style), so between the first and last centre the weights of neighbouring bands
/// add up to 1. Each band stores only its non-zero span, so `apply` costs about two dot products
/// over the spectrum in total.
public struct MelFilterbank: Sendable {
    /// Number of mel bands.
    public let bandCount: Int
    /// Number of power-spectrum bins expected by `apply` (fftSize/2 + 1).
    public let binCount: Int
    /// Centre frequency of each band, Hz.
    public let centerHz: [Float]
    /// First bin of each band's non-zero span.
    let start: [Int]
    /// Length of each band's span.
    let length: [Int]
    /// Offset of each band's weights in `weights`.
    let offset: [Int]
    /// All bands' weights, concatenated.
    let weights: [Float]

    /// HTK mel of a frequency in Hz.
    public static func mel(hz: Double) -> Double { 2595 * Double.log10(1 + hz / 700) }
    /// Frequency in Hz of an HTK mel value.
    public static func hz(mel: Double) -> Double { 700 * (Double.pow(10, mel / 2595) - 1) }

    /// Preconditions: `fftSize` ≥ 2, `bandCount` ≥ 1, `0 ≤ minHz < maxHz ≤ sampleRate/2`.
    /// Allocates: the weight tables, once.
    public init(sampleRate: Int, fftSize: Int, bandCount: Int, minHz: Float, maxHz: Float) {
        precondition(sampleRate > 0 && fftSize >= 2 && bandCount >= 1, "MelFilterbank: bad shape")
        precondition(minHz >= 0 && minHz < maxHz && Double(maxHz) <= Double(sampleRate) / 2 + 1e-3,
                     "MelFilterbank: need 0 <= minHz < maxHz <= sampleRate/2")
        self.bandCount = bandCount
        let bins = fftSize / 2 + 1
        binCount = bins
        let lo = Self.mel(hz: Double(minHz)), hi = Self.mel(hz: Double(maxHz))
        var edges = [Double](repeating: 0, count: bandCount + 2)
        for i in 0..<(bandCount + 2) {
            edges[i] = Self.hz(mel: lo + (hi - lo) * Double(i) / Double(bandCount + 1))
        }
        let binHz = Double(sampleRate) / Double(fftSize)
        var start = [Int](), length = [Int](), offset = [Int](), weights = [Float]()
        var centers = [Float]()
        for b in 0..<bandCount {
            let l = edges[b], c = edges[b + 1], r = edges[b + 2]
            centers.append(Float(c))
            var first = -1, last = -1
            var w = [Float]()
            for k in 0..<bins {
                let f = Double(k) * binHz
                let v = max(0, min((f - l) / (c - l), (r - f) / (r - c)))
                if v > 0 {
                    if first < 0 { first = k }
                    last = k
                }
                if first >= 0 && last == k { w.append(Float(v)) }
            }
            if first < 0 { first = 0; last = -1 }
            start.append(first)
            length.append(last - first + 1)
            offset.append(weights.count)
            weights.append(contentsOf: w.prefix(last - first + 1))
        }
        self.start = start
        self.length = length
        self.offset = offset
        self.weights = weights
        centerHz = centers
    }

    /// Weight of bin `bin` in band `band` (0 outside the band's span); for tests and plots.
    public func weight(band: Int, bin: Int) -> Float {
        let s = start[band]
        guard bin >= s && bin < s + length[band] else { return 0 }
        return weights[offset[band] + bin - s]
    }

    /// Mel band energies `out[b] = Σ_k w[b][k]·power[k]` from a power spectrum
    /// (`power.count == fftSize/2 + 1`) into `out` (`out.count == bandCount`). Allocates: no.
    public func apply(power: UnsafeBufferPointer<Float>, into out: UnsafeMutableBufferPointer<Float>) {
        precondition(power.count == binCount, "MelFilterbank: power.count must be fftSize/2 + 1")
        precondition(out.count == bandCount, "MelFilterbank: out.count must be bandCount")
        let p = power.baseAddress!
        weights.withUnsafeBufferPointer { wb in
            let w = wb.baseAddress!
            for b in 0..<bandCount {
                let n = length[b]
                out[b] = n > 0 ? Signal.dotRaw(w + offset[b], p + start[b], n) : 0
            }
        }
    }
}
