import CFFmpeg
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MediaCore

/// JPEG thumbnails of video frames (slide keyframes, micro-lesson covers).
public enum ThumbnailWriter {
    /// JPEG quality as an MJPEG quantiser scale (2 best … 31 worst): 4 keeps slide text legible at ~20 KB.
    static let quantiser: Int32 = 4

    /// Writes a JPEG of the first frame at or after `time` (seconds on the recording's clock; the last frame
    /// when `time` is past the end), box-downscaled by an integer factor to at most `maxWidth` pixels wide,
    /// encoded with libavcodec's MJPEG encoder. Written under a temporary name and renamed (atomic).
    /// Opens the recording for this one picture; `Source` writes several from one opening.
    /// - Throws: `MediaError` (`.missing`/`.badMedia` for the input, `.cannotCreateOutput` for the output).
    public static func write(input: String, time: Double, output: String, maxWidth: Int = 320) throws {
        try Source(input: input).write(time: time, output: output, maxWidth: maxWidth)
    }

    /// One opening of a recording for many thumbnails: each `write` seeks in the same demuxer instead of
    /// opening the file again. Opening an MP4 reads its whole sample index (0.2–0.5 s and ~25 MiB for a
    /// 3-hour recording), and a long lesson has a thumbnail per slide (190 for the 3-hour bench lesson).
    public final class Source {
        let input: String
        let demuxer: Demuxer
        let stream: Int

        /// - Throws: `MediaError` (`.missing`/`.badMedia`; `.badMedia` when there is no video stream).
        public init(input: String) throws(MediaError) {
            self.input = input
            demuxer = try Demuxer(path: input)
            guard let v = demuxer.bestStream(AVMEDIA_TYPE_VIDEO),
                  demuxer.stream(v).pointee.disposition & AV_DISPOSITION_ATTACHED_PIC == 0 else {
                throw MediaError(.badMedia, path: input, reason: "no video stream for a thumbnail")
            }
            stream = v
            for i in 0..<demuxer.streamCount where i != v { demuxer.stream(i).pointee.discard = AVDISCARD_ALL }
        }

        /// As `ThumbnailWriter.write`, from this opening (any order of times; each seeks).
        public func write(time: Double, output: String, maxWidth: Int = 320) throws {
            precondition(maxWidth >= 2, "ThumbnailWriter: maxWidth must be at least 2")
            let v = stream
            let origin = demuxer.startSeconds
            try ClipWriter.seek(demuxer, stream: v, to: time, origin: origin)
            // A fresh decoder per picture: nothing from the last one's position leaks into this one.
            let session = try CodecSession(stream: demuxer.stream(v), path: input, threads: 1, what: "video")
            let tb = demuxer.stream(v).pointee.time_base
            let halfFrame = 0.5 / max(1, demuxer.frameRate(v))
            let input = self.input

            var picture: Picture? = nil
            var done = false
            var ignored: [String] = []
            // Decode until the first frame at/after `time`; keep the latest frame in case the file ends first.
            let take: (UnsafeMutablePointer<AVFrame>) throws -> Void = { frame in
                guard !done else { return }
                let t = timestamp(frame.pointee.best_effort_timestamp).map { Double($0) * av_q2d(tb) - origin } ?? time
                picture = try Picture(frame, maxWidth: maxWidth, path: input)
                if t >= time - halfFrame { done = true }
            }
            while !done, demuxer.readPacket(onDamage: { ignored.append($0) }) {
                guard Int(demuxer.packet.pointee.stream_index) == v else { continue }
                try session.decode(demuxer.packet, onFrame: take)
            }
            if !done { try session.decode(nil, onFrame: take) }
            guard let picture else { throw MediaError(.badMedia, path: input, reason: "no decodable video frame near \(time) seconds") }
            let jpeg = try encodeJPEG(picture, path: output)
            try writeAtomically(jpeg, to: output)
        }
    }

    /// A full-range 4:2:0 picture (what the MJPEG encoder takes as `yuvj420p`).
    struct Picture {
        var width: Int, height: Int
        var y: [UInt8], u: [UInt8], v: [UInt8]

        /// Box-downscales an 8-bit planar YUV frame by ceil(width / maxWidth) and converts limited range to full.
        init(_ frame: UnsafeMutablePointer<AVFrame>, maxWidth: Int, path: String) throws {
            let f = frame.pointee
            guard let desc = av_pix_fmt_desc_get(AVPixelFormat(f.format)) else {
                throw MediaError(.badMedia, path: path, reason: "unknown pixel format")
            }
            let d = desc.pointee
            guard d.nb_components >= 3, d.flags & UInt64(AV_PIX_FMT_FLAG_PLANAR) != 0, d.flags & UInt64(AV_PIX_FMT_FLAG_RGB) == 0,
                  d.comp.0.depth == 8, d.comp.1.plane == 1, d.comp.2.plane == 2,
                  let py = f.data.0, let pu = f.data.1, let pv = f.data.2 else {
                throw MediaError(.badMedia, path: path, reason: "thumbnails need 8-bit planar YUV video, not '\(String(cString: d.name))'")
            }
            let w = Int(f.width), h = Int(f.height)
            let factor = max(1, (w + maxWidth - 1) / maxWidth)
            let ow = max(2, (w / factor) & ~1), oh = max(2, (h / factor) & ~1)
            let full = f.color_range == AVCOL_RANGE_JPEG || [AV_PIX_FMT_YUVJ420P, AV_PIX_FMT_YUVJ422P, AV_PIX_FMT_YUVJ444P]
                .contains(AVPixelFormat(f.format))
            let sx = Int(d.log2_chroma_w), sy = Int(d.log2_chroma_h)
            width = ow
            height = oh
            y = Picture.box(py, stride: Int(f.linesize.0), srcW: w, srcH: h, outW: ow, outH: oh, cellW: factor, cellH: factor,
                            shiftX: 0, shiftY: 0) { full ? $0 : (($0 - 16) * 255 + 109) / 219 }
            let chroma: (Int) -> Int = { full ? $0 : (($0 - 128) * 255 + 112) / 224 + 128 }
            u = Picture.box(pu, stride: Int(f.linesize.1), srcW: w, srcH: h, outW: ow / 2, outH: oh / 2, cellW: 2 * factor,
                            cellH: 2 * factor, shiftX: sx, shiftY: sy, map: chroma)
            v = Picture.box(pv, stride: Int(f.linesize.2), srcW: w, srcH: h, outW: ow / 2, outH: oh / 2, cellW: 2 * factor,
                            cellH: 2 * factor, shiftX: sx, shiftY: sy, map: chroma)
        }

        /// Averages each `cellW × cellH` cell (in luma coordinates) of a plane subsampled by 2^shift.
        static func box(_ plane: UnsafeMutablePointer<UInt8>, stride: Int, srcW: Int, srcH: Int, outW: Int, outH: Int,
                        cellW: Int, cellH: Int, shiftX: Int, shiftY: Int, map: (Int) -> Int) -> [UInt8] {
            var out = [UInt8](repeating: 0, count: outW * outH)
            let planeW = (srcW + (1 << shiftX) - 1) >> shiftX, planeH = (srcH + (1 << shiftY) - 1) >> shiftY
            for oy in 0..<outH {
                let y0 = min(planeH - 1, (oy * cellH) >> shiftY), y1 = max(y0 + 1, min(planeH, ((oy + 1) * cellH) >> shiftY))
                for ox in 0..<outW {
                    let x0 = min(planeW - 1, (ox * cellW) >> shiftX), x1 = max(x0 + 1, min(planeW, ((ox + 1) * cellW) >> shiftX))
                    var s = 0
                    for yy in y0..<y1 {
                        let row = plane + yy * stride
                        for xx in x0..<x1 { s += Int(row[xx]) }
                    }
                    let n = (y1 - y0) * (x1 - x0)
                    out[oy * outW + ox] = UInt8(clamping: map((s + n / 2) / n))
                }
            }
            return out
        }
    }

    static func encodeJPEG(_ p: Picture, path: String) throws -> [UInt8] {
        guard let encoder = avcodec_find_encoder(AV_CODEC_ID_MJPEG) else {
            throw MediaError(.internalFailure, path: path, reason: "FFmpeg has no MJPEG encoder", function: "avcodec_find_encoder")
        }
        var ctx = avcodec_alloc_context3(encoder)
        guard let c = ctx else {
            throw MediaError(.internalFailure, path: path, reason: "out of memory", function: "avcodec_alloc_context3")
        }
        var frame = av_frame_alloc()
        var packet = av_packet_alloc()
        defer { av_packet_free(&packet); av_frame_free(&frame); avcodec_free_context(&ctx) }
        guard let frm = frame, let pkt = packet else {
            throw MediaError(.internalFailure, path: path, reason: "out of memory", function: "av_frame_alloc")
        }
        c.pointee.width = Int32(p.width)
        c.pointee.height = Int32(p.height)
        c.pointee.pix_fmt = AV_PIX_FMT_YUVJ420P
        c.pointee.color_range = AVCOL_RANGE_JPEG
        c.pointee.time_base = AVRational(num: 1, den: 25)
        c.pointee.flags |= AV_CODEC_FLAG_QSCALE  // constant quality, not the default 200 kb/s rate control
        try check(avcodec_open2(c, encoder, nil), "avcodec_open2", path: path)
        frm.pointee.width = c.pointee.width
        frm.pointee.height = c.pointee.height
        frm.pointee.format = AV_PIX_FMT_YUVJ420P.rawValue
        frm.pointee.quality = quantiser * FF_QP2LAMBDA
        frm.pointee.pts = 0
        try check(av_frame_get_buffer(frm, 0), "av_frame_get_buffer", path: path)
        copy(p.y, width: p.width, height: p.height, into: frm.pointee.data.0!, stride: Int(frm.pointee.linesize.0))
        copy(p.u, width: p.width / 2, height: p.height / 2, into: frm.pointee.data.1!, stride: Int(frm.pointee.linesize.1))
        copy(p.v, width: p.width / 2, height: p.height / 2, into: frm.pointee.data.2!, stride: Int(frm.pointee.linesize.2))
        try check(avcodec_send_frame(c, frm), "avcodec_send_frame", path: path)
        try check(avcodec_send_frame(c, nil), "avcodec_send_frame", path: path)
        var bytes: [UInt8] = []
        while true {
            let r = avcodec_receive_packet(c, pkt)
            if r == FFConstants.eof || r == FFConstants.again { break }
            try check(r, "avcodec_receive_packet", path: path)
            bytes.append(contentsOf: UnsafeBufferPointer(start: pkt.pointee.data, count: Int(pkt.pointee.size)))
            av_packet_unref(pkt)
        }
        guard !bytes.isEmpty else { throw MediaError(.internalFailure, path: path, reason: "the MJPEG encoder gave no data") }
        return bytes
    }

    private static func copy(_ src: [UInt8], width: Int, height: Int, into dst: UnsafeMutablePointer<UInt8>, stride: Int) {
        src.withUnsafeBufferPointer { s in
            for row in 0..<height { (dst + row * stride).update(from: s.baseAddress! + row * width, count: width) }
        }
    }

    /// Writes `bytes` to a temporary name beside `path`, then renames it into place.
    static func writeAtomically(_ bytes: [UInt8], to path: String) throws(MediaError) {
        let directory = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        let base = path.split(separator: "/").last.map(String.init) ?? path
        let temporary = (directory.isEmpty ? "" : directory + "/") + ".\(base).part-\(getpid())"
        guard let file = fopen(temporary, "wb") else {
            throw MediaError(.cannotCreateOutput, path: path, reason: String(cString: strerror(errno)), function: "fopen")
        }
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        let closed = fclose(file)
        guard written == bytes.count, closed == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw MediaError(.cannotCreateOutput, path: path, reason: reason, function: "fwrite")
        }
        if rename(temporary, path) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw MediaError(.cannotCreateOutput, path: path, reason: reason, function: "rename")
        }
    }
}
