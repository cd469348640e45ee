/// The one deterministic generator of the tests (SplitMix64), so fixtures are identical on every run.
/// Also a `RandomNumberGenerator`, for `shuffled(using:)` and `Int.random(in:using:)`.
public struct SeededRNG: RandomNumberGenerator, Sendable {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }
    public init(_ seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [a, b).
    public mutating func uniform(_ a: Double, _ b: Double) -> Double { a + (b - a) * Double(next() >> 11) / Double(1 << 53) }

    /// Uniform in 0..<n.
    public mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }

    /// Uniform in [-1, 1).
    public mutating func float() -> Float { Float(uniform(-1, 1)) }

    public mutating func byte() -> UInt8 { UInt8(truncatingIfNeeded: next() >> 33) }

    /// `count` bytes from this generator.
    public mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in byte() } }
}
