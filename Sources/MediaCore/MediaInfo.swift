/// What `probe` reports about one file. Field names are the `probe --json` contract.
public struct MediaInfo: Codable, Sendable, Equatable {
    public var file: String
    /// Container short name(s) as libavformat reports them, e.g. `mov,mp4,m4a,3gp,3g2,mj2`.
    public var container: String
    /// Duration in seconds (0 when the container does not say and it cannot be estimated).
    public var durationSeconds: Double
    /// Container start time in seconds (subtracted from every timestamp MediaIO delivers).
    public var startSeconds: Double
    public var bitRate: Int?
    /// The video stream analysis would use, or nil.
    public var video: VideoInfo?
    /// The audio stream analysis would use (the chosen track), or nil.
    public var audio: AudioInfo?
    /// Every stream in the file.
    public var streams: [StreamInfo]
    /// The container's `creation_time` tag as written (ISO 8601, usually UTC), when it has one (issue 11:
    /// the recording's start when the file name does not say).
    public var creationTime: String?

    public init(file: String, container: String, durationSeconds: Double, startSeconds: Double, bitRate: Int?,
                video: VideoInfo?, audio: AudioInfo?, streams: [StreamInfo]) {
        self.file = file
        self.container = container
        self.durationSeconds = durationSeconds
        self.startSeconds = startSeconds
        self.bitRate = bitRate
        self.video = video
        self.audio = audio
        self.streams = streams
    }

    enum CodingKeys: String, CodingKey { case file, container, durationSeconds, startSeconds, bitRate, video, audio, streams, creationTime }

    // `video` and `audio` are written as explicit nulls when absent: the contract says so.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(file, forKey: .file)
        try c.encode(container, forKey: .container)
        try c.encode(durationSeconds, forKey: .durationSeconds)
        try c.encode(startSeconds, forKey: .startSeconds)
        try c.encodeIfPresent(bitRate, forKey: .bitRate)
        try c.encode(video, forKey: .video)
        try c.encode(audio, forKey: .audio)
        try c.encode(streams, forKey: .streams)
        try c.encodeIfPresent(creationTime, forKey: .creationTime)
    }
}

public struct VideoInfo: Codable, Sendable, Equatable {
    public var codec: String
    public var width: Int
    public var height: Int
    /// Average frame rate (frames per second), 0 when unknown.
    public var fps: Double
    public var streamIndex: Int?
    public init(codec: String, width: Int, height: Int, fps: Double, streamIndex: Int? = nil) {
        self.codec = codec
        self.width = width
        self.height = height
        self.fps = fps
        self.streamIndex = streamIndex
    }
}

public struct AudioInfo: Codable, Sendable, Equatable {
    public var codec: String
    public var sampleRate: Int
    public var channels: Int
    public var streamIndex: Int?
    public init(codec: String, sampleRate: Int, channels: Int, streamIndex: Int? = nil) {
        self.codec = codec
        self.sampleRate = sampleRate
        self.channels = channels
        self.streamIndex = streamIndex
    }
}

/// One stream of a container.
public struct StreamInfo: Codable, Sendable, Equatable {
    public var index: Int
    /// `audio`, `video`, `subtitle`, `data` or `other`.
    public var type: String
    public var codec: String
    public var language: String?
    public var bitRate: Int?
    public var durationSeconds: Double?
    public var sampleRate: Int?
    public var channels: Int?
    public var width: Int?
    public var height: Int?
    public var fps: Double?
    public init(index: Int, type: String, codec: String, language: String? = nil, bitRate: Int? = nil,
                durationSeconds: Double? = nil, sampleRate: Int? = nil, channels: Int? = nil,
                width: Int? = nil, height: Int? = nil, fps: Double? = nil) {
        self.index = index
        self.type = type
        self.codec = codec
        self.language = language
        self.bitRate = bitRate
        self.durationSeconds = durationSeconds
        self.sampleRate = sampleRate
        self.channels = channels
        self.width = width
        self.height = height
        self.fps = fps
    }
}
