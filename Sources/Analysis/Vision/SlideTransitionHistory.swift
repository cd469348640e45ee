/// The last few frames as small thumbnails, to time a slide change that was a gradual transition
/// (a dissolve, a fade through black) once the new slide has been accepted.
///
/// During a cross-fade each frame is `a·old + b·new` with `a + b = 1`; a fade through black is the same
/// with `a + b < 1` (the black part). Fitting `a` and `b` per frame by least squares against the old and
/// the new stable view tells where in the transition the frame is. The change is timed at the first
/// frame in which the new view weighs at least as much as the old one (`b ≥ a`): the mid-point of a
/// cross-fade, the dark middle of a fade through black. Fixed capacity: bounded memory.
struct SlideTransitionHistory {
    /// Thumbnail cell size, pixels: 4 × 4 box means of a 256 × 144 frame are 64 × 36 values, enough
    /// content to fit two weights, averaging out sensor noise and a pixel or two of shake.
    static let cell = 4

    let capacity: Int
    let width: Int
    let height: Int
    let thumbWidth: Int
    let thumbHeight: Int
    private var thumbs: [Float]
    private var times: [Double]
    /// Whether the frame differed from the old view as much as a slide change does.
    private var unlike: [Bool]
    /// Index of the oldest entry and the number of entries.
    private var head = 0
    private(set) var count = 0

    init(capacity: Int, width: Int, height: Int) {
        precondition(capacity > 0, "SlideTransitionHistory: capacity")
        self.capacity = capacity
        self.width = width
        self.height = height
        thumbWidth = max(1, width / Self.cell)
        thumbHeight = max(1, height / Self.cell)
        thumbs = [Float](repeating: 0, count: capacity * thumbWidth * thumbHeight)
        times = [Double](repeating: 0, count: capacity)
        unlike = [Bool](repeating: false, count: capacity)
    }

    /// Adds a frame, dropping the oldest when full; `unlikeOld`: it differed from the view then current in
    /// at least `changeFraction` of the blocks. Allocates: no.
    mutating func append(_ pixels: [UInt8], at time: Double, unlikeOld: Bool) {
        let slot = count < capacity ? (head + count) % capacity : head
        if count < capacity { count += 1 } else { head = (head + 1) % capacity }
        times[slot] = time
        unlike[slot] = unlikeOld
        let n = thumbWidth * thumbHeight
        thumbs.withUnsafeMutableBufferPointer { out in
            Self.thumbnail(pixels, width: width, thumbWidth: thumbWidth, thumbHeight: thumbHeight,
                           into: UnsafeMutableBufferPointer(rebasing: out[(slot * n)..<((slot + 1) * n)]))
        }
    }

    /// The thumbnail of any frame of this size (for the old and the new view).
    func thumbnail(_ pixels: [UInt8]) -> [Float] {
        var out = [Float](repeating: 0, count: thumbWidth * thumbHeight)
        out.withUnsafeMutableBufferPointer {
            Self.thumbnail(pixels, width: width, thumbWidth: thumbWidth, thumbHeight: thumbHeight, into: $0)
        }
        return out
    }

    /// Time of the first frame of the run of frames just before `before` (and not older than `notBefore`)
    /// in which `new` weighs at least as much as `old`, within `tieMargin`, and which differed from the old
    /// view like a slide change (so two similar slides, whose weights are ill-determined, never pull the time
    /// back into the old slide); nil when the frame just before `before` already shows the old view (a cut).
    func transitionStart(old: [Float], new: [Float], before: Double, notBefore: Double, tieMargin: Float) -> Double? {
        var start: Double? = nil
        let n = thumbWidth * thumbHeight
        var k = count - 1
        while k >= 0 {
            let slot = (head + k) % capacity
            k -= 1
            let t = times[slot]
            if t >= before - 1e-9 { continue }
            if t < notBefore || !unlike[slot] { break }
            let w = thumbs.withUnsafeBufferPointer {
                Self.mixWeights(UnsafeBufferPointer(rebasing: $0[(slot * n)..<((slot + 1) * n)]), old, new)
            }
            guard w.new >= w.old - tieMargin else { break }
            start = t
        }
        return start
    }

    /// Least-squares weights of `frame ≈ a·old + b·new` (the 2 × 2 normal equations). When the two views
    /// are too alike to tell apart, the frame is given to the old view.
    static func mixWeights(_ frame: UnsafeBufferPointer<Float>, _ old: [Float], _ new: [Float]) -> (old: Float, new: Float) {
        var oo: Double = 0, on: Double = 0, nn: Double = 0, fo: Double = 0, fn: Double = 0
        for i in 0..<frame.count {
            let o = Double(old[i]), n = Double(new[i]), f = Double(frame[i])
            oo += o * o
            on += o * n
            nn += n * n
            fo += f * o
            fn += f * n
        }
        let det = oo * nn - on * on
        // Relative determinant: 1 − cos² of the angle between the views; 1e-6 is far below any two
        // different slides (their content pixels alone give more) and above rounding.
        guard det > 1e-6 * oo * nn else { return (1, 0) }
        return (Float((fo * nn - fn * on) / det), Float((fn * oo - fo * on) / det))
    }

    private static func thumbnail(_ pixels: [UInt8], width w: Int, thumbWidth tw: Int, thumbHeight th: Int,
                                  into out: UnsafeMutableBufferPointer<Float>) {
        let c = cell
        let scale = 1 / Float(c * c)
        pixels.withUnsafeBufferPointer { p in
            for ty in 0..<th {
                for tx in 0..<tw {
                    var s = 0
                    for y in (ty * c)..<(ty * c + c) {
                        let row = y * w + tx * c
                        for x in 0..<c { s += Int(p[row + x]) }
                    }
                    out[ty * tw + tx] = Float(s) * scale
                }
            }
        }
    }
}
