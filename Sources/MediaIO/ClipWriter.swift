import CFFmpeg
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MediaCore

/// What `ClipWriter.cut` wrote.
public struct ClipInfo: Sendable, Equatable {
    /// The file written: the requested path, or with another extension when its container could not hold the
    /// codecs (`.mkv`, `.wav`, `.mka`).
    public var path: String
    /// Where the clip starts on the recording's clock, seconds: with video the keyframe at or before the asked
    /// start, without video the first audio packet at or after it.
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

/// A container a clip can be written in: libavformat's muxer, the file extension that names it, and the muxer
/// options it is written with.
struct ClipContainer: Equatable {
    var muxer: String
    var fileExtension: String
    var options: [String: String] = [:]

    static let mp4 = ClipContainer(muxer: "mp4", fileExtension: "mp4", options: ["movflags": "+faststart"])
    static let mkv = ClipContainer(muxer: "matroska", fileExtension: "mkv")
    /// "ipod" is libavformat's M4A muxer (AAC, ALAC, AC-3).
    static let m4a = ClipContainer(muxer: "ipod", fileExtension: "m4a", options: ["movflags": "+faststart"])
    /// RIFF sizes are 32-bit; `rf64=auto` switches to RF64 past 4 GiB (over 90 minutes of 96 kHz stereo float).
    static let wav = ClipContainer(muxer: "wav", fileExtension: "wav", options: ["rf64": "auto"])
    static let mka = ClipContainer(muxer: "matroska", fileExtension: "mka")

    /// In order of preference: what browsers play first (the report links to the clips), Matroska (holds nearly
    /// any codec) last.
    static let videoOrder: [ClipContainer] = [.mp4, .mkv]
    static let audioOrder: [ClipContainer] = [.m4a, .wav, .mka]

    /// Whether this container is offered a codec at all. WAV is offered only the PCM and ADPCM codecs it was made
    /// for: it has tags for FLAC, MP3 and Vorbis too, but almost nothing plays those from a `.wav`.
    func offers(_ codec: AVCodecID) -> Bool {
        guard muxer == "wav" else { return true }
        let name = String(cString: avcodec_get_name(codec))
        return name.hasPrefix("pcm_") || name.hasPrefix("adpcm_")
    }

    /// Whether libavformat says this muxer can store `codec` (`avformat_query_codec`, normal compliance). The
    /// header may still refuse it (FLAC in MP4 is "experimental" in FFmpeg 5.1), so the caller falls back then too.
    func accepts(_ codec: AVCodecID) -> Bool {
        guard offers(codec), let format = av_guess_format(muxer, nil, nil) else { return false }
        return avformat_query_codec(format, codec, FF_COMPLIANCE_NORMAL) == 1
    }

    /// The containers to try, best first, for clips with or without video holding `codecs`. A container named
    /// by `preferredExtension` (the caller's output path) goes first when it is of the right kind.
    static func candidates(audioOnly: Bool, codecs: [AVCodecID], preferredExtension: String) -> [ClipContainer] {
        var order = audioOnly ? audioOrder : videoOrder
        if let i = order.firstIndex(where: { $0.fileExtension == preferredExtension }) { order.insert(order.remove(at: i), at: 0) }
        return order.filter { c in codecs.allSatisfy(c.accepts) }
    }
}

/// Cuts micro-lesson clips by remuxing (no re-encoding).
public enum ClipWriter {
    /// Remuxes `[start, end)` (seconds on the recording's clock) of `input` into a clip next to `output`, without
    /// re-encoding. The container follows from what libavformat's muxers accept for the codecs: with video, MP4,
    /// else Matroska (`.mkv`: PCM or FLAC beside H.264); audio only (no video in the input, or
    /// `output` ends in `.m4a`, `.wav` or `.mka`), M4A (AAC, ALAC, AC-3), else WAV for PCM and ADPCM, else
    /// Matroska (`.mka`: MP3, E-AC-3, FLAC, Opus, Vorbis, big-endian PCM). `output`'s extension names the
    /// preferred container; when that cannot hold the codecs the clip gets the extension of the one that can,
    /// and `ClipInfo.path` says which file was written.
    ///
    /// The clip starts at the video keyframe at or before `start` (so it decodes from its first frame), its
    /// timestamps start at zero, audio keeps its offset to video (the same shift for every stream), MP4/M4A get
    /// `movflags +faststart` (index first, for browsers). The file is written under a temporary name in the same
    /// folder and renamed, so it appears complete or not at all. Only the chosen video stream and the best audio
    /// stream are kept.
    /// - Returns: the file written and the actual start and end (seconds on the recording's clock).
    /// - Throws: `MediaError` (`.missing`/`.badMedia` for the input, `.cannotCreateOutput` for the output, also
    ///   when no container holds the codecs without re-encoding).
    public static func cut(input: String, output: String, start: Double, end: Double) throws -> ClipInfo {
        guard end > start, start.isFinite, end.isFinite else {
            throw MediaError(.badMedia, path: input, reason: "empty clip range [\(start), \(end)) seconds")
        }
        return try Source(input: input).cut(output: output, start: start, end: end)
    }

    /// One opening of a recording that several clips are cut from (`cut(output:start:end:)`, the same as
    /// `ClipWriter.cut`): each opening reads the container's index again (~25 MiB and a second for a
    /// 3-hour MP4), so the micro-lesson writer opens the file once for all its clips. Not Sendable: one thread.
    public final class Source {
        let demuxer: Demuxer
        let input: String

        /// - Throws: `MediaError` (`.missing`/`.badMedia`) when the recording cannot be opened.
        public init(input: String) throws {
            self.input = input
            demuxer = try Demuxer(path: input)
        }

        /// Cuts `[start, end)` into a clip next to `output`: see `ClipWriter.cut`.
        public func cut(output: String, start: Double, end: Double) throws -> ClipInfo {
            guard end > start, start.isFinite, end.isFinite else {
                throw MediaError(.badMedia, path: input, reason: "empty clip range [\(start), \(end)) seconds")
            }
            return try ClipWriter.cut(demuxer, input: input, output: output, start: start, end: end)
        }
    }

    static func cut(_ demuxer: Demuxer, input: String, output: String, start: Double, end: Double) throws -> ClipInfo {
        let (stem, requestedExtension) = splitExtension(output)
        let audioOnlyOutput = ClipContainer.audioOrder.contains { $0.fileExtension == requestedExtension }
        let videoIndex: Int? = audioOnlyOutput ? nil : demuxer.bestStream(AVMEDIA_TYPE_VIDEO).flatMap { i in
            demuxer.stream(i).pointee.disposition & AV_DISPOSITION_ATTACHED_PIC != 0 ? nil : i
        }
        let audioIndex = demuxer.bestStream(AVMEDIA_TYPE_AUDIO)
        guard videoIndex != nil || audioIndex != nil else {
            throw MediaError(.badMedia, path: input, reason: "no audio or video stream to cut")
        }
        let kept = [videoIndex, audioIndex].compactMap { $0 }
        let codecs = kept.map { demuxer.stream($0).pointee.codecpar.pointee.codec_id }
        let candidates = ClipContainer.candidates(audioOnly: videoIndex == nil, codecs: codecs,
                                                  preferredExtension: requestedExtension)
        guard !candidates.isEmpty else {
            let names = codecs.map { String(cString: avcodec_get_name($0)) }.joined(separator: " + ")
            let tried = (videoIndex == nil ? ClipContainer.audioOrder : ClipContainer.videoOrder).map(\.fileExtension)
            throw MediaError(.cannotCreateOutput, path: output,
                             reason: "no clip container holds \(names) without re-encoding (tried \(tried.joined(separator: ", ")))")
        }
        let origin = demuxer.startSeconds
        let length = demuxer.durationSeconds
        if length > 0 && start >= length {
            throw MediaError(.badMedia, path: input, reason: "clip start \(start) s is past the end of the recording (\(length) s)")
        }
        // Set for every stream on each cut: an earlier clip from the same opening may have kept other streams.
        for i in 0..<demuxer.streamCount {
            demuxer.stream(i).pointee.discard = kept.contains(i) ? AVDISCARD_DEFAULT : AVDISCARD_ALL
        }
        // Phase 1: the keyframe at or before `start` (seek lands on an earlier one on some containers).
        var clipStart: Double
        if let v = videoIndex {
            clipStart = try keyframe(atOrBefore: start, demuxer: demuxer, stream: v, origin: origin)
        } else {
            clipStart = max(0, start)
        }
        // Phase 2: seek there again and copy packets.
        let seekStream = videoIndex ?? audioIndex!
        try seek(demuxer, stream: seekStream, to: clipStart, origin: origin)

        let (muxer, outIndex, final) = try openMuxer(candidates, stem: stem, demuxer: demuxer, streams: kept, reportPath: output)
        var wroteAny = false
        do {
            let packet = demuxer.packet
            var videoStarted = videoIndex == nil
            var videoDone = videoIndex == nil
            var audioDone = audioIndex == nil
            // Without video the clip starts at its first audio packet, up to one packet (170 ms of ADPCM) after `start`.
            var startFound = videoIndex != nil
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
                    if !startFound { clipStart = pts; startFound = true }
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
                if wr < 0 { throw MediaError(.cannotCreateOutput, path: final, reason: ffmpegErrorText(wr), function: "av_interleaved_write_frame") }
                wroteAny = true
            }
            guard wroteAny else {
                throw MediaError(.badMedia, path: input, reason: "nothing to cut between \(start) and \(end) seconds")
            }
            let tr = av_write_trailer(muxer.context)
            if tr < 0 { throw MediaError(.cannotCreateOutput, path: final, reason: ffmpegErrorText(tr), function: "av_write_trailer") }
            muxer.close()  // flush and close before the rename makes the file visible
            if rename(muxer.path, final) != 0 {
                throw MediaError(.cannotCreateOutput, path: final, reason: String(cString: strerror(errno)), function: "rename")
            }
            return ClipInfo(path: final, start: clipStart, end: clipEnd, hasVideo: videoIndex != nil, hasAudio: audioIndex != nil)
        } catch {
            muxer.close()
            unlink(muxer.path)
            throw error
        }
    }

    /// Opens the first of `candidates` whose muxer takes the streams and writes its header, under a temporary name
    /// beside `stem.<extension>`. A header the muxer refuses (a codec it only takes at experimental compliance)
    /// moves on to the next container; its temporary file is removed first. Throws the first refusal when all refuse.
    /// - Returns: the muxer (header written), demuxer stream index → output stream index, and the final path.
    static func openMuxer(_ candidates: [ClipContainer], stem: String, demuxer: Demuxer, streams: [Int],
                          reportPath: String) throws(MediaError) -> (Muxer, [Int: Int], String) {
        var firstRefusal: MediaError? = nil
        for container in candidates {
            let final = stem + "." + container.fileExtension
            let (directory, base) = splitDirectory(final)
            let temporary = directory + ".\(base).part-\(getpid())"
            let muxer = try Muxer(format: container.muxer, path: temporary, reportPath: final)
            var outIndex = [Int: Int]()
            for i in streams {
                guard let os = avformat_new_stream(muxer.context, nil) else {
                    throw MediaError(.internalFailure, path: final, reason: "out of memory", function: "avformat_new_stream")
                }
                let ist = demuxer.stream(i)
                try check(avcodec_parameters_copy(os.pointee.codecpar, ist.pointee.codecpar), "avcodec_parameters_copy", path: final)
                os.pointee.codecpar.pointee.codec_tag = 0  // let the muxer choose the tag for its container
                os.pointee.time_base = ist.pointee.time_base
                outIndex[i] = Int(os.pointee.index)
            }
            try muxer.open(reportPath: final)
            var options: OpaquePointer? = nil
            for (key, value) in container.options { av_dict_set(&options, key, value, 0) }
            let hr = avformat_write_header(muxer.context, &options)
            av_dict_free(&options)
            if hr >= 0 { return (muxer, outIndex, final) }
            muxer.close()
            unlink(temporary)
            firstRefusal = firstRefusal ?? MediaError(.cannotCreateOutput, path: final, reason: ffmpegErrorText(hr),
                                                      function: "avformat_write_header")
        }
        throw firstRefusal ?? MediaError(.internalFailure, path: reportPath, reason: "no clip container to try")
    }

    /// `("dir/name", "ext")` for `"dir/name.ext"` (extension lowercased; empty when there is none or the name
    /// starts with its only dot).
    static func splitExtension(_ path: String) -> (stem: String, fileExtension: String) {
        let (directory, base) = splitDirectory(path)
        guard let dot = base.lastIndex(of: "."), dot != base.startIndex else { return (path, "") }
        return (directory + base[..<dot], base[base.index(after: dot)...].lowercased())
    }

    /// `("dir/", "name")` for `"dir/name"`, `("", "name")` without a folder.
    static func splitDirectory(_ path: String) -> (directory: String, base: String) {
        guard let slash = path.lastIndex(of: "/") else { return ("", path) }
        return (String(path[...slash]), String(path[path.index(after: slash)...]))
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
