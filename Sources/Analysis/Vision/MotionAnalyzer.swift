import Kernels
public import MediaCore

/// Motion energy over time (an activity signal), streaming: the mean absolute luma difference between
/// consecutive sampled frames, averaged per interval, overall and per region of a grid.
///
/// Frame pairs in which most of the picture changed (a slide change or a camera cut) are left out: they
/// are edits, not movement. Values depend on the sampling rate (a larger gap between frames shows more
/// movement), so compare energies only between runs sampled alike. Keeps one previous frame of state.
public final class MotionAnalyzer {
    /// Interval length, seconds.
    public let intervalSeconds: Double
    public let regionsX: Int
    public let regionsY: Int
    /// A pair is an edit, not motion, when more than this fraction of 16 × 9 blocks changed by more than
    /// `editBlockThreshold`. Heuristic: a walking teacher changes well under half of them.
    public let editFraction: Float = 0.6
    /// Block change threshold for the edit test (0...255), above compression noise.
    public let editBlockThreshold: Float = 6

    /// Per-region energy per interval, row-major regions (`regionsX × regionsY` values per interval),
    /// 0...255 scale; filled by `finish()`.
    public private(set) var regionEnergy: [[Double]] = []

    private var previous: [UInt8] = []
    private var width = 0
    private var height = 0
    private var sums: [Double] = []
    private var counts: [Int] = []
    private var regionSums: [[Double]] = []
    private var regionScratch: [Float] = []
    private var editScratch = [Float](repeating: 0, count: 16 * 9)

    /// - Parameters: intervalSeconds: length of one energy value, seconds; regionsX/regionsY: region grid.
    public init(intervalSeconds: Double = 5, regionsX: Int = 3, regionsY: Int = 3) {
        precondition(intervalSeconds > 0 && regionsX >= 1 && regionsY >= 1, "MotionAnalyzer: bad parameters")
        self.intervalSeconds = intervalSeconds
        self.regionsX = regionsX
        self.regionsY = regionsY
        regionScratch = [Float](repeating: 0, count: regionsX * regionsY)
    }

    /// Consumes one frame (time order). The energy of a pair is counted in the interval of the later frame.
    public func consume(_ frame: LumaFrame) {
        defer {
            previous = frame.pixels
            width = frame.width
            height = frame.height
        }
        guard !previous.isEmpty, frame.width == width, frame.height == height,
              width >= max(16, regionsX), height >= max(9, regionsY), frame.timeSeconds >= 0 else { return }
        let w = width, h = height
        var edit: Float = 0
        previous.withUnsafeBufferPointer { pa in
            frame.pixels.withUnsafeBufferPointer { pb in
                editScratch.withUnsafeMutableBufferPointer {
                    Luma.blockMeanAbsoluteDifference(pa, pb, width: w, height: h, blocksX: 16, blocksY: 9, into: $0)
                }
                regionScratch.withUnsafeMutableBufferPointer {
                    Luma.blockMeanAbsoluteDifference(pa, pb, width: w, height: h, blocksX: regionsX, blocksY: regionsY, into: $0)
                }
            }
        }
        for v in editScratch where v > editBlockThreshold { edit += 1 }
        guard edit / Float(editScratch.count) <= editFraction else { return }
        let k = Int(frame.timeSeconds / intervalSeconds)
        while sums.count <= k {
            sums.append(0)
            counts.append(0)
            regionSums.append([Double](repeating: 0, count: regionsX * regionsY))
        }
        // Regions tile the frame with (nearly) equal areas, so the overall MAD is their mean.
        var total = 0.0
        for (i, v) in regionScratch.enumerated() {
            regionSums[k][i] += Double(v)
            total += Double(v)
        }
        sums[k] += total / Double(regionScratch.count)
        counts[k] += 1
    }

    /// Energy per interval (mean over the pairs in it; 0 for intervals without pairs).
    public func finish() -> MotionSummary {
        regionEnergy = regionSums.indices.map { k in
            regionSums[k].map { counts[k] > 0 ? $0 / Double(counts[k]) : 0 }
        }
        let energy = sums.indices.map { counts[$0] > 0 ? sums[$0] / Double(counts[$0]) : 0 }
        return MotionSummary(intervalSeconds: intervalSeconds, energy: energy)
    }
}
