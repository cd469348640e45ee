import CFFmpeg
import Glibc
import MediaCore

/// What `ClipWriter.cut` wrote.
public struct ClipInfo: Sendable, Equatable {
    /// Where the clip starts on the recording's clock, seconds (the keyframe at or before the asked start).
    public var start: Double
    /// Where it ends on the recording's clock, seconds (end of the last packet written).
    public var end: Double
    public var hasVideo: Bool
    public var hasAudio: Bool
    public var duration: Double { max(0, end - start) }
}

/// Owns one output `AVFormatContext` and its open file. Not Sendable: lives in one call.
final class Muxer {
    let path: String
    private(set) var context: UnsafeMutablePointer<AVFormatContext>
    private var opened = false

    init(format: String, path: String, reportPath: String) throws(MediaError) {
        self.path = path
        var ctx: UnsafeMutablePointer<AVFormatContext>? = nil
        let rc = avformat_alloc_output_context2(&ctx, nil, format, path)
        guard rc >= 0, let c = ctx else {
            throw MediaError(.internalFailure, path: reportPath, reason: "no output context for format '\(format)'",
                             function: "avformat_alloc_output_context2")
        }
        context = c
    }

    func open(reportPath: String) throws(MediaError) {
        let rc = avio_open(&context.pointee.pb, path, AVIO_FLAG_WRITE)
        if rc < 0 {
            throw MediaError(.cannotCreateOutput, path: reportPath, reason: ffmpegErrorText(rc), function: "avio_open")
        }
        opened = true
    }

    /// Flushes and closes the output file (idempotent).
    func close() {
        if opened { avio_closep(&context.pointee.pb) }
        opened = false
    }

    deinit {
        close()
        avformat_free_context(context)
    }
}

/// Cuts micro-lesson clips by remuxing (no re-encoding).
public enum ClipWriter {
    /// Remuxes `[start, end)` (seconds on the recording's clock) of `input` into `output`: MP4, or M4A when the
    /// input has no video or `output` ends in `.m4a`. The clip starts at the video keyframe at or before
    /// `start` (so it decodes from its first frame), its timestamps start at zero, audio keeps its offset to
    /// video (the same shift for every stream), `movflags +faststart` puts the index first for browsers. The
    /// file is written under a temporary name in the same folder and renamed, so it appears complete or not
    /// at all. Only the chosen video stream and the best audio stream are kept.
    /// - Returns: the actual start and end (seconds on the recording's clock).
    /// - Throws: `MediaError` (`.missing`/`.badMedia` for the input, `.cannotCreateOutput` for the output).
    public static func cut(input: String, output: String, start: Double, end: Double) throws -> ClipInfo {
        guard end > start, start.isFinite, end.isFinite else {
            throw MediaError(.badMedia, path: input, reason: "empty clip range [\(start), \(end)) seconds")
        }
        let demuxer = try Demuxer(path: input)
        let audioOnlyOutput = output.lowercased().hasSuffix(".m4a")
        let videoIndex: Int? = audioOnlyOutput ? nil : demuxer.bestStream(AVMEDIA_TYPE_VIDEO).flatMap { i in
            demuxer.stream(i).pointee.disposition & AV_DISPOSITION_ATTACHED_PIC != 0 ? nil : i
        }
        let audioIndex = demuxer.bestStream(AVMEDIA_TYPE_AUDIO)
        guard videoIndex != nil || audioIndex != nil else {
            throw MediaError(.badMedia, path: input, reason: "no audio or video stream to cut")
        }
        let origin = demuxer.startSeconds
        let length = demuxer.durationSeconds
        if length > 0 && start >= length {
            throw MediaError(.badMedia, path: input, reason: "clip start \(start) s is past the end of the recording (\(length) s)")
        }
        for i in 0..<demuxer.streamCount where i != videoIndex && i != audioIndex {
            demuxer.stream(i).pointee.discard = AVDISCARD_ALL
        }
        // Phase 1: the keyframe at or before `start` (seek lands on an earlier one on some containers).
        let clipStart: Double
        if let v = videoIndex {
            clipStart = try keyframe(atOrBefore: start, demuxer: demuxer, stream: v, origin: origin)
        } else {
            clipStart = max(0, start)
        }
        // Phase 2: seek there again and copy packets.
        let seekStream = videoIndex ?? audioIndex!
        try seek(demuxer, stream: seekStream, to: clipStart, origin: origin)

        let directory = output.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        let base = output.split(separator: "/").last.map(String.init) ?? output
        let temporary = (directory.isEmpty ? "" : directory + "/") + ".\(base).part-\(getpid())"
        let format = (videoIndex == nil || audioOnlyOutput) ? "ipod" : "mp4"  // "ipod" is libavformat's M4A muxer
        let muxer = try Muxer(format: format, path: temporary, reportPath: output)
        var outIndex = [Int: Int]()
        for i in [videoIndex, audioIndex].compactMap({ $0 }) {
            guard let os = avformat_new_stream(muxer.context, nil) else {
                throw MediaError(.internalFailure, path: output, reason: "out of memory", function: "avformat_new_stream")
            }
            let ist = demuxer.stream(i)
            try check(avcodec_parameters_copy(os.pointee.codecpar, ist.pointee.codecpar), "avcodec_parameters_copy", path: output)
            os.pointee.codecpar.pointee.codec_tag = 0  // let the MP4 muxer choose the tag for its container
            os.pointee.time_base = ist.pointee.time_base
            outIndex[i] = Int(os.pointee.index)
        }
        var wroteAny = false
        do {
            try muxer.open(reportPath: output)
            var options: OpaquePointer? = nil
            av_dict_set(&options, "movflags", "+faststart", 0)
            defer { av_dict_free(&options) }
            let hr = avformat_write_header(muxer.context, &options)
            if hr < 0 { throw MediaError(.cannotCreateOutput, path: output, reason: ffmpegErrorText(hr), function: "avformat_write_header") }

            let packet = demuxer.packet
            var videoStarted = videoIndex == nil
            var videoDone = videoIndex == nil
            var audioDone = audioIndex == nil
            var clipEnd = clipStart
            var warnings: [String] = []
            while !(videoDone && audioDone), demuxer.readPacket(onDamage: { warnings.append($0) }) {
                let i = Int(packet.pointee.stream_index)
                guard let o = outIndex[i] else { continue }
                let tb = demuxer.stream(i).pointee.time_base
                let seconds: (Int64?) -> Double? = { ts in ts.map { Double($0) * av_q2d(tb) - origin } }
                guard let pts = seconds(timestamp(packet.pointee.pts)) ?? seconds(timestamp(packet.pointee.dts)) else { continue }
                let dts = seconds(timestamp(packet.pointee.dts)) ?? pts
                let duration = packet.pointee.duration > 0 ? Double(packet.pointee.duration) * av_q2d(tb) : 0
                if i == videoIndex {
                    if videoDone { continue }
                    if !videoStarted {
                        // Skip anything before the chosen keyframe (an earlier seek point).
                        guard packet.pointee.flags & AV_PKT_FLAG_KEY != 0, abs(pts - clipStart) < 1e-3 || pts > clipStart else { continue }
                        videoStarted = true
                    }
                    // Decode order: keep every packet decoded before `end`, so each kept frame has its references.
                    if dts >= end { videoDone = true; continue }
                } else {
                    if audioDone { continue }
                    if pts < clipStart - 1e-3 { continue }
                    if pts >= end { audioDone = true; continue }
                    if !videoStarted { continue }
                }
                clipEnd = max(clipEnd, pts + duration)
                // Same shift for every stream (in its own time base): timestamps from zero, sync kept.
                let shift = Int64(((clipStart + origin) / av_q2d(tb)).rounded())
                if let p = timestamp(packet.pointee.pts) { packet.pointee.pts = p - shift }
                if let d = timestamp(packet.pointee.dts) { packet.pointee.dts = d - shift }
                packet.pointee.pos = -1
                packet.pointee.stream_index = Int32(o)
                av_packet_rescale_ts(packet, tb, muxer.context.pointee.streams[o]!.pointee.time_base)
                let wr = av_interleaved_write_frame(muxer.context, packet)
                if wr < 0 { throw MediaError(.cannotCreateOutput, path: output, reason: ffmpegErrorText(wr), function: "av_interleaved_write_frame") }
                wroteAny = true
            }
            guard wroteAny else {
                throw MediaError(.badMedia, path: input, reason: "nothing to cut between \(start) and \(end) seconds")
            }
            let tr = av_write_trailer(muxer.context)
            if tr < 0 { throw MediaError(.cannotCreateOutput, path: output, reason: ffmpegErrorText(tr), function: "av_write_trailer") }
            muxer.close()  // flush and close before the rename makes the file visible
            if rename(temporary, output) != 0 {
                throw MediaError(.cannotCreateOutput, path: output, reason: String(cString: strerror(errno)), function: "rename")
            }
            return ClipInfo(start: clipStart, end: clipEnd, hasVideo: videoIndex != nil, hasAudio: audioIndex != nil)
        } catch {
            unlink(temporary)
            throw error
        }
    }

    /// Seeks so that the next packets start at or before `seconds` on `stream`.
    static func seek(_ demuxer: Demuxer, stream: Int, to seconds: Double, origin: Double) throws(MediaError) {
        let tb = demuxer.stream(stream).pointee.time_base
        let ts = Int64(((max(0, seconds) + origin) / av_q2d(tb)).rounded(.down))
        let rc = av_seek_frame(demuxer.context, Int32(stream), ts, AVSEEK_FLAG_BACKWARD)
        if rc < 0 {
            // Unseekable input (a pipe, a damaged index): read from the beginning.
            try check(avformat_seek_file(demuxer.context, -1, Int64.min, 0, 0, 0), "avformat_seek_file", path: demuxer.path)
        }
    }

    /// The presentation time (seconds) of the last video keyframe at or before `target`, else the first one.
    static func keyframe(atOrBefore target: Double, demuxer: Demuxer, stream: Int, origin: Double) throws(MediaError) -> Double {
        try seek(demuxer, stream: stream, to: target, origin: origin)
        let tb = demuxer.stream(stream).pointee.time_base
        var best: Double? = nil
        var firstAfter: Double? = nil
        let packet = demuxer.packet
        var ignored: [String] = []
        while demuxer.readPacket(onDamage: { ignored.append($0) }) {
            guard Int(packet.pointee.stream_index) == stream, let p = timestamp(packet.pointee.pts) else { continue }
            let t = Double(p) * av_q2d(tb) - origin
            if packet.pointee.flags & AV_PKT_FLAG_KEY != 0 {
                if t <= target + 1e-3 { best = t } else { firstAfter = firstAfter ?? t }
            }
            // Far enough past the target in decode order: no keyframe at or before it can follow.
            if t > target + 1, best != nil || firstAfter != nil { break }
        }
        if let b = best { return b }
        if let f = firstAfter { return f }
        throw MediaError(.badMedia, path: demuxer.path, reason: "no video keyframe found near \(target) seconds")
    }
}
