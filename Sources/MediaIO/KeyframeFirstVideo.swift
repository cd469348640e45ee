import CFFmpeg
import MediaCore

/// Keyframe-first sampling (issue 10): how much dense decoding the refinement may spend.
public struct KeyframeRefinement: Sendable, Equatable {
    /// Frames per second sampled inside a refined GOP (the dense rate the detectors were made for).
    public var fps: Double
    /// Most media seconds decoded densely, as a share of the recording's stated duration (at least
    /// `minBudgetSeconds`). A quarter keeps the worst case (a camera that changes every GOP) at about a third of a
    /// full decode, while a lecture's slide changes and cuts need a few percent.
    public var maxShare: Double
    /// A GOP whose packets exceed this many bytes is not kept for refinement (a 10 s GOP of 1080p at
    /// 8 Mbit/s is 10 MB); its changes are placed at its keyframes.
    public var maxGOPBytes: Int
    /// The budget is never below this many seconds: a short recording may always be refined throughout.
    public var minBudgetSeconds: Double
    /// However long the GOPs, this many changed GOPs may always be refined, past the seconds budget. A lesson
    /// shows one slide every one to two minutes (20–30 in 45 minutes), so 24 covers a whole deck; a budget
    /// counted only in seconds left a 166 s lesson with 10 s GOPs four changes short (issue 10: slide F1
    /// 0.840 dense → 0.703). The cost is bounded: 24 GOPs of 10 s are 240 s of dense decoding, under a tenth
    /// of a 45-minute lesson, and never more than a dense read of the whole file.
    public var minRefinedGOPs: Int

    public init(fps: Double = 2, maxShare: Double = 0.25, maxGOPBytes: Int = 48 << 20, minBudgetSeconds: Double = 60,
                minRefinedGOPs: Int = 24) {
        self.fps = fps
        self.maxShare = maxShare
        self.maxGOPBytes = maxGOPBytes
        self.minBudgetSeconds = minBudgetSeconds
        self.minRefinedGOPs = minRefinedGOPs
    }
}

/// What the keyframe-first read did, for the report's method note.
public struct RefinementSummary: Sendable, Equatable {
    /// Keyframes decoded (the scan).
    public var keyframes = 0
    /// GOPs decoded densely because their two keyframes differed (or the last GOP, which has no second).
    public var refinedGOPs = 0
    /// Media seconds those GOPs span.
    public var refinedSeconds = 0.0
    /// GOPs whose keyframes differed but were not refined: the budget was spent, or the GOP was too large
    /// to keep. Changes in them are placed at a keyframe (within one GOP).
    public var unrefinedGOPs = 0
    /// Largest distance between two keyframes, seconds.
    public var longestGOPSeconds = 0.0
    /// Refined GOPs whose decoding stopped once a frame showed the next keyframe's picture.
    public var settledEarly = 0

    public init() {}
}

/// Scans a video stream keyframe by keyframe and decodes densely only the GOPs whose picture changed.
///
/// The packets since the last keyframe are kept (compressed: a GOP is one to a few megabytes). At each new
/// keyframe, decoded on its own, `differ(previousKey, key)` decides whether anything happened between the
/// two; if so, the kept GOP is decoded from its keyframe at `KeyframeRefinement.fps` and its frames are
/// delivered before the new keyframe. Frames therefore arrive in time order, dense where the picture
/// changes and one per GOP where it does not. Memory: one GOP of packets and two frames.
final class KeyframeFirstVideo {
    let streamIndex: Int
    private let key: VideoDecoder
    private let dense: VideoDecoder
    private let policy: KeyframeRefinement
    private let budgetSeconds: Double
    private let differ: (LumaFrame, LumaFrame) -> Bool
    private let settled: ((LumaFrame, LumaFrame) -> Bool)?
    private var gop: [UnsafeMutablePointer<AVPacket>] = []
    private var gopBytes = 0
    private var gopTooLarge = false
    private var lastKey: LumaFrame?
    private(set) var summary = RefinementSummary()

    init(demuxer: Demuxer, streamIndex: Int, policy: KeyframeRefinement, targetWidth: Int, threads: Int,
         statedSeconds: Double, differ: @escaping (LumaFrame, LumaFrame) -> Bool,
         settled: ((LumaFrame, LumaFrame) -> Bool)? = nil) throws(MediaError) {
        self.streamIndex = streamIndex
        self.policy = policy
        self.differ = differ
        self.settled = settled
        key = try VideoDecoder(demuxer: demuxer, streamIndex: streamIndex, sampling: .keyframes, targetWidth: targetWidth, threads: threads)
        dense = try VideoDecoder(demuxer: demuxer, streamIndex: streamIndex, sampling: .fps(policy.fps), targetWidth: targetWidth, threads: threads)
        budgetSeconds = max(policy.minBudgetSeconds, policy.maxShare * max(0, statedSeconds))
    }

    deinit { clearGOP() }

    var damagedPackets: Int { key.damagedPackets + dense.damagedPackets }
    var deliveredFrames: Int { key.deliveredFrames + dense.deliveredFrames }

    /// Takes one packet of the stream (decode order).
    func consume(_ packet: UnsafeMutablePointer<AVPacket>, deliver: (LumaFrame) throws -> Void) throws {
        guard packet.pointee.flags & AV_PKT_FLAG_KEY != 0 else {
            if !gop.isEmpty { keep(packet) }  // nothing before the first keyframe can be decoded
            return
        }
        var decoded: LumaFrame?
        try key.decode(packet) { decoded = $0 }
        try key.drain { decoded = decoded ?? $0 }
        guard let frame = decoded else { keep(packet); return }  // a damaged keyframe: its GOP joins the last
        summary.keyframes += 1
        if let previous = lastKey {
            summary.longestGOPSeconds = max(summary.longestGOPSeconds, frame.timeSeconds - previous.timeSeconds)
            if differ(previous, frame) { try refine(after: previous.timeSeconds, before: frame.timeSeconds, next: frame, deliver: deliver) }
        }
        clearGOP()
        keep(packet)
        lastKey = frame
        try deliver(frame)
    }

    /// Ends the stream: the last GOP has no keyframe after it to compare with, so it is refined (one GOP).
    func finish(deliver: (LumaFrame) throws -> Void) throws {
        if let previous = lastKey, gop.count > 1 {
            try refine(after: previous.timeSeconds, before: .infinity, next: nil, deliver: deliver)
        }
        clearGOP()
    }

    /// Decodes the kept GOP densely. With the next keyframe known and a `settled` test, the decode stops at
    /// the first sampled frame that already shows the next keyframe's picture: the change has happened and
    /// the rest of the GOP shows that picture, so a change costs on average half a GOP (with 10 s GOPs,
    /// 5 s of frames instead of 10). The budget counts what was decoded.
    private func refine(after: Double, before: Double, next: LumaFrame?, deliver: (LumaFrame) throws -> Void) throws {
        // The span of a tail GOP is not known before it is decoded; it counts as one refinement step.
        let span = before.isFinite ? before - after : 0
        let withinBudget = summary.refinedGOPs < policy.minRefinedGOPs || summary.refinedSeconds + span <= budgetSeconds
        guard !gopTooLarge, withinBudget else {
            summary.unrefinedGOPs += 1
            return
        }
        var stop: ((LumaFrame) -> Bool)?
        if let next, let settled { stop = { settled($0, next) } }
        let (last, stoppedEarly) = try dense.decodeAlone(gop, after: after, before: before, settled: stop, deliver: deliver)
        summary.refinedGOPs += 1
        if stoppedEarly { summary.settledEarly += 1 }
        summary.refinedSeconds += stoppedEarly || !before.isFinite ? last - after : span
    }

    private func keep(_ packet: UnsafeMutablePointer<AVPacket>) {
        guard !gopTooLarge else { return }
        gopBytes += Int(packet.pointee.size)
        guard gopBytes <= policy.maxGOPBytes, let copy = av_packet_clone(packet) else {
            gopTooLarge = true
            clearPackets()
            return
        }
        gop.append(copy)
    }

    private func clearGOP() {
        clearPackets()
        gopBytes = 0
        gopTooLarge = false
    }

    private func clearPackets() {
        for p in gop {
            var owned: UnsafeMutablePointer<AVPacket>? = p
            av_packet_free(&owned)
        }
        gop.removeAll(keepingCapacity: true)
    }
}
