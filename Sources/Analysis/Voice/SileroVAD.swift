public import Foundation
import Kernels

/// The weights of Silero VAD's 16 kHz network (Silero Team, MIT licence), as shipped in the
/// `silero-vad` wheel on PyPI (`silero_vad/data/silero_vad_16k.safetensors`, 309 633 float32
/// parameters), rearranged for `Kernels.Dense`.
///
/// The network: a 256-point STFT applied as a strided convolution (258 fixed real/imaginary basis
/// rows, hop 128) and its magnitude (129 bins); four 1-D convolutions of kernel 3 with ReLU
/// (129→128, 128→64 stride 2, 64→64 stride 2, 64→128); one LSTM cell of 128; ReLU; a 1×1 convolution
/// and a sigmoid: one speech probability per 512-sample (32 ms) window.
public struct SileroWeights: Sendable {
    /// File name inside the model folder.
    public static let fileName = "silero_vad_16k.safetensors"
    /// SHA-256 of the file as shipped in silero-vad 6.2.3 (the weights the parity test pins).
    public static let sha256 = "c59271c284ae9c8335d795d60e0bfdb71aaaceec578d9bd9ffc1b8153c319ea1"

    let stft: DenseMatrix
    /// Whether the STFT basis is a periodic-Hann-windowed DFT (then an FFT computes it exactly).
    let stftIsHannDFT: Bool
    let conv1: DenseMatrix, conv2: DenseMatrix, conv3: DenseMatrix, conv4: DenseMatrix
    /// `W_ih` with bias `b_ih + b_hh`.
    let inputGates: DenseMatrix
    /// `W_hh`, no bias.
    let recurrent: DenseMatrix
    let head: [Float]
    let headBias: Float

    public init(data: Data) throws {
        let t = try SafeTensors(data: data)
        let basis = try t.tensor("stft_conv.weight", shape: [258, 1, 256])
        stft = DenseMatrix(rows: 258, depth: 256, values: basis)
        stftIsHannDFT = Self.isHannDFT(basis)
        func conv(_ name: String, _ out: Int, _ inp: Int) throws -> DenseMatrix {
            // [out, in, 3] row-major is already the im2col order c·3 + k.
            DenseMatrix(rows: out, depth: inp * 3, values: try t.tensor("\(name).weight", shape: [out, inp, 3]),
                        bias: try t.tensor("\(name).bias", shape: [out]))
        }
        conv1 = try conv("conv1", 128, 129)
        conv2 = try conv("conv2", 64, 128)
        // conv3 sees conv2's two steps with padding before them, so its first tap only ever meets a
        // zero; conv4 sees one step, so only its centre tap meets data. Keeping just the taps that
        // meet data gives the same sums with a third (conv3) and two thirds (conv4) less work.
        let w3 = try t.tensor("conv3.weight", shape: [64, 64, 3])
        conv3 = DenseMatrix(rows: 64, depth: 128, values: (0..<(64 * 64 * 2)).map { i in
            let (o, rest) = i.quotientAndRemainder(dividingBy: 128)
            let (ch, k) = rest.quotientAndRemainder(dividingBy: 2)
            return w3[(o * 64 + ch) * 3 + 1 + k]
        }, bias: try t.tensor("conv3.bias", shape: [64]))
        let w4 = try t.tensor("conv4.weight", shape: [128, 64, 3])
        conv4 = DenseMatrix(rows: 128, depth: 64, values: (0..<(128 * 64)).map { w4[$0 * 3 + 1] },
                            bias: try t.tensor("conv4.bias", shape: [128]))
        let bih = try t.tensor("lstm_cell.bias_ih", shape: [512])
        let bhh = try t.tensor("lstm_cell.bias_hh", shape: [512])
        inputGates = DenseMatrix(rows: 512, depth: 128, values: try t.tensor("lstm_cell.weight_ih", shape: [512, 128]),
                                 bias: zip(bih, bhh).map { $0 + $1 })
        recurrent = DenseMatrix(rows: 512, depth: 128, values: try t.tensor("lstm_cell.weight_hh", shape: [512, 128]))
        head = try t.tensor("final_conv.weight", shape: [1, 128, 1])
        headBias = try t.tensor("final_conv.bias", shape: [1])[0]
    }

    /// Rows 0…128 of the basis are `w[n]·cos(2πkn/256)` and rows 129…257 `∓w[n]·sin(2πkn/256)` with
    /// `w` the periodic Hann window (to 1e-5; the shipped file agrees to 6e-8).
    static func isHannDFT(_ b: [Float]) -> Bool {
        for k in 0..<129 {
            var plus = true, minus = true
            for n in 0..<256 {
                let w = 0.5 - 0.5 * cos(2 * Double.pi * Double(n) / 256)
                let a = 2 * Double.pi * Double(k * n % 256) / 256
                if abs(Double(b[k * 256 + n]) - w * cos(a)) > 1e-5 { return false }
                let s = Double(b[(129 + k) * 256 + n])
                if abs(s - w * sin(a)) > 1e-5 { plus = false }
                if abs(s + w * sin(a)) > 1e-5 { minus = false }
            }
            if !plus && !minus { return false }
        }
        return true
    }
}

/// Streaming inference of Silero VAD (16 kHz) in our own kernels: feed samples, take one speech
/// probability per 512-sample window (32 ms).
///
/// It follows the reference wrapper exactly (`silero_vad.utils_vad.OnnxWrapper`): each window is the
/// 64 samples before it (zeros before the first) plus its 512 samples, reflect-padded by 64 on the
/// right; the LSTM state carries across windows; the last partial window is zero-padded. Windows are
/// run in batches of `batchWindows` through the convolutions (so each weight is loaded once per
/// batch); only the LSTM's recurrent product runs window by window.
///
/// Memory: fixed buffers of about 80 kB for a batch of 16, nothing that grows with the recording.
/// Cost: about 0.39 M multiply-adds per window with the FFT front end (the STFT basis is a Hann DFT),
/// 0.65 M with the basis as a matrix.
public final class SileroVAD {
    public static let sampleRate = 16000
    public static let windowSamples = 512
    static let contextSamples = 64
    /// Context + window + reflect pad.
    static let paddedSamples = 640

    public let weights: SileroWeights
    /// Scalar kernels and the STFT as a matrix product (the reference path, for tests).
    public let reference: Bool
    let batchWindows: Int

    @exclusivity(unchecked) private var h = [Float](repeating: 0, count: 128)
    @exclusivity(unchecked) private var c = [Float](repeating: 0, count: 128)
    private var context = [Float](repeating: 0, count: 64)
    private var pending: [Float] = []
    @exclusivity(unchecked) private var windows: [Float]
    private var filled = 0
    @exclusivity(unchecked) private var probabilities: [Float] = []
    /// Windows whose probability has been computed.
    public private(set) var windowCount = 0

    // Scratch, sized once.
    private let fft = RealFFT(size: 256)
    private let hann: [Float]
    @exclusivity(unchecked) private var frame = [Float](repeating: 0, count: 256)
    @exclusivity(unchecked) private var power = [Float](repeating: 0, count: 129)
    @exclusivity(unchecked) private var fftScratch = [Float](repeating: 0, count: 128)
    @exclusivity(unchecked) private var frames: [Float]
    @exclusivity(unchecked) private var magnitude: [Float]
    @exclusivity(unchecked) private var cols1: [Float], y1: [Float], cols2: [Float], y2: [Float]
    @exclusivity(unchecked) private var cols3: [Float], y3: [Float], y4: [Float]
    @exclusivity(unchecked) private var gates: [Float], gateScratch = [Float](repeating: 0, count: 512)

    public init(weights: SileroWeights, reference: Bool = false, batchWindows: Int = 16) {
        precondition(batchWindows > 0)
        self.weights = weights
        self.reference = reference
        self.batchWindows = batchWindows
        let b = batchWindows
        hann = (0..<256).map { Float(0.5 - 0.5 * cos(2 * Double.pi * Double($0) / 256)) }
        windows = [Float](repeating: 0, count: b * Self.paddedSamples)
        frames = [Float](repeating: 0, count: b * 4 * 256)
        magnitude = [Float](repeating: 0, count: b * 4 * 129)
        cols1 = [Float](repeating: 0, count: b * 4 * weights.conv1.stride)
        y1 = [Float](repeating: 0, count: b * 4 * 128)
        cols2 = [Float](repeating: 0, count: b * 2 * weights.conv2.stride)
        y2 = [Float](repeating: 0, count: b * 2 * 64)
        cols3 = [Float](repeating: 0, count: b * weights.conv3.stride)
        y3 = [Float](repeating: 0, count: b * 64)
        y4 = [Float](repeating: 0, count: b * 128)
        gates = [Float](repeating: 0, count: b * 512)
        pending.reserveCapacity(Self.windowSamples * 2)
    }

    /// Consumes the next samples (16 kHz mono, in [-1, 1], in order).
    public func consume(_ samples: UnsafeBufferPointer<Float>) {
        var i = 0
        while i < samples.count {
            let take = min(Self.windowSamples - pending.count, samples.count - i)
            pending.append(contentsOf: UnsafeBufferPointer(rebasing: samples[i..<(i + take)]))
            i += take
            if pending.count == Self.windowSamples { addWindow() }
        }
    }

    /// Ends the stream: a last partial window is zero-padded (as the reference pads the audio to a
    /// multiple of 512), and every window's probability becomes available.
    public func finish() {
        if !pending.isEmpty {
            pending.append(contentsOf: repeatElement(0, count: Self.windowSamples - pending.count))
            addWindow()
        }
        if filled > 0 { runBatch() }
    }

    /// Probabilities computed since the last call, one per window in order.
    public func takeProbabilities() -> [Float] {
        defer { probabilities.removeAll(keepingCapacity: true) }
        return probabilities
    }

    private func addWindow() {
        let base = filled * Self.paddedSamples
        for k in 0..<64 { windows[base + k] = context[k] }
        for k in 0..<512 { windows[base + 64 + k] = pending[k] }
        // Reflect padding (numpy/torch "reflect": the edge sample is not repeated).
        for k in 0..<64 { windows[base + 576 + k] = windows[base + 574 - k] }
        for k in 0..<64 { context[k] = pending[448 + k] }
        pending.removeAll(keepingCapacity: true)
        filled += 1
        if filled == batchWindows { runBatch() }
    }

    private func runBatch() {
        let n = filled
        let w = weights
        // 1. STFT magnitude: four 256-sample frames per window, hop 128.
        if w.stftIsHannDFT && !reference {
            for j in 0..<n {
                for f in 0..<4 {
                    let s = j * Self.paddedSamples + 128 * f
                    for k in 0..<256 { frame[k] = windows[s + k] * hann[k] }
                    frame.withUnsafeBufferPointer { fin in
                        power.withUnsafeMutableBufferPointer { pout in
                            fftScratch.withUnsafeMutableBufferPointer { fft.powerSpectrum(fin, into: pout, scratch: $0) }
                        }
                    }
                    let m = (j * 4 + f) * 129
                    for k in 0..<129 { magnitude[m + k] = power[k].squareRoot() }
                }
            }
        } else {
            for j in 0..<n {
                for f in 0..<4 {
                    let s = j * Self.paddedSamples + 128 * f
                    for k in 0..<256 { frames[(j * 4 + f) * 256 + k] = windows[s + k] }
                }
            }
            var spectra = [Float](repeating: 0, count: n * 4 * 258)
            multiply(w.stft, frames, n * 4, &spectra)
            for col in 0..<(n * 4) {
                for k in 0..<129 {
                    let re = spectra[col * 258 + k], im = spectra[col * 258 + 129 + k]
                    magnitude[col * 129 + k] = (re * re + im * im).squareRoot()
                }
            }
        }
        // 2. conv1 (129→128, kernel 3, pad 1) on the 4 frames of each window.
        let s1 = w.conv1.stride
        for j in 0..<n {
            for t in 0..<4 {
                let col = (j * 4 + t) * s1
                for ch in 0..<129 {
                    for k in 0..<3 {
                        let tt = t + k - 1
                        cols1[col + ch * 3 + k] = (tt >= 0 && tt < 4) ? magnitude[(j * 4 + tt) * 129 + ch] : 0
                    }
                }
            }
        }
        multiply(w.conv1, cols1, n * 4, &y1)
        relu(&y1, n * 4 * 128)
        // 3. conv2 (128→64, stride 2, pad 1): outputs at t = 0, 1 from conv1's t = 2t'−1 … 2t'+1.
        let s2 = w.conv2.stride
        for j in 0..<n {
            for t in 0..<2 {
                let col = (j * 2 + t) * s2
                for k in 0..<3 {
                    let tt = 2 * t + k - 1
                    for ch in 0..<128 {
                        cols2[col + ch * 3 + k] = (tt >= 0 && tt < 4) ? y1[(j * 4 + tt) * 128 + ch] : 0
                    }
                }
            }
        }
        multiply(w.conv2, cols2, n * 2, &y2)
        relu(&y2, n * 2 * 64)
        // 4. conv3 (64→64, stride 2, pad 1): one output from conv2's t = −1 (padding: the dropped
        // tap), 0, 1.
        let s3 = w.conv3.stride
        for j in 0..<n {
            for ch in 0..<64 {
                cols3[j * s3 + ch * 2] = y2[(j * 2) * 64 + ch]
                cols3[j * s3 + ch * 2 + 1] = y2[(j * 2 + 1) * 64 + ch]
            }
        }
        multiply(w.conv3, cols3, n, &y3)
        relu(&y3, n * 64)
        // 5. conv4 (64→128, pad 1) on a single step: only the centre tap meets data.
        multiply(w.conv4, y3, n, &y4)
        relu(&y4, n * 128)
        // 6. LSTM input projection for the batch, then the recurrence and the head window by window.
        multiply(w.inputGates, y4, n, &gates)
        for j in 0..<n {
            h.withUnsafeMutableBufferPointer { hb in
                c.withUnsafeMutableBufferPointer { cb in
                    gates.withUnsafeBufferPointer { gb in
                        gateScratch.withUnsafeMutableBufferPointer { sb in
                            Dense.lstmStep(recurrent: w.recurrent, inputGates: gb.baseAddress! + j * 512,
                                           h: hb.baseAddress!, c: cb.baseAddress!, scratch: sb.baseAddress!,
                                           reference: reference)
                        }
                    }
                }
            }
            var z = w.headBias
            for k in 0..<128 { z += max(h[k], 0) * w.head[k] }
            probabilities.append(Dense.sigmoid(z))
        }
        windowCount += n
        filled = 0
    }

    private func multiply(_ m: DenseMatrix, _ columns: [Float], _ count: Int, _ out: inout [Float]) {
        columns.withUnsafeBufferPointer { cb in
            out.withUnsafeMutableBufferPointer { ob in
                if reference {
                    Dense.multiplyReference(m, columns: cb.baseAddress!, columnCount: count, output: ob.baseAddress!)
                } else {
                    Dense.multiply(m, columns: cb.baseAddress!, columnCount: count, output: ob.baseAddress!)
                }
            }
        }
    }

    private func relu(_ x: inout [Float], _ count: Int) {
        x.withUnsafeMutableBufferPointer { Dense.relu($0.baseAddress!, count: count) }
    }
}
