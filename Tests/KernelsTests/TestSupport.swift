import Glibc
import Kernels

/// Deterministic generator (xorshift64*) so fixtures are identical on every run.
struct TestRNG {
    var state: UInt64
    init(seed: UInt64) { state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed }
    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 2_685_821_657_736_338_717
    }
    /// Uniform in [-1, 1).
    mutating func float() -> Float { Float(Double(next() >> 11) / Double(1 << 53)) * 2 - 1 }
    mutating func byte() -> UInt8 { UInt8(truncatingIfNeeded: next() >> 33) }
}

/// The lengths STYLE.md asks every SIMD kernel to be checked on: empty, below/at/above one vector, odd, long.
let kernelLengths = [0, 1, 7, 8, 9, 1023, 16000]

func noise(_ n: Int, seed: UInt64) -> [Float] {
    var rng = TestRNG(seed: seed)
    return (0..<n).map { _ in rng.float() }
}

func bytes(_ n: Int, seed: UInt64) -> [UInt8] {
    var rng = TestRNG(seed: seed)
    return (0..<n).map { _ in rng.byte() }
}

/// |a − b| ≤ rel·max(|a|, |b|) + abs.
func close(_ a: Float, _ b: Float, rel: Float, abs absTol: Float = 0) -> Bool {
    abs(a - b) <= rel * max(abs(a), abs(b)) + absTol
}

func sine(hz: Double, sampleRate: Double, count: Int, amplitude: Float = 0.5, phase: Double = 0.3) -> [Float] {
    (0..<count).map { i in amplitude * Float(sinD(2 * Double.pi * hz * Double(i) / sampleRate + phase)) }
}

func sinD(_ x: Double) -> Double { Glibc.sin(x) }
