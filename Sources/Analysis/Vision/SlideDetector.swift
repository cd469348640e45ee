import Kernels
public import MediaCore

/// Per-frame scores of `SlideDetector`, for diagnostics and tuning.
public struct SlideFrameScore: Sendable, Equatable {
    public var timeSeconds: Double
    /// Fraction of blocks changed against the current view (the slide, or the away view).
    public var changedVsCurrent: Float
    /// Fraction of blocks changed against the pending candidate's first frame (nil without a candidate).
    public var changedVsCandidate: Float?
    /// Histogram earth mover's distance (luma levels) to the last slide view.
    public var histogramDistance: Float
}

/// Slide/board change detector (heuristic), streaming.
///
/// Feed `LumaFrame`s in time order (2-5 frames/s or keyframes); it keeps five frames of state (the last
/// slide view, the current away view, a candidate, the frame before the candidate and the previous frame),
/// a ring of small thumbnails of
/// the last frames (`SlideTransitionHistory`, 64 entries) plus the list of changes.
///
/// Method: each frame is compared block-wise with the current view; when most blocks changed, the frame
/// opens a candidate. The candidate is accepted once later frames stay close to it for
/// `stableSeconds` (a teacher walking in front changes only a few blocks, so it neither opens a candidate
/// nor breaks one's stability). An accepted view whose luma histogram is far from the last slide view's
/// is "away" (a classroom camera): no change is reported, and when the view comes back it is compared
/// with the last slide view, so a cut away and back is nothing and a slide changed meanwhile is reported at
/// the return.
///
/// Real lecture video adds four things (issue 15):
/// - Frames are compared after registration (`SlideRegistration`: the best half-pixel shift within
///   `maxShiftPixels`, a global brightness offset up to `maxBrightnessOffset`), so camera shake and encoder
///   brightness pumping are not content changes.
/// - A stable new view that keeps the old view's content and only adds to it — a bullet built in, pen
///   ink — is the same slide (`SlideBuildTest`: the share of the old view's content edges that are gone
///   stays under `buildMaxDestroyedShare`); the reference is updated and no change is reported. Only
///   content that was still there in the frame before the candidate counts, so whatever moves (the
///   teacher, a picture-in-picture window, a cursor) is left out of the judgement.
/// - A change is timed at the first frame in which the new view weighs at least as much as the old one
///   (`SlideTransitionHistory`): the first frame of the new content after a cut, the mid-point of a
///   dissolve, the dark middle of a fade through black.
public final class SlideDetector {
    public let config: SlideDetectorConfig
    /// Receives each frame's scores (diagnostics); nil by default.
    public var onScore: ((SlideFrameScore) -> Void)?

    private struct View {
        var pixels: [UInt8]
        /// Cumulative luma histogram normalised to 1 (256 entries): EMD between views is Σ|cdfA − cdfB|.
        var cdf: [Float]
        var start: Double
    }

    private var width = 0
    private var height = 0
    /// The last accepted slide view.
    private var slide: View?
    /// The accepted away view while the camera is away.
    private var away: View?
    private var candidate: View?
    private var registration: SlideRegistration?
    /// `keyframesDiffer`'s own registration (its scratch state must not disturb the stream's).
    private var keyRegistration: SlideRegistration?
    private var history: SlideTransitionHistory?
    /// The previous frame (shared with the caller's buffer, not copied).
    private var previousPixels: [UInt8] = []
    /// The frame before the current chain of candidates began: the old slide as it last looked.
    private var beforeCandidate: [UInt8] = []
    private var histogram = [UInt32](repeating: 0, count: 256)
    private var changes: [Double] = []
    private var strengths: [Double] = []
    /// Block means of the first stable slide (the title slide): section slides tend to reuse its layout.
    private var titleLayout: [Float]?
    private var keyframeTimes: [Double] = []
    private var cameraCuts: [TimeRange] = []
    private var firstSlideStable = false
    private var lastTime = -Double.infinity
    private var resets = 0

    public init(config: SlideDetectorConfig = .init()) {
        self.config = config
    }

    /// Consumes one frame (time order; out-of-order frames are ignored). Allocates only when a view is
    /// opened (a copy of its pixels), not per frame in steady state.
    public func consume(_ frame: LumaFrame) {
        guard frame.timeSeconds > lastTime, frame.width >= config.blocksX, frame.height >= config.blocksY else { return }
        lastTime = frame.timeSeconds
        let t = frame.timeSeconds
        if slide == nil || frame.width != width || frame.height != height {
            if slide != nil { resets += 1 }
            width = frame.width
            height = frame.height
            registration = makeRegistration(width: width, height: height)
            history = SlideTransitionHistory(capacity: Self.historyCapacity, width: width, height: height)
            slide = makeView(frame.pixels, at: t)
            away = nil
            candidate = nil
            firstSlideStable = false
            remember(frame, unlikeCurrent: false)
            return
        }
        var unlikeCurrent = false
        defer { remember(frame, unlikeCurrent: unlikeCurrent) }
        let current = away ?? slide!
        let dCurrent = changedFraction(frame.pixels, current.pixels)
        unlikeCurrent = dCurrent >= config.changeFraction
        var dCandidate: Float? = nil
        if let c = candidate {
            let d = changedFraction(frame.pixels, c.pixels)
            dCandidate = d
            if d <= config.stableFraction {
                if t - c.start >= config.stableSeconds - 1e-6 { accept(c, at: t) }
            } else if dCurrent < config.changeFraction {
                candidate = nil  // back to the current view: a flash or a transition that came to nothing
            } else {
                candidate = makeView(frame.pixels, at: t)  // still changing: the new content starts later
            }
        } else if dCurrent >= config.changeFraction {
            candidate = makeView(frame.pixels, at: t)
            beforeCandidate = previousPixels
        } else if !firstSlideStable, away == nil, t - slide!.start >= config.stableSeconds - 1e-6 {
            firstSlideStable = true
            keyframeTimes.append(t)
            titleLayout = blockMeans(frame.pixels)
        }
        if let onScore {
            onScore(SlideFrameScore(timeSeconds: t, changedVsCurrent: dCurrent, changedVsCandidate: dCandidate,
                                    histogramDistance: emd(frame.pixels, slide!.cdf)))
        }
    }

    /// Whether two keyframes differ enough that the GOP between them must be looked at densely
    /// (`SlideDetectorConfig.refineFraction`, after registration). Keeps its own registration state, so
    /// it may be called between `consume` calls.
    public func keyframesDiffer(_ a: LumaFrame, _ b: LumaFrame) -> Bool {
        guard let d = keyframeDifference(a, b) else { return true }
        return d >= config.refineFraction
    }

    /// Fraction of changed blocks between `a` and `b` after registration (the keyframe registration's own
    /// state); nil when the frames cannot be compared (other sizes, smaller than the block grid).
    private func keyframeDifference(_ a: LumaFrame, _ b: LumaFrame) -> Float? {
        guard a.width == b.width, a.height == b.height, a.width >= config.blocksX, a.height >= config.blocksY else { return nil }
        if keyRegistration?.width != a.width || keyRegistration?.height != a.height {
            keyRegistration = makeRegistration(width: a.width, height: a.height)
        }
        return keyRegistration!.compare(a.pixels, b.pixels, threshold: config.blockThreshold,
                                        registerAbove: config.registerAboveFraction).fraction
    }

    /// Whether a frame inside a refined GOP already shows the next keyframe's content, so the rest of the
    /// GOP need not be decoded (`KeyframeFirstVideo`). The test is the detector's own "same content"
    /// (`stableFraction`) at half its width, so the keyframe, when it arrives, still matches the frame the
    /// detector took as a candidate from either side of the comparison, and the change is placed as a
    /// dense read would place it; a frame mid-dissolve does not pass.
    public func frameMatchesKeyframe(_ frame: LumaFrame, _ key: LumaFrame) -> Bool {
        guard let d = keyframeDifference(key, frame) else { return false }
        return d <= config.stableFraction / 2
    }

    /// A registration for frames of this size with the config's shift and brightness bounds.
    private func makeRegistration(width: Int, height: Int) -> SlideRegistration {
        SlideRegistration(width: width, height: height, blocksX: config.blocksX, blocksY: config.blocksY,
                          maxShiftPixels: max(0, config.maxShiftPixels), maxOffset: max(0, config.maxBrightnessOffset),
                          maxGainChange: max(0, config.maxGainChange))
    }

    /// Ends the stream: closes an open away span and returns everything found.
    public func finish() -> SlideResult {
        if let a = away { cameraCuts.append(TimeRange(start: a.start, end: max(a.start, lastTime))) }
        away = nil
        candidate = nil
        if !firstSlideStable, let s = slide {
            keyframeTimes.insert(s.start, at: 0)
            firstSlideStable = true
        }
        var notes = [MethodNote(.slideChanges, [
            "blocksX": .number(Double(config.blocksX)), "blocksY": .number(Double(config.blocksY)),
            // The whole percent as the detector's Float threshold gives it (0.32 → 32).
            "changedBlocksPercent": .number(Double(Int(config.changeFraction * 100))),
            "stableSeconds": .number(config.stableSeconds),
        ])]
        if resets > 0 { notes.append(MethodNote(.frameSizeChanged, ["count": .number(Double(resets))])) }
        return SlideResult(changes: changes, keyframeTimes: keyframeTimes, cameraCuts: cameraCuts, notes: notes,
                           changeStrengths: strengths)
    }

    /// Thumbnails kept for timing transitions: 64 frames cover the look-back plus `stableSeconds` at up to
    /// 10 frames/s (the pipeline's largest sampling rate), about 150 KB at 256 × 144.
    static let historyCapacity = 64

    private func remember(_ frame: LumaFrame, unlikeCurrent: Bool) {
        history?.append(frame.pixels, at: frame.timeSeconds, unlikeOld: unlikeCurrent)
        previousPixels = frame.pixels
    }

    // MARK: - decisions

    private func accept(_ c: View, at t: Double) {
        candidate = nil
        guard let s = slide else { return }
        let distance = emdCDF(c.cdf, s.cdf)
        // Heuristic: "away" when the histogram is far from the slide's and the view is not mostly flat background.
        let isAway = distance > config.awayHistogramDistance
            && backgroundShare(c.cdf) < config.awayBackgroundRatio * backgroundShare(s.cdf)
        if isAway {
            if away == nil { away = c } else { away = View(pixels: c.pixels, cdf: c.cdf, start: away!.start) }
            return
        }
        if changes.isEmpty, cameraCuts.isEmpty, away == nil, distance > config.awayHistogramDistance,
           backgroundShare(s.cdf) < config.awayBackgroundRatio * backgroundShare(c.cdf) {
            // The same test the other way round: the recording began on a camera view and this is the first
            // slide. The opening span is a camera span, not a slide, and no change is reported.
            cameraCuts.append(TimeRange(start: s.start, end: c.start))
            slide = c
            keyframeTimes = [t]
            firstSlideStable = true
            titleLayout = blockMeans(c.pixels)
            return
        }
        let difference = changedFraction(c.pixels, s.pixels)
        if titleLayout == nil { titleLayout = blockMeans(s.pixels) }
        let wasAway = away != nil
        if let a = away {
            cameraCuts.append(TimeRange(start: a.start, end: c.start))
            away = nil
        }
        if difference < config.changeFraction {
            // Back from the camera to the same slide, or content that settled close to the slide after all
            // (a slow transition, a long occlusion): refresh the reference, no change.
            slide = View(pixels: c.pixels, cdf: c.cdf, start: s.start)
            return
        }
        if isBuild(old: s.pixels, before: wasAway ? s.pixels : beforeCandidate, new: c.pixels) {
            // The same slide with more on it: the fuller view becomes the reference and the slide's thumbnail.
            slide = View(pixels: c.pixels, cdf: c.cdf, start: s.start)
            if firstSlideStable, !keyframeTimes.isEmpty { keyframeTimes[keyframeTimes.count - 1] = t }
            return
        }
        var start = c.start
        if !wasAway, let h = history {
            start = h.transitionStart(old: h.thumbnail(s.pixels), new: h.thumbnail(c.pixels), before: c.start,
                                      notBefore: max(s.start, c.start - config.transitionLookbackSeconds),
                                      tieMargin: config.transitionTieMargin) ?? c.start
        }
        changes.append(start)
        strengths.append(Double(max(0, correlation(blockMeans(c.pixels), titleLayout!))))
        if !firstSlideStable { firstSlideStable = true; keyframeTimes.append(s.start) }
        keyframeTimes.append(t)
        slide = c
    }

    // MARK: - measures

    /// Mean luma per block of the detector's grid.
    private func blockMeans(_ p: [UInt8]) -> [Float] {
        let (bx, by, w, h) = (config.blocksX, config.blocksY, width, height)
        var out = [Float](repeating: 0, count: bx * by)
        p.withUnsafeBufferPointer { p in
            out.withUnsafeMutableBufferPointer { Luma.blockMeans(p, width: w, height: h, blocksX: bx, blocksY: by, into: $0) }
        }
        return out
    }

    /// Pearson correlation of two layouts (0 when either is flat): brightness offsets do not matter.
    private func correlation(_ a: [Float], _ b: [Float]) -> Float {
        let n = Float(a.count)
        let ma = a.reduce(0, +) / n, mb = b.reduce(0, +) / n
        var sab: Float = 0, saa: Float = 0, sbb: Float = 0
        for i in a.indices {
            sab += (a[i] - ma) * (b[i] - mb)
            saa += (a[i] - ma) * (a[i] - ma)
            sbb += (b[i] - mb) * (b[i] - mb)
        }
        return saa > 0 && sbb > 0 ? sab / (saa * sbb).squareRoot() : 0
    }

    private func makeView(_ pixels: [UInt8], at t: Double) -> View {
        View(pixels: pixels, cdf: cdf(pixels), start: t)
    }

    /// Fraction of blocks whose mean absolute difference exceeds `blockThreshold`, after registration.
    private func changedFraction(_ a: [UInt8], _ b: [UInt8]) -> Float {
        registration!.compare(a, b, threshold: config.blockThreshold, registerAbove: config.registerAboveFraction).fraction
    }

    /// Whether `new` is `old` with content added (see `SlideBuildTest`), judged on the old content that
    /// was still in place in `before` (the last frame before the candidate).
    private func isBuild(old: [UInt8], before: [UInt8], new: [UInt8]) -> Bool {
        guard config.buildMaxDestroyedShare > 0, registration != nil, before.count == old.count else { return false }
        let b = registration!.compare(old, before, threshold: config.blockThreshold, registerAbove: config.registerAboveFraction).alignment
        let alignedBefore = registration!.aligned(before, b)
        let n = registration!.compare(old, new, threshold: config.blockThreshold, registerAbove: config.registerAboveFraction).alignment
        let changedBlocks = registration!.blocks.map { $0 > config.blockThreshold }
        let alignedNew = registration!.aligned(new, n)
        let survival = SlideBuildTest.measure(old: old, before: alignedBefore, beforeBrightness: (b.gain, b.offset),
                                              new: alignedNew, newBrightness: (n.gain, n.offset),
                                              width: width, height: height, blocksX: config.blocksX, blocksY: config.blocksY,
                                              changedBlocks: changedBlocks, edgeThreshold: config.contentEdgeThreshold,
                                              tolerance: config.contentSurvivalTolerance)
        guard Float(survival.edges) >= config.buildMinContentShare * Float(width * height) else { return false }
        return survival.destroyedShareInChanged < config.buildMaxDestroyedShare
    }

    private func cdf(_ pixels: [UInt8]) -> [Float] {
        pixels.withUnsafeBufferPointer { p in
            histogram.withUnsafeMutableBufferPointer { Luma.histogram(p, into: $0) }
        }
        var out = [Float](repeating: 0, count: 256)
        let total = Float(max(1, pixels.count))
        var running: UInt32 = 0
        for i in 0..<256 {
            running &+= histogram[i]
            out[i] = Float(running) / total
        }
        return out
    }

    private func emd(_ pixels: [UInt8], _ reference: [Float]) -> Float {
        emdCDF(cdf(pixels), reference)
    }

    /// Largest share of pixels within a 9-level window of the histogram (how much of the view is flat background).
    private func backgroundShare(_ cdf: [Float]) -> Float {
        var best: Float = 0
        for i in 0..<256 {
            let hi = cdf[min(255, i + 4)], lo = i >= 5 ? cdf[i - 5] : 0
            best = max(best, hi - lo)
        }
        return best
    }

    /// 1-D earth mover's distance between two histograms, in luma levels.
    private func emdCDF(_ a: [Float], _ b: [Float]) -> Float {
        var s: Float = 0
        for i in 0..<256 { s += abs(a[i] - b[i]) }
        return s
    }
}
