import CFFmpeg
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MediaCore

/// Owns one `AVFormatContext` (opened input) and one reusable packet. Not Sendable: it lives in one task.
final class Demuxer {
    let path: String
    /// Size of the file in bytes when it was opened.
    let fileSize: Int64
    /// Set when reading stopped because the filesystem failed (not because the bytes are bad): the
    /// caller turns it into an I/O error (exit 74) instead of a truncated recording.
    private(set) var ioFailure: MediaError?
    private(set) var context: UnsafeMutablePointer<AVFormatContext>
    let packet: UnsafeMutablePointer<AVPacket>

    /// Opens `path` and reads stream information. Checks existence and emptiness first, so those cases get
    /// their own exit codes and messages rather than FFmpeg's generic "Invalid data".
    init(path: String) throws(MediaError) {
        self.path = path
        FFmpegLog.ensureConfigured()
        var st = stat()
        guard stat(path, &st) == 0 else {
            let reason = errno == ENOENT ? "no such file" : String(cString: strerror(errno))
            throw MediaError(.missing, path: path, reason: reason)
        }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw MediaError(.missing, path: path, reason: "is a directory") }
        // A FIFO, device or socket is not a recording: opening a FIFO for reading blocks until a writer
        // comes, and a device never ends. Refused from the stat alone, never opened.
        if (st.st_mode & S_IFMT) != S_IFREG {
            throw MediaError(.missing, path: path, reason: "not a regular file (a FIFO, device or socket)")
        }
        guard access(path, R_OK) == 0 else { throw MediaError(.missing, path: path, reason: "permission denied") }
        fileSize = Int64(st.st_size)
        guard st.st_size > 0 else { throw MediaError(.badMedia, path: path, reason: "file is empty (0 bytes)") }

        var ctx: UnsafeMutablePointer<AVFormatContext>? = nil
        let openCode = avformat_open_input(&ctx, path, nil, nil)
        if openCode < 0 {
            // The context is gone after a failed open, so a read error is told from damage by reading the
            // file ourselves (see `inputKind`).
            let kind = Demuxer.inputKind(openCode, ioError: nil, path: path)
            let prefix = kind == .badMedia ? "not a media file FFmpeg can read, or damaged beyond use: " : ""
            throw MediaError(kind, path: path, reason: prefix + ffmpegErrorText(openCode), function: "avformat_open_input")
        }
        guard let opened = ctx else { throw MediaError(.internalFailure, path: path, reason: "no format context", function: "avformat_open_input") }
        guard let pkt = av_packet_alloc() else {
            avformat_close_input(&ctx)
            throw MediaError(.internalFailure, path: path, reason: "out of memory", function: "av_packet_alloc")
        }
        context = opened
        packet = pkt
        let rc = avformat_find_stream_info(opened, nil)
        if rc < 0 {
            // Throwing from init after storing properties runs deinit, which frees both.
            let kind = Demuxer.inputKind(rc, ioError: opened.pointee.pb?.pointee.error, path: path)
            throw MediaError(kind, path: path, reason: (kind == .badMedia ? "damaged: " : "") + ffmpegErrorText(rc),
                             function: "avformat_find_stream_info")
        }
        if streams.allSatisfy({ $0.type != "audio" && $0.type != "video" }) {
            throw MediaError(.badMedia, path: path, reason: "no audio or video stream")
        }
    }

    deinit {
        var p: UnsafeMutablePointer<AVPacket>? = packet
        av_packet_free(&p)
        var c: UnsafeMutablePointer<AVFormatContext>? = context
        avformat_close_input(&c)
    }

    /// Borrowed stream pointer; never stored beyond this demuxer's lifetime.
    func stream(_ index: Int) -> UnsafeMutablePointer<AVStream> {
        context.pointee.streams[index]!
    }

    var streamCount: Int { Int(context.pointee.nb_streams) }

    /// Container start time in seconds (0 when unknown).
    var startSeconds: Double {
        guard let s = timestamp(context.pointee.start_time) else { return 0 }
        return Double(s) / Double(AV_TIME_BASE)
    }

    /// Duration in seconds: the container's, else the longest stream's, else 0.
    var durationSeconds: Double {
        if let d = timestamp(context.pointee.duration), d > 0 { return Double(d) / Double(AV_TIME_BASE) }
        var best = 0.0
        for i in 0..<streamCount {
            let s = stream(i).pointee
            if let d = timestamp(s.duration), d > 0 { best = max(best, Double(d) * av_q2d(s.time_base)) }
        }
        return best
    }

    var containerName: String {
        guard let f = context.pointee.iformat, let n = f.pointee.name else { return "unknown" }
        return String(cString: n)
    }

    /// Index of FFmpeg's preferred stream of a type, or nil.
    func bestStream(_ type: AVMediaType) -> Int? {
        let i = av_find_best_stream(context, type, -1, -1, nil, 0)
        return i >= 0 ? Int(i) : nil
    }

    /// Indices of all streams of a type, in file order.
    func streams(of type: AVMediaType) -> [Int] {
        (0..<streamCount).filter { stream($0).pointee.codecpar.pointee.codec_type == type }
    }

    var streams: [StreamInfo] { (0..<streamCount).map(streamInfo) }

    /// The container's `creation_time` tag, else the first stream's.
    var creationTime: String? {
        if let e = av_dict_get(context.pointee.metadata, "creation_time", nil, 0), let v = e.pointee.value { return String(cString: v) }
        for i in 0..<streamCount {
            if let e = av_dict_get(stream(i).pointee.metadata, "creation_time", nil, 0), let v = e.pointee.value { return String(cString: v) }
        }
        return nil
    }

    func streamInfo(_ index: Int) -> StreamInfo {
        let s = stream(index).pointee
        let par = s.codecpar.pointee
        let type: String
        switch par.codec_type {
        case AVMEDIA_TYPE_AUDIO: type = "audio"
        case AVMEDIA_TYPE_VIDEO: type = "video"
        case AVMEDIA_TYPE_SUBTITLE: type = "subtitle"
        case AVMEDIA_TYPE_DATA: type = "data"
        default: type = "other"
        }
        var info = StreamInfo(index: index, type: type, codec: String(cString: avcodec_get_name(par.codec_id)))
        if let entry = av_dict_get(s.metadata, "language", nil, 0), let v = entry.pointee.value {
            info.language = String(cString: v)
        }
        if par.bit_rate > 0 { info.bitRate = Int(par.bit_rate) }
        if let d = timestamp(s.duration), d > 0 { info.durationSeconds = Double(d) * av_q2d(s.time_base) }
        if type == "audio" {
            info.sampleRate = Int(par.sample_rate)
            info.channels = Int(par.ch_layout.nb_channels)
        } else if type == "video" {
            info.width = Int(par.width)
            info.height = Int(par.height)
            info.fps = frameRate(index)
        }
        return info
    }

    /// Average frame rate, falling back to the real base rate (variable-frame-rate files may lack one).
    func frameRate(_ index: Int) -> Double {
        let s = stream(index).pointee
        for q in [s.avg_frame_rate, s.r_frame_rate] where q.num > 0 && q.den > 0 {
            let v = av_q2d(q)
            if v.isFinite && v > 0 && v < 1000 { return (v * 1000).rounded() / 1000 }
        }
        return 0
    }

    /// Reads the next packet into `packet`. Returns false at the end of the file. A read error after some data
    /// was read is reported to `onDamage` and treated as the end (a truncated file is readable up to where it
    /// breaks); the caller decides whether what was read is enough.
    /// A packet larger than this is damage, whatever the container's tables say (256 MiB samples in a
    /// forged `stsz`): a packet cannot be larger than the file it is in, and no real packet comes near
    /// 64 MiB (an 8K intra-only ProRes 4444 XQ frame is about 20 MB; a second of 8-channel 32-bit PCM at
    /// 192 kHz is 6 MB).
    static let maxPacketBytes: Int64 = 64 << 20

    /// The largest packet this file can hold: `maxPacketBytes`, or the file's size when smaller.
    var packetLimit: Int64 { min(Demuxer.maxPacketBytes, fileSize) }

    /// Reads the next packet into `packet`. Returns false at the end of the file. A read error after some data
    /// was read is reported to `onDamage` and treated as the end (a truncated file is readable up to where it
    /// breaks); the caller decides whether what was read is enough. A failure of the filesystem itself is
    /// kept in `ioFailure` (the caller throws it). A packet larger than `packetLimit`, or one FFmpeg
    /// had to cut short because the container promised more bytes than the file holds, is skipped as damage.
    func readPacket(onDamage: (String) -> Void) -> Bool {
        while true {
            av_packet_unref(packet)
            let rc = av_read_frame(context, packet)
            if rc >= 0 {
                if Int64(packet.pointee.size) > packetLimit || packet.pointee.flags & AV_PKT_FLAG_CORRUPT != 0 && oversized() {
                    oversizedPackets += 1
                    if oversizedPackets == 1 {
                        onDamage("skipped packets whose size the container states beyond the file's end or above \(Demuxer.maxPacketBytes >> 20) MiB (damaged sample tables)")
                    }
                    continue
                }
                return true
            }
            if rc == FFConstants.eof { return false }
            if Demuxer.inputKind(rc, ioError: context.pointee.pb?.pointee.error, path: path) == .io {
                ioFailure = MediaError(.io, path: path, reason: ffmpegErrorText(rc), function: "av_read_frame")
            } else {
                onDamage("stopped reading at a damaged or truncated part: \(ffmpegErrorText(rc)) (av_read_frame)")
            }
            return false
        }
    }

    /// Packets skipped by `readPacket` as impossibly large.
    private(set) var oversizedPackets = 0

    /// Whether the packet FFmpeg flagged corrupt was cut short from a size the file cannot hold: it
    /// ends at the file's end (FFmpeg's "Truncating packet of size N"). A corrupt flag on its own (an MPEG-TS
    /// continuity error) keeps the packet: the decoder decides.
    private func oversized() -> Bool {
        let pos = packet.pointee.pos
        return pos >= 0 && pos + Int64(packet.pointee.size) >= fileSize
    }

    /// Whether an FFmpeg error while opening or reading the input is damage in the file (exit 65, never
    /// retried) or a failure of the filesystem (exit 74, worth retrying).
    ///
    /// Demuxers return `AVERROR(EIO)` for their own parse failures too (matroska on a truncated
    /// element), and `AVERROR(ENOMEM)` when a bogus box asks for gigabytes, so the code alone does not
    /// say. What does: avio records a failed read(2) in the I/O context's `error`, a parse failure
    /// leaves it 0. Without a context (a failed open), the file is read back with pread(2); if that
    /// works, the bytes were readable and the failure is theirs. Everything else (invalid data, end of
    /// file while parsing, ENOMEM, EINVAL, ERANGE…) is damage.
    static func inputKind(_ code: Int32, ioError: Int32?, path: String) -> MediaError.Kind {
        switch code {
        case cffmpeg_averror(ENOENT), cffmpeg_averror(EACCES), cffmpeg_averror(EISDIR): return .missing
        case cffmpeg_averror(EIO):
            if let ioError { return ioError < 0 && ioError != FFConstants.eof ? .io : .badMedia }
            return fileReads(path) ? .badMedia : .io
        default:
            if let ioError, ioError < 0, ioError != FFConstants.eof, ioError == cffmpeg_averror(EIO) { return .io }
            return .badMedia
        }
    }

    /// Whether the whole file can be read with pread(2) (stops at the first failure; 1 MiB at a time).
    private static func fileReads(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_NONBLOCK)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var offset: off_t = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, offset) }
            if n < 0 { return false }
            if n == 0 { return true }
            offset += off_t(n)
        }
    }
}
