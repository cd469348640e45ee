public import MediaCore

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
    /// Keyframe-first reads (issue 10) decode a GOP densely when its two keyframes differ in at least this
    /// fraction of blocks (after registration): half of `changeFraction`, so a change split across two GOPs
    /// (a dissolve over a keyframe) is refined on both sides. Below it nothing between the keyframes can
    /// open a candidate that lasts; above it a teacher walking past (up to 23 %) costs a refinement, never
    /// a change.
    public var refineFraction: Float = 0.16
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

    // Real lecture video (issue 15): camera shake, encoder flicker, slide builds and pen ink, dissolves.

    /// Largest camera shake (pixels at the analysis width) that comparisons register away: a frame is
    /// compared with a view at the best shift within ±this, in half pixels. A camera on a tripod or a
    /// desk shakes by a pixel or two at 256 px; 3 leaves margin, and a real slide change is not a shift
    /// (its difference stays after any shift). 0 turns registration off.
    public var maxShiftPixels = 3
    /// Registration is tried only when more than this fraction of blocks changed unshifted; below it the
    /// frame is "the same" for every decision anyway (the smallest threshold that matters,
    /// `stableFraction`, is higher), so a still camera costs nothing extra.
    public var registerAboveFraction: Float = 0.1
    /// Largest global brightness offset (luma levels) compensated before blocks are compared: the median
    /// over blocks of the change of their mean. Auto-exposure and encoder brightness pumping move the
    /// whole picture by a few levels (±6 % of a 220 background is ±13); a new slide design differs by more
    /// and is still seen, as are slides whose content changed (the median ignores a minority of blocks).
    public var maxBrightnessOffset: Float = 14
    /// Largest global gain change compensated (fraction): the multiplicative part of the same pumping,
    /// which moves a bright background more than dark text (±6 % moves a 220 background by 13 and
    /// 40-level text by 2: offset alone leaves text blocks changed). 0.08 leaves margin; a new slide is not
    /// a gain of its predecessor (its blocks do not line up on one line), so this explains nothing away.
    public var maxGainChange: Float = 0.08
    /// A pixel of a view is slide content for the build test when the luma steps by at least this much
    /// across it (central difference, levels). Sensor noise at 256 px steps by under 8; blurred filmed
    /// text at 45 % contrast still steps by 30 or more.
    public var contentEdgeThreshold: Float = 16
    /// An old content pixel survives in the new view when its 3 × 3 neighbourhood is found within one
    /// pixel of its place with a mean absolute difference of at most this (levels): sensor noise of both
    /// frames (±4 levels each: mean |difference| under 3) plus the rest of registration (a quarter pixel of
    /// a 25-level-per-pixel filmed edge: ~6) stay below it; text replaced by background or by other text
    /// differs by a good part of the text's contrast (40+ even when filmed). 14 let blurred filmed text
    /// lines of one template "survive" a slide change too often (only 30 % destroyed, against 43 % at 10).
    public var contentSurvivalTolerance: Float = 10
    /// A stable new view that destroyed less than this share of the old view's content edges in the
    /// blocks that changed (counting only old content still in place just before the change) is the same
    /// slide with something added (a build step, pen ink, a label): the reference is updated and no change
    /// is reported. Measured: builds, ink, a cursor and a picture-in-picture window destroy 0-11 % (the PiP
    /// window's edge blocks the most); slide changes 28 % (a section slide that keeps the title slide's
    /// layout and changes only its title, SampleMedia zh-lecture) to 100 %, filmed ones about 50 %.
    /// 0.2 sits in that gap.
    public var buildMaxDestroyedShare: Float = 0.2
    /// The build test needs this share of the frame's pixels to be examined old content edges; an almost empty old view (a blank slide) cannot show that it survived, so a large change
    /// from it counts as a slide change, as before.
    public var buildMinContentShare: Float = 0.005
    /// How far before the first stable frame of a new slide a gradual transition may have begun (seconds):
    /// the look-back that times a dissolve or a fade. Presentation software offers 0.5-2 s; 3 s leaves
    /// margin, and a frame that still shows the old slide ends the look-back earlier anyway.
    public var transitionLookbackSeconds: Double = 3
    /// A transition frame counts as showing the new slide when its weight of the new view is at least its
    /// weight of the old one minus this: the black (or white) middle of a fade, which shows neither, is
    /// the mid-point of the transition and belongs to the new slide; noise moves tiny weights by a few hundredths.
    public var transitionTieMargin: Float = 0.1

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
    public var notes: [MethodNote]
    /// Per change, 0...1: how much the new slide's layout (block means, correlation) resembles the first
    /// (title) slide. Heuristic: section-divider slides usually reuse the title layout. For `Segmenter`.
    public var changeStrengths: [Double]

    public init(changes: [Double] = [], keyframeTimes: [Double] = [], cameraCuts: [TimeRange] = [], notes: [MethodNote] = [],
                changeStrengths: [Double] = []) {
        self.changes = changes
        self.changeStrengths = changeStrengths
        self.keyframeTimes = keyframeTimes
        self.cameraCuts = cameraCuts
        self.notes = notes
    }
}
