import RealModule
import Kernels
import Testing

@Suite struct DenseTests {
    /// Random matrix and columns (zero padding beyond `depth`, as the layout requires).
    func setup(rows: Int, depth: Int, columns: Int, seed: UInt64) -> (DenseMatrix, [Float]) {
        let m = DenseMatrix(rows: rows, depth: depth, values: noise(rows * depth, seed: seed),
                            bias: noise(rows, seed: seed + 1))
        var cols = [Float](repeating: 0, count: max(1, columns * m.stride))
        let x = noise(columns * depth, seed: seed + 2)
        for n in 0..<columns { for k in 0..<depth { cols[n * m.stride + k] = x[n * depth + k] } }
        return (m, cols)
    }

    @Test(arguments: [(1, 1, 1), (4, 8, 2), (7, 9, 3), (5, 1023, 1), (128, 387, 16), (258, 256, 4), (512, 128, 5), (4, 7, 0)])
    func multiplyMatchesReference(shape: (Int, Int, Int)) {
        let (rows, depth, columns) = shape
        let (m, cols) = setup(rows: rows, depth: depth, columns: columns, seed: UInt64(rows * 31 + depth))
        var fast = [Float](repeating: .nan, count: max(1, rows * columns))
        var slow = fast
        cols.withUnsafeBufferPointer { c in
            fast.withUnsafeMutableBufferPointer { Dense.multiply(m, columns: c.baseAddress!, columnCount: columns, output: $0.baseAddress!) }
            slow.withUnsafeMutableBufferPointer { Dense.multiplyReference(m, columns: c.baseAddress!, columnCount: columns, output: $0.baseAddress!) }
        }
        for i in 0..<(rows * columns) {
            // Sums of `depth` products of values in [-1, 1]: compare against the sum's scale.
            #expect(abs(fast[i] - slow[i]) <= 1e-5 * Float(depth).squareRoot() * 4, "element \(i)")
        }
    }

    @Test func multiplyKnownProduct() {
        // [[1, 2, 3], [4, 5, 6]] · [1, 0, -1] + [10, 20] = [8, 18].
        let m = DenseMatrix(rows: 2, depth: 3, values: [1, 2, 3, 4, 5, 6], bias: [10, 20])
        var col = [Float](repeating: 0, count: m.stride)
        col[0] = 1; col[2] = -1
        var out = [Float](repeating: 0, count: 2)
        col.withUnsafeBufferPointer { c in out.withUnsafeMutableBufferPointer { Dense.multiply(m, columns: c.baseAddress!, columnCount: 1, output: $0.baseAddress!) } }
        #expect(out == [8, 18])
        #expect(m.stride == 8)
    }

    @Test(arguments: kernelLengths)
    func reluMatchesScalar(n: Int) {
        var x = noise(n, seed: 9)
        let expected = x.map { max($0, 0) }
        x.withUnsafeMutableBufferPointer { Dense.relu($0.baseAddress!, count: n) }
        #expect(x == expected)
    }

    @Test func sigmoidIsStableAndSymmetric() {
        #expect(Dense.sigmoid(0) == 0.5)
        #expect(Dense.sigmoid(-200) >= 0 && Dense.sigmoid(-200) < 1e-30)
        #expect(Dense.sigmoid(200) == 1)
        for x: Float in [-5, -1, 0.3, 2, 7] { #expect(abs(Dense.sigmoid(x) + Dense.sigmoid(-x) - 1) < 1e-6) }
    }

    @Test func lstmStepMatchesReferenceAndFormula() {
        let hidden = 16
        let w = DenseMatrix(rows: 4 * hidden, depth: hidden, values: noise(4 * hidden * hidden, seed: 5))
        let gatesIn = noise(4 * hidden, seed: 6)
        var h1 = noise(hidden, seed: 7), c1 = noise(hidden, seed: 8)
        var h2 = h1, c2 = c1
        // Formula, written out: gates = W·h + in; c' = σ(f)c + σ(i)tanh(g); h' = σ(o)tanh(c').
        var g = [Float](repeating: 0, count: 4 * hidden)
        for r in 0..<(4 * hidden) { g[r] = gatesIn[r] + (0..<hidden).reduce(0) { $0 + w.values[r * w.stride + $1] * h1[$1] } }
        let s = { (x: Float) in 1 / (1 + Float.exp(-x)) }
        let cExp = (0..<hidden).map { s(g[hidden + $0]) * c1[$0] + s(g[$0]) * Float.tanh(g[2 * hidden + $0]) }
        let hExp = (0..<hidden).map { s(g[3 * hidden + $0]) * Float.tanh(cExp[$0]) }
        func step(_ h: inout [Float], _ c: inout [Float], reference: Bool) {
            var scratch = [Float](repeating: 0, count: 4 * hidden)
            gatesIn.withUnsafeBufferPointer { gi in
                scratch.withUnsafeMutableBufferPointer { sb in
                    h.withUnsafeMutableBufferPointer { hb in
                        c.withUnsafeMutableBufferPointer { cb in
                            Dense.lstmStep(recurrent: w, inputGates: gi.baseAddress!, h: hb.baseAddress!, c: cb.baseAddress!,
                                           scratch: sb.baseAddress!, reference: reference)
                        }
                    }
                }
            }
        }
        step(&h1, &c1, reference: false)
        step(&h2, &c2, reference: true)
        for j in 0..<hidden {
            #expect(abs(h1[j] - hExp[j]) < 1e-5 && abs(c1[j] - cExp[j]) < 1e-5, "SIMD \(j)")
            #expect(abs(h2[j] - hExp[j]) < 1e-5 && abs(c2[j] - cExp[j]) < 1e-5, "reference \(j)")
        }
    }

    /// The batched step equals the single-sequence step applied to each sequence (SIMD and reference).
    @Test(arguments: [1, 2, 5])
    func lstmStepBatchMatchesSingleSteps(batch: Int) {
        let hidden = 24
        let w = DenseMatrix(rows: 4 * hidden, depth: hidden, values: noise(4 * hidden * hidden, seed: 15))
        let gatesIn = noise(batch * 4 * hidden, seed: 16)
        let h0 = noise(batch * hidden, seed: 17), c0 = noise(batch * hidden, seed: 18)
        var expH = h0, expC = c0
        var scratch = [Float](repeating: 0, count: batch * 4 * hidden)
        for b in 0..<batch {
            var h = Array(h0[(b * hidden)..<((b + 1) * hidden)]), c = Array(c0[(b * hidden)..<((b + 1) * hidden)])
            let gi = Array(gatesIn[(b * 4 * hidden)..<((b + 1) * 4 * hidden)])
            Dense.lstmStep(recurrent: w, inputGates: gi, h: &h, c: &c, scratch: &scratch, reference: true)
            for j in 0..<hidden { expH[b * hidden + j] = h[j]; expC[b * hidden + j] = c[j] }
        }
        for reference in [false, true] {
            var h = h0, c = c0
            Dense.lstmStepBatch(recurrent: w, inputGates: gatesIn, batch: batch, h: &h, c: &c, scratch: &scratch, reference: reference)
            for j in 0..<(batch * hidden) {
                #expect(abs(h[j] - expH[j]) < 1e-5 && abs(c[j] - expC[j]) < 1e-5, "reference \(reference) element \(j)")
            }
        }
    }
}
