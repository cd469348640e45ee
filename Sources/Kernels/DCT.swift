import RealModule

/// Orthonormal DCT-II, as used to turn log-mel energies into MFCCs:
/// `out[k] = s_k · Σ_n x[n]·cos(π·k·(2n+1) / (2N))`, `s_0 = √(1/N)`, `s_k = √(2/N)`.
/// The first `outputCount` rows of the matrix are precomputed; `apply` is one dot product per output.
public struct DCT: Sendable {
    /// N: the number of inputs.
    public let inputCount: Int
    /// Number of coefficients produced (≤ inputCount).
    public let outputCount: Int
    /// Row-major outputCount × inputCount matrix.
    let matrix: [Float]

    /// Preconditions: `inputCount` ≥ 1, `1 ≤ outputCount ≤ inputCount`. Allocates: the matrix, once.
    public init(inputCount: Int, outputCount: Int) {
        precondition(inputCount >= 1 && outputCount >= 1 && outputCount <= inputCount, "DCT: bad shape")
        self.inputCount = inputCount
        self.outputCount = outputCount
        var m = [Float](repeating: 0, count: inputCount * outputCount)
        let n = Double(inputCount)
        for k in 0..<outputCount {
            let s = k == 0 ? (1 / n).squareRoot() : (2 / n).squareRoot()
            for i in 0..<inputCount {
                m[k * inputCount + i] = Float(s * Double.cos(Double.pi * Double(k) * (2 * Double(i) + 1) / (2 * n)))
            }
        }
        matrix = m
    }

    /// Transforms `x` (`count == inputCount`) into `out` (`count == outputCount`). Allocates: no.
    public func apply(_ x: UnsafeBufferPointer<Float>, into out: UnsafeMutableBufferPointer<Float>) {
        precondition(x.count == inputCount && out.count == outputCount, "DCT: counts differ from the shape")
        let xp = x.baseAddress!
        matrix.withUnsafeBufferPointer { mb in
            let mp = mb.baseAddress!
            for k in 0..<outputCount {
                out[k] = Signal.dotRaw(mp + k * inputCount, xp, inputCount)
            }
        }
    }
}
