import Foundation

/// A universal background model of one recording's voices: a Gaussian mixture with diagonal
/// covariances over the MFCC c1…c12 of its single-voice speech, trained by EM on that recording
/// alone; and the cross likelihood ratio between stretches of speech, each modelled by MAP-adapting
/// the background model's weights and means to its frames (Reynolds, Quatieri & Dunn 2000, "Speaker verification
/// using adapted Gaussian mixture models"; the ratio as in Barras, Zhu, Meignier & Gauvain 2006,
/// "Multistage speaker diarization of broadcast news").
///
/// Why a mixture: a distance between turns' mean MFCCs is dominated by what was said (which phonemes
/// a turn holds), not by who said it. The mixture splits the frames into broad sound classes first;
/// adapted means then compare the two stretches class by class. Why a length-normalised score: the
/// BIC (`TimbreGaussian`) grows with the number of frames, so long turns of one voice look like two;
/// the cross likelihood ratio is an average per frame, and MAP adaptation (relevance factor r) keeps
/// a stretch with few frames in a class at the background's weight and means there, so a short turn
/// is no evidence rather than strong evidence.
///
/// Observations are the stored 100 ms blocks, not 10 ms frames (only the block record is kept): a
/// block is the Gaussian of its frames (stored mean and within-block variance), its expected
/// per-frame log-likelihood under a component is log N(mean) − ½ Σ variance / σ², and it counts as
/// `blockFrames` frames in the statistics (so r keeps Reynolds' unit, frames).
///
/// Memory: the training sample is capped (`maxTrainingBlocks`, 2 MB) whatever the recording's length;
/// a stretch's statistics are `components` × 13 floats (2 KB), added block by block as the blocks are
/// read. Cost: training ≈ 30 EM passes over at most 16 384 blocks × 32 components (about 0.1 s);
/// statistics ≈ 32 components per speech block.
struct SpeakerGMM: Sendable {
    /// Coefficients modelled (MFCC c1…c12), in lanes 0…11 of a `SIMD16`; lanes 12…15 are zero.
    static let dims = 12
    /// Most mixture components: 32 (Reynolds used 512-2048 for many speakers and 10 ms frames; here
    /// one recording's few voices and 100 ms blocks, so ten times fewer observations per second).
    static let maxComponents = 32
    /// Blocks per component at least (training stops splitting before this): a component has 25
    /// parameters (12 means, 12 variances, a weight); two observations per parameter. A 40 s dialogue
    /// gets 8 components, 3 minutes of speech or more gets 32.
    static let minBlocksPerComponent = 50
    /// Most blocks trained on (27 min of speech): a longer recording is subsampled at a fixed stride,
    /// so memory and training time stay flat in its length; 512 blocks per component at most.
    static let maxTrainingBlocks = 16_384
    /// MAP relevance factor (frames): Reynolds et al. 2000's r = 16, in their unit (10 ms frames).
    static let relevanceFactor: Float = 16
    /// EM passes after each doubling of the components, and after the last: EM on a mixture split
    /// from a converged one moves little after a few passes (HTK's HERest practice is 4 per mix-up).
    static let passesPerSplit = 4
    static let finalPasses = 8
    /// Split offset (standard deviations): HTK's HHEd MU perturbs each new pair's means by ±0.2 σ.
    static let splitOffset: Float = 0.2
    /// Variance floor as a share of the training data's overall variance per coefficient: HTK's
    /// HCompV `-f 0.01`, keeps a component from collapsing onto a few identical blocks.
    static let varianceFloorShare: Float = 0.01

    var weights: [Float]
    var means: [SIMD16<Float>]
    /// 1 / σ² per coefficient (0 in the unused lanes).
    var precisions: [SIMD16<Float>]
    /// log w_k − ½ Σ_d log(2π σ²_kd): the per-component constant of the log-likelihood.
    var logConstants: [Float]

    var components: Int { weights.count }

    /// A block's mean and within-block variance as `SIMD16` (lanes 12…15 zero).
    static func vectors(_ block: VoiceBlock) -> (mean: SIMD16<Float>, variance: SIMD16<Float>) {
        var m = SIMD16<Float>(), v = SIMD16<Float>()
        for d in 0..<dims { m[d] = block.mfccValue(d); v[d] = block.mfccVariance(d) }
        return (m, v)
    }

    // MARK: Kernel

    /// Expected per-frame log-likelihood of each block under each component:
    /// `out[b * K + k] = logConstants[k] − ½ Σ_d ((mean_bd − μ_kd)² + variance_bd) / σ²_kd` (nats).
    /// Shapes: `means.count == variances.count == B`, `out.count == B × K`. Cost: B × K × 16 lanes;
    /// allocates: no.
    func componentLogLikelihoods(means x: UnsafeBufferPointer<SIMD16<Float>>, variances v: UnsafeBufferPointer<SIMD16<Float>>,
                                 into out: UnsafeMutableBufferPointer<Float>) {
        let k = components
        precondition(x.count == v.count && out.count == x.count * k, "shape: \(x.count) means, \(v.count) variances, \(out.count) outputs for \(k) components")
        means.withUnsafeBufferPointer { mu in
            precisions.withUnsafeBufferPointer { p in
                logConstants.withUnsafeBufferPointer { c in
                    for b in 0..<x.count {
                        let xb = x[b], vb = v[b]
                        for j in 0..<k {
                            let d = xb - mu[j]
                            var acc = vb
                            acc += d * d
                            out[b * k + j] = c[j] - 0.5 * (acc * p[j]).sum()
                        }
                    }
                }
            }
        }
    }

    /// Scalar reference of `componentLogLikelihoods` (tests), on plain arrays of `dims` values per block.
    func componentLogLikelihoodsScalar(means x: [[Float]], variances v: [[Float]]) -> [Float] {
        var out: [Float] = []
        for b in x.indices {
            for j in 0..<components {
                var s: Float = 0
                for d in 0..<Self.dims {
                    let e = x[b][d] - means[j][d]
                    s += (e * e + v[b][d]) * precisions[j][d]
                }
                out.append(logConstants[j] - 0.5 * s)
            }
        }
        return out
    }

    /// Posteriors from log-likelihoods in place (softmax over `row`); returns log Σ exp.
    @discardableResult
    static func normalise(_ row: UnsafeMutableBufferPointer<Float>) -> Float {
        var top = -Float.infinity
        for x in row { top = max(top, x) }
        var s: Float = 0
        for j in row.indices { row[j] = expf(row[j] - top); s += row[j] }
        let inv = 1 / s
        for j in row.indices { row[j] *= inv }
        return top + logf(s)
    }

    // MARK: Training

    init(weights: [Float], means: [SIMD16<Float>], variances: [SIMD16<Float>]) {
        self.weights = weights
        self.means = means
        self.precisions = []
        self.logConstants = []
        setVariances(variances)
    }

    private mutating func setVariances(_ variances: [SIMD16<Float>]) {
        precisions = variances.map { v in
            var p = SIMD16<Float>()
            for d in 0..<Self.dims { p[d] = 1 / v[d] }
            return p
        }
        logConstants = zip(weights, variances).map { w, v in
            var s: Float = 0
            for d in 0..<Self.dims { s += logf(2 * .pi * v[d]) }
            return logf(max(w, 1e-30)) - 0.5 * s
        }
    }

    var variances: [SIMD16<Float>] {
        precisions.map { p in
            var v = SIMD16<Float>()
            for d in 0..<Self.dims { v[d] = 1 / p[d] }
            return v
        }
    }

    /// The background model of the single-voice speech in `path` (blocks labelled speech and at least
    /// `activeDB` above the floor: the blocks the turns' embeddings are taken over), or nil when there
    /// are too few such blocks for even two components.
    static func train(source: BlockSource, path: [AcousticClass], activeDB: Float) -> SpeakerGMM? {
        var eligible = 0
        for i in path.indices where path[i] == .speech && source.rel(i) > activeDB { eligible += 1 }
        let stride = max(1, (eligible + maxTrainingBlocks - 1) / maxTrainingBlocks)
        var m: [SIMD16<Float>] = [], v: [SIMD16<Float>] = []
        m.reserveCapacity(min(eligible, maxTrainingBlocks)); v.reserveCapacity(min(eligible, maxTrainingBlocks))
        var seen = 0
        for i in path.indices where path[i] == .speech && source.rel(i) > activeDB {
            if seen % stride == 0 { let (a, b) = vectors(source[i]); m.append(a); v.append(b) }
            seen += 1
        }
        return train(means: m, variances: v)
    }

    /// EM from one component by repeated splitting (1, 2, 4, … components), deterministic.
    static func train(means x: [SIMD16<Float>], variances v: [SIMD16<Float>]) -> SpeakerGMM? {
        precondition(x.count == v.count)
        guard x.count >= 2 * minBlocksPerComponent else { return nil }
        // One component: the data's mean and variance (between and within blocks).
        let n = Float(x.count)
        var mean = SIMD16<Float>(), second = SIMD16<Float>()
        for b in x.indices { mean += x[b]; second += v[b] + x[b] * x[b] }
        mean /= n
        var total = second / n - mean * mean
        for d in 0..<dims { total[d] = max(total[d], VoiceBlock.mfccVarianceFloor) }
        let floor = total * varianceFloorShare
        var gmm = SpeakerGMM(weights: [1], means: [mean], variances: [total])
        while gmm.components * 2 <= maxComponents && x.count >= gmm.components * 2 * minBlocksPerComponent {
            gmm = gmm.split()
            let last = !(gmm.components * 2 <= maxComponents && x.count >= gmm.components * 2 * minBlocksPerComponent)
            for _ in 0..<(last ? finalPasses : passesPerSplit) { gmm.emPass(x, v, floor: floor) }
        }
        return gmm
    }

    /// Every component becomes two with means ± `splitOffset` σ and half the weight.
    private func split() -> SpeakerGMM {
        var w: [Float] = [], m: [SIMD16<Float>] = [], vs: [SIMD16<Float>] = []
        for (j, v) in variances.enumerated() {
            var o = SIMD16<Float>()
            for d in 0..<Self.dims { o[d] = Self.splitOffset * v[d].squareRoot() }
            w += [weights[j] / 2, weights[j] / 2]
            m += [means[j] + o, means[j] - o]
            vs += [v, v]
        }
        return SpeakerGMM(weights: w, means: m, variances: vs)
    }

    /// One EM pass (in chunks of blocks, so the posterior buffer stays small). A component that
    /// gets almost no data keeps its parameters.
    private mutating func emPass(_ x: [SIMD16<Float>], _ v: [SIMD16<Float>], floor: SIMD16<Float>) {
        let k = components
        var occ = [Float](repeating: 0, count: k)
        var first = [SIMD16<Float>](repeating: SIMD16<Float>(), count: k)
        var second = [SIMD16<Float>](repeating: SIMD16<Float>(), count: k)
        let chunk = 256
        var post = [Float](repeating: 0, count: chunk * k)
        x.withUnsafeBufferPointer { xs in
            v.withUnsafeBufferPointer { vs in
                post.withUnsafeMutableBufferPointer { pb in
                    var start = 0
                    while start < xs.count {
                        let end = min(xs.count, start + chunk)
                        let rows = UnsafeMutableBufferPointer(rebasing: pb[0..<((end - start) * k)])
                        componentLogLikelihoods(means: UnsafeBufferPointer(rebasing: xs[start..<end]),
                                                variances: UnsafeBufferPointer(rebasing: vs[start..<end]), into: rows)
                        for b in start..<end {
                            let row = UnsafeMutableBufferPointer(rebasing: rows[((b - start) * k)..<((b - start + 1) * k)])
                            Self.normalise(row)
                            let xb = xs[b], sq = vs[b] + xs[b] * xs[b]
                            for j in 0..<k where row[j] > 0 {
                                occ[j] += row[j]
                                first[j] += row[j] * xb
                                second[j] += row[j] * sq
                            }
                        }
                        start = end
                    }
                }
            }
        }
        let total = occ.reduce(0, +)
        var newVariances = variances
        for j in 0..<k where occ[j] >= 1 {
            weights[j] = occ[j] / total
            means[j] = first[j] / occ[j]
            var s = second[j] / occ[j] - means[j] * means[j]
            for d in 0..<Self.dims { s[d] = max(s[d], floor[d]) }
            for d in Self.dims..<16 { s[d] = 0 }
            newVariances[j] = s
        }
        let wsum = weights.reduce(0, +)
        weights = weights.map { $0 / wsum }
        setVariances(newVariances)
    }

    // MARK: Adaptation and comparison

    /// Zeroth- and first-order statistics of a stretch of speech against the background model:
    /// occupancy n_k (frames) and Σ posterior × (frame − μ_k) per component. They add over blocks,
    /// turns and clusters.
    struct Stats: Sendable {
        var occupancy: [Float] = []
        var centred: [SIMD16<Float>] = []
        var frames: Float { occupancy.reduce(0, +) }

        static func + (a: Stats, b: Stats) -> Stats {
            if a.occupancy.isEmpty { return b }
            if b.occupancy.isEmpty { return a }
            return Stats(occupancy: zip(a.occupancy, b.occupancy).map(+), centred: zip(a.centred, b.centred).map(+))
        }

        static func - (a: Stats, b: Stats) -> Stats {
            if b.occupancy.isEmpty { return a }
            if a.occupancy.isEmpty { return a }
            return Stats(occupancy: zip(a.occupancy, b.occupancy).map { max($0 - $1, 0) }, centred: zip(a.centred, b.centred).map(-))
        }
    }

    /// Adds one block (counted as `frames` frames) to `stats`; `scratch` holds `components` floats.
    func add(_ block: VoiceBlock, frames: Int, to stats: inout Stats, scratch: inout [Float]) {
        let k = components
        if stats.occupancy.isEmpty {
            stats.occupancy = [Float](repeating: 0, count: k)
            stats.centred = [SIMD16<Float>](repeating: SIMD16<Float>(), count: k)
        }
        if scratch.count != k { scratch = [Float](repeating: 0, count: k) }
        var (m, v) = Self.vectors(block)
        let f = Float(frames)
        withUnsafePointer(to: &m) { mp in
            withUnsafePointer(to: &v) { vp in
                scratch.withUnsafeMutableBufferPointer { row in
                    componentLogLikelihoods(means: UnsafeBufferPointer(start: mp, count: 1),
                                            variances: UnsafeBufferPointer(start: vp, count: 1), into: row)
                    Self.normalise(row)
                }
            }
        }
        for j in 0..<k where scratch[j] > 0 {
            let g = f * scratch[j]
            stats.occupancy[j] += g
            stats.centred[j] += g * (m - means[j])
        }
    }

    /// Q(x; MAP model of y) − Q(x; background): the gain in the EM auxiliary log-likelihood of the
    /// frames summarised by `x` when the background's weights and means are MAP-adapted to `y`
    /// (Reynolds et al. 2000, eq. 11-13 with α_k = n_y,k / (n_y,k + r); variances are kept), with the
    /// background's posteriors (the usual fast scoring of adapted models). Per component (nats):
    /// n_x,k (log ŵ_k − log w_k) + Σ_d (Δ_d F̃_x,kd − ½ n_x,k Δ_d²) / σ²_kd, Δ = F̃_y,k / (n_y,k + r).
    /// The weights matter because a background model of a few voices gives some components to one
    /// voice alone: a second voice there shows in how often a component is used, not in its mean.
    /// Cost: `components` logarithms and 16-lane products; allocates: no.
    func gain(of x: Stats, underModelOf y: Stats) -> Float {
        let ny = max(y.frames, 1e-6)
        var norm: Float = 0
        for j in 0..<components {
            let a = y.occupancy[j] / (y.occupancy[j] + Self.relevanceFactor)
            norm += a * y.occupancy[j] / ny + (1 - a) * weights[j]
        }
        var g: Float = 0
        for j in 0..<components {
            let a = y.occupancy[j] / (y.occupancy[j] + Self.relevanceFactor)
            let adapted = (a * y.occupancy[j] / ny + (1 - a) * weights[j]) / norm
            if x.occupancy[j] > 0 { g += x.occupancy[j] * (logf(max(adapted, 1e-30)) - logf(max(weights[j], 1e-30))) }
            let delta = y.centred[j] / (y.occupancy[j] + Self.relevanceFactor)
            var acc = delta * x.centred[j]
            acc -= 0.5 * x.occupancy[j] * delta * delta
            g += (acc * precisions[j]).sum()
        }
        return g
    }

    /// Cross likelihood ratio (nats per frame): how much better each stretch's frames are explained
    /// by the other's adapted model than by the background, averaged per frame, summed over both.
    /// Positive: one voice; a second voice makes it negative. Empty stretches are no evidence (+∞).
    func crossLikelihoodRatio(_ a: Stats, _ b: Stats) -> Float {
        let na = a.frames, nb = b.frames
        guard na > 0, nb > 0 else { return .infinity }
        return gain(of: a, underModelOf: b) / na + gain(of: b, underModelOf: a) / nb
    }
}
