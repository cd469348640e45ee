public import MediaCore

/// What the voice analysis found in one recording.
public struct VoiceResult: Sendable {
    /// Contiguous labelled segments over `[0, duration]` (seconds), 1.5 s same-label merge applied.
    public var timeline: [Segment]
    /// Ends (seconds) of teacher utterances whose final pitch rises: an acoustic question cue.
    public var risingPitchEnds: [Double]
    /// Estimated room noise floor (dBFS, full band RMS of the quietest frames).
    public var noiseFloorDBFS: Double
    /// Speaker clusters found among single-voice speech.
    public var speakers: Int
    /// Method disclosures for the report: what is heuristic and how it was decided.
    public var notes: [MethodNote]
    /// Which voice-activity method decided speech against non-speech: `silero-vad-16k` (the learned
    /// model, the default, with its weights file) or `acoustic-cues` (the hand-set cues alone).
    public var voiceActivity: VoiceActivitySummary

    public init(timeline: [Segment], risingPitchEnds: [Double], noiseFloorDBFS: Double, speakers: Int,
                notes: [MethodNote], voiceActivity: VoiceActivitySummary = VoiceActivitySummary(method: "acoustic-cues")) {
        self.voiceActivity = voiceActivity
        self.timeline = timeline
        self.risingPitchEnds = risingPitchEnds
        self.noiseFloorDBFS = noiseFloorDBFS
        self.speakers = speakers
        self.notes = notes
    }
}
