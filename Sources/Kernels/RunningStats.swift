/// Welford's running mean and variance: numerically stable, O(1) memory, one update per value.
public struct RunningStats: Sendable {
    /// Number of values added.
    public private(set) var count: Int = 0
    /// Mean of the values added (0 when empty).
    public private(set) var mean: Double = 0
    /// Sum of squared deviations from the mean (Welford's M2).
    private var m2: Double = 0

    public init() {}

    /// Adds one value.
    public mutating func add(_ x: Double) {
        count += 1
        let d = x - mean
        mean += d / Double(count)
        m2 += d * (x - mean)
    }

    /// Population variance (divides by count, like numpy's default); 0 when empty.
    public var variance: Double { count > 0 ? m2 / Double(count) : 0 }
    /// Sample variance (divides by count − 1); 0 for fewer than two values.
    public var sampleVariance: Double { count > 1 ? m2 / Double(count - 1) : 0 }
    /// Population standard deviation, √variance.
    public var standardDeviation: Double { variance.squareRoot() }
}
