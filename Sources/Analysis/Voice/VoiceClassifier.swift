import Foundation

/// The four acoustic classes decided before speakers are told apart.
enum AcousticClass: Int, CaseIterable {
    case silence = 0, speech, multi, media
}

/// Heuristic per-block class costs (negative log-evidence, nats) from floor-relative context
/// features, and the Viterbi path through them.
///
/// Each cost is a sum of soft hinge terms `softplus((x - edge) / width)`: near zero when a feature is
/// on the class's side of its edge, growing linearly (1 nat per `width`) the further it is on the
/// wrong side. The edges are set from what the classes are acoustically, checked against the
/// per-label feature distributions of tuning lessons (never the held-out ones):
/// - silence: a quiet room (little energy above the floor; steady hum sits in the floor), or a
///   non-voice event above it — unvoiced, aperiodic and noise-like (knocks, chair scrapes, rustles);
/// - speech (one voice): a strong 3-8 Hz syllable rhythm, a varying level (DART: single voice =
///   medium level, high variance), voiced and periodic (voicing may fail on breathy voices);
/// - multi (several voices): loud and steady (DART: multiple voices = high level, low variance), weak
///   rhythm, blurred periodicity, a spread (not tonal) spectrum;
/// - media (music): tonal (very low spectral flatness) and spectrally steady (low flux); or a video
///   clip, a voice over a music bed: word gaps filled well above the floor with tonal sound, and less
///   of the energy in the speech band (`VoiceConfig.soundtrackMedia`).
struct VoiceClassifier {
    var config: VoiceConfig

    @inline(__always) static func hinge(_ x: Float, above edge: Float, width: Float) -> Float {
        // Cost of x being below `edge` (wants x > edge).
        softplus((edge - x) / width)
    }

    @inline(__always) static func hinge(_ x: Float, below edge: Float, width: Float) -> Float {
        softplus((x - edge) / width)
    }

    @inline(__always) static func softplus(_ z: Float) -> Float {
        z > 20 ? z : log1pf(expf(z))
    }

    /// Costs for one block, indexed by `AcousticClass.rawValue`. Edges (dB above the floor, fractions)
    /// were checked against the per-label feature distributions of the tuning lessons.
    func costs(_ c: BlockContext) -> SIMD4<Float> {
        typealias H = VoiceClassifier
        // Silence is either a quiet room or a non-voice event above it (knock, scrape, rustle): unvoiced,
        // aperiodic, noise-like. The two explanations compete through a soft minimum.
        // Both explanations are unvoiced: periodic frames are only tracked ≥ 6 dB above the floor
        // (`pitchGateDB`), so a room with nobody talking has a voiced fraction of about 0 (tuning
        // lessons: 90 % of true silence blocks below 0.11), while a quiet, far student in the
        // 9-12 dB band still keeps about 0.2. Without this term the quiet-room explanation took such
        // students for silence on level alone. The edge is the noise event's 0.12 (one notion of
        // "unvoiced"), 1 nat per 0.05 as there.
        let unvoiced = H.hinge(c.voicedFraction, below: 0.12, width: 0.05)
        let quietRoom = H.hinge(c.relMean, below: 8, width: 2) + unvoiced
        // A noise is spectrally flat. With the learned model deciding voice against non-voice, what
        // remains is to tell noise from music, and real room noise is often tonal (a furnace's roar, a
        // fan's hum, traffic rumble; real-audio dev set: spectral flatness 0.02-0.03, as tonal as
        // music) but never steady the way held notes are: its frame-to-frame spectral flux stays high
        // (dev noise 90 % above 0.22; music: tuning lessons 90 % below 0.19, real dev music median
        // 0.19). So with the model a noise is flat OR unsteady; without it, flatness alone keeps the
        // acoustic cues from taking tonal sound (voices, music) for a noise event.
        let flat = H.hinge(c.flatness, above: 0.2, width: 0.04)
        let noiseLike = c.speechProbability == nil ? flat : H.softmin(flat, H.hinge(c.flux, above: 0.21, width: 0.02))
        let noiseEvent = unvoiced
            + H.hinge(c.aperiodicity, above: 0.4, width: 0.06)
            + noiseLike
            // Classroom noises are brief or moderate: sustained very loud sound is rarely one (it
            // guards loud voices and loud music alike).
            + 0.5 * H.hinge(c.relMean, below: 25, width: 4)
            // Knocks, scrapes and rustles are single events, not a syllable rhythm held for a whole
            // second (tuning lessons' distractors: rhythm depth 90 % below 5.5 dB for knocks, 3.5 for
            // scrapes, 2.7 for rustles), so a rhythm deeper than 5 dB is a voice even when the pitch
            // tracker fails on it (a buzzy teacher voice at 18-25 dB above the floor, rhythm about
            // 6.3 dB, no voicing, was labelled silence for half a minute in a tuning lesson).
            + H.hinge(c.modulation, below: 5, width: 1)
        let silence = H.softmin(quietRoom, noiseEvent + 1)

        // One voice: strong syllable rhythm and a varying level; voiced and periodic — but a hoarse or
        // breathy voice defeats the pitch tracker, so missing voicing costs at most about 2.5 nats.
        let loud = H.hinge(c.relMean, above: 9, width: 2)
        let voicing = H.hinge(c.voicedFraction, above: 0.2, width: 0.07)
            + H.hinge(c.aperiodicity, below: Self.noisyAperiodicityEdge(relMean: c.relMean), width: 0.05)
        // Syllable dips cannot go below the floor, so a quiet voice cannot show deep rhythm: the rhythm
        // asked for is at most 4 dB and at most 30 % of the level above the floor.
        let rhythmEdge = min(4, 0.3 * max(c.relMean, 0))
        let speech = loud
            + H.hinge(c.modulation, above: rhythmEdge, width: 1)
            + H.softmin(voicing, 2.5 + H.hinge(c.modulation, above: 6, width: 1))
            + 0.5 * H.hinge(c.levelStd, above: 4, width: 1.5)
            + 0.5 * H.hinge(c.flatness, below: 0.22, width: 0.04)

        // Several voices: loud and steady (DART), weak rhythm, overlapping voices blur the periodicity
        // and spread the spectrum (not tonal like music).
        let multi = H.hinge(c.relMean, above: 18, width: 3)
            + H.hinge(c.levelStd, below: 4.5, width: 1.5)
            + H.hinge(c.modulation, below: 4, width: 1)
            + H.hinge(c.aperiodicity, above: 0.28, width: 0.05)
            + H.hinge(c.flatness, above: 0.045, width: 0.012)

        // Media (music): tonal (very low flatness) and spectrally steady (low flux).
        let music = loud
            + H.hinge(c.flatness, below: 0.035, width: 0.01)
            + H.hinge(c.flux, below: 0.16, width: 0.02)
            + 0.5 * H.hinge(c.modulation, below: 5, width: 1.5)
        // Media (a video clip: a voice over a music bed): speech-like, but the gaps between words stay
        // well above the floor and what fills them is tonal. A live voice drops towards the floor
        // between words; several live voices fill the gaps with voices, which are less tonal.
        // A music bed also carries bass and treble, so less of the energy is in the speech band.
        let soundtrack = loud
            + H.hinge(c.gapLevel, above: 14, width: 3)
            + H.hinge(c.gapFlatness, below: 0.05, width: 0.015)
            + H.hinge(c.speechRatio, below: 0.72, width: 0.04)
            // One narrator: a smooth pitch track; several live voices make the tracker jump.
            + H.hinge(c.pitchJump, below: 1.5, width: 0.5)
        guard let p = c.speechProbability else {
            return SIMD4(silence, speech, multi, config.soundtrackMedia ? H.softmin(music, soundtrack) : music)
        }
        // The learned model's speech probability as evidence (a log-likelihood term, nats): voices
        // (one or several, and a narrator over a music bed) pay −w·log p, silence and music pay
        // −w·log(1 − p). p is floored so one confident window cannot overrule every cue at once.
        let (voiceCost, quietCost) = Self.speechEvidence(p, weight: config.speechEvidenceWeight,
                                                         floor: config.speechProbabilityFloor)
        let media = config.soundtrackMedia ? H.softmin(music + quietCost, soundtrack + voiceCost) : music + quietCost
        return SIMD4(silence + quietCost, speech + voiceCost, multi + voiceCost, media)
    }

    /// Costs (nats) of "a voice" and of "no voice" given the model's speech probability `p`:
    /// `−w·log max(p, floor)` and `−w·log max(1 − p, floor)`.
    @inline(__always) static func speechEvidence(_ p: Float, weight: Float, floor: Float) -> (voice: Float, quiet: Float) {
        (-weight * logf(max(p, floor)), -weight * logf(max(1 - p, floor)))
    }

    /// Aperiodicity edge of one voice at a level `relMean` dB above the floor.
    ///
    /// A clean voice's YIN aperiodicity (CMND at its period) is about `clean` = 0.36. Additive noise
    /// of power N on a voice of power S adds its full power to the difference at the period but only
    /// its share to the normalising mean, so the CMND becomes about `(clean·S + N) / (S + N)` =
    /// `(clean·snr + 1) / (snr + 1)`, with `snr` = S/N = 10^(relMean/10) − 1 (relMean is voice plus
    /// noise over the noise). At 10 dB above the floor that is 0.42 (tuning lessons: quiet, far
    /// students there measure 0.40 median and lost their voicing evidence at the fixed 0.36); from
    /// 20 dB on it is within 0.01 of the clean edge, so loud speech versus multi is unchanged.
    @inline(__always) static func noisyAperiodicityEdge(relMean: Float) -> Float {
        let clean: Float = 0.36
        // Floor at 0 dB: below the floor there is no voice to speak of (and the edge tends to 1).
        let snr = max(powf(10, max(relMean, 0) / 10) - 1, 1e-3)
        return (clean * snr + 1) / (snr + 1)
    }

    @inline(__always) static func softmin(_ a: Float, _ b: Float) -> Float {
        let m = min(a, b)
        return m - log1pf(expf(-abs(a - b)))
    }

    /// The context window blurs voice boundaries by about half its length; pull the start and end of
    /// every voice run (speech, multi) in to its first and last block that is itself `edgeDB` above
    /// the floor (`rel(i)`: level of block `i` above the floor). The trimmed blocks become silence.
    static func trimEdges(_ path: inout [AcousticClass], rel: (Int) -> Float, edgeDB: Float) {
        var i = 0
        let n = path.count
        while i < n {
            let k = path[i]
            var j = i
            while j < n && path[j] == k { j += 1 }
            if k == .speech || k == .multi {
                var a = i, b = j
                while a < b && rel(a) < edgeDB { a += 1 }
                while b > a && rel(b - 1) < edgeDB { b -= 1 }
                if a < b {
                    for t in i..<a { path[t] = .silence }
                    for t in b..<j { path[t] = .silence }
                }
            }
            i = j
        }
    }

    /// Minimum-cost class path with a fixed switching penalty (Viterbi).
    static func viterbi(_ costs: [SIMD4<Float>], switchPenalty: Float) -> [AcousticClass] {
        viterbi(count: costs.count, switchPenalty: switchPenalty) { costs[$0] }
    }

    /// Minimum-cost class path over `count` blocks whose costs come from `cost(t)`, asked once per
    /// block in order (so costs need not be kept). Memory: one byte per block (four 2-bit
    /// back-pointers), reused for the path.
    static func viterbi(count n: Int, switchPenalty: Float, cost: (Int) -> SIMD4<Float>) -> [AcousticClass] {
        guard n > 0 else { return [] }
        var back = [UInt8](repeating: 0, count: n)
        var score = cost(0)
        for t in 1..<n {
            let c = cost(t)
            var next = SIMD4<Float>()
            var packed: UInt8 = 0
            // Best previous state overall, for switching.
            var bestPrev = 0
            for k in 1..<4 where score[k] < score[bestPrev] { bestPrev = k }
            let sw = score[bestPrev] + switchPenalty
            for k in 0..<4 {
                let stay = score[k]
                let from = stay <= sw ? k : bestPrev
                next[k] = min(stay, sw) + c[k]
                packed |= UInt8(from) << UInt8(2 * k)
            }
            back[t] = packed
            score = next
        }
        var k = 0
        for j in 1..<4 where score[j] < score[k] { k = j }
        // Trace back, overwriting each back-pointer byte with the class once it has been read.
        for t in stride(from: n - 1, through: 0, by: -1) {
            let from = Int(back[t] >> UInt8(2 * k)) & 3
            back[t] = UInt8(k)
            k = from
        }
        return back.map { AcousticClass(rawValue: Int($0))! }
    }
}
