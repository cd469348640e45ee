import CFFmpeg
import MediaCore

/// How video frames are sampled for analysis.
public enum VideoSampling: Sendable, Equatable {
    /// Keyframes only: non-key packets are never sent to the decoder (the cheapest path; one frame per GOP).
    case keyframes
    /// About `n` frames per second: reference frames are decoded without the loop filter, non-reference
    /// frames are skipped by the decoder, and only the frames nearest the sampling grid are converted.
    case fps(Double)
    /// Keyframes first, and dense sampling only inside the GOPs whose keyframes differ
    /// (`KeyframeFirstVideo`; `MediaReader.keyframesDiffer` decides).
    case keyframeFirst(KeyframeRefinement)
}

/// Decodes one video stream and delivers the luma plane box-downscaled to about `targetWidth` pixels.
final class VideoDecoder {
    let path: String
    let streamIndex: Int
    let sampling: VideoSampling
    let targetWidth: Int
    private let startSeconds: Double
    private let timeBase: AVRational
    private let session: CodecSession
    private var nextSampleTime = 0.0
    private var lastDeliveredTime = -Double.infinity
    var damagedPackets: Int { session.damagedPackets }
    private(set) var deliveredFrames = 0

    init(demuxer: Demuxer, streamIndex: Int, sampling: VideoSampling, targetWidth: Int, threads: Int) throws(MediaError) {
        path = demuxer.path
        self.streamIndex = streamIndex
        self.sampling = sampling
        self.targetWidth = targetWidth
        startSeconds = demuxer.startSeconds
        let stream = demuxer.stream(streamIndex)
        timeBase = stream.pointee.time_base
        session = try CodecSession(stream: stream, path: demuxer.path, threads: threads, what: "video") { ctx in
            // Analysis looks at 256-px luma, where deblocking is invisible on the frames we look at; but skipping
            // it on reference frames lets prediction drift accumulate over a GOP (a slide change on filmed
            // slides arrived 3.7 s late), so only non-reference frames skip it.
            ctx.pointee.skip_loop_filter = AVDISCARD_NONREF
            switch sampling {
            case .keyframes: ctx.pointee.skip_frame = AVDISCARD_NONKEY
            case .fps, .keyframeFirst: ctx.pointee.skip_frame = AVDISCARD_NONREF
            }
        }
    }

    /// Whether a packet is worth sending: in keyframe mode, non-key packets are dropped before the decoder
    /// (11-39 % faster than the decoder's own skip, FIELD-NOTES).
    func wants(_ packet: UnsafeMutablePointer<AVPacket>) -> Bool {
        if case .keyframes = sampling { return packet.pointee.flags & AV_PKT_FLAG_KEY != 0 }
        return true
    }

    func decode(_ packet: UnsafeMutablePointer<AVPacket>?, deliver: (LumaFrame) throws -> Void) throws {
        try session.decode(packet) { try handle($0, deliver: deliver) }
    }

    /// Drains the frames the decoder still holds and resets it: the next packet must be a keyframe.
    func drain(deliver: (LumaFrame) throws -> Void) throws {
        try session.drainAndReset { try handle($0, deliver: deliver) }
    }

    /// Decodes `packets` (one GOP in decode order, starting with its keyframe) on their own and delivers
    /// the sampled frames strictly between `after` and `before`; the decoder is drained and reset after.
    /// When `settled` says a delivered frame already shows the GOP's end state (the next keyframe's
    /// picture), no more packets are decoded: every later frame of the GOP shows it too. Frames leave the
    /// decoder in presentation order, so nothing earlier is skipped. Returns the time of the last
    /// delivered frame and whether the decode stopped early.
    @discardableResult
    func decodeAlone(_ packets: [UnsafeMutablePointer<AVPacket>], after: Double, before: Double,
                     settled: ((LumaFrame) -> Bool)? = nil,
                     deliver: (LumaFrame) throws -> Void) throws -> (lastTime: Double, stoppedEarly: Bool) {
        lastDeliveredTime = after
        if let step = sampleStep { nextSampleTime = (floor((after + 0.5 / 1000) / step) + 1) * step }
        var done = false
        var last = after
        let inWindow: (LumaFrame) throws -> Void = { frame in
            guard !done, frame.timeSeconds < before else { return }
            last = frame.timeSeconds
            try deliver(frame)
            if let settled, settled(frame) { done = true }
        }
        for p in packets {
            try decode(p, deliver: inWindow)
            if done { break }
        }
        let stoppedEarly = done
        try drain(deliver: inWindow)
        return (last, stoppedEarly)
    }

    private var sampleStep: Double? {
        if case .fps(let rate) = sampling { return 1 / rate }
        return nil
    }

    private func handle(_ frame: UnsafeMutablePointer<AVFrame>, deliver: (LumaFrame) throws -> Void) throws {
        guard let pts = timestamp(frame.pointee.best_effort_timestamp) else { return }
        let t = Double(pts) * av_q2d(timeBase) - startSeconds
        guard t > lastDeliveredTime else { return }
        if let step = sampleStep {
            guard t + 0.5 / 1000 >= nextSampleTime else { return }
            // Stay on the grid k/rate; after a gap (skipped frames, damage) jump to the next grid point.
            nextSampleTime = (floor((t + 0.5 / 1000) / step) + 1) * step
        }
        if let luma = try extractLuma(frame, time: t) {
            lastDeliveredTime = t
            deliveredFrames += 1
            try deliver(luma)
        }
    }

    /// Box-filters the Y plane by an integer factor chosen so the result is about `targetWidth` wide.
    private func extractLuma(_ frame: UnsafeMutablePointer<AVFrame>, time: Double) throws -> LumaFrame? {
        let f = frame.pointee
        guard f.width > 0, f.height > 0, let desc = av_pix_fmt_desc_get(AVPixelFormat(f.format)) else { return nil }
        let flags = desc.pointee.flags
        if flags & UInt64(AV_PIX_FMT_FLAG_RGB) != 0 || flags & UInt64(AV_PIX_FMT_FLAG_PAL) != 0 || flags & UInt64(AV_PIX_FMT_FLAG_HWACCEL) != 0 {
            throw MediaError(.badMedia, path: path, reason: "unsupported video pixel format '\(String(cString: desc.pointee.name))' (need YUV or gray)")
        }
        let depth = Int(desc.pointee.comp.0.depth)
        let step = Int(desc.pointee.comp.0.step)  // bytes between luma samples (2 for packed YUYV or 16-bit)
        let width = Int(f.width), height = Int(f.height)
        let factor = max(1, Int((Double(width) / Double(targetWidth)).rounded()))
        let outW = width / factor, outH = height / factor
        guard outW > 0, outH > 0, let base = f.data.0 else { return nil }
        let stride = Int(f.linesize.0)
        let offset = Int(desc.pointee.comp.0.offset)
        var pixels = [UInt8](repeating: 0, count: outW * outH)
        let area = factor * factor
        let shift = max(0, depth - 8)
        pixels.withUnsafeMutableBufferPointer { out in
            for oy in 0..<outH {
                for ox in 0..<outW {
                    var acc = 0
                    for dy in 0..<factor {
                        let row = base + (oy * factor + dy) * stride + offset
                        var x = ox * factor * step
                        for _ in 0..<factor {
                            if depth > 8 {
                                let lo = Int(row[x]), hi = Int(row[x + 1])
                                acc += (lo | (hi << 8)) >> shift
                            } else {
                                acc += Int(row[x])
                            }
                            x += step
                        }
                    }
                    out[oy * outW + ox] = UInt8(truncatingIfNeeded: acc / area)
                }
            }
        }
        return LumaFrame(timeSeconds: time, width: outW, height: outH, pixels: pixels, isKeyframe: f.key_frame != 0)
    }
}
