/// Every setting of the voice analysis, with its default and the reason for it.
///
/// Levels are always relative to the recording's own noise floor (dB above floor), never fixed dBFS:
/// classrooms, microphones and recorder gains differ by tens of dB.
public struct VoiceConfig: Sendable, Equatable {
    // MARK: Framing (front end)

    /// Analysis window in samples at 16 kHz (25 ms): the usual speech window, long enough for two
    /// periods of a 80 Hz voice and short enough to follow syllables.
    public var frameSamples = 400
    /// Hop in samples at 16 kHz (10 ms): the usual speech hop; gives 100 envelope samples per second,
    /// enough to see the 3-8 Hz syllable rhythm.
    public var hopSamples = 160
    /// FFT size: next power of two above the window.
    public var fftSize = 512
    /// Frames per stored block (100 ms): the block record is all that is kept per stretch of audio.
    public var blockFrames = 10
    /// Mel bands for MFCCs: the common 40-band layout.
    public var melBands = 40
    /// Cepstral coefficients kept (c1…c12): c0 is level, which is kept separately.
    public var mfccCount = 12
    /// Band used for the level (Hz): drops mains hum (50/60 Hz), HVAC rumble below and hiss above.
    public var levelLoHz: Float = 100
    /// Upper edge of the level band (Hz): speech energy above 4 kHz is small.
    public var levelHiHz: Float = 4000
    /// Speech band for the band-energy ratio (Hz): the telephone band carries most speech energy.
    public var speechLoHz: Float = 300
    /// Upper edge of the speech band (Hz).
    public var speechHiHz: Float = 3400

    // MARK: Pitch

    /// Lowest pitch searched (Hz): below adult male speech; also keeps 50/60 Hz hum out.
    public var pitchMinHz: Float = 75
    /// Highest pitch searched (Hz): children's voices reach about 400-450 Hz.
    public var pitchMaxHz: Float = 500
    /// Pitch window in samples at 16 kHz (40 ms): YIN needs the window plus the longest lag.
    public var pitchWindowSamples = 640
    /// Estimate pitch on every n-th frame (20 ms): pitch moves slowly; halves the dominant cost.
    public var pitchEveryFrames = 2
    /// Pitch is only estimated on frames this far above the running floor (dB): quiet frames have no
    /// voice worth tracking and skipping them is the main speed lever.
    public var pitchGateDB: Float = 6
    /// YIN aperiodicity below which a frame counts as voiced: the usual YIN threshold region.
    public var voicedAperiodicity: Float = 0.25

    // MARK: Noise floor

    /// Window of the adaptive noise-floor estimate (s): long enough that a few minutes of group talk do
    /// not lift the floor, short enough to follow an air conditioner switching on.
    public var floorWindowSeconds: Double = 240
    /// Percentile of the per-block minimum levels taken as the floor: minimum statistics, robust to
    /// a few dropouts.
    public var floorPercentile: Double = 0.05

    // MARK: Decisions

    /// Context window for block features (s, centred): about two syllables either side.
    public var contextSeconds: Double = 1.0
    /// Cost of changing class between two 100 ms blocks in the Viterbi path (nats): equals the evidence
    /// of about a second of mildly contrary blocks, so blips do not fragment the timeline.
    public var switchPenalty: Float = 6
    /// A voice run's first and last blocks must be this far above the floor (dB): trims the half
    /// second the context window adds at each edge back to where the voice is audible.
    public var edgeDB: Float = 8
    /// Minimum speaker turn (s) for change-point search: shorter stretches give unstable embeddings.
    public var minTurnSeconds: Double = 1.5
    /// Pauses within speech at least this long start a new turn (s): turn-taking needs a breath.
    public var turnPauseSeconds: Double = 0.3
    /// Same-label gap merged (s): the 1.5 s rule of docs/ARCHITECTURE.md §3.
    public var mergeGapSeconds: Double = 1.5
    /// Recognise a voice over a music bed (a video clip played to the class) as media. On by default:
    /// on the tuning lessons it gains far more on lessons that play videos (+6 points of frame accuracy)
    /// than it loses on those that do not (-0.5 points: chorus and quiet-room students taken for media).
    public var soundtrackMedia = true
    /// Speaker clustering also asks the turns' MFCC statistics whether they are one voice (ΔBIC ≤ 0
    /// between diagonal Gaussians, `TimbreGaussian`) before a turn joins a cluster. Off by default:
    /// on the dev speaker set (real voices within 2 semitones) it raised frame accuracy 0.603 → 0.725
    /// and the second voice's time labelled student 0 → 72 %, but on the held-out speaker set it
    /// split the teacher as well (teacher recall 0.86 → 0.57, frame accuracy 0.663 → 0.594, talk-ratio
    /// error 0.192 → 0.125), and on generated lessons it split off single teacher turns.
    public var speakerTimbreBIC = false
    /// Speaker clustering compares turns and clusters by a background model of the recording's voices
    /// (a diagonal GMM of up to 32 components trained by EM on its speech, weights and means
    /// MAP-adapted per turn and cluster, cross likelihood ratio; `SpeakerGMM`) and clusters bottom-up
    /// by it, within the embedding's join distance. Off by default: on the dev speaker set it raised
    /// frame accuracy 0.603 → 0.777 (second voice labelled teacher 84 % → 8 %), but on the held-out
    /// speaker set it lowered frame accuracy 0.663 → 0.615 (the merge 82 % → 63 %, talk-ratio error
    /// 0.192 → 0.188: it split or swapped the teacher in four of eight files); docs/MEASUREMENTS.md,
    /// "A background model of the voices".
    public var speakerGMM = false
    /// Smallest cross likelihood ratio (nats per 10 ms frame) at which two stretches are one voice
    /// (`SpeakerGMM.crossLikelihoodRatio`). Set on the dev speaker set: frame accuracy 0.777 at −0.4,
    /// −0.5 and −0.6, 0.757 at −0.7 (voices merge again); −0.5 is the middle of that plateau. The
    /// committed generated lessons are the same at all three (0.970).
    public var speakerGMMMinCLR: Float = -0.5
    /// Cluster speaker turns by a learned speaker embedding (Resemblyzer's GE2E voice encoder,
    /// `SpeakerEncoder`; weights from `make models`) instead of the timbre features alone, on a budget
    /// of 1.6 s partials chosen inside the speech turns (`speakerEmbeddingSecondsPerPartial`). Off by
    /// default: it keeps real voices of similar pitch apart better (held-out speaker set frame accuracy
    /// 0.663 → 0.721, the second voice labelled teacher 82 % → 60 %), but on the held-out part of the
    /// real-audio set, mostly one lecturer over real noise, it splits the lecturer and labels part of
    /// her as student (talk-ratio error 0.057 → 0.072 over the set); docs/MEASUREMENTS.md, "Budgeted partials".
    public var speakerEmbedding = false
    /// With `speakerEmbedding`: at most one 1.6 s partial per this many seconds of recording is
    /// embedded (`SpeakerVectors.plan` shares them over the speech turns), but never fewer than
    /// `speakerEmbeddingMinPartials`. The encoder costs ≈ 240 M multiply-adds a partial; at this budget
    /// it costs about what the rest of voice analysis does, so voice analysis stays ≥ 300x realtime on
    /// one core (docs/MEASUREMENTS.md, "Budgeted partials").
    public var speakerEmbeddingSecondsPerPartial: Double = 8
    /// With `speakerEmbedding`: partials a recording may always have, whatever its length (a fixed cost
    /// of under a second; in a short recording every turn then gets its partials).
    public var speakerEmbeddingMinPartials: Int = 64

    /// Partials the budget allows for `blocks` 100 ms blocks.
    func speakerEmbeddingBudget(blocks: Int) -> Int {
        let rate = max(0.1, speakerEmbeddingSecondsPerPartial)
        return max(max(0, speakerEmbeddingMinPartials), Int((Double(blocks) / 10 / rate).rounded(.down)))
    }
    /// Smallest cosine between two clusters' mean learned embeddings at which they are one voice
    /// (`voice.speakerEmbedding`). Chosen on the dev speaker set (docs/MEASUREMENTS.md).
    public var speakerEmbeddingMinCosine: Double = 0.8
    /// With `speakerEmbedding`: test whether the largest cluster is two voices (its partials split by
    /// 2-means, the split kept when consecutive disjoint partials of a turn fall in the same half more
    /// often than chance: a one-sided binomial test at 1 %) and split it (`SpeakerClustering.splitLargest`).
    public var speakerEmbeddingSplit = false
    /// Weight of the learned model's speech evidence per 100 ms block (nats per unit of log
    /// probability). The model's probability is a posterior from a network trained on real speech
    /// and noise; its windows within one block are strongly correlated, so a block counts as one
    /// observation (weight about 1), not as three.
    public var speechEvidenceWeight: Float = 1
    /// Smallest probability the evidence uses (either way): at 0.02 one block costs at most about
    /// 3.9 nats, less than the switching penalty, so a single confident window never flips a label
    /// alone, while half a second of agreeing blocks does.
    public var speechProbabilityFloor: Float = 0.02
    /// Rising-pitch cue: minimum rise over the final voiced stretch (semitones); a clear question lift.
    public var risingSemitones: Float = 2
    /// Final stretch of an utterance examined for a rise (s): the last word or two.
    public var risingTailSeconds: Double = 0.6

    public init() {}
}
