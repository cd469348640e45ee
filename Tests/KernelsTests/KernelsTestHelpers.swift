import Kernels
import RealModule
import TestSupport

/// The lengths STYLE.md asks every SIMD kernel to be checked on: empty, below/at/above one vector, odd, long.
let kernelLengths = [0, 1, 7, 8, 9, 1023, 16000]

func noise(_ n: Int, seed: UInt64) -> [Float] {
    var rng = SeededRNG(seed: seed)
    return (0..<n).map { _ in rng.float() }
}

func bytes(_ n: Int, seed: UInt64) -> [UInt8] {
    var rng = SeededRNG(seed: seed)
    return (0..<n).map { _ in rng.byte() }
}

/// |a − b| ≤ rel·max(|a|, |b|) + abs.
func close(_ a: Float, _ b: Float, rel: Float, abs absTol: Float = 0) -> Bool {
    abs(a - b) <= rel * max(abs(a), abs(b)) + absTol
}

func sine(hz: Double, sampleRate: Double, count: Int, amplitude: Float = 0.5, phase: Double = 0.3) -> [Float] {
    (0..<count).map { i in amplitude * Float(sinD(2 * Double.pi * hz * Double(i) / sampleRate + phase)) }
}

func sinD(_ x: Double) -> Double { Double.sin(x) }
