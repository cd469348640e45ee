import Foundation

/// Per-block features in context (a centred window of about a second), all relative to the
/// recording's own noise floor. Built once in `finish`, from the block records only.
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
}

enum NoiseFloor {
    /// Per-block floor (dB): a low percentile of the per-second minimum levels in a sliding window,
    /// capped at the recording's global quiet level + 10 dB so that minutes of group talk cannot
    /// lift the floor into the voices (minimum statistics).
    static func perBlock(_ blocks: [VoiceBlock], config: VoiceConfig) -> [Float] {
        guard !blocks.isEmpty else { return [] }
        let perSecond = config.blockFrames > 0 ? max(1, 100 / config.blockFrames) : 10
        let secondCount = (blocks.count + perSecond - 1) / perSecond
        var mins = [Float](repeating: .infinity, count: secondCount)
        for (i, b) in blocks.enumerated() { mins[i / perSecond] = min(mins[i / perSecond], b.minDB) }
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
        return blocks.indices.map { floors[$0 / perSecond] }
    }

    static func percentile(_ values: [Float], _ p: Double) -> Float {
        let v = values.filter { $0.isFinite }.sorted()
        guard !v.isEmpty else { return 0 }
        let i = min(v.count - 1, max(0, Int((Double(v.count - 1) * p).rounded())))
        return v[i]
    }
}

extension BlockContext {
    /// Context features for every block; `half` blocks either side.
    static func build(_ blocks: [VoiceBlock], floors: [Float], half: Int, pitchSlots: Int) -> [BlockContext] {
        let n = blocks.count
        guard n > 0 else { return [] }
        // Prefix sums make every window O(1).
        var pRel = [Double](repeating: 0, count: n + 1)
        var pRel2 = pRel, pMod = pRel, pVoiced = pRel, pJump = pRel, pJumpN = pRel
        var pAper = pRel, pAperN = pRel, pFlat = pRel, pSpeech = pRel, pFlux = pRel
        for i in 0..<n {
            let b = blocks[i]
            let r = Double(b.meanDB - floors[i])
            pRel[i + 1] = pRel[i] + r
            pRel2[i + 1] = pRel2[i] + r * r
            pMod[i + 1] = pMod[i] + Double(b.modulation)
            pVoiced[i + 1] = pVoiced[i] + Double(b.voiced)
            let hasJump = b.voiced >= 2
            pJump[i + 1] = pJump[i] + (hasJump ? Double(b.pitchJump) : 0)
            pJumpN[i + 1] = pJumpN[i] + (hasJump ? 1 : 0)
            pAper[i + 1] = pAper[i] + (b.pitchFrames > 0 ? Double(b.aperiodicity) * Double(b.pitchFrames) : 0)
            pAperN[i + 1] = pAperN[i] + Double(b.pitchFrames)
            pFlat[i + 1] = pFlat[i] + Double(b.flatness)
            pSpeech[i + 1] = pSpeech[i] + Double(b.speechRatio)
            pFlux[i + 1] = pFlux[i] + Double(b.flux)
        }
        var out: [BlockContext] = []
        out.reserveCapacity(n)
        for i in 0..<n {
            let lo = max(0, i - half), hi = min(n, i + half + 1)
            let c = Double(hi - lo)
            func m(_ p: [Double]) -> Double { (p[hi] - p[lo]) / c }
            let mean = m(pRel)
            let variance = max(0, m(pRel2) - mean * mean)
            let jn = pJumpN[hi] - pJumpN[lo]
            let an = pAperN[hi] - pAperN[lo]
            let b = blocks[i]
            out.append(BlockContext(
                rel: b.meanDB - floors[i],
                relMean: Float(mean),
                levelStd: Float(variance.squareRoot()),
                modulation: Float(m(pMod).squareRoot()),
                voicedFraction: Float((pVoiced[hi] - pVoiced[lo]) / (c * Double(pitchSlots))),
                pitchJump: jn > 0 ? Float((pJump[hi] - pJump[lo]) / jn) : 0,
                aperiodicity: an > 0 ? Float((pAper[hi] - pAper[lo]) / an) : 1,
                flatness: Float(m(pFlat)),
                speechRatio: Float(m(pSpeech)),
                peakiness: b.maxDB - b.meanDB,
                flux: Float(m(pFlux))))
        }
        return out
    }
}
