import Foundation

/// Speaker turns, per-turn embeddings and clustering for single-voice speech; picks the teacher
/// without enrolment.
///
/// Heuristic. Turns are single-voice runs split at pauses and at change points (the distance between
/// the mean embeddings of the second before and the second after a block peaks). A turn's embedding
/// is the mean over its active blocks of MFCC c1…c12, pitch (log2 Hz), level above the floor and
/// syllable-rhythm depth (reverberation smears it), each standardised over all speech of the recording.
/// Turns are clustered by leader clustering plus k-means refinement (linear in the number of turns).
/// The teacher is the cluster with the most speech time, weighted towards the loudest, closest voice:
/// score = seconds × 2^((level − loudest level) / 6 dB).
struct SpeakerClustering {
    var config: VoiceConfig

    /// Embedding dimensions: 12 MFCC + pitch + level + rhythm.
    static let dims = 15
    /// Weights after standardisation: level and syllable-rhythm depth carry the distance to the
    /// microphone (the teacher is close, students are far and reverberant), the strongest cue in a
    /// classroom; pitch gives the voice register; MFCCs (timbre and channel) share the rest.
    static let weights: [Float] = Array(repeating: 0.4, count: 12) + [1.0, 2.0, 2.0]
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
    }

    struct Outcome {
        var turns: [Turn]
        var teacherCluster: Int
        var clusterCount: Int
    }

    func run(blocks: [VoiceBlock], contexts: [BlockContext], path: [AcousticClass]) -> Outcome {
        let n = blocks.count
        // Raw per-block vectors; active = loud enough to carry the speaker's voice.
        var raw = [[Float]](repeating: [], count: n)
        var active = [Bool](repeating: false, count: n)
        for i in 0..<n where path[i] == .speech {
            let b = blocks[i], c = contexts[i]
            var v = [Float](repeating: 0, count: Self.dims)
            for k in 0..<12 { v[k] = b.mfccValue(k) }
            v[12] = b.voiced > 0 ? b.log2Pitch : .nan
            v[13] = c.rel
            v[14] = c.modulation
            raw[i] = v
            active[i] = c.rel > 6 // heuristic: the voice, not the gaps between words
        }
        // Standardise over active speech blocks.
        var mean = [Double](repeating: 0, count: Self.dims)
        var m2 = [Double](repeating: 0, count: Self.dims)
        var cnt = [Double](repeating: 0, count: Self.dims)
        for i in 0..<n where active[i] {
            for k in 0..<Self.dims where !raw[i][k].isNaN {
                cnt[k] += 1
                let d = Double(raw[i][k]) - mean[k]
                mean[k] += d / cnt[k]
                m2[k] += d * (Double(raw[i][k]) - mean[k])
            }
        }
        let sd = (0..<Self.dims).map { k in Float(cnt[k] > 1 ? max((m2[k] / (cnt[k] - 1)).squareRoot(), 1e-3) : 1) }
        var z = raw
        for i in 0..<n where active[i] {
            for k in 0..<Self.dims {
                z[i][k] = raw[i][k].isNaN ? .nan : (raw[i][k] - Float(mean[k])) / sd[k] * Self.weights[k]
            }
        }

        // Turns: speech runs split at pauses.
        let pauseBlocks = max(1, Int(config.turnPauseSeconds * 10))
        let minTurn = max(2, Int(config.minTurnSeconds * 10))
        var turns: [Turn] = []
        var i = 0
        while i < n {
            guard path[i] == .speech else { i += 1; continue }
            var j = i
            while j < n && path[j] == .speech { j += 1 }
            // Split [i, j) at runs of inactive blocks ≥ pauseBlocks.
            var s = i, k = i
            while k < j {
                if !active[k] {
                    var e = k
                    while e < j && !active[e] { e += 1 }
                    if e - k >= pauseBlocks && k > s {
                        turns.append(contentsOf: splitAtChanges(Turn(start: s, end: k), z: z, active: active, minTurn: minTurn))
                        s = e
                    }
                    k = e
                } else { k += 1 }
            }
            if s < j { turns.append(contentsOf: splitAtChanges(Turn(start: s, end: j), z: z, active: active, minTurn: minTurn)) }
            i = j
        }
        // Embeddings.
        for t in turns.indices {
            var sum = [Float](repeating: 0, count: Self.dims)
            var c = [Float](repeating: 0, count: Self.dims)
            var level: Float = 0, levelN: Float = 0
            // The loud core of the turn (within 12 dB of its peak block): onsets and fading ends say
            // little about the speaker and would drag the level down.
            var peak: Float = -.infinity
            for b in turns[t].start..<turns[t].end where active[b] { peak = max(peak, contexts[b].rel) }
            for b in turns[t].start..<turns[t].end where active[b] && contexts[b].rel >= peak - 12 {
                for k in 0..<Self.dims where !z[b][k].isNaN { sum[k] += z[b][k]; c[k] += 1 }
                level += contexts[b].rel; levelN += 1
            }
            turns[t].embedding = (0..<Self.dims).map { c[$0] > 0 ? sum[$0] / c[$0] : 0 }
            turns[t].weight = levelN
            turns[t].level = levelN > 0 ? level / levelN : 0
        }
        let clustered = cluster(&turns)
        inheritShortTurns(&turns)
        // Teacher: most speech time, weighted towards the loudest cluster.
        var seconds = [Float](repeating: 0, count: clustered)
        var levelSum = [Float](repeating: 0, count: clustered)
        for t in turns {
            seconds[t.cluster] += Float(t.end - t.start)
            levelSum[t.cluster] += t.level * t.weight
        }
        var weightSum = [Float](repeating: 0, count: clustered)
        for t in turns { weightSum[t.cluster] += t.weight }
        let levels = (0..<clustered).map { weightSum[$0] > 0 ? levelSum[$0] / weightSum[$0] : -100 }
        let loudest = levels.max() ?? 0
        var teacher = 0
        var best: Float = -1
        for c in 0..<clustered {
            let score = seconds[c] * powf(2, (levels[c] - loudest) / 6)
            if score > best { best = score; teacher = c }
        }
        return Outcome(turns: turns, teacherCluster: teacher, clusterCount: clustered)
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
    private func splitAtChanges(_ turn: Turn, z: [[Float]], active: [Bool], minTurn: Int) -> [Turn] {
        let len = turn.end - turn.start
        guard len >= 2 * minTurn else { return [turn] }
        var dist = [Float](repeating: 0, count: len)
        for p in (turn.start + minTurn)...(turn.end - minTurn) where p < turn.end {
            let a = meanVector(z, active, turn.start > p - minTurn ? turn.start : p - minTurn, p)
            let b = meanVector(z, active, p, p + minTurn)
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

    private func meanVector(_ z: [[Float]], _ active: [Bool], _ lo: Int, _ hi: Int) -> [Float]? {
        var sum = [Float](repeating: 0, count: Self.dims)
        var c = [Float](repeating: 0, count: Self.dims)
        var any = false
        for b in lo..<hi where active[b] {
            any = true
            for k in 0..<Self.dims where !z[b][k].isNaN { sum[k] += z[b][k]; c[k] += 1 }
        }
        guard any else { return nil }
        return (0..<Self.dims).map { c[$0] > 0 ? sum[$0] / c[$0] : 0 }
    }

    private func distance(_ a: [Float], _ b: [Float]) -> Float {
        var s: Float = 0
        for k in 0..<a.count { let d = a[k] - b[k]; s += d * d }
        return s.squareRoot()
    }

    /// Leader clustering (longest turns first) then three k-means passes weighted by active blocks.
    /// Returns the number of clusters; sets `turn.cluster`.
    private func cluster(_ turns: inout [Turn]) -> Int {
        guard !turns.isEmpty else { return 0 }
        let order = turns.indices.sorted { turns[$0].weight > turns[$1].weight }
        var centroids: [[Float]] = []
        var mass: [Float] = []
        for t in order {
            let e = turns[t].embedding
            var best = -1
            var bd = Float.infinity
            for (c, m) in centroids.enumerated() { let d = distance(e, m); if d < bd { bd = d; best = c } }
            if best >= 0 && bd < Self.joinDistance {
                let w = max(turns[t].weight, 1)
                for k in 0..<e.count { centroids[best][k] = (centroids[best][k] * mass[best] + e[k] * w) / (mass[best] + w) }
                mass[best] += w
                turns[t].cluster = best
            } else {
                centroids.append(e); mass.append(max(turns[t].weight, 1)); turns[t].cluster = centroids.count - 1
            }
        }
        for _ in 0..<3 {
            for t in turns.indices {
                var best = 0
                var bd = Float.infinity
                for (c, m) in centroids.enumerated() { let d = distance(turns[t].embedding, m); if d < bd { bd = d; best = c } }
                turns[t].cluster = best
            }
            var sums = [[Float]](repeating: [Float](repeating: 0, count: Self.dims), count: centroids.count)
            var w = [Float](repeating: 0, count: centroids.count)
            for t in turns {
                let tw = max(t.weight, 1)
                for k in 0..<Self.dims { sums[t.cluster][k] += t.embedding[k] * tw }
                w[t.cluster] += tw
            }
            for c in centroids.indices where w[c] > 0 { centroids[c] = sums[c].map { $0 / w[c] } }
        }
        // Join clusters whose centroids ended up closer than the join distance (one speaker split in two).
        var parent = Array(centroids.indices)
        func root(_ c: Int) -> Int { var c = c; while parent[c] != c { c = parent[c] }; return c }
        for a in centroids.indices { for b in centroids.indices where b > a && distance(centroids[a], centroids[b]) < Self.joinDistance {
            parent[root(b)] = root(a)
        } }
        for t in turns.indices { turns[t].cluster = root(turns[t].cluster) }
        // Renumber to the clusters in use.
        var map: [Int: Int] = [:]
        for t in turns.indices {
            let c = turns[t].cluster
            if map[c] == nil { map[c] = map.count }
            turns[t].cluster = map[c]!
        }
        return map.count
    }
}
