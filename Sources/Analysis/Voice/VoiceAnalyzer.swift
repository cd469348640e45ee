import Foundation
import Kernels
public import MediaCore

/// Streaming voice analysis: who is talking when.
///
/// Feed 16 kHz mono samples in order with `consume`, then call `finish` once. Memory: fixed scratch, at
/// most one chunk of samples (the decoded audio is never kept) and a `BlockStore` of 72-byte records
/// per 100 ms block that keeps only three 4 096-block pages in memory and the rest in an unlinked
/// temporary file. `finish` recomputes context features on demand instead of keeping them; what it
/// keeps per block is 2 bytes (Viterbi back-pointers, then the path and the labels) plus 8 bytes per
/// second for the floor and one small record per speaker turn: about 0.3 MB for 3 h. Cost: one 512-point FFT per 10 ms plus YIN on every
/// second frame that is above the noise floor.
///
/// Method (heuristic, disclosed in `VoiceResult.notes`): frame features → 100 ms blocks → floor-relative
/// context features → per-class costs → Viterbi path over silence / speech / multi / media → speaker
/// turns, embeddings and clustering on single-voice speech → teacher = dominant, closest cluster →
/// 1.5 s same-label merge.
public final class VoiceAnalyzer {
    public let config: VoiceConfig
    public let sampleRate: Int
    private let frontEnd: VoiceFrontEnd

    /// - Parameters:
    ///   - config: settings (see `VoiceConfig`).
    ///   - sampleRate: samples per second of the input; must be 16 000 (MediaIO's output rate).
    ///   - speechModel: the learned voice-activity model's weights (Silero VAD); with them every block
    ///     carries a speech probability that the class costs weigh as evidence. Without them the
    ///     timeline rests on the acoustic cues alone (the method before the model; tests and comparisons).
    ///   - speakerModel: the speaker-embedding model's weights (Resemblyzer's GE2E encoder); with them
    ///     speaker turns are clustered by learned embeddings of 1.6 s partials (`voice.speakerEmbedding`).
    public convenience init(config: VoiceConfig = .init(), sampleRate: Int = 16000, speechModel: SileroWeights? = nil,
                            speakerModel: SpeakerEncoderWeights? = nil) {
        self.init(config: config, sampleRate: sampleRate, store: BlockStore(), speechModel: speechModel, speakerModel: speakerModel)
    }

    /// With a block store of `pageBlocks` blocks per page (tests: small pages exercise the file).
    convenience init(config: VoiceConfig = .init(), pageBlocks: Int, speechModel: SileroWeights? = nil) {
        self.init(config: config, sampleRate: 16000, store: BlockStore(pageBlocks: pageBlocks), speechModel: speechModel)
    }

    /// With the speaker embedding's sample file in `spillDirectory` (tests: a folder where it cannot be made).
    convenience init(config: VoiceConfig, speechModel: SileroWeights?, speakerModel: SpeakerEncoderWeights, spillDirectory: String) {
        self.init(config: config, sampleRate: 16000, store: BlockStore(), speechModel: speechModel, speakerModel: speakerModel,
                  spillDirectory: spillDirectory)
    }

    private init(config: VoiceConfig, sampleRate: Int, store: BlockStore, speechModel: SileroWeights?,
                 speakerModel: SpeakerEncoderWeights? = nil, spillDirectory: String? = nil) {
        self.config = config
        self.sampleRate = sampleRate
        self.speechModel = speechModel
        frontEnd = VoiceFrontEnd(config: config, sampleRate: sampleRate, store: store, vad: Self.makeVAD(speechModel),
                                 encoder: speakerModel.map { SpeakerEncoder(weights: $0) }, spillDirectory: spillDirectory)
    }

    /// The learned voice-activity model's weights, when it runs.
    public let speechModel: SileroWeights?

    /// A model instance for one track (each track carries its own LSTM state).
    private static func makeVAD(_ weights: SileroWeights?) -> SileroVAD? { weights.map { SileroVAD(weights: $0) } }

    /// Whether part of the block record went to the temporary file (tests).
    var spilledBlocks: Bool { frontEnd.store.spilled }

    /// Consumes the next samples of the recording (mono, in [-1, 1], in order, no gaps).
    public func consume(_ samples: UnsafeBufferPointer<Float>) {
        frontEnd.consume(samples)
    }

    /// Consumes the next samples of the teacher's lapel-microphone track (16 kHz mono, same clock as
    /// `consume`, in order). With it, teacher and students are told apart by how much louder a voice
    /// is on the lapel than on the room microphone; the room track still decides everything else.
    public func consumeTeacherTrack(_ samples: UnsafeBufferPointer<Float>) {
        if lapelFrontEnd == nil {
            lapelFrontEnd = VoiceFrontEnd(config: config, sampleRate: sampleRate, vad: Self.makeVAD(speechModel))
        }
        lapelFrontEnd!.consume(samples)
    }

    private var lapelFrontEnd: VoiceFrontEnd?

    /// Consumes the next decoded chunk (must be 16 kHz mono, in order).
    public func consume(_ chunk: AudioChunk) {
        precondition(chunk.sampleRate == sampleRate, "chunk sample rate \(chunk.sampleRate) ≠ \(sampleRate)")
        chunk.samples.withUnsafeBufferPointer { consume($0) }
    }

    /// Ends the stream and decides the timeline.
    /// - Parameter durationSeconds: the recording's duration (s); the timeline covers `[0, duration]`.
    public func finish(durationSeconds: Double) -> VoiceResult {
        frontEnd.finish()
        lapelFrontEnd?.finish()
        let decision = decide()
        let duration = max(0, durationSeconds)
        let blockSeconds = Double(config.blockFrames * config.hopSamples) / Double(sampleRate)
        var segments = VoiceTimeline.segments(labels: decision.labels, blockSeconds: blockSeconds, duration: duration)
        segments = VoiceTimeline.merge(segments, gapSeconds: config.mergeGapSeconds)
        let rising = decision.risingBlocks.map { min(duration, Double($0) * blockSeconds) }
        return VoiceResult(timeline: segments, risingPitchEnds: rising, noiseFloorDBFS: decision.noiseFloorDBFS,
                           speakers: decision.speakers,
                           notes: (speechModel == nil ? [] : [Self.speechModelNote]) + Self.notes
                               + (decision.embeddedPartials > 0 ? [MethodNote(.speakerEmbedding, ["partials": .number(Double(decision.embeddedPartials))])] : [])
                               + (decision.embeddedPartials == 0 && frontEnd.speakerEmbeddingFailed ? [MethodNote(.speakerEmbeddingUnavailable)] : [])
                               + (lapelFrontEnd == nil ? [] : [Self.lapelNote]) + Self.lossNote(decision.unreadableMinutes),
                           voiceActivity: speechModel == nil ? VoiceActivitySummary(method: "acoustic-cues")
                               : VoiceActivitySummary(method: "silero-vad-16k", model: SileroWeights.fileName, modelSHA256: SileroWeights.sha256))
    }

    static let speechModelNote = MethodNote(.voiceActivityModel)

    static let lapelNote = MethodNote(.lapelMicrophone)

    /// A disclosure when part of the block record could not be read back from its temporary file.
    static func lossNote(_ minutes: Double) -> [MethodNote] {
        guard minutes > 0 else { return [] }
        return [MethodNote(.unreadableAnalysisRecord, ["minutes": .number(minutes)])]
    }

    /// Method disclosures shown in the report (their sentences: `MethodNote.englishTemplate`).
    static let notes: [MethodNote] = [MethodNote(.voiceTimeline), MethodNote(.speakerRoles), MethodNote(.risingPitchQuestions)]

    struct Decision {
        var labels: [Label]
        var risingBlocks: [Int]
        var noiseFloorDBFS: Double
        var speakers: Int
        /// Minutes of the block record lost to a disk error (labelled silence).
        var unreadableMinutes: Double = 0
        /// Partials the learned speaker embedding described (0 when it did not run).
        var embeddedPartials = 0
    }

    func decide() -> Decision {
        let store = frontEnd.store
        guard store.count > 0 else {
            return Decision(labels: [], risingBlocks: [], noiseFloorDBFS: -100, speakers: 0)
        }
        let source = BlockSource(store: store, config: config, speechProbability: frontEnd.hasSpeechProbability)
        let path = acousticPath(source)
        let lapel = lapelFrontEnd.flatMap {
            $0.store.count > 0 ? BlockSource(store: $0.store, config: config, speechProbability: $0.hasSpeechProbability) : nil
        }
        var clustering = SpeakerClustering(config: config, lapel: lapel)
        if frontEnd.canEmbedSpeakers {
            let frontEnd = frontEnd, blocks = store.count, budget = config.speakerEmbeddingBudget(blocks: store.count)
            clustering.embed = { frontEnd.embed(turns: $0, totalBlocks: blocks, budget: budget) }
        }
        let speakers = clustering.run(source: source, path: path)
        if recordsBlockFeatures { lastDiagnostics = (source, path) }

        var labels = path.map { c -> Label in
            switch c {
            case .silence: return .silence
            case .speech: return .student
            case .multi: return .multi
            case .media: return .media
            }
        }
        var isTeacher: (SpeakerClustering.Turn) -> Bool = { $0.cluster == speakers.teacherCluster }
        var lapelTeacher: [Range<Int>] = []
        if let lapel {
            // Fusion by role (LapelFusion): the lapel's own turns and the room's turns, each with its
            // lapel gap; Otsu's threshold on those gaps separates the wearer from everyone else.
            let lapelTurns = SpeakerClustering(config: config).turns(source: lapel, path: acousticPath(lapel))
            let lapelGaps = lapelTurns.map {
                LapelFusion.gap(lapel: lapel, room: source, range: $0.start..<$0.end, activeDB: SpeakerClustering.activeDB) ?? .nan
            }
            // Room turns the lapel did not hear (lapel off or unplugged) carry no gap evidence: they
            // keep the single-microphone decision.
            let heard = speakers.turns.filter(\.lapelAlive)
            let values = lapelGaps + heard.map(\.lapelGap)
            let weights = lapelTurns.map(\.weight) + heard.map(\.weight)
            if let threshold = LapelFusion.threshold(values, weights: weights) {
                let teacherCluster = speakers.teacherCluster
                isTeacher = { $0.lapelAlive ? $0.lapelGap > threshold : $0.cluster == teacherCluster }
                lapelTeacher = zip(lapelTurns, lapelGaps).filter { $0.1 > threshold }.map { $0.0.start..<$0.0.end }
            }
        }
        var rising: [Int] = []
        for t in speakers.turns where isTeacher(t) {
            for b in t.start..<t.end { labels[b] = .teacher }
            if risesAtEnd(source, start: t.start, end: t.end) { rising.append(lastActive(source, t)) }
        }
        Self.labelPauses(&labels, path: path, turns: speakers.turns, isTeacher: isTeacher)
        // The teacher heard on the lapel where the room microphone heard nothing above its floor.
        for r in lapelTeacher {
            for b in r where b < labels.count && path[b] == .silence { labels[b] = .teacher }
        }
        // Reported floor: a low percentile of the blocks' quietest full-band frames, from a 0.1 dB
        // histogram (fixed size, exact to the shown precision).
        var histogram = LevelHistogram()
        for i in 0..<store.count { histogram.add(store[i].minFullDBFS) }
        let fullFloor = histogram.percentile(config.floorPercentile * 2)
        return Decision(labels: labels, risingBlocks: rising, noiseFloorDBFS: Double(fullFloor),
                        speakers: speakers.clusterCount, unreadableMinutes: Double(store.unreadablePages.count * store.pageBlocks) / 600,
                        embeddedPartials: speakers.embeddedPartials)
    }

    /// Pauses inside single-voice speech (quiet blocks the Viterbi path kept as speech, but no turn
    /// holds) belong to the speaker on both sides when it is the same one, as the 1.5 s same-label
    /// rule would join them; between two different speakers they are the silence of the turn-taking.
    static func labelPauses(_ labels: inout [Label], path: [AcousticClass], turns: [SpeakerClustering.Turn],
                            isTeacher: (SpeakerClustering.Turn) -> Bool) {
        guard !turns.isEmpty else { return }
        func label(_ t: SpeakerClustering.Turn) -> Label { isTeacher(t) ? .teacher : .student }
        func fill(_ range: Range<Int>, _ l: Label) {
            for b in range where path[b] == .speech { labels[b] = l }
        }
        fill(0..<turns[0].start, label(turns[0]))
        for k in 1..<max(1, turns.count) {
            let a = turns[k - 1], b = turns[k]
            guard a.end < b.start else { continue }
            let la = label(a), lb = label(b)
            fill(a.end..<b.start, la == lb ? la : .silence)
        }
        fill(turns[turns.count - 1].end..<labels.count, label(turns[turns.count - 1]))
    }

    /// Silence / one voice / several voices / media for every block of a track: Viterbi over the
    /// per-block class costs, voice runs trimmed to where the voice is audible.
    func acousticPath(_ source: BlockSource) -> [AcousticClass] {
        let classifier = VoiceClassifier(config: config)
        var path = VoiceClassifier.viterbi(count: source.count, switchPenalty: config.switchPenalty) {
            classifier.costs(source.context($0))
        }
        VoiceClassifier.trimEdges(&path, rel: source.rel, edgeDB: config.edgeDB)
        return path
    }

    /// End block (exclusive) of the last loud block of a turn: the end of the utterance itself.
    private func lastActive(_ source: BlockSource, _ t: SpeakerClustering.Turn) -> Int {
        var e = t.end
        while e > t.start + 1 && source.rel(e - 1) < 6 { e -= 1 }
        return e
    }

    /// Whether the pitch rises by `risingSemitones` over the last voiced `risingTailSeconds` of a turn
    /// (least-squares slope over the voiced blocks of the tail).
    private func risesAtEnd(_ blocks: BlockSource, start: Int, end: Int) -> Bool {
        var e = end
        while e > start && blocks[e - 1].voiced == 0 { e -= 1 }
        let tail = max(3, Int(config.risingTailSeconds * 10))
        let s = max(start, e - tail)
        var xs: [Float] = [], ys: [Float] = []
        for b in s..<e where blocks[b].voiced > 0 { xs.append(Float(b)); ys.append(blocks[b].log2Pitch * 12) }
        guard xs.count >= 3 else { return false }
        let mx = xs.reduce(0, +) / Float(xs.count), my = ys.reduce(0, +) / Float(ys.count)
        var sxy: Float = 0, sxx: Float = 0
        for k in xs.indices { sxy += (xs[k] - mx) * (ys[k] - my); sxx += (xs[k] - mx) * (xs[k] - mx) }
        guard sxx > 0 else { return false }
        let rise = sxy / sxx * (xs.last! - xs.first!)
        return rise >= config.risingSemitones
    }

    /// Keep the per-block features of `finish` for `blockFeatureTable()` (tuning tools only; off by
    /// default because it holds about 100 bytes per block after `finish`).
    public var recordsBlockFeatures = false

    // Kept for the feature table (development and tuning only).
    var lastDiagnostics: (BlockSource, [AcousticClass])?

    /// Tab-separated per-block features of the last `finish` (for tuning tools; one row per 100 ms).
    public func blockFeatureTable() -> String {
        guard let (source, path) = lastDiagnostics else { return "" }
        let classifier = VoiceClassifier(config: config)
        var out = "t\tfloor\trel\trelMean\tlevelStd\tmod\tvoiced\tjump\taper\tflat\tspeech\tpeak\tflux\tpitch\tcSil\tcSp\tcMul\tcMed\tminRel\tgapLvl\tgapFlat\tpSpeech\tclass\n"
        for i in 0..<source.count {
            let c = source.context(i)
            let costs = classifier.costs(c)
            let row: [Float] = [Float(i) / 10, source.floor(i), c.rel, c.relMean, c.levelStd, c.modulation, c.voicedFraction,
                                c.pitchJump, c.aperiodicity, c.flatness, c.speechRatio, c.peakiness, c.flux,
                                source[i].voiced > 0 ? exp2f(source[i].log2Pitch) : 0,
                                costs[0], costs[1], costs[2], costs[3], source[i].minDB - source.floor(i), c.gapLevel, c.gapFlatness, c.speechProbability ?? -1]
            out += row.map { String(format: "%.3f", $0) }.joined(separator: "\t") + "\t\(path[i].rawValue)\n"
        }
        return out
    }
}

extension VoiceAnalyzer {
    /// Bytes of the block record per 100 ms (kept in a temporary file beyond three pages).
    public static var bytesPerBlock: Int { MemoryLayout<VoiceBlock>.stride }
}
