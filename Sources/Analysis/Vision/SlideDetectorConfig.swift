import MediaCore

/// Settings of `SlideDetector`. Every value is a heuristic, tuned on generated tuning lessons only
/// (`SampleMedia/generate_lesson.py --tuning`), never on held-out ones.
public struct SlideDetectorConfig: Sendable, Equatable {
    /// Block grid columns. 16 × 9 blocks of a 256 × 144 luma frame are 16 px squares: small enough that a
    /// teacher standing in front of the slide covers only about a tenth of them.
    public var blocksX = 16
    /// Block grid rows (see `blocksX`).
    public var blocksY = 9
    /// A block "changed" when its mean absolute luma difference exceeds this (0...255). Compression noise
    /// and filmed-slide sensor noise stay below ~3 at 256 px; one changed line of slide text gives 10+.
    public var blockThreshold: Float = 6
    /// Fraction of changed blocks (vs the current view) that starts a candidate change. On tuning lessons a
    /// walking teacher changed at most 23 % of the blocks and the least different slide change (title slide
    /// to a section slide of the same layout) 42 %: this sits in the middle of that gap.
    public var changeFraction: Float = 0.32
    /// While a candidate is checked, frames may differ from its first frame in at most this fraction of
    /// blocks (the teacher keeps moving, animations keep running) and still count as "the same content".
    public var stableFraction: Float = 0.25
    /// New content must stay stable this long (seconds) before it is accepted, as Opencast does:
    /// transitions, flashes and a cut away shorter than this are not changes.
    public var stableSeconds: Double = 1.5
    /// Earth mover's distance (luma levels) between the luma histogram of a stable view and the last
    /// slide view above which the view may be "away" (a classroom camera), not a slide. Slides of one deck
    /// share their background (slide to slide: up to ~33 on tuning lessons; classroom views: 65+). Heuristic.
    public var awayHistogramDistance: Float = 45
    /// ... and only when its background share (pixels within ±4 levels of its most common level) is below
    /// this fraction of the slide view's: slides are mostly flat background (tuning: 0.55-0.75 of the
    /// pixels), a camera view of a room is not (~0.38). Both tests must agree, so a new slide is rarely
    /// mistaken for a camera view (which would lose its change). Heuristic.
    public var awayBackgroundRatio: Float = 0.8

    public init() {}
}

/// What `SlideDetector.finish()` found.
public struct SlideResult: Sendable, Equatable {
    /// Slide change times, seconds, ascending: the first sampled frame showing the new slide (for a change
    /// that happened while the camera was away: the first frame after the view returned).
    public var changes: [Double]
    /// One representative stable frame time per slide (seconds), first slide first, for thumbnails;
    /// `changes.count + 1` entries when any frame was seen.
    public var keyframeTimes: [Double]
    /// Spans (seconds) when the view was away from the slides (a classroom camera).
    public var cameraCuts: [TimeRange]
    /// How the result was obtained, for the report's method notes.
    public var notes: [String]
    /// Per change, 0...1: how much the new slide's layout (block means, correlation) resembles the first
    /// (title) slide. Heuristic: section-divider slides usually reuse the title layout. For `Segmenter`.
    public var changeStrengths: [Double]

    public init(changes: [Double] = [], keyframeTimes: [Double] = [], cameraCuts: [TimeRange] = [], notes: [String] = [],
                changeStrengths: [Double] = []) {
        self.changes = changes
        self.changeStrengths = changeStrengths
        self.keyframeTimes = keyframeTimes
        self.cameraCuts = cameraCuts
        self.notes = notes
    }
}
