import CFFmpeg
import Foundation
public import MediaCore

/// What to decode and how.
public struct ReadOptions: Sendable, Equatable {
    /// Which audio stream: the n-th audio stream of the file (0-based), or nil for FFmpeg's best one.
    public var audioTrack: Int?
    /// A second audio stream decoded alongside the first (the n-th audio stream, 0-based), e.g. the
    /// teacher's lapel microphone; delivered to `run`'s `onSecondAudio`. Nil: none.
    public var secondAudioTrack: Int?
    /// Decode audio at all.
    public var decodeAudio = true
    /// How to sample video, or nil to skip video.
    public var video: VideoSampling? = .fps(2)
    /// Output sample rate of the mono Float32 audio (16 kHz: speech analysis needs nothing above 8 kHz).
    public var sampleRate = 16_000
    /// Samples per delivered chunk (1 s at 16 kHz: small enough to stream, large enough to amortise calls).
    public var chunkSamples = 16_000
    /// Width the luma plane is box-downscaled to, about (PySceneDetect's ~256 px; enough for slide changes).
    public var lumaWidth = 256
    /// Decoder threads for video (one per core across files is the efficient batch choice, FIELD-NOTES).
    public var videoThreads = 1
    /// Decode video on a second thread while the calling thread demuxes and decodes audio (and runs
    /// `onAudio`): one file then uses two cores (issue 10). `onVideo` is called on that thread.
    public var videoOnOwnThread = false

    public init(audioTrack: Int? = nil, decodeAudio: Bool = true, video: VideoSampling? = .fps(2)) {
        self.audioTrack = audioTrack
        self.decodeAudio = decodeAudio
        self.video = video
    }
}

/// What a read pass saw, besides the delivered chunks and frames.
public struct ReadSummary: Sendable, Equatable {
    /// Seconds of audio delivered (0 without audio).
    public var audioSeconds: Double
    public var videoFrames: Int
    /// Time of the last delivered audio sample or video frame: the usable length of the recording.
    public var endSeconds: Double
    /// Damage that was skipped over (one line each), for warnings in the report.
    public var warnings: [String]
    /// What keyframe-first sampling scanned and refined (nil with other sampling or without video).
    public var refinement: RefinementSummary? = nil
}

/// Reads a recording once, demuxing audio and video together and fanning decoded data out to callbacks.
/// Memory is bounded by one chunk of audio plus one frame: nothing accumulates with the recording's length.
public final class MediaReader {
    public let path: String
    public let options: ReadOptions
    /// What the file holds; `audio` is the chosen track.
    public let info: MediaInfo
    private let demuxer: Demuxer
    private let audioIndex: Int?
    private let secondAudioIndex: Int?
    private let videoIndex: Int?

    /// Opens the file and chooses the streams. Throws `MediaError` (missing, empty, not media, no streams,
    /// an audio track that does not exist).
    public init(path: String, options: ReadOptions = ReadOptions()) throws(MediaError) {
        self.path = path
        self.options = options
        let demuxer = try Demuxer(path: path)
        self.demuxer = demuxer
        let audioStreams = demuxer.streams(of: AVMEDIA_TYPE_AUDIO)
        /// The stream index of the n-th audio track; an error naming it when the file has no such track.
        func audioStream(_ track: Int, _ which: String) throws(MediaError) -> Int {
            guard audioStreams.indices.contains(track) else {
                throw MediaError(.badMedia, path: path,
                                 reason: "audio track \(track)\(which) does not exist (the file has \(audioStreams.count) audio track(s), numbered from 0)")
            }
            return audioStreams[track]
        }
        let main = try options.audioTrack.map { track throws(MediaError) in try audioStream(track, "") }
        let second = try options.secondAudioTrack.map { track throws(MediaError) in try audioStream(track, " (second track)") }
        let best = demuxer.bestStream(AVMEDIA_TYPE_AUDIO)
        if let main {
            audioIndex = main
        } else if let second, best == second {
            // The main track is FFmpeg's best among the others (the second track itself when it is alone).
            audioIndex = audioStreams.first { $0 != second } ?? best
        } else {
            audioIndex = best
        }
        // The same stream twice is one track: nothing second to deliver.
        secondAudioIndex = second != audioIndex ? second : nil
        videoIndex = demuxer.bestStream(AVMEDIA_TYPE_VIDEO).flatMap { i in
            // Cover art (an attached picture) is not the lesson's video.
            demuxer.stream(i).pointee.disposition & AV_DISPOSITION_ATTACHED_PIC != 0 ? nil : i
        }
        info = MediaReader.describe(demuxer, audioIndex: audioIndex, videoIndex: videoIndex)
    }

    /// When the read must have finished (the job's time budget, `AnalyzePipeline.timeBudget`); past it,
    /// `run` stops and throws a bad-media error saying so. Nil: no budget.
    public var deadline: ContinuousClock.Instant?

    /// With `VideoSampling.keyframeFirst`: whether anything happened between two keyframes, so the GOP
    /// between them is decoded densely. Nil refines every GOP (a dense read, slower than `.fps`).
    public var keyframesDiffer: ((_ earlier: LumaFrame, _ later: LumaFrame) -> Bool)?

    /// With `VideoSampling.keyframeFirst`: whether a frame of a refined GOP already shows the next
    /// keyframe's picture; the GOP's decoding stops there (the change has settled). Nil decodes every
    /// refined GOP to its end.
    public var frameMatchesKeyframe: ((_ frame: LumaFrame, _ key: LumaFrame) -> Bool)?

    /// Slack past the stated duration before decoded media counts as running over: 5 s plus 2 %
    /// (priming, the last frame's length, rounding in the container; real files stay within 1 s).
    public static func decodeLimitSeconds(statedSeconds: Double, fileBytes: Int64) -> Double {
        // Any real codec spends at least 500 bytes a second (4 kbit/s, below AMR-NB's 4.75): a file cannot
        // hold more seconds than that. A forged container duration is held to the same bound.
        let bySize = 5 + Double(max(fileBytes, 0)) / 500
        guard statedSeconds > 0, statedSeconds.isFinite else { return bySize }
        return min(statedSeconds * 1.02 + 5, bySize)
    }

    /// The most media `run` decodes (seconds): `decodeLimitSeconds` of this file.
    public var decodeLimitSeconds: Double {
        MediaReader.decodeLimitSeconds(statedSeconds: info.durationSeconds, fileBytes: demuxer.fileSize)
    }

    /// Whether a second audio track will be delivered (false when it is the main track itself, e.g.
    /// in a file with a single audio track).
    public var hasSecondAudio: Bool { secondAudioIndex != nil }

    static func describe(_ d: Demuxer, audioIndex: Int?, videoIndex: Int?) -> MediaInfo {
        let video = videoIndex.map { i -> VideoInfo in
            let s = d.streamInfo(i)
            return VideoInfo(codec: s.codec, width: s.width ?? 0, height: s.height ?? 0, fps: s.fps ?? 0, streamIndex: i)
        }
        let audio = audioIndex.map { i -> AudioInfo in
            let s = d.streamInfo(i)
            return AudioInfo(codec: s.codec, sampleRate: s.sampleRate ?? 0, channels: s.channels ?? 0, streamIndex: i)
        }
        let bitRate = d.context.pointee.bit_rate > 0 ? Int(d.context.pointee.bit_rate) : nil
        var info = MediaInfo(file: d.path.split(separator: "/").last.map(String.init) ?? d.path, container: d.containerName,
                             durationSeconds: d.durationSeconds, startSeconds: d.startSeconds, bitRate: bitRate,
                             video: video, audio: audio, streams: d.streams)
        info.creationTime = d.creationTime
        return info
    }

    /// Decodes the file once. `onAudio` receives consecutive 16 kHz mono chunks starting at time 0;
    /// `onVideo` receives sampled luma frames in presentation order; `onProgress` receives the time reached
    /// (seconds) about once per second of media. Throwing from a callback stops the read.
    /// - Throws: `MediaError` when nothing decodable was found or decoding fails for a non-data reason.
    public func run(onAudio: (AudioChunk) throws -> Void,
                    onVideo: (LumaFrame) throws -> Void,
                    onProgress: (Double) -> Void = { _ in }) throws -> ReadSummary {
        try run(onAudio: onAudio, onSecondAudio: { _ in }, onVideo: onVideo, onProgress: onProgress)
    }

    /// As `run(onAudio:onVideo:onProgress:)`, also delivering `ReadOptions.secondAudioTrack` to
    /// `onSecondAudio` (same format and clock as `onAudio`; the two interleave in file order).
    ///
    /// With `ReadOptions.videoOnOwnThread`, `onVideo` (and `keyframesDiffer`) are called on a second thread,
    /// concurrently with `onAudio`; every call has returned when `run` returns.
    public func run(onAudio: (AudioChunk) throws -> Void,
                    onSecondAudio: (AudioChunk) throws -> Void,
                    onVideo: (LumaFrame) throws -> Void,
                    onProgress: (Double) -> Void = { _ in }) throws -> ReadSummary {
        try withoutActuallyEscaping(onVideo) { onVideo in
            try read(onAudio: onAudio, onSecondAudio: onSecondAudio, onVideo: onVideo, onProgress: onProgress)
        }
    }

    /// The video side's state, written by whichever thread decodes video and read after it is joined
    /// (`overran` also by the demuxing thread, hence the lock).
    private final class VideoSide: @unchecked Sendable {
        private let lock = NSLock()
        private var _overran = false
        var lastTime = 0.0
        var overran: Bool {
            get { lock.withLock { _overran } }
            set { lock.withLock { _overran = newValue } }
        }
    }

    private func read(onAudio: (AudioChunk) throws -> Void,
                      onSecondAudio: (AudioChunk) throws -> Void,
                      onVideo: @escaping (LumaFrame) throws -> Void,
                      onProgress: (Double) -> Void) throws -> ReadSummary {
        func audioDecoder(_ index: Int?) throws -> AudioDecoder? {
            try (options.decodeAudio ? index : nil).map {
                try AudioDecoder(demuxer: demuxer, streamIndex: $0, outputRate: options.sampleRate, chunkSamples: options.chunkSamples)
            }
        }
        let audio = try audioDecoder(audioIndex)
        let second = try audioDecoder(secondAudioIndex)
        var video: VideoDecoder?
        var keyFirst: KeyframeFirstVideo?
        if let sampling = options.video, let index = videoIndex {
            if case .keyframeFirst(let policy) = sampling {
                keyFirst = try KeyframeFirstVideo(demuxer: demuxer, streamIndex: index, policy: policy, targetWidth: options.lumaWidth,
                                                  threads: options.videoThreads, statedSeconds: info.durationSeconds,
                                                  differ: keyframesDiffer ?? { _, _ in true }, settled: frameMatchesKeyframe)
            } else {
                video = try VideoDecoder(demuxer: demuxer, streamIndex: index, sampling: sampling,
                                         targetWidth: options.lumaWidth, threads: options.videoThreads)
            }
        }
        let videoStream = video?.streamIndex ?? keyFirst?.streamIndex
        var warnings: [String] = []
        var lastProgress = -1.0
        let packet = demuxer.packet
        let start = demuxer.startSeconds
        // Other streams are not even demuxed into packets we look at.
        for i in 0..<demuxer.streamCount where i != audio?.streamIndex && i != videoStream && i != second?.streamIndex {
            demuxer.stream(i).pointee.discard = AVDISCARD_ALL
        }
        // Decoded media is bounded by what the file can hold (`decodeLimitSeconds`): forged sample tables
        // (every stsz entry 256 MiB) made a 3 s file decode as 427 s, a 631 KB one as 66 hours.
        let limit = decodeLimitSeconds
        var overran = false
        var audioSamples = 0
        let side = VideoSide()
        let onFrame: (LumaFrame) throws -> Void = { frame in
            guard frame.timeSeconds <= limit else { side.overran = true; return }
            side.lastTime = frame.timeSeconds
            try onVideo(frame)
        }
        // The video side: one decoder or the keyframe-first scan, here or on its own thread.
        let consumeVideo: ((UnsafeMutablePointer<AVPacket>) throws -> Void)? = if let v = video {
            { packet in if v.wants(packet) { try v.decode(packet, deliver: onFrame) } }
        } else if let v = keyFirst {
            { packet in try v.consume(packet, deliver: onFrame) }
        } else {
            nil
        }
        let endVideo: () throws -> Void = {
            try video?.decode(nil, deliver: onFrame)
            try keyFirst?.finish(deliver: onFrame)
        }
        let videoThread = options.videoOnOwnThread ? consumeVideo.map { VideoThread(consume: $0, end: endVideo) } : nil
        // A read that fails leaves no thread behind (it would still call onVideo).
        var joined = false
        defer { if !joined { videoThread?.abandon() } }
        let onMainAudio: (AudioChunk) throws -> Void = { chunk in
            guard chunk.startSeconds < limit else { overran = true; return }
            audioSamples += chunk.samples.count
            try onAudio(chunk)
        }
        let onSecond: (AudioChunk) throws -> Void = { chunk in
            guard chunk.startSeconds < limit else { overran = true; return }
            try onSecondAudio(chunk)
        }
        var packets = 0
        while !overran, !side.overran, demuxer.readPacket(onDamage: { warnings.append($0) }) {
            packets += 1
            // The job was abandoned (its lease was lost, or the watcher stops without waiting).
            if packets % 64 == 0, Task.isCancelled { throw CancellationError() }
            if let deadline, packets % 64 == 0, ContinuousClock.now > deadline {
                throw MediaError(.badMedia, path: path, reason: "reading took longer than the time budget for a recording of its stated length (damaged or forged file); stopped at \(Int(lastProgress.rounded())) s")
            }
            let index = Int(packet.pointee.stream_index)
            if let a = audio, index == a.streamIndex {
                try a.decode(packet, deliver: onMainAudio)
            } else if let a = second, index == a.streamIndex {
                try a.decode(packet, deliver: onSecond)
                continue // progress follows the main tracks
            } else if index == videoStream, let consumeVideo {
                if let videoThread { try videoThread.push(packet) } else { try consumeVideo(packet) }
            } else {
                continue
            }
            if let pts = timestamp(packet.pointee.pts) {
                let t = Double(pts) * av_q2d(demuxer.stream(index).pointee.time_base) - start
                if t - lastProgress >= 1 { lastProgress = t; onProgress(t) }
            }
        }
        if let failure = demuxer.ioFailure { throw failure }
        try audio?.decode(nil, deliver: onMainAudio)
        try second?.decode(nil, deliver: onSecond)
        if let videoThread {
            joined = true
            try videoThread.finish()
        } else {
            try endVideo()
        }
        overran = overran || side.overran
        let lastVideoTime = side.lastTime
        if overran {
            func tenths(_ x: Double) -> String { "\((x * 10).rounded() / 10)" }
            warnings.append("the decoded media runs past what the file can hold (stated duration \(tenths(info.durationSeconds)) s, \(demuxer.fileSize) bytes); stopped at \(tenths(limit)) s (damaged or forged sample tables)")
        }
        let audioSeconds = audio != nil ? Double(audioSamples) / Double(options.sampleRate) : 0
        let frames = video?.deliveredFrames ?? keyFirst?.deliveredFrames ?? 0
        if let a = audio, a.damagedPackets > 0 { warnings.append("skipped \(a.damagedPackets) damaged audio packet(s)") }
        if let a = second, a.damagedPackets > 0 { warnings.append("skipped \(a.damagedPackets) damaged packet(s) of the second audio track") }
        let damagedVideo = video?.damagedPackets ?? keyFirst?.damagedPackets ?? 0
        if damagedVideo > 0 { warnings.append("skipped \(damagedVideo) damaged video packet(s)") }
        if (audio != nil && audioSeconds == 0) && (videoStream == nil || frames == 0) {
            throw MediaError(.badMedia, path: path, reason: "no decodable audio or video" + (warnings.first.map { ": \($0)" } ?? ""))
        }
        if audio == nil, videoStream != nil, frames == 0 {
            throw MediaError(.badMedia, path: path, reason: "no decodable video frame" + (warnings.first.map { ": \($0)" } ?? ""))
        }
        return ReadSummary(audioSeconds: audioSeconds, videoFrames: frames, endSeconds: max(audioSeconds, lastVideoTime),
                           warnings: warnings, refinement: keyFirst?.summary)
    }
}

/// `probe`: what a file holds, without decoding.
public enum MediaProbe {
    /// - Parameter audioTrack: as in `ReadOptions.audioTrack`.
    public static func probe(path: String, audioTrack: Int? = nil) throws(MediaError) -> MediaInfo {
        try MediaReader(path: path, options: ReadOptions(audioTrack: audioTrack)).info
    }
}
