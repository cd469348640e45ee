import Foundation

/// Speaker turns, per-turn embeddings and clustering for single-voice speech; picks the teacher
/// without enrolment.
///
/// Heuristic. Turns are single-voice runs split at pauses and at change points (the distance between
/// the mean embeddings of the second before and the second after a block peaks). A turn's embedding
/// is the mean over its active blocks of MFCC c1…c12, pitch (log2 Hz), level above the floor and
/// syllable-rhythm depth (reverberation smears it), each standardised over all speech of the recording.
/// Turns are clustered by leader clustering plus k-means refinement (linear in the number of turns).
/// With `VoiceConfig.speakerTimbreBIC`, a turn joins a cluster only when the BIC between diagonal
/// Gaussians of their 10 ms MFCC frames also says one voice (`TimbreGaussian`; Chen & Gopalakrishnan
/// 1998), which keeps apart voices that are equally near, loud and high.
/// With `VoiceConfig.speakerGMM` (off by default), a universal background model of the recording's
/// voices is trained first (`SpeakerGMM`: a diagonal GMM of up to 32 components, EM on a capped
/// sample of its single-voice speech blocks); each turn keeps its statistics against it, and turns are
/// clustered bottom-up: the pair whose MAP-adapted models give the highest cross likelihood ratio
/// (nats per frame, so not more confident for longer turns; Reynolds et al. 2000, Barras et al. 2006)
/// merges while that ratio is at least `speakerGMMMinCLR` and the embeddings are within the join
/// distance (`agglomerate`).
/// The teacher is the cluster with the most speech time, weighted towards the loudest, closest voice:
/// score = seconds × 2^((level − loudest level) / 6 dB).
struct SpeakerClustering {
    var config: VoiceConfig
    /// The teacher's lapel-microphone track, when the recording has one: its level over the room
    /// microphone's (both above their own floors) is added to the embedding and decides the teacher.
    var lapel: BlockSource?
    /// Embeds chosen partials of the given speech turns (block ranges): the learned embedding
    /// (`voice.speakerEmbedding`), run once the turns are known (`VoiceFrontEnd.embed`). With partials,
    /// turns are clustered by the cosine of their mean embeddings (`clusterByEmbedding`).
    var embed: (([Range<Int>]) -> SpeakerVectors)?

    /// Embedding dimensions: 12 MFCC + pitch + level + rhythm (+ lapel gap with a lapel track).
    static let baseDims = 15
    var dims: Int { Self.baseDims + (lapel == nil ? 0 : 1) }
    /// Weights after standardisation: level and syllable-rhythm depth carry the distance to the
    /// microphone (the teacher is close, students are far and reverberant), the strongest cue in a
    /// classroom; pitch gives the voice register; MFCCs (timbre and channel) share the rest.
    static let weights: [Float] = Array(repeating: 0.4, count: 12) + [1.0, 2.0, 2.0]
    /// Weight of the lapel gap: the wearer is 15-30 dB louder on the lapel than on the room microphone,
    /// everyone else is not, whatever the voices; stronger than every other cue together.
    static let lapelWeight: Float = 3.0
    var weights: [Float] { Self.weights + (lapel == nil ? [] : [Self.lapelWeight]) }
    /// Distance (weighted z units) under which a turn joins an existing cluster.
    static let joinDistance: Float = 3.0
    /// Change-point distance (weighted z units) between adjacent seconds that splits a turn.
    static let changeDistance: Float = 4.5

    struct Turn {
        var start: Int   // block index
        var end: Int     // exclusive
        var cluster = 0
        var embedding: [Float] = []
        var weight: Float = 0
        var level: Float = 0
        /// Mean lapel gap of the turn's core (dB; 0 without a lapel track).
        var lapelGap: Float = 0
        /// Whether the lapel heard the turn (its core's mean level on the lapel ≥ `lapelAliveDB`);
        /// when not, the lapel gap is no evidence.
        var lapelAlive = false
        /// MFCC frame statistics of the turn's core (the blocks the embedding is taken over).
        var timbre = TimbreGaussian()
        /// The core's statistics against the recording's background model (`voice.speakerGMM`;
        /// empty without it).
        var voice = SpeakerGMM.Stats()
        /// Mean learned speaker embedding of the turn (unit length; nil without the model or when
        /// no partial lies mostly inside the turn).
        var voiceVector: [Float]?
    }

    struct Outcome {
        var turns: [Turn]
        var teacherCluster: Int
        var clusterCount: Int
        /// Partials the learned speaker embedding described (0 when it did not run).
        var embeddedPartials = 0
    }

    /// Longest stretch of speech handled at once (blocks; 5 min): a longer run is cut there, which
    /// only splits a turn in two (both halves are clustered, normally together) and keeps the working
    /// arrays bounded whatever the recording.
    static let maxRunBlocks = 3000

    /// Mean and standard deviation of each embedding dimension over the active single-voice blocks.
    struct Scale {
        var mean: [Float]
        var sd: [Float]
    }

    /// Raw embedding vector of block `i` into `v` (NaN pitch when unvoiced); returns the block's
    /// level above the floor.
    @discardableResult
    private func rawVector(_ source: BlockSource, _ i: Int, into v: inout [Float]) -> Float {
        let b = source[i], c = source.context(i, gaps: false)
        for k in 0..<12 { v[k] = b.mfccValue(k) }
        v[12] = b.voiced > 0 ? b.log2Pitch : .nan
        v[13] = c.rel
        v[14] = c.modulation
        if let lapel { v[15] = lapelHears(lapel, i) ? lapelGap(lapel, i, roomRel: c.rel) : .nan }
        return c.rel
    }

    /// Lapel level above its floor minus the room microphone's level above its floor (dB) at block `i`.
    private func lapelGap(_ lapel: BlockSource, _ i: Int, roomRel: Float) -> Float {
        guard lapel.count > 0 else { return 0 }
        return lapel.rel(min(i, lapel.count - 1)) - roomRel
    }

    /// A lapel that hears a block less than this far above its own floor (dB) is switched off, muted or
    /// unplugged there: it says nothing about who spoke. (A student is heard on the lapel about as far
    /// above its floor as on the room microphone, since the room's noise reaches it the same way.)
    static let lapelAliveDB: Float = 3

    private func lapelHears(_ lapel: BlockSource, _ i: Int) -> Bool {
        lapel.count > 0 && lapel.rel(min(i, lapel.count - 1)) >= Self.lapelAliveDB
    }

    /// Active = loud enough to carry the speaker's voice (heuristic: the voice, not the gaps between words).
    static let activeDB: Float = 6

    func run(source: BlockSource, path: [AcousticClass]) -> Outcome {
        let ubm = backgroundModel(source: source, path: path)
        var turns = self.turns(source: source, path: path, ubm: ubm)
        var vectors = embed?(turns.map { $0.start..<$0.end })
        if vectors?.isEmpty == true { vectors = nil }
        let clustered: Int
        if let vectors {
            for t in turns.indices { turns[t].voiceVector = vectors.mean(start: turns[t].start, end: turns[t].end) }
            clusterByEmbedding(&turns)
            var count = renumber(&turns)
            if config.speakerEmbeddingSplit {
                // Ask of the largest cluster whether it is two voices, as long as the answer is yes.
                for _ in 0..<Self.maxSplits {
                    guard splitLargest(&turns, vectors, clusters: count) else { break }
                    count += 1
                }
            }
            clustered = count
        } else {
            clustered = cluster(&turns, ubm: ubm)
        }
        inheritShortTurns(&turns)
        // Teacher: most speech time, weighted towards the closest cluster: the loudest one, or with a
        // lapel track the one loudest on the lapel relative to the room microphone.
        var seconds = [Float](repeating: 0, count: clustered)
        var levelSum = [Float](repeating: 0, count: clustered)
        var weightSum = [Float](repeating: 0, count: clustered)
        for t in turns {
            seconds[t.cluster] += Float(t.end - t.start)
            // With a lapel track, only the turns it heard say how close a cluster is to it.
            guard lapel == nil || t.lapelAlive else { continue }
            levelSum[t.cluster] += (lapel == nil ? t.level : t.lapelGap) * t.weight
            weightSum[t.cluster] += t.weight
        }
        let levels = (0..<clustered).map { weightSum[$0] > 0 ? levelSum[$0] / weightSum[$0] : -100 }
        let loudest = levels.max() ?? 0
        var teacher = 0
        var best: Float = -1
        for c in 0..<clustered {
            let score = seconds[c] * powf(2, (levels[c] - loudest) / 6)
            if score > best { best = score; teacher = c }
        }
        return Outcome(turns: turns, teacherCluster: teacher, clusterCount: clustered, embeddedPartials: vectors?.count ?? 0)
    }

    /// The recording's background model of its voices when `VoiceConfig.speakerGMM` is on (nil when
    /// off, or too little speech to train one).
    func backgroundModel(source: BlockSource, path: [AcousticClass]) -> SpeakerGMM? {
        config.speakerGMM ? SpeakerGMM.train(source: source, path: path, activeDB: Self.activeDB) : nil
    }

    /// The speaker turns of the single-voice speech in `path`, with their embeddings (and their
    /// statistics against `ubm`, if given), not yet clustered (`cluster` is 0).
    func turns(source: BlockSource, path: [AcousticClass], ubm: SpeakerGMM? = nil) -> [Turn] {
        let n = path.count
        let dims = self.dims
        // Standardise over active speech blocks (first pass, nothing kept per block).
        var mean = [Double](repeating: 0, count: dims)
        var m2 = [Double](repeating: 0, count: dims)
        var cnt = [Double](repeating: 0, count: dims)
        var v = [Float](repeating: 0, count: dims)
        for i in 0..<n where path[i] == .speech && source.rel(i) > Self.activeDB {
            rawVector(source, i, into: &v)
            for k in 0..<dims where !v[k].isNaN {
                cnt[k] += 1
                let d = Double(v[k]) - mean[k]
                mean[k] += d / cnt[k]
                m2[k] += d * (Double(v[k]) - mean[k])
            }
        }
        let scale = Scale(mean: mean.map { Float($0) },
                          sd: (0..<dims).map { k in Float(cnt[k] > 1 ? max((m2[k] / (cnt[k] - 1)).squareRoot(), 1e-3) : 1) })

        // Turns: speech runs (in pieces of at most `maxRunBlocks`), split at pauses and speaker changes.
        var turns: [Turn] = []
        var i = 0
        while i < n {
            guard path[i] == .speech else { i += 1; continue }
            var j = i
            while j < n && path[j] == .speech && j - i < Self.maxRunBlocks { j += 1 }
            turns.append(contentsOf: runTurns(source, start: i, end: j, scale: scale, ubm: ubm))
            i = j
        }
        return turns
    }

    /// The standardised, weighted vectors of one speech run (working arrays local to the run).
    struct RunVectors {
        var z: [Float]       // count × dims, NaN where unknown (unvoiced pitch)
        var active: [Bool]
        var rel: [Float]
        let start: Int
        let dims: Int

        func vector(_ b: Int) -> ArraySlice<Float> {
            let o = (b - start) * dims
            return z[o..<(o + dims)]
        }
    }

    /// Turns of the speech run `[start, end)` with their embeddings.
    private func runTurns(_ source: BlockSource, start: Int, end: Int, scale: Scale, ubm: SpeakerGMM?) -> [Turn] {
        let dims = self.dims
        let weights = self.weights
        let len = end - start
        var rv = RunVectors(z: [Float](repeating: .nan, count: len * dims), active: [Bool](repeating: false, count: len),
                            rel: [Float](repeating: 0, count: len), start: start, dims: dims)
        var v = [Float](repeating: 0, count: dims)
        for b in start..<end {
            let r = rawVector(source, b, into: &v)
            let o = (b - start) * dims
            rv.rel[b - start] = r
            rv.active[b - start] = r > Self.activeDB
            for k in 0..<dims where !v[k].isNaN { rv.z[o + k] = (v[k] - scale.mean[k]) / scale.sd[k] * weights[k] }
        }
        func isActive(_ b: Int) -> Bool { rv.active[b - start] }
        let pauseBlocks = max(1, Int(config.turnPauseSeconds * 10))
        let minTurn = max(2, Int(config.minTurnSeconds * 10))
        // Split at runs of inactive blocks ≥ pauseBlocks.
        var turns: [Turn] = []
        var s = start, k = start
        while k < end {
            if !isActive(k) {
                var e = k
                while e < end && !isActive(e) { e += 1 }
                if e - k >= pauseBlocks && k > s {
                    turns.append(contentsOf: splitAtChanges(Turn(start: s, end: k), rv, minTurn: minTurn))
                    s = e
                }
                k = e
            } else { k += 1 }
        }
        if s < end { turns.append(contentsOf: splitAtChanges(Turn(start: s, end: end), rv, minTurn: minTurn)) }
        // Embeddings.
        var scratch: [Float] = []
        for t in turns.indices {
            var sum = [Float](repeating: 0, count: dims)
            var c = [Float](repeating: 0, count: dims)
            var level: Float = 0, levelN: Float = 0, gap: Float = 0, lapelLevel: Float = 0
            var timbre = TimbreGaussian()
            // The loud core of the turn (within 12 dB of its peak block): onsets and fading ends say
            // little about the speaker and would drag the level down.
            var peak: Float = -.infinity
            for b in turns[t].start..<turns[t].end where isActive(b) { peak = max(peak, rv.rel[b - start]) }
            for b in turns[t].start..<turns[t].end where isActive(b) && rv.rel[b - start] >= peak - 12 {
                let z = rv.vector(b)
                for (k, x) in zip(0..<dims, z) where !x.isNaN { sum[k] += x; c[k] += 1 }
                level += rv.rel[b - start]; levelN += 1
                timbre.add(source[b], frames: config.blockFrames)
                ubm?.add(source[b], frames: config.blockFrames, to: &turns[t].voice, scratch: &scratch)
                if let lapel {
                    gap += lapelGap(lapel, b, roomRel: rv.rel[b - start])
                    lapelLevel += lapel.count > 0 ? lapel.rel(min(b, lapel.count - 1)) : 0
                }
            }
            turns[t].embedding = (0..<dims).map { c[$0] > 0 ? sum[$0] / c[$0] : Self.unknown($0) }
            turns[t].weight = levelN
            turns[t].level = levelN > 0 ? level / levelN : 0
            turns[t].lapelGap = levelN > 0 ? gap / levelN : 0
            turns[t].lapelAlive = lapel != nil && levelN > 0 && lapelLevel / levelN >= Self.lapelAliveDB
            turns[t].timbre = timbre
        }
        return turns
    }

    /// A turn with under `shortTurnBlocks` active blocks (a word or two, often a quiet onset or
    /// trailing syllable) has too little audio for its own embedding: when another, longer turn
    /// follows or precedes it within `adjacentGapBlocks`, it takes that turn's speaker.
    private func inheritShortTurns(_ turns: inout [Turn]) {
        let shortTurnBlocks: Float = 8      // 0.8 s of voice
        let adjacentGapBlocks = 5           // 0.5 s: a change of speaker in class takes longer than that
        let original = turns
        for t in turns.indices where original[t].weight < shortTurnBlocks {
            var best: (gap: Int, cluster: Int)?
            if t > 0, original[t - 1].weight >= shortTurnBlocks {
                let gap = original[t].start - original[t - 1].end
                if gap <= adjacentGapBlocks { best = (gap, original[t - 1].cluster) }
            }
            if t + 1 < original.count, original[t + 1].weight >= shortTurnBlocks {
                let gap = original[t + 1].start - original[t].end
                if gap <= adjacentGapBlocks && gap < (best?.gap ?? .max) { best = (gap, original[t + 1].cluster) }
            }
            if let best { turns[t].cluster = best.cluster }
        }
    }

    /// Splits a turn where the speaker changes (distance between the means of the preceding and
    /// following `minTurn` blocks peaks above `changeDistance`).
    private func splitAtChanges(_ turn: Turn, _ rv: RunVectors, minTurn: Int) -> [Turn] {
        let len = turn.end - turn.start
        guard len >= 2 * minTurn else { return [turn] }
        var dist = [Float](repeating: 0, count: len)
        for p in (turn.start + minTurn)...(turn.end - minTurn) where p < turn.end {
            let a = meanVector(rv, turn.start > p - minTurn ? turn.start : p - minTurn, p)
            let b = meanVector(rv, p, p + minTurn)
            guard let a, let b else { continue }
            dist[p - turn.start] = distance(a, b)
        }
        var cuts: [Int] = []
        var p = minTurn
        while p <= len - minTurn {
            let d = dist[p]
            if d > Self.changeDistance {
                // Local maximum within ±minTurn/2.
                let lo = max(minTurn, p - minTurn / 2), hi = min(len - minTurn, p + minTurn / 2)
                var isMax = true
                for q in lo...hi where dist[q] > d { isMax = false; break }
                if isMax && (cuts.last.map { p - $0 >= minTurn } ?? true) { cuts.append(p) }
            }
            p += 1
        }
        var out: [Turn] = []
        var s = turn.start
        for c in cuts { out.append(Turn(start: s, end: turn.start + c)); s = turn.start + c }
        out.append(Turn(start: s, end: turn.end))
        return out
    }

    private func meanVector(_ rv: RunVectors, _ lo: Int, _ hi: Int) -> [Float]? {
        var sum = [Float](repeating: 0, count: dims)
        var c = [Float](repeating: 0, count: dims)
        var any = false
        for b in lo..<hi where rv.active[b - rv.start] {
            any = true
            for (k, x) in zip(0..<dims, rv.vector(b)) where !x.isNaN { sum[k] += x; c[k] += 1 }
        }
        guard any else { return nil }
        return (0..<dims).map { c[$0] > 0 ? sum[$0] / c[$0] : Self.unknown($0) }
    }

    /// The value of a dimension a turn has no data for: the recording's mean (0 after standardising)
    /// for the voice dimensions, unknown (NaN, left out of distances) for the lapel gap, which is no
    /// evidence at all when the lapel did not hear the turn.
    static func unknown(_ k: Int) -> Float { k >= baseDims ? .nan : 0 }

    /// Euclidean distance over the dimensions both vectors know.
    private func distance(_ a: [Float], _ b: [Float]) -> Float {
        var s: Float = 0
        for k in 0..<a.count {
            let d = a[k] - b[k]
            if !d.isNaN { s += d * d }
        }
        return s.squareRoot()
    }

    /// Independent observations per 10 ms frame for the BIC: the share of new samples in each
    /// overlapping analysis window (hop / window, 0.4 by default; see `TimbreGaussian`).
    private var observationsPerFrame: Double { Double(config.hopSamples) / Double(config.frameSamples) }

    private func deltaBIC(_ a: TimbreGaussian, _ b: TimbreGaussian) -> Double {
        TimbreGaussian.deltaBIC(a, b, observationsPerFrame: observationsPerFrame)
    }

    /// The number of clusters `turns` form (tests: clustering alone, on given turns).
    func cluster(turns: [Turn], ubm: SpeakerGMM? = nil) -> Int {
        var t = turns
        return cluster(&t, ubm: ubm)
    }

    /// Whether two stretches may be one voice by their MFCC statistics (ΔBIC ≤ 0, `TimbreGaussian`).
    private func sameTimbre(_ a: TimbreGaussian, _ b: TimbreGaussian) -> Bool {
        !config.speakerTimbreBIC || deltaBIC(a, b) <= 0
    }

    /// Leader clustering (longest turns first) then three k-means passes weighted by active blocks.
    /// A turn joins a cluster only when both agree: its embedding is within `joinDistance` of the
    /// centroid, and its MFCC frames are not better explained as a second voice (ΔBIC ≤ 0); among
    /// such clusters it joins the one with the smallest ΔBIC. The embedding (level, rhythm, pitch,
    /// lapel gap) tells near from far voices; the BIC tells two voices at the same distance apart.
    /// With a background model (`voice.speakerGMM`) the turns are clustered bottom-up by it instead
    /// (`agglomerate`; the BIC is then not asked). Returns the number of clusters; sets `turn.cluster`.
    private func cluster(_ turns: inout [Turn], ubm: SpeakerGMM?) -> Int {
        guard !turns.isEmpty else { return 0 }
        if let ubm {
            agglomerate(&turns, ubm: ubm)
            return renumber(&turns)
        }
        let order = turns.indices.sorted { turns[$0].weight > turns[$1].weight }
        var centroids: [[Float]] = []
        var mass: [Float] = []
        var timbres: [TimbreGaussian] = []
        for t in order {
            let e = turns[t].embedding
            var best = -1
            var bestBIC = Double.infinity
            for (c, m) in centroids.enumerated() where distance(e, m) < Self.joinDistance {
                // Without the timbre test: the nearest centroid within the join distance.
                let score = config.speakerTimbreBIC ? deltaBIC(timbres[c], turns[t].timbre) : Double(distance(e, m))
                if (!config.speakerTimbreBIC || score <= 0) && score < bestBIC { bestBIC = score; best = c }
            }
            if best >= 0 {
                let w = max(turns[t].weight, 1)
                for k in 0..<e.count where !e[k].isNaN {
                    // An unknown centroid dimension takes the first turn that knows it.
                    centroids[best][k] = centroids[best][k].isNaN ? e[k] : (centroids[best][k] * mass[best] + e[k] * w) / (mass[best] + w)
                }
                mass[best] += w
                timbres[best] = timbres[best] + turns[t].timbre
                turns[t].cluster = best
            } else {
                centroids.append(e); mass.append(max(turns[t].weight, 1)); timbres.append(turns[t].timbre)
                turns[t].cluster = centroids.count - 1
            }
        }
        for _ in 0..<3 {
            // Nearest centroid among the clusters whose timbre admits the turn (compared with the
            // cluster without the turn itself); a turn no other cluster admits stays where it is.
            for t in turns.indices {
                var best = turns[t].cluster
                var bd = distance(turns[t].embedding, centroids[best])
                for (c, m) in centroids.enumerated() where c != turns[t].cluster {
                    let d = distance(turns[t].embedding, m)
                    if d < bd && sameTimbre(timbres[c], turns[t].timbre) { bd = d; best = c }
                }
                if best != turns[t].cluster {
                    timbres[turns[t].cluster] = timbres[turns[t].cluster] - turns[t].timbre
                    timbres[best] = timbres[best] + turns[t].timbre
                    turns[t].cluster = best
                }
            }
            var sums = [[Float]](repeating: [Float](repeating: 0, count: dims), count: centroids.count)
            var w = [[Float]](repeating: [Float](repeating: 0, count: dims), count: centroids.count)
            for t in turns {
                let tw = max(t.weight, 1)
                for k in 0..<dims where !t.embedding[k].isNaN {
                    sums[t.cluster][k] += t.embedding[k] * tw
                    w[t.cluster][k] += tw
                }
            }
            for c in centroids.indices where w[c].contains(where: { $0 > 0 }) {
                centroids[c] = (0..<dims).map { w[c][$0] > 0 ? sums[c][$0] / w[c][$0] : Self.unknown($0) }
            }
        }
        // Join clusters whose centroids ended up closer than the join distance and whose timbres are
        // one voice by the BIC (one speaker split in two). Joined groups carry their summed statistics.
        var parent = Array(centroids.indices)
        func root(_ c: Int) -> Int { var c = c; while parent[c] != c { c = parent[c] }; return c }
        var groupTimbre = [TimbreGaussian](repeating: TimbreGaussian(), count: centroids.count)
        for t in turns { groupTimbre[t.cluster] = groupTimbre[t.cluster] + t.timbre }
        for a in centroids.indices { for b in centroids.indices where b > a && distance(centroids[a], centroids[b]) < Self.joinDistance {
            let ra = root(a), rb = root(b)
            guard ra != rb, sameTimbre(groupTimbre[ra], groupTimbre[rb]) else { continue }
            parent[rb] = ra
            groupTimbre[ra] = groupTimbre[ra] + groupTimbre[rb]
        } }
        for t in turns.indices { turns[t].cluster = root(turns[t].cluster) }
        return renumber(&turns)
    }

    /// Renumbers `turn.cluster` to the clusters in use (0, 1, … in order of first use); returns how many.
    private func renumber(_ turns: inout [Turn]) -> Int {
        var map: [Int: Int] = [:]
        for t in turns.indices {
            let c = turns[t].cluster
            if map[c] == nil { map[c] = map.count }
            turns[t].cluster = map[c]!
        }
        return map.count
    }

    /// Most turns clustered bottom-up (the longest ones): 512² ratios are 1 MB; every further turn
    /// joins one of the clusters they form, so cost and memory are bounded whatever the recording.
    static let maxAgglomerativeTurns = 512

    /// Agglomerative clustering with the background model (`voice.speakerGMM`; Barras et al. 2006):
    /// every turn starts as its own cluster; the pair with the highest cross likelihood ratio merges
    /// (their statistics add), as long as that ratio is at least `speakerGMMMinCLR` and their centroid
    /// embeddings are within `joinDistance` (so level, rhythm and the lapel gap still keep a near and
    /// a far voice apart). Bottom-up rather than leader clustering because a ratio between two single
    /// turns is noisy (what each says differs) and a ratio between a turn and a grown cluster is not:
    /// merging the surest pairs first grows each voice's cluster before the doubtful turns are asked.
    /// Turns past `maxAgglomerativeTurns` and turns without active blocks then join the admitted
    /// cluster with the highest ratio (or the nearest, when the turn has no frames), else their own.
    private func agglomerate(_ turns: inout [Turn], ubm: SpeakerGMM) {
        let order = turns.indices.sorted { turns[$0].weight > turns[$1].weight }
        let seeds = Array(order.filter { turns[$0].voice.frames > 0 }.prefix(Self.maxAgglomerativeTurns))
        var stats = seeds.map { turns[$0].voice }
        var centroids = seeds.map { turns[$0].embedding }
        var mass = seeds.map { max(turns[$0].weight, 1) }
        var alive = [Bool](repeating: true, count: seeds.count)
        var owner = [Int](repeating: -1, count: turns.count)  // turn → cluster index
        for (c, t) in seeds.enumerated() { owner[t] = c }
        let threshold = config.speakerGMMMinCLR
        func score(_ a: Int, _ b: Int) -> Float {
            distance(centroids[a], centroids[b]) < Self.joinDistance ? ubm.crossLikelihoodRatio(stats[a], stats[b]) : -.infinity
        }
        func absorb(_ e: [Float], _ w: Float, into c: Int) {
            for k in 0..<e.count where !e[k].isNaN {
                centroids[c][k] = centroids[c][k].isNaN ? e[k] : (centroids[c][k] * mass[c] + e[k] * w) / (mass[c] + w)
            }
            mass[c] += w
        }
        let n = seeds.count
        var ratio = [Float](repeating: -.infinity, count: n * n)  // upper triangle: ratio[a * n + b], a < b
        for a in 0..<n { for b in (a + 1)..<max(n, a + 1) { ratio[a * n + b] = score(a, b) } }
        while true {
            var best = -Float.infinity, pa = -1, pb = -1
            for a in 0..<n where alive[a] {
                for b in (a + 1)..<max(n, a + 1) where alive[b] && ratio[a * n + b] > best {
                    best = ratio[a * n + b]; pa = a; pb = b
                }
            }
            guard pa >= 0, best >= threshold else { break }
            stats[pa] = stats[pa] + stats[pb]
            absorb(centroids[pb], mass[pb], into: pa)
            alive[pb] = false
            for t in owner.indices where owner[t] == pb { owner[t] = pa }
            for c in 0..<n where alive[c] && c != pa {
                if c < pa { ratio[c * n + pa] = score(c, pa) } else { ratio[pa * n + c] = score(pa, c) }
            }
        }
        // The rest, longest first.
        for t in order where owner[t] < 0 {
            let e = turns[t].embedding, empty = turns[t].voice.frames <= 0
            var best = -1
            var bestScore = -Float.infinity
            for c in stats.indices where alive[c] {
                let d = distance(e, centroids[c])
                guard d < Self.joinDistance else { continue }
                let s = empty ? -d : ubm.crossLikelihoodRatio(stats[c], turns[t].voice)
                if (empty || s >= threshold) && s > bestScore { bestScore = s; best = c }
            }
            if best < 0 {
                stats.append(turns[t].voice); centroids.append(e); mass.append(max(turns[t].weight, 1)); alive.append(true)
                best = stats.count - 1
            } else {
                stats[best] = stats[best] + turns[t].voice
                absorb(e, max(turns[t].weight, 1), into: best)
            }
            owner[t] = best
        }
        for t in turns.indices { turns[t].cluster = owner[t] }
    }

    /// Agglomerative clustering by the learned speaker embedding (`voice.speakerEmbedding`): every turn
    /// with an embedding starts as its own cluster; the pair whose duration-weighted mean embeddings
    /// have the highest cosine merges while that cosine is at least `speakerEmbeddingMinCosine`
    /// (centroid linkage: a cluster's direction is the sum of its turns' embeddings × active weight).
    /// Bottom-up for the same reason as `agglomerate`: a grown cluster's direction is surer than a
    /// single turn's. Turns past `maxAgglomerativeTurns` join the most similar cluster when it is
    /// similar enough, else their own; turns without an embedding (shorter than about 1.2 s) join the
    /// cluster whose timbre centroid is nearest within `joinDistance`, else their own.
    private func clusterByEmbedding(_ turns: inout [Turn]) {
        let order = turns.indices.sorted { turns[$0].weight > turns[$1].weight }
        let seeds = Array(order.filter { turns[$0].voiceVector != nil }.prefix(Self.maxAgglomerativeTurns))
        let dims = SpeakerEncoder.dimensions
        var sums = seeds.map { t in turns[t].voiceVector!.map { $0 * max(turns[t].weight, 1) } }
        var centroids = seeds.map { turns[$0].embedding }
        var mass = seeds.map { max(turns[$0].weight, 1) }
        var alive = [Bool](repeating: true, count: seeds.count)
        var owner = [Int](repeating: -1, count: turns.count)
        for (c, t) in seeds.enumerated() { owner[t] = c }
        let threshold = Float(config.speakerEmbeddingMinCosine)
        func cosine(_ a: [Float], _ b: [Float]) -> Float {
            var ab: Float = 0, aa: Float = 0, bb: Float = 0
            for k in 0..<dims { ab += a[k] * b[k]; aa += a[k] * a[k]; bb += b[k] * b[k] }
            return aa > 0 && bb > 0 ? ab / (aa * bb).squareRoot() : -1
        }
        func absorb(_ e: [Float], _ w: Float, into c: Int) {
            for k in 0..<e.count where !e[k].isNaN {
                centroids[c][k] = centroids[c][k].isNaN ? e[k] : (centroids[c][k] * mass[c] + e[k] * w) / (mass[c] + w)
            }
            mass[c] += w
        }
        let n = seeds.count
        var sim = [Float](repeating: -.infinity, count: n * n)
        for a in 0..<n { for b in (a + 1)..<max(n, a + 1) { sim[a * n + b] = cosine(sums[a], sums[b]) } }
        while true {
            var best = -Float.infinity, pa = -1, pb = -1
            for a in 0..<n where alive[a] {
                for b in (a + 1)..<max(n, a + 1) where alive[b] && sim[a * n + b] > best {
                    best = sim[a * n + b]; pa = a; pb = b
                }
            }
            guard pa >= 0, best >= threshold else { break }
            for k in 0..<dims { sums[pa][k] += sums[pb][k] }
            absorb(centroids[pb], mass[pb], into: pa)
            alive[pb] = false
            for t in owner.indices where owner[t] == pb { owner[t] = pa }
            for c in 0..<n where alive[c] && c != pa {
                if c < pa { sim[c * n + pa] = cosine(sums[c], sums[pa]) } else { sim[pa * n + c] = cosine(sums[pa], sums[c]) }
            }
        }
        for t in order where owner[t] < 0 {
            let e = turns[t].embedding, w = max(turns[t].weight, 1)
            var best = -1
            if let v = turns[t].voiceVector {
                var bestScore = threshold
                for c in sums.indices where alive[c] {
                    let s = cosine(sums[c], v)
                    if s >= bestScore { bestScore = s; best = c }
                }
            } else {
                var bestDistance = Self.joinDistance
                for c in centroids.indices where alive[c] {
                    let d = distance(e, centroids[c])
                    if d < bestDistance { bestDistance = d; best = c }
                }
            }
            if best < 0 {
                sums.append(turns[t].voiceVector.map { $0.map { $0 * w } } ?? [Float](repeating: 0, count: dims))
                centroids.append(e); mass.append(w); alive.append(true)
                best = sums.count - 1
            } else {
                if let v = turns[t].voiceVector { for k in 0..<dims { sums[best][k] += v[k] * w } }
                absorb(e, w, into: best)
            }
            owner[t] = best
        }
        for t in turns.indices { turns[t].cluster = owner[t] }
    }

    // MARK: Is the largest cluster two voices? (`voice.speakerEmbeddingSplit`)

    /// Most times the largest cluster is split (each split adds one cluster).
    static let maxSplits = 2
    /// Significance level of the split test: the conventional 1 % (one-sided).
    static let splitSignificance = 0.01

    /// The partials (indices into `vectors`) of each turn: those lying mostly inside it (overlap at
    /// least 75 % of the partial, or of the turn when it is shorter; `SpeakerVectors.mean`'s rule),
    /// each given to the turn it overlaps most.
    func partialsOfTurns(_ turns: [Turn], _ vectors: SpeakerVectors) -> [[Int]] {
        var out = [[Int]](repeating: [], count: turns.count)
        var owner: [Int: (turn: Int, overlap: Int)] = [:]
        for (t, turn) in turns.enumerated() {
            let need = Float(min(SpeakerVectors.spanBlocks, turn.end - turn.start)) * 0.75
            for i in vectors.indices(overlapping: turn.start, turn.end) {
                let a = vectors.partials[i]
                let overlap = min(turn.end, a + SpeakerVectors.spanBlocks) - max(turn.start, a)
                guard Float(overlap) >= need, need > 0 else { continue }
                if let o = owner[i], o.overlap >= overlap { continue }
                owner[i] = (t, overlap)
            }
        }
        for (i, o) in owner.sorted(by: { $0.key < $1.key }) { out[o.turn].append(i) }
        return out
    }

    /// Tests whether the cluster with the most speech is two voices, and if so splits it.
    ///
    /// Its partials' embeddings are split in two by spherical 2-means (started from the sign of their
    /// first principal component). A single voice split this way is cut along what is said, which
    /// changes from one partial to the next within a turn; two voices are cut along who speaks, which
    /// holds for a whole turn. So the split is accepted when two consecutive non-overlapping partials
    /// of one turn (sharing no samples) fall in the same half more often than the
    /// halves' sizes make likely by chance — a one-sided binomial test (normal approximation) at
    /// `splitSignificance`. Turns then go to the half their mean embedding is nearer (cosine); turns without a partial to the half whose timbre centroid is nearer.
    /// Returns whether the cluster was split (the new cluster is numbered `clusters`).
    func splitLargest(_ turns: inout [Turn], _ vectors: SpeakerVectors, clusters: Int) -> Bool {
        guard clusters > 0 else { return false }
        var seconds = [Int](repeating: 0, count: clusters)
        for t in turns { seconds[t.cluster] += t.end - t.start }
        let target = seconds.indices.max { seconds[$0] < seconds[$1] }!
        let members = turns.indices.filter { turns[$0].cluster == target }
        let owned = partialsOfTurns(members.map { turns[$0] }, vectors)
        var rows: [Int] = []   // member index per point
        var partialIndex: [Int] = []   // index into `vectors` per point
        var points: [[Float]] = []
        for (m, list) in owned.enumerated() {
            for i in list {
                var v = vectors.vector(i)
                normalise(&v)
                points.append(v); rows.append(m); partialIndex.append(i)
            }
        }
        let d = SpeakerEncoder.dimensions
        let n = points.count
        guard n >= 4, Set(rows).count >= 2 else { return false }
        // First principal component by power iteration on the centred points.
        var mean = [Float](repeating: 0, count: d)
        for p in points { for k in 0..<d { mean[k] += p[k] / Float(n) } }
        var axis = [Float](repeating: 0, count: d)
        for k in 0..<d { axis[k] = points[0][k] - mean[k] }
        if axis.allSatisfy({ $0 == 0 }) { axis[0] = 1 }
        for _ in 0..<30 {
            var next = [Float](repeating: 0, count: d)
            for p in points {
                var proj: Float = 0
                for k in 0..<d { proj += (p[k] - mean[k]) * axis[k] }
                for k in 0..<d { next[k] += proj * (p[k] - mean[k]) }
            }
            guard next.contains(where: { $0 != 0 }) else { return false }
            normalise(&next)
            axis = next
        }
        var label = points.map { p -> Int in
            var proj: Float = 0
            for k in 0..<d { proj += (p[k] - mean[k]) * axis[k] }
            return proj >= 0 ? 0 : 1
        }
        // Spherical 2-means.
        var centres = [[Float]](repeating: [Float](repeating: 0, count: d), count: 2)
        for _ in 0..<20 {
            centres = [[Float]](repeating: [Float](repeating: 0, count: d), count: 2)
            for (p, l) in zip(points, label) { for k in 0..<d { centres[l][k] += p[k] } }
            guard label.contains(0), label.contains(1) else { return false }
            for c in 0..<2 { normalise(&centres[c]) }
            let next = points.map { dot($0, centres[0]) >= dot($0, centres[1]) ? 0 : 1 }
            if next == label { break }
            label = next
        }
        guard label.contains(0), label.contains(1) else { return false }
        // Agreement test: pairs of consecutive non-overlapping partials of one turn (disjoint samples) fall in the same half with probability q = p² + (1 − p)² when the
        // halves do not depend on the turn (p: share of the first half). More agreement than that,
        // by a one-sided normal approximation of the binomial count, says the halves follow turns.
        // Points are in order of turn, then of start: each point is paired with the next point of its
        // turn that shares no samples with it.
        var pairs = 0.0, agree = 0.0
        for j in 0..<n {
            let start = vectors.partials[partialIndex[j]]
            var k = j + 1
            while k < n && rows[k] == rows[j] && vectors.partials[partialIndex[k]] < start + SpeakerVectors.spanBlocks { k += 1 }
            guard k < n, rows[k] == rows[j] else { continue }
            pairs += 1
            if label[j] == label[k] { agree += 1 }
        }
        let p = Double(label.filter { $0 == 0 }.count) / Double(n)
        let q = p * p + (1 - p) * (1 - p)
        guard pairs > 0, q < 1 else { return false }
        let z = (agree - pairs * q) / (pairs * q * (1 - q)).squareRoot()
        if ProcessInfo.processInfo.environment["LESSONLENS_SPLIT_DEBUG"] != nil {
            FileHandle.standardError.write("split: cluster \(target) partials \(n) halves \(label.filter { $0 == 0 }.count),\(label.filter { $0 == 1 }.count) pairs \(Int(pairs)) agree \(Int(agree)) q \(q) z \(z) cos \(dot(centres[0], centres[1]))\n".data(using: .utf8)!)
        }
        guard z > Self.normalQuantile(1 - Self.splitSignificance) else { return false }
        // Assign the cluster's turns to the halves.
        let newCluster = clusters
        var timbre = [[Float]](repeating: [Float](repeating: 0, count: dims), count: 2)
        var timbreW = [[Float]](repeating: [Float](repeating: 0, count: dims), count: 2)
        var unplaced: [Int] = []
        for (m, t) in members.enumerated() {
            guard !owned[m].isEmpty, let v = turns[t].voiceVector ?? vectors.mean(start: turns[t].start, end: turns[t].end) else {
                unplaced.append(t); continue
            }
            let half = dot(v, centres[0]) >= dot(v, centres[1]) ? 0 : 1
            if half == 1 { turns[t].cluster = newCluster }
            let tw = max(turns[t].weight, 1)
            for k in 0..<dims where !turns[t].embedding[k].isNaN {
                timbre[half][k] += turns[t].embedding[k] * tw; timbreW[half][k] += tw
            }
        }
        let centroids = (0..<2).map { h in (0..<dims).map { timbreW[h][$0] > 0 ? timbre[h][$0] / timbreW[h][$0] : Self.unknown($0) } }
        for t in unplaced where distance(turns[t].embedding, centroids[1]) < distance(turns[t].embedding, centroids[0]) {
            turns[t].cluster = newCluster
        }
        return turns.contains { $0.cluster == newCluster } && turns.contains { $0.cluster == target }
    }

    private func dot(_ a: [Float], _ b: [Float]) -> Float {
        var s: Float = 0
        for k in 0..<min(a.count, b.count) { s += a[k] * b[k] }
        return s
    }

    private func normalise(_ v: inout [Float]) {
        let norm = dot(v, v).squareRoot()
        if norm > 0 { for k in v.indices { v[k] /= norm } }
    }

    /// The standard-normal quantile of `p` (Acklam's rational approximation, relative error < 1.2e-9).
    static func normalQuantile(_ p: Double) -> Double {
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        let low = 0.02425
        if p < low {
            let q = (-2 * log(p)).squareRoot()
            return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        if p > 1 - low { return -normalQuantile(1 - p) }
        let q = p - 0.5, r = q * q
        return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
    }
}
