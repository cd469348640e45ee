import Foundation
import Kernels
import Testing

/// The blocked Dense kernels (portable, AVX2 + FMA) and the former SIMD4 kernel against the scalar
/// reference, each taken explicitly so one run covers every path this CPU has.
@Suite struct DenseKernelTests {
    /// The kernels to check on this CPU (AVX2 only where it runs).
    static let kernels: [DenseKernel] = [.portable, .avx2, .dotSIMD4].filter(\.isAvailable)

    /// Tolerance: the kernels sum in another order than the reference, and AVX2 fuses each
    /// multiply-add (one rounding instead of two), so an output may differ from the reference by a few
    /// ulps of each partial sum: |fast − reference| ≤ 1e-5 · (Σₖ |W[r,k]·x[k]| + |bias[r]|).
    static let relative: Float = 1e-5

    /// Checks `kernel` on a random `rows × depth` matrix times `columns` columns. The column padding
    /// (stride beyond depth) holds NaN for the panel kernels, which must not read it; zeros for dotSIMD4.
    func check(_ kernel: DenseKernel, rows: Int, depth: Int, columns: Int, seed: UInt64) {
        let m = DenseMatrix(rows: rows, depth: depth, values: noise(rows * depth, seed: seed), bias: noise(rows, seed: seed + 1))
        let pad: Float = kernel == .dotSIMD4 ? 0 : .nan
        var cols = [Float](repeating: pad, count: max(1, columns * m.stride))
        let x = noise(columns * depth, seed: seed + 2)
        for n in 0..<columns { for k in 0..<depth { cols[n * m.stride + k] = x[n * depth + k] } }
        var fast = [Float](repeating: .nan, count: max(1, rows * columns + 1))
        var slow = fast
        fast[rows * columns] = 12345  // just past the output: must stay untouched
        cols.withUnsafeBufferPointer { c in
            fast.withUnsafeMutableBufferPointer {
                Dense.multiply(m, columns: c.baseAddress!, columnCount: columns, output: $0.baseAddress!, kernel: kernel)
            }
            slow.withUnsafeMutableBufferPointer {
                Dense.multiply(m, columns: c.baseAddress!, columnCount: columns, output: $0.baseAddress!, kernel: .reference)
            }
        }
        #expect(fast[rows * columns] == 12345, "\(kernel) \(rows)x\(depth)x\(columns): wrote past the output")
        var bad = 0
        for n in 0..<columns {
            for r in 0..<rows {
                var scale = abs(m.bias[r])
                for k in 0..<depth { scale += abs(m.values[r * m.stride + k] * x[n * depth + k]) }
                let i = n * rows + r
                if !(abs(fast[i] - slow[i]) <= Self.relative * scale) {
                    bad += 1
                    if bad <= 3 { Issue.record("\(kernel) \(rows)x\(depth)x\(columns): [\(r), \(n)] = \(fast[i]), reference \(slow[i])") }
                }
            }
        }
        #expect(bad == 0, "\(kernel) \(rows)x\(depth)x\(columns): \(bad) outputs off")
    }

    /// Rows not a multiple of a panel (8) or tile (16), depths not a multiple of 8, columns 0 … 37
    /// (every remainder of the 4- and 2-column tiles, and more than one column block).
    @Test(arguments: kernels)
    func awkwardShapes(kernel: DenseKernel) {
        for (rows, depth) in [(1, 1), (3, 5), (8, 8), (9, 13), (17, 40), (23, 7), (33, 257), (100, 3)] {
            for columns in [0, 1, 2, 3, 4, 5, 6, 7, 9, 13, 37] {
                check(kernel, rows: rows, depth: depth, columns: columns, seed: UInt64(rows * 1000 + depth * 10 + columns))
            }
        }
        for columns in 1...37 { check(kernel, rows: 41, depth: 19, columns: columns, seed: UInt64(columns)) }
        // Column blocks of the AVX2 kernel: 16384 / depth floats, rounded to 4 columns (2 k-floats → 8192).
        check(kernel, rows: 18, depth: 2, columns: 8200, seed: 77)
    }

    /// The encoder's shapes (LSTM recurrence over 8/16/32 partials, input projections over 1280 frames
    /// (layers 1-2 over 100: two column blocks, and the scalar reference stays quick),
    /// the linear layer), its front end's DFT and mel matrices, and Silero's.
    @Test(arguments: kernels)
    func modelShapes(kernel: DenseKernel) {
        for (i, (rows, depth, columns)) in [(1024, 256, 8), (1024, 256, 16), (1024, 256, 32), (1024, 40, 1280),
                                           (1024, 256, 100), (256, 256, 8), (256, 256, 5), (402, 400, 40),
                                           (40, 201, 33), (512, 128, 1), (258, 256, 4)].enumerated() {
            check(kernel, rows: rows, depth: depth, columns: columns, seed: UInt64(100 + i))
        }
    }

    /// `lstmStepBatch` and `lstmStep` by each kernel equal the reference step.
    @Test(arguments: kernels)
    func lstmStepsMatchReference(kernel: DenseKernel) {
        for (hidden, batch) in [(256, 8), (256, 3), (24, 1), (24, 5), (128, 1)] {
            let w = DenseMatrix(rows: 4 * hidden, depth: hidden, values: noise(4 * hidden * hidden, seed: 21).map { $0 * 0.1 })
            let gatesIn = noise(batch * 4 * hidden, seed: 22)
            let h0 = noise(batch * hidden, seed: 23), c0 = noise(batch * hidden, seed: 24)
            var scratch = [Float](repeating: 0, count: batch * 4 * hidden)
            var hRef = h0, cRef = c0, hFast = h0, cFast = c0
            // Three steps, so the second and third run on the kernels' own states.
            for _ in 0..<3 {
                Dense.lstmStepBatch(recurrent: w, inputGates: gatesIn, batch: batch, h: &hRef, c: &cRef, scratch: &scratch, kernel: .reference)
                Dense.lstmStepBatch(recurrent: w, inputGates: gatesIn, batch: batch, h: &hFast, c: &cFast, scratch: &scratch, kernel: kernel)
            }
            let hErr = zip(hRef, hFast).map { abs($0 - $1) }.max() ?? 0
            let cErr = zip(cRef, cFast).map { abs($0 - $1) }.max() ?? 0
            #expect(hErr < 1e-5 && cErr < 1e-5, "\(kernel) hidden \(hidden) batch \(batch): h off by \(hErr), c by \(cErr)")
            if batch == 1 {
                var h = h0, c = c0
                for _ in 0..<3 { Dense.lstmStep(recurrent: w, inputGates: gatesIn, h: &h, c: &c, scratch: &scratch, kernel: kernel) }
                let err = zip(hRef, h).map { abs($0 - $1) }.max() ?? 0
                #expect(err < 1e-5, "\(kernel) lstmStep hidden \(hidden): h off by \(err)")
            }
        }
    }

    /// The SIMD8 activations of the fast cell update against the scalar ones, over [−100, 100].
    @Test func simdActivationsMatchScalar() {
        var worstS: Float = 0, worstT: Float = 0
        var x: Float = -100
        while x < 100 {
            let v = SIMD8<Float>((0..<8).map { x + Float($0) * 0.000_37 })
            let s = Dense.sigmoid(v), t = Dense.tanh(v)
            for l in 0..<8 {
                worstS = max(worstS, abs(s[l] - Dense.sigmoid(v[l])))
                worstT = max(worstT, abs(t[l] - Dense.tanh(v[l])))
            }
            x += abs(x) < 10 ? 0.003 : 0.1
        }
        #expect(worstS < 3e-7 && worstT < 6e-7, "sigmoid off by \(worstS), tanh by \(worstT)")
        #expect(Dense.sigmoid(SIMD8<Float>(repeating: -200))[0] >= 0 && Dense.sigmoid(SIMD8<Float>(repeating: 200))[0] == 1)
    }

    /// `Dense.multiply` without a kernel runs AVX2 where the CPU has it, unless LESSONLENS_SIMD=portable.
    @Test func defaultKernelFollowsCPUAndEnvironment() {
        let forced = ProcessInfo.processInfo.environment["LESSONLENS_SIMD"] == "portable"
        #expect(Dense.kernel == (DenseKernel.avx2.isAvailable && !forced ? .avx2 : .portable))
        #if arch(x86_64) && os(Linux)
        let flags = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("flags") }?.split(separator: " ").map(String.init) ?? []
        if !flags.isEmpty {
            #expect(DenseKernel.avx2.isAvailable == (flags.contains("avx2") && flags.contains("fma")), "CPUID and /proc/cpuinfo disagree")
        }
        #endif
    }
}
