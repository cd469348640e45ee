import CFFmpeg
import MediaCore

/// Decodes one audio stream and resamples it with libswresample to mono Float32 at `outputRate`, delivering
/// fixed-size chunks whose first-sample index is exact. Owns its codec context, frame and resampler.
final class AudioDecoder {
    let path: String
    let streamIndex: Int
    let outputRate: Int
    let chunkSamples: Int
    /// Container start time: subtracted so that time 0 is the recording's first presented sample.
    let startSeconds: Double
    private let timeBase: AVRational
    private let session: CodecSession
    private var resampler: OpaquePointer?
    /// The input format the resampler was set up for; a change mid-stream re-creates it.
    private var resamplerInput: (rate: Int32, format: Int32, channels: Int32)?
    private var pending: [Float] = []
    private var scratch: [Float] = []
    /// Samples already delivered (index of the next sample to deliver).
    private(set) var deliveredSamples = 0
    /// Samples still to drop before delivery (audio that starts before time 0, e.g. encoder priming).
    private var samplesToDrop = 0
    private var started = false
    var damagedPackets: Int { session.damagedPackets }

    init(demuxer: Demuxer, streamIndex: Int, outputRate: Int, chunkSamples: Int) throws(MediaError) {
        path = demuxer.path
        self.streamIndex = streamIndex
        self.outputRate = outputRate
        self.chunkSamples = chunkSamples
        startSeconds = demuxer.startSeconds
        let stream = demuxer.stream(streamIndex)
        timeBase = stream.pointee.time_base
        session = try CodecSession(stream: stream, path: demuxer.path, threads: 1, what: "audio")
        pending.reserveCapacity(chunkSamples * 2)
    }

    deinit {
        swr_free(&resampler)
    }

    /// Sends one packet (nil flushes) and delivers every complete chunk. Damaged packets are counted and
    /// skipped: one bad packet should not lose a lesson.
    func decode(_ packet: UnsafeMutablePointer<AVPacket>?, deliver: (AudioChunk) throws -> Void) throws {
        try session.decode(packet) { frame in
            try convert(frame)
            try emitFullChunks(deliver)
        }
        if packet == nil {
            try drainResampler()
            try emitFullChunks(deliver)
            if !pending.isEmpty { try emit(count: pending.count, deliver) }
        }
    }

    private func convert(_ frame: UnsafeMutablePointer<AVFrame>) throws {
        let f = frame.pointee
        if !started {
            started = true
            // Place the first sample on the recording's clock: pad with silence if audio starts late, drop
            // samples if it starts before 0 (negative pts from priming). Later frames are taken as continuous.
            if let pts = timestamp(f.best_effort_timestamp) {
                let t = Double(pts) * av_q2d(timeBase) - startSeconds
                let offset = Int((t * Double(outputRate)).rounded())
                if offset > 0 { pending.append(contentsOf: repeatElement(0, count: offset)) }
                else { samplesToDrop = -offset }
            }
        }
        let input = (rate: f.sample_rate, format: f.format, channels: f.ch_layout.nb_channels)
        if resampler == nil || resamplerInput! != input {
            try makeResampler(for: frame)
            resamplerInput = input
        }
        let capacity = Int(swr_get_out_samples(resampler, f.nb_samples)) + 32
        if scratch.count < capacity { scratch = [Float](repeating: 0, count: capacity) }
        let produced = try scratch.withUnsafeMutableBufferPointer { out -> Int32 in
            var outPtr: UnsafeMutablePointer<UInt8>? = UnsafeMutableRawPointer(out.baseAddress!).assumingMemoryBound(to: UInt8.self)
            let n = withUnsafeMutablePointer(to: &outPtr) { optr in
                frame.pointee.extended_data.withMemoryRebound(to: UnsafePointer<UInt8>?.self, capacity: 1) { inPtr in
                    swr_convert(resampler, optr, Int32(capacity), inPtr, f.nb_samples)
                }
            }
            return try check(n, "swr_convert", path: path)
        }
        append(count: Int(produced))
    }

    private func drainResampler() throws {
        guard resampler != nil else { return }
        let capacity = 4096
        if scratch.count < capacity { scratch = [Float](repeating: 0, count: capacity) }
        while true {
            let produced = try scratch.withUnsafeMutableBufferPointer { out -> Int32 in
                var outPtr: UnsafeMutablePointer<UInt8>? = UnsafeMutableRawPointer(out.baseAddress!).assumingMemoryBound(to: UInt8.self)
                let n = withUnsafeMutablePointer(to: &outPtr) { swr_convert(resampler, $0, Int32(capacity), nil, 0) }
                return try check(n, "swr_convert", path: path)
            }
            if produced <= 0 { break }
            append(count: Int(produced))
        }
    }

    private func append(count: Int) {
        var start = 0
        if samplesToDrop > 0 {
            start = min(samplesToDrop, count)
            samplesToDrop -= start
        }
        if start < count { pending.append(contentsOf: scratch[start..<count]) }
    }

    private func makeResampler(for frame: UnsafeMutablePointer<AVFrame>) throws {
        swr_free(&resampler)
        var outLayout = AVChannelLayout()
        av_channel_layout_default(&outLayout, 1)
        var inLayout = frame.pointee.ch_layout
        if inLayout.order == AV_CHANNEL_ORDER_UNSPEC {
            // Files that do not name their channels still say how many there are.
            av_channel_layout_default(&inLayout, max(1, frame.pointee.ch_layout.nb_channels))
        }
        var swr: OpaquePointer? = nil
        try check(swr_alloc_set_opts2(&swr, &outLayout, AV_SAMPLE_FMT_FLT, Int32(outputRate),
                                      &inLayout, AVSampleFormat(frame.pointee.format), frame.pointee.sample_rate, 0, nil),
                  "swr_alloc_set_opts2", path: path)
        try check(swr_init(swr), "swr_init", path: path)
        resampler = swr
    }

    private func emitFullChunks(_ deliver: (AudioChunk) throws -> Void) throws {
        while pending.count >= chunkSamples { try emit(count: chunkSamples, deliver) }
    }

    private func emit(count: Int, _ deliver: (AudioChunk) throws -> Void) throws {
        let samples = Array(pending[0..<count])
        pending.removeFirst(count)
        let chunk = AudioChunk(startSeconds: Double(deliveredSamples) / Double(outputRate), sampleRate: outputRate,
                               samples: samples, firstSampleIndex: deliveredSamples)
        deliveredSamples += count
        try deliver(chunk)
    }
}
