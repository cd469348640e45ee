import Foundation

/// A diagonal Gaussian over the 10 ms frames' MFCC c1…c12 of a stretch of speech, kept as sufficient
/// statistics (frame count, sums, sums of squares), which add over blocks, turns and clusters; and
/// the Bayesian information criterion for "one voice or two" between two such stretches.
///
/// ΔBIC (Chen & Gopalakrishnan 1998, "Speaker, environment and channel change detection and
/// clustering via the Bayesian information criterion"): with n = n_a + n_b frames,
///
///     ΔBIC = ½ (n log|Σ| − n_a log|Σ_a| − n_b log|Σ_b|) − λ · ½ · P · log n,
///
/// the log-likelihood ratio of two Gaussians against one (maximum-likelihood covariances, here
/// diagonal so log|Σ| = Σ_k log σ²_k) minus the BIC penalty for the P = 2d extra parameters
/// (d means and d variances, d = 12). ΔBIC > 0: two voices explain the frames better than one, by
/// more than the extra parameters buy. λ = 1 is the criterion itself (no tuned constant). The
/// criterion assumes independent observations, and 10 ms frames of a 25 ms window are not: about
/// hop / window = 0.4 of each frame's samples are new, so a frame counts as 0.4 observations
/// (`observationsPerFrame`). Counting every frame (1.0) made the teacher's own turns look like new
/// voices (on the dev speaker set 57 % of the teacher's turns failed to join the teacher's frames),
/// counting blocks (0.1) let 90 % of the second voice's turns join; 0.4 is the overlap itself, not a
/// fitted value (dev: 96 % of teacher turns join, 75 % of second-voice turns stay apart).
///
/// The statistic is normalised by each voice's own spread, which is what separates two voices of
/// similar pitch and loudness: a distance between mean MFCCs in units of the whole recording's spread
/// (the embedding distance) is dominated by what the phonemes do, not by who says them.
/// Cost: 12 logarithms per comparison; allocates: no.
struct TimbreGaussian: Sendable, Equatable {
    static let dims = 12
    /// Frames (10 ms) described.
    var frames: Double = 0
    var sum = SIMD16<Double>()
    var sumSquares = SIMD16<Double>()

    /// Adds a block of `frames` frames with the block's stored mean and within-block variance.
    mutating func add(_ block: VoiceBlock, frames blockFrames: Int) {
        let f = Double(blockFrames)
        for k in 0..<Self.dims {
            let m = Double(block.mfccValue(k)), v = Double(block.mfccVariance(k))
            sum[k] += f * m
            sumSquares[k] += f * (v + m * m)
        }
        frames += f
    }

    static func + (a: TimbreGaussian, b: TimbreGaussian) -> TimbreGaussian {
        TimbreGaussian(frames: a.frames + b.frames, sum: a.sum + b.sum, sumSquares: a.sumSquares + b.sumSquares)
    }

    static func - (a: TimbreGaussian, b: TimbreGaussian) -> TimbreGaussian {
        TimbreGaussian(frames: max(a.frames - b.frames, 0), sum: a.sum - b.sum, sumSquares: a.sumSquares - b.sumSquares)
    }

    /// Σ_k log σ²_k of the maximum-likelihood variances, each floored at the stored variance floor
    /// (the rounding noise of the stored means).
    var logDeterminant: Double {
        guard frames > 0 else { return 0 }
        let floor = Double(VoiceBlock.mfccVarianceFloor)
        var s = 0.0
        for k in 0..<Self.dims {
            let m = sum[k] / frames
            s += log(max(sumSquares[k] / frames - m * m, floor))
        }
        return s
    }

    /// ΔBIC (nats) between `a` and `b`; positive means two voices. An empty side is no evidence
    /// (−∞: nothing speaks against one voice).
    static func deltaBIC(_ a: TimbreGaussian, _ b: TimbreGaussian, observationsPerFrame: Double, penalty lambda: Double = 1) -> Double {
        guard a.frames > 0, b.frames > 0 else { return -.infinity }
        let na = a.frames * observationsPerFrame, nb = b.frames * observationsPerFrame
        let n = na + nb
        let ratio = 0.5 * (n * (a + b).logDeterminant - na * a.logDeterminant - nb * b.logDeterminant)
        return ratio - lambda * 0.5 * Double(2 * dims) * log(n)
    }
}
