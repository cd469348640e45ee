/// A labelled stretch of the timeline, in seconds from the first presented sample.
public struct Segment: Codable, Sendable, Equatable, Hashable {
    public var start: Double
    public var end: Double
    public var label: Label

    public init(start: Double, end: Double, label: Label) {
        self.start = start
        self.end = end
        self.label = label
    }

    /// Length in seconds (never negative).
    public var duration: Double { max(0, end - start) }
}

/// A half-open time range `[start, end)` in seconds.
public struct TimeRange: Codable, Sendable, Equatable, Hashable {
    public var start: Double
    public var end: Double

    public init(start: Double, end: Double) {
        self.start = start
        self.end = end
    }

    public var duration: Double { max(0, end - start) }

    /// Seconds shared with `other`.
    public func overlap(with other: TimeRange) -> Double {
        max(0, min(end, other.end) - max(start, other.start))
    }
}
