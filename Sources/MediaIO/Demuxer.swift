import CFFmpeg
import Glibc
import MediaCore

/// Owns one `AVFormatContext` (opened input) and one reusable packet. Not Sendable: it lives in one task.
final class Demuxer {
    let path: String
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
        guard access(path, R_OK) == 0 else { throw MediaError(.missing, path: path, reason: "permission denied") }
        guard st.st_size > 0 else { throw MediaError(.badMedia, path: path, reason: "file is empty (0 bytes)") }

        var ctx: UnsafeMutablePointer<AVFormatContext>? = nil
        let openCode = avformat_open_input(&ctx, path, nil, nil)
        if openCode < 0 {
            let kind = classify(openCode)
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
            throw MediaError(classify(rc), path: path, reason: ffmpegErrorText(rc), function: "avformat_find_stream_info")
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
    func readPacket(onDamage: (String) -> Void) -> Bool {
        av_packet_unref(packet)
        let rc = av_read_frame(context, packet)
        if rc >= 0 { return true }
        if rc != FFConstants.eof { onDamage("stopped reading at a damaged or truncated part: \(ffmpegErrorText(rc)) (av_read_frame)") }
        return false
    }
}
