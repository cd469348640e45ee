/// A run of decoded mono samples with the time of its first sample.
public struct AudioChunk: Sendable {
    /// Time of `samples[0]` in seconds from the start of the recording.
    public var startSeconds: Double
    /// Samples per second (16 000 after MediaIO's resampler).
    public var sampleRate: Int
    /// Mono Float32 samples in [-1, 1].
    public var samples: [Float]
    /// Index of the first sample counted from the start of the stream (exact, unlike seconds).
    public var firstSampleIndex: Int

    public init(startSeconds: Double, sampleRate: Int, samples: [Float], firstSampleIndex: Int) {
        self.startSeconds = startSeconds
        self.sampleRate = sampleRate
        self.samples = samples
        self.firstSampleIndex = firstSampleIndex
    }

    public var durationSeconds: Double { Double(samples.count) / Double(sampleRate) }
}
