import Foundation

/// Per-block features in context (a centred window of about a second), all relative to the
/// recording's own noise floor. Computed on demand from the block record (`BlockSource.context`), so
/// nothing per block is kept beyond the record itself.
struct BlockContext {
    /// Block level above the floor (dB).
    var rel: Float
    /// Mean level above the floor over the window (dB).
    var relMean: Float
    /// Standard deviation of block levels over the window (dB): DART's variance cue.
    var levelStd: Float
    /// RMS of the 2.5-8 Hz level modulation over the window (dB): syllable rhythm.
    var modulation: Float
    /// Share of pitch slots in the window that were voiced (0…1).
    var voicedFraction: Float
    /// Mean pitch jump between voiced estimates over the window (semitones).
    var pitchJump: Float
    /// Mean YIN aperiodicity over the window where pitch was estimated (0…1).
    var aperiodicity: Float
    /// Mean spectral flatness over the window (0…1).
    var flatness: Float
    /// Mean speech-band energy ratio over the window (0…1).
    var speechRatio: Float
    /// Peak over mean in this block (dB): impulses (knocks) are brief and peaky.
    var peakiness: Float
    /// Mean log-mel flux over the window.
    var flux: Float
    /// How far the gaps between words stay above the floor (dB): the 20th percentile of the blocks'
    /// quietest-frame levels over ±1.5 s. A live voice falls back towards the floor between words;
    /// a voice-over on a music bed, or several voices, do not.
    var gapLevel: Float = 0
    /// Mean spectral flatness of the three quietest blocks of the same ±1.5 s: what fills the gaps is
    /// tonal for a music bed, noise-like for a room or a crowd.
    var gapFlatness: Float = 1
    /// The learned model's speech probability of this block (0…1); nil when the model did not run.
    var speechProbability: Float? = nil
}

enum NoiseFloor {
    /// Per-second floor (dB): a low percentile of the per-second minimum levels in a sliding window,
    /// capped at the recording's global quiet level + 10 dB so that minutes of group talk cannot
    /// lift the floor into the voices (minimum statistics). Holds 8 bytes per second of audio.
    static func perSecond(_ store: BlockStore, config: VoiceConfig) -> [Float] {
        let n = store.count
        guard n > 0 else { return [] }
        let perSecond = blocksPerSecond(config)
        let secondCount = (n + perSecond - 1) / perSecond
        var mins = [Float](repeating: .infinity, count: secondCount)
        for i in 0..<n { mins[i / perSecond] = min(mins[i / perSecond], store[i].minDB) }
        let global = percentile(mins, config.floorPercentile * 2)
        // Heuristic cap: noise rarely rises more than 10 dB above the quietest stretch of a lesson.
        let cap = global + 10
        let half = Int(config.floorWindowSeconds / 2)
        var floors = [Float](repeating: 0, count: secondCount)
        var scratch: [Float] = []
        scratch.reserveCapacity(2 * half + 1)
        // The window moves one second at a time; recomputing every 5 s is plenty for slow noise.
        var s = 0
        while s < secondCount {
            scratch.removeAll(keepingCapacity: true)
            let lo = max(0, s - half), hi = min(secondCount, s + half + 1)
            scratch.append(contentsOf: mins[lo..<hi])
            let f = min(percentile(scratch, config.floorPercentile), cap)
            for t in s..<min(s + 5, secondCount) { floors[t] = f }
            s += 5
        }
        return floors
    }

    static func blocksPerSecond(_ config: VoiceConfig) -> Int {
        config.blockFrames > 0 ? max(1, 100 / config.blockFrames) : 10
    }

    static func percentile(_ values: [Float], _ p: Double) -> Float {
        let v = values.filter { $0.isFinite }.sorted()
        guard !v.isEmpty else { return 0 }
        let i = min(v.count - 1, max(0, Int((Double(v.count - 1) * p).rounded())))
        return v[i]
    }
}

/// Floor-relative block features on demand: the block record, the per-second floor and the context
/// window. Everything the decisions need per block is recomputed from here instead of being kept.
struct BlockSource {
    let store: BlockStore
    let floors: [Float]
    let perSecond: Int
    /// Context half-window (blocks either side).
    let half: Int
    /// Pitch estimates per block (for the voiced fraction).
    let pitchSlots: Int
    /// Whether the blocks carry the learned model's speech probability.
    let hasSpeechProbability: Bool

    init(store: BlockStore, config: VoiceConfig, speechProbability: Bool = false) {
        self.store = store
        hasSpeechProbability = speechProbability
        floors = NoiseFloor.perSecond(store, config: config)
        perSecond = NoiseFloor.blocksPerSecond(config)
        half = max(1, Int(config.contextSeconds * 10 / 2))
        pitchSlots = max(1, config.blockFrames / max(1, config.pitchEveryFrames))
    }

    var count: Int { store.count }

    subscript(i: Int) -> VoiceBlock { store[i] }

    /// Floor under block `i` (dB).
    func floor(_ i: Int) -> Float { floors[i / perSecond] }

    /// Level of block `i` above the floor (dB).
    func rel(_ i: Int) -> Float { store[i].meanDB - floor(i) }

    /// Context features of block `i` over the centred window of `half` blocks either side (clipped
    /// at the recording's ends).
    /// - Parameter gaps: also compute `gapLevel` and `gapFlatness` (a ±1.5 s window, three times the
    ///   cost of the rest); only the class costs use them, so the speaker vectors leave them out.
    func context(_ i: Int, gaps withGaps: Bool = true) -> BlockContext {
        let lo = max(0, i - half), hi = min(count, i + half + 1)
        var sRel = 0.0, sRel2 = 0.0, sMod = 0.0, sVoiced = 0.0, sJump = 0.0, nJump = 0.0
        var sAper = 0.0, nAper = 0.0, sFlat = 0.0, sSpeech = 0.0, sFlux = 0.0
        for k in lo..<hi {
            let b = store[k]
            let r = Double(b.meanDB - floor(k))
            sRel += r
            sRel2 += r * r
            sMod += Double(b.modulation)
            sVoiced += Double(b.voiced)
            if b.voiced >= 2 { sJump += Double(b.pitchJump); nJump += 1 }
            if b.pitchFrames > 0 { sAper += Double(b.aperiodicity) * Double(b.pitchFrames) }
            nAper += Double(b.pitchFrames)
            sFlat += Double(b.flatness)
            sSpeech += Double(b.speechRatio)
            sFlux += Double(b.flux)
        }
        let c = Double(hi - lo)
        let mean = sRel / c
        let variance = max(0, sRel2 / c - mean * mean)
        let b = store[i]
        let (gapLevel, gapFlatness) = withGaps ? gaps(i) : (0, 1)
        return BlockContext(
            rel: b.meanDB - floor(i),
            relMean: Float(mean),
            levelStd: Float(variance.squareRoot()),
            modulation: Float((sMod / c).squareRoot()),
            voicedFraction: Float(sVoiced / (c * Double(pitchSlots))),
            pitchJump: nJump > 0 ? Float(sJump / nJump) : 0,
            aperiodicity: nAper > 0 ? Float(sAper / nAper) : 1,
            flatness: Float(sFlat / c),
            speechRatio: Float(sSpeech / c),
            peakiness: b.maxDB - b.meanDB,
            flux: Float(sFlux / c),
            gapLevel: gapLevel,
            gapFlatness: gapFlatness,
            speechProbability: hasSpeechProbability ? b.speechProbability : nil)
    }

    /// Half-width of the gap window (blocks, ±1.5 s): long enough to hold a few word gaps.
    static let gapHalf = 15

    /// `gapLevel` and `gapFlatness` of block `i` (see `BlockContext`). No heap allocation: it runs for
    /// every block, several times.
    func gaps(_ i: Int) -> (level: Float, flatness: Float) {
        let lo = max(0, i - Self.gapHalf), hi = min(count, i + Self.gapHalf + 1)
        return withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * Self.gapHalf + 1) { mins in
            // The three quietest blocks by mean level, as (level, flatness), quietest first.
            var q0 = (Float.infinity, Float(0)), q1 = q0, q2 = q0
            var n = 0
            for k in lo..<hi {
                let b = store[k]
                let f = floor(k)
                mins[n] = b.minDB - f
                n += 1
                let e = (b.meanDB - f, b.flatness)
                if e.0 < q0.0 { q2 = q1; q1 = q0; q0 = e } else if e.0 < q1.0 { q2 = q1; q1 = e } else if e.0 < q2.0 { q2 = e }
            }
            var filled = UnsafeMutableBufferPointer(rebasing: mins[0..<n])
            filled.sort()
            let level = filled[min(n - 1, n / 5)]
            let m = min(3, n)
            let flat = (q0.1 + (m > 1 ? q1.1 : 0) + (m > 2 ? q2.1 : 0)) / Float(m)
            return (level, flat)
        }
    }
}

/// Percentiles of levels (dB) in fixed memory: 0.1 dB bins from -160 to +20 dB (values outside are
/// clamped to the end bins).
struct LevelHistogram {
    static let lowDB: Float = -160
    static let step: Float = 0.1
    private var bins = [Int](repeating: 0, count: 1801)
    private var total = 0

    mutating func add(_ db: Float) {
        guard db.isFinite else { return }
        let i = Int(((db - Self.lowDB) / Self.step).rounded())
        bins[min(bins.count - 1, max(0, i))] += 1
        total += 1
    }

    /// The value at fraction `p` (0…1) of the sorted levels, as `NoiseFloor.percentile` ranks it; 0 when empty.
    func percentile(_ p: Double) -> Float {
        guard total > 0 else { return 0 }
        let rank = min(total - 1, max(0, Int((Double(total - 1) * p).rounded())))
        var seen = 0
        for (i, c) in bins.enumerated() {
            seen += c
            if seen > rank { return Self.lowDB + Float(i) * Self.step }
        }
        return Self.lowDB + Float(bins.count - 1) * Self.step
    }
}
