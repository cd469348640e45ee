// Kernel speed benchmarks: every SIMD kernel against its scalar reference, and RealFFT against
// numpy.fft.rfft (pocketfft) measured in the same run. Run: `.build/release/LessonLensBench kernels`.
import Foundation
import Kernels
#if canImport(Glibc)
import Glibc
#endif

/// Sink for results so the optimiser cannot drop the measured work.
nonisolated(unsafe) var kernelBenchSink: Double = 0

/// Seconds per call of `body(i)`: the minimum over `rounds` short rounds of `iterations` calls.
/// Short rounds (about 1 ms) and a minimum filter out the time slices lost to the other agents
/// sharing these two cores; numpy is timed the same way. Each call gets its iteration number so the
/// body can change one input value and keep the optimiser from hoisting the kernel out of the loop.
func kernelTime(iterations: Int, rounds: Int = 101, _ body: (Int) -> Double) -> Double {
    var best = Double.infinity
    var i = 0
    for _ in 0..<rounds {
        var acc = 0.0
        let t0 = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<iterations { acc += body(i); i &+= 1 }
        let t1 = DispatchTime.now().uptimeNanoseconds
        kernelBenchSink += acc
        best = min(best, Double(t1 - t0) / 1e9 / Double(iterations))
    }
    return best
}

/// Picks an iteration count so that one round lasts roughly `target` seconds.
func kernelCalibrate(target: Double = 0.001, _ body: (Int) -> Double) -> Int {
    var n = 1
    while true {
        let t0 = DispatchTime.now().uptimeNanoseconds
        var acc = 0.0
        for i in 0..<n { acc += body(i) }
        kernelBenchSink += acc
        let dt = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        if dt >= target || n >= 1 << 24 { return max(1, Int(Double(n) * target / max(dt, 1e-9))) }
        n *= 2
    }
}

/// Benchmarks fast vs reference on `items` items per call; prints one row.
func kernelRow(_ name: String, items: Int, unit: String, scale: Double = 1e6,
               fast: (Int) -> Double, reference: (Int) -> Double) {
    let tf = kernelTime(iterations: kernelCalibrate(fast), fast)
    let tr = kernelTime(iterations: kernelCalibrate(reference), reference)
    let rf = Double(items) / tf / scale, rr = Double(items) / tr / scale
    print(name.padding(toLength: 40, withPad: " ", startingAt: 0)
          + String(format: "%11.1f %11.1f %8.1fx   ", rf, rr, tr / tf) + unit)
}

/// numpy.fft.rfft µs per transform for each size, one call per transform and batched 16 rows per
/// call, measured in a child python3 (nil if python or numpy fail).
func numpyRfftMicros(sizes: [Int]) -> [Int: (single: Double, batched: Double)]? {
    let script = """
    import timeit, numpy as np
    rng = np.random.default_rng(1)
    for n in \(sizes):
        x = rng.standard_normal(n).astype(np.float32)
        f = np.fft.rfft
        f(x)
        t = timeit.Timer(lambda: f(x))
        k = 1
        while t.timeit(number=k) < 0.001:
            k *= 2
        best = min(t.repeat(repeat=101, number=k)) / k
        # The same transform on 16 rows per call into a preallocated output: closer to pocketfft's
        # own speed, with numpy's ~7 µs per-call Python wrapper cost spread over the rows.
        xb = rng.standard_normal((16, n)).astype(np.float32)
        ob = np.empty((16, n // 2 + 1), np.complex64)
        tb = timeit.Timer(lambda: f(xb, axis=-1, out=ob))
        kb = 1
        while tb.timeit(number=kb) < 0.002:
            kb *= 2
        batched = min(tb.repeat(repeat=51, number=kb)) / kb / 16
        print(n, best * 1e6, batched * 1e6)
    """
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", "-c", script]
    // Same conditions as a plain numpy user: drop the OpenBLAS tuning variables this environment sets.
    var env = ProcessInfo.processInfo.environment
    env.removeValue(forKey: "OPENBLAS_CORETYPE")
    env.removeValue(forKey: "OPENBLAS_L2_SIZE")
    p.environment = env
    let pipe = Pipe()
    p.standardOutput = pipe
    do { try p.run() } catch { return nil }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    guard p.terminationStatus == 0, let text = String(data: data, encoding: .utf8) else { return nil }
    var out = [Int: (single: Double, batched: Double)]()
    for line in text.split(separator: "\n") {
        let f = line.split(separator: " ")
        if f.count == 3, let n = Int(f[0]), let us = Double(f[1]), let ub = Double(f[2]) { out[n] = (us, ub) }
    }
    return out
}

/// Deterministic test signal: noise-like samples in [-0.5, 0.5) (xorshift, no Foundation randomness).
func kernelNoise(_ n: Int, seed: UInt64) -> [Float] {
    var s = seed | 1
    return (0..<n).map { _ in
        s ^= s << 13; s ^= s >> 7; s ^= s << 17
        return Float(Double(s >> 11) / Double(1 << 53)) - 0.5
    }
}

func kernelBytes(_ n: Int, seed: UInt64) -> [UInt8] {
    var s = seed | 1
    return (0..<n).map { _ in
        s ^= s << 13; s ^= s >> 7; s ^= s << 17
        return UInt8(truncatingIfNeeded: s >> 29)
    }
}

/// Allocates a mutable buffer filled from `values`; benchmarks poke one element per call into it.
func kernelBuffer<T>(_ values: [T]) -> UnsafeMutableBufferPointer<T> {
    let b = UnsafeMutableBufferPointer<T>.allocate(capacity: values.count)
    _ = b.initialize(from: values)
    return b
}

func runKernelBenchmarks() {
    print("== kernels: fast vs scalar reference, million items per second (min time of 101 short rounds) ==")
    print("kernel".padding(toLength: 40, withPad: " ", startingAt: 0)
          + "       fast   reference  speed-up   unit")

    // One second of 16 kHz audio: the size the voice analysis streams per chunk. Every call first
    // writes one sample (`poke`) so the compiler cannot hoist the pure kernel out of the timing loop.
    let n = 16000
    let xm = kernelBuffer(kernelNoise(n, seed: 1)), ym = kernelBuffer(kernelNoise(n, seed: 2))
    let om = kernelBuffer([Float](repeating: 0, count: n))
    defer { xm.deallocate(); ym.deallocate(); om.deallocate() }
    let xb = UnsafeBufferPointer(xm), yb = UnsafeBufferPointer(ym)
    let poke: (Int) -> Void = { i in xm[i & 1023] = Float(i & 7) * 0.01 }
    kernelRow("Signal.rms (16000)", items: n, unit: "M samples/s",
              fast: { poke($0); return Double(Signal.rms(xb)) },
              reference: { poke($0); return Double(Signal.rmsReference(xb)) })
    kernelRow("Signal.zeroCrossingRate (16000)", items: n, unit: "M samples/s",
              fast: { poke($0); return Double(Signal.zeroCrossingRate(xb)) },
              reference: { poke($0); return Double(Signal.zeroCrossingRateReference(xb)) })
    kernelRow("Signal.dot (16000)", items: n, unit: "M samples/s",
              fast: { poke($0); return Double(Signal.dot(xb, yb)) },
              reference: { poke($0); return Double(Signal.dotReference(xb, yb)) })
    kernelRow("Signal.sum (16000)", items: n, unit: "M samples/s",
              fast: { poke($0); return Double(Signal.sum(xb)) },
              reference: { poke($0); return Double(Signal.sumReference(xb)) })
    kernelRow("Signal.multiply (16000)", items: n, unit: "M samples/s",
              fast: { poke($0); Signal.multiply(xb, yb, into: om); return Double(om[$0 & 1023]) },
              reference: { poke($0); Signal.multiplyReference(xb, yb, into: om); return Double(om[$0 & 1023]) })
    // 400-sample frames (25 ms at 16 kHz), as the voice analysis calls them.
    let frame = UnsafeBufferPointer(rebasing: xb[0..<400])
    let pokeFrame: (Int) -> Void = { i in xm[i & 255] = Float(i & 7) * 0.01 }
    kernelRow("Signal.rms (400-sample frame)", items: 400, unit: "M samples/s",
              fast: { pokeFrame($0); return Double(Signal.rms(frame)) },
              reference: { pokeFrame($0); return Double(Signal.rmsReference(frame)) })
    kernelRow("Signal.zeroCrossingRate (400)", items: 400, unit: "M samples/s",
              fast: { pokeFrame($0); return Double(Signal.zeroCrossingRate(frame)) },
              reference: { pokeFrame($0); return Double(Signal.zeroCrossingRateReference(frame)) })

    // Luma: a 256x144 analysis plane and a full 1280x720 plane.
    for (w, h) in [(256, 144), (1280, 720)] {
        let am = kernelBuffer(kernelBytes(w * h, seed: 3)), bm = kernelBuffer(kernelBytes(w * h, seed: 4))
        let hist = kernelBuffer([UInt32](repeating: 0, count: 256))
        let blocks = kernelBuffer([Float](repeating: 0, count: 64))
        let small = kernelBuffer([UInt8](repeating: 0, count: (w / 4) * (h / 4)))
        defer { am.deallocate(); bm.deallocate(); hist.deallocate(); blocks.deallocate(); small.deallocate() }
        let ab = UnsafeBufferPointer(am), bb = UnsafeBufferPointer(bm)
        let pokeA: (Int) -> Void = { i in am[(i &* 7919) % (w * h)] = UInt8(truncatingIfNeeded: i) }
        let size = "\(w)x\(h)"
        kernelRow("Luma.meanAbsoluteDifference " + size, items: w * h, unit: "M pixels/s",
                  fast: { pokeA($0); return Double(Luma.meanAbsoluteDifference(ab, bb)) },
                  reference: { pokeA($0); return Double(Luma.meanAbsoluteDifferenceReference(ab, bb)) })
        kernelRow("Luma.blockMAD 8x8 " + size, items: w * h, unit: "M pixels/s",
                  fast: { pokeA($0); Luma.blockMeanAbsoluteDifference(ab, bb, width: w, height: h, blocksX: 8, blocksY: 8, into: blocks); return Double(blocks[3]) },
                  reference: { pokeA($0); Luma.blockMeanAbsoluteDifferenceReference(ab, bb, width: w, height: h, blocksX: 8, blocksY: 8, into: blocks); return Double(blocks[3]) })
        kernelRow("Luma.histogram " + size, items: w * h, unit: "M pixels/s",
                  fast: { pokeA($0); Luma.histogram(ab, into: hist); return Double(hist[9]) },
                  reference: { pokeA($0); Luma.histogramReference(ab, into: hist); return Double(hist[9]) })
        kernelRow("Luma.mean " + size, items: w * h, unit: "M pixels/s",
                  fast: { pokeA($0); return Double(Luma.mean(ab)) },
                  reference: { pokeA($0); return Double(Luma.meanReference(ab)) })
        kernelRow("Luma.downscale /4 " + size, items: w * h, unit: "M pixels/s",
                  fast: { pokeA($0); Luma.downscale(ab, width: w, height: h, factor: 4, into: small); return Double(small[5]) },
                  reference: { pokeA($0); Luma.downscaleReference(ab, width: w, height: h, factor: 4, into: small); return Double(small[5]) })
    }

    // Pitch: one 40 ms frame, 70-450 Hz.
    do {
        let yin = YinPitch(sampleRate: 16000, minHz: 70, maxHz: 450, frameLength: 640)
        let tone = kernelBuffer((0..<640).map { Float(sin(2 * Double.pi * 180 * Double($0) / 16000)) * 0.5 })
        defer { tone.deallocate() }
        let tb = UnsafeBufferPointer(tone)
        kernelRow("YinPitch.estimate (640, 70-450 Hz)", items: 1, unit: "k frames/s", scale: 1e3,
                  fast: { tone[$0 & 63] += 1e-6; return Double(yin.estimate(tb).hz) },
                  reference: { tone[$0 & 63] += 1e-6; return Double(yin.estimateReference(tb).hz) })
    }

    // FFT against numpy.
    print("")
    print("== RealFFT.powerSpectrum vs numpy.fft.rfft (float32 input), µs per transform; lower is better ==")
    let sizes = [256, 512, 1024, 4096]
    let numpy = numpyRfftMicros(sizes: sizes)
    print("    size   RealFFT  +scratch   numpy 1/call  numpy 16/call   RealFFT/numpy(1)  RealFFT/numpy(16)")
    for size in sizes {
        let fft = RealFFT(size: size)
        let input = kernelBuffer(kernelNoise(size, seed: UInt64(size)))
        let spectrum = kernelBuffer([Float](repeating: 0, count: size / 2 + 1))
        let scratch = kernelBuffer([Float](repeating: 0, count: size / 2))
        defer { input.deallocate(); spectrum.deallocate(); scratch.deallocate() }
        let ib = UnsafeBufferPointer(input)
        let body: (Int) -> Double = { input[$0 & 63] = Float($0 & 7); fft.powerSpectrum(ib, into: spectrum); return Double(spectrum[1]) }
        let body2: (Int) -> Double = { input[$0 & 63] = Float($0 & 7); fft.powerSpectrum(ib, into: spectrum, scratch: scratch); return Double(spectrum[1]) }
        let t1 = kernelTime(iterations: kernelCalibrate(body), body) * 1e6
        let t2 = kernelTime(iterations: kernelCalibrate(body2), body2) * 1e6
        let cols: [String]
        if let np = numpy?[size] {
            cols = [String(format: "%.2f", np.single), String(format: "%.2f", np.batched),
                    String(format: "%.2fx", t1 / np.single), String(format: "%.2fx", t1 / np.batched)]
        } else {
            cols = ["n/a", "n/a", "n/a", "n/a"]
        }
        print(String(format: "%8d %9.2f %9.2f", size, t1, t2)
              + cols[0].leftPadded(15) + cols[1].leftPadded(15) + cols[2].leftPadded(19) + cols[3].leftPadded(19))
    }
    print("(µs per transform. numpy 1/call includes its Python wrapper, several µs; 16/call is rfft of a")
    print(" 16-row batch into a preallocated out=, divided by 16. RealFFT also squares the bins.)")

    // The whole MFCC front end per 25 ms frame, as the voice analysis runs it.
    print("")
    do {
        let window = kernelBuffer(Signal.hannWindow(count: 400))
        let fft = RealFFT(size: 512)
        let mel = MelFilterbank(sampleRate: 16000, fftSize: 512, bandCount: 40, minHz: 20, maxHz: 8000)
        let dct = DCT(inputCount: 40, outputCount: 13)
        let frame = kernelBuffer([Float](repeating: 0, count: 512))
        let power = kernelBuffer([Float](repeating: 0, count: 257))
        let bands = kernelBuffer([Float](repeating: 0, count: 40))
        let mfcc = kernelBuffer([Float](repeating: 0, count: 13))
        defer { [window, frame, power, bands, mfcc].forEach { $0.deallocate() } }
        let body: (Int) -> Double = { i in
            // Hop 160 samples (10 ms) through the second of audio.
            let start = (i % 97) * 160
            Signal.multiply(UnsafeBufferPointer(rebasing: xb[start..<(start + 400)]), UnsafeBufferPointer(window),
                            into: UnsafeMutableBufferPointer(rebasing: frame[0..<400]))
            fft.powerSpectrum(UnsafeBufferPointer(frame), into: power)
            mel.apply(power: UnsafeBufferPointer(power), into: bands)
            Spectral.log10InPlace(bands)
            dct.apply(UnsafeBufferPointer(bands), into: mfcc)
            return Double(mfcc[1])
        }
        let t = kernelTime(iterations: kernelCalibrate(body), body)
        print(String(format: "MFCC front end (Hann 400 + FFT 512 + mel 40 + log + DCT 13): %.2f µs/frame = %.0fx realtime at 100 frames/s",
                     t * 1e6, 1 / (t * 100)))
    }
    if kernelBenchSink == 42 { print("") }  // keeps the sink observable
    print("")
    runDenseBenchmarks()
}

/// CPU seconds of this thread (CLOCK_THREAD_CPUTIME_ID).
func threadSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

/// `Dense.multiply` by each kernel on the speaker encoder's and Silero's shapes, GMAC/s, and the
/// ratios to the former SIMD4 kernel (`.dotSIMD4`) measured in the same run. Also `LessonLensBench dense`.
func runDenseBenchmarks() {
    let kernels = DenseKernel.allCases.filter(\.isAvailable)
    print("== Dense.multiply: GMAC/s by kernel (min over rounds of >= 2 ms of this thread's CPU time); ratios to dot-simd4 ==")
    print("(default kernel on this machine: \(Dense.kernel); LESSONLENS_SIMD=portable forces the portable one)")
    print("rows x depth x columns      " + kernels.map { $0.description.leftPadded(11) }.joined()
          + kernels.filter { $0 != .reference && $0 != .dotSIMD4 }.map { ("\($0)/old").leftPadded(14) }.joined())
    let shapes = [(1024, 256, 8, "LSTM W_hh x 8 partials"), (1024, 256, 16, "W_hh x 16"), (1024, 256, 32, "W_hh x 32"),
                  (1024, 40, 1280, "layer 0 W_ih x 1280"), (1024, 256, 1280, "layers 1-2 W_ih x 1280"),
                  (256, 256, 8, "linear x 8"), (402, 400, 1280, "DFT 400 x 1280"), (40, 201, 1280, "mel x 1280"),
                  (512, 128, 1, "Silero LSTM x 1"), (258, 256, 16, "Silero STFT x 16")]
    for (rows, depth, columns, label) in shapes {
        let m = DenseMatrix(rows: rows, depth: depth, values: kernelNoise(rows * depth, seed: 3), bias: kernelNoise(rows, seed: 4))
        var x = [Float](repeating: 0, count: columns * m.stride)
        let noise = kernelNoise(columns * depth, seed: 5)
        for n in 0..<columns { for k in 0..<depth { x[n * m.stride + k] = noise[n * depth + k] } }
        let xb = kernelBuffer(x), out = kernelBuffer([Float](repeating: 0, count: rows * columns))
        defer { xb.deallocate(); out.deallocate() }
        let macs = Double(rows * depth * columns)
        var rate: [DenseKernel: Double] = [:]
        for kernel in kernels {
            let call = { (i: Int) in
                xb[0] = Float(i & 7) * 0.01
                Dense.multiply(m, columns: UnsafePointer(xb.baseAddress!), columnCount: columns, output: out.baseAddress!, kernel: kernel)
                kernelBenchSink += Double(out[(i * 7) % (rows * columns)])
            }
            // Calls per round: enough for 2 ms; rounds: up to 51 within about 0.4 s (3 at least).
            let t0 = threadSeconds()
            call(0)
            let once = max(threadSeconds() - t0, 1e-7)
            let perRound = max(1, Int(0.002 / once))
            let rounds = max(3, min(51, Int(0.4 / (once * Double(perRound)))))
            var best = Double.infinity, i = 1
            for _ in 0..<rounds {
                let s = threadSeconds()
                for _ in 0..<perRound { call(i); i += 1 }
                best = min(best, (threadSeconds() - s) / Double(perRound))
            }
            rate[kernel] = macs / best / 1e9
        }
        let old = rate[.dotSIMD4] ?? .nan
        print(String(format: "%4d x %3d x %4d", rows, depth, columns).padding(toLength: 28, withPad: " ", startingAt: 0)
              + kernels.map { String(format: "%.2f", rate[$0] ?? .nan).leftPadded(11) }.joined()
              + kernels.filter { $0 != .reference && $0 != .dotSIMD4 }.map { String(format: "%.2fx", (rate[$0] ?? .nan) / old).leftPadded(14) }.joined()
              + "   " + label)
    }
}

extension String {
    /// Right-aligns the string in a column of `width` characters.
    func leftPadded(_ width: Int) -> String {
        count >= width ? " " + self : String(repeating: " ", count: width - count) + self
    }
}
