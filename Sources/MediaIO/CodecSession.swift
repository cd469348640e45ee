import CFFmpeg
import MediaCore

/// One opened decoder and its reusable frame: the send/receive loop shared by the audio and video
/// decoders. EAGAIN and EOF are values, damaged data is counted and skipped (one bad packet must not lose
/// a lesson), and only real failures throw.
final class CodecSession {
    let path: String
    let codec: UnsafeMutablePointer<AVCodecContext>
    private let frame: UnsafeMutablePointer<AVFrame>
    /// Packets or frames the decoder rejected as damaged.
    private(set) var damagedPackets = 0

    /// Finds, configures and opens a decoder for `stream`.
    init(stream: UnsafeMutablePointer<AVStream>, path: String, threads: Int, what: String,
         configure: (UnsafeMutablePointer<AVCodecContext>) -> Void = { _ in }) throws(MediaError) {
        self.path = path
        let par = stream.pointee.codecpar!
        guard let decoder = avcodec_find_decoder(par.pointee.codec_id) else {
            let name = String(cString: avcodec_get_name(par.pointee.codec_id))
            throw MediaError(.badMedia, path: path, reason: "no decoder for \(what) codec '\(name)'", function: "avcodec_find_decoder")
        }
        guard let ctx = avcodec_alloc_context3(decoder) else {
            throw MediaError(.internalFailure, path: path, reason: "out of memory", function: "avcodec_alloc_context3")
        }
        var owned: UnsafeMutablePointer<AVCodecContext>? = ctx
        do throws(MediaError) {
            try check(avcodec_parameters_to_context(ctx, par), "avcodec_parameters_to_context", path: path)
            ctx.pointee.pkt_timebase = stream.pointee.time_base
            ctx.pointee.thread_count = Int32(threads)
            configure(ctx)
            try check(avcodec_open2(ctx, decoder, nil), "avcodec_open2", path: path)
            guard let f = av_frame_alloc() else {
                throw MediaError(.internalFailure, path: path, reason: "out of memory", function: "av_frame_alloc")
            }
            codec = ctx
            frame = f
        } catch {
            avcodec_free_context(&owned)
            throw error
        }
    }

    deinit {
        var f: UnsafeMutablePointer<AVFrame>? = frame
        av_frame_free(&f)
        var c: UnsafeMutablePointer<AVCodecContext>? = codec
        avcodec_free_context(&c)
    }

    /// Drains the decoder (every frame still held for reordering goes to `onFrame`) and resets it, so the
    /// next packet starts a new decode: used to decode one keyframe or one GOP on its own.
    func drainAndReset(onFrame: (UnsafeMutablePointer<AVFrame>) throws -> Void) throws {
        defer { avcodec_flush_buffers(codec) }
        try decode(nil, onFrame: onFrame)
    }

    /// Sends one packet (nil flushes) and hands every decoded frame to `onFrame`, unreferencing it after.
    func decode(_ packet: UnsafeMutablePointer<AVPacket>?, onFrame: (UnsafeMutablePointer<AVFrame>) throws -> Void) throws {
        let rc = avcodec_send_packet(codec, packet)
        if rc < 0 && rc != FFConstants.again && rc != FFConstants.eof {
            if classify(rc) == .badMedia { damagedPackets += 1; return }
            try check(rc, "avcodec_send_packet", path: path)
        }
        while true {
            let r = avcodec_receive_frame(codec, frame)
            if r == FFConstants.again || r == FFConstants.eof { break }
            if r < 0 {
                if classify(r) == .badMedia { damagedPackets += 1; break }
                try check(r, "avcodec_receive_frame", path: path)
            }
            defer { av_frame_unref(frame) }
            try onFrame(frame)
        }
    }
}
