public import Foundation
import Kernels

/// The weights of Resemblyzer's GE2E voice encoder (Resemble AI, Apache-2.0; Wan et al. 2018), from
/// `resemblyzer/pretrained.pt` in the Resemblyzer 0.1.4 wheel on PyPI, converted without torch by
/// scripts/convert_resemblyzer.py (`make models`): an LSTM of 3 layers × 256 over 40 mel bands, a
/// linear layer 256→256, ReLU and L2 normalisation (1.43 M float32 parameters).
public struct SpeakerEncoderWeights: Sendable {
    /// File name inside the model folder.
    public static let fileName = "resemblyzer_ge2e.safetensors"
    /// SHA-256 of the converted file (the weights the parity test pins).
    public static let sha256 = "a5d4776b403b69593e4a10212aeacf7d35b56e9d0a2022058c6d4f888202e069"
    static let hidden = 256
    static let bands = 40

    /// Per layer: `W_ih` with bias `b_ih + b_hh`, and `W_hh` without bias.
    let inputGates: [DenseMatrix]
    let recurrent: [DenseMatrix]
    let linear: DenseMatrix

    public init(data: Data) throws {
        let t = try SafeTensors(data: data)
        let h = Self.hidden
        var ih: [DenseMatrix] = [], hh: [DenseMatrix] = []
        for layer in 0..<3 {
            let depth = layer == 0 ? Self.bands : h
            let bih = try t.tensor("lstm.bias_ih_l\(layer)", shape: [4 * h])
            let bhh = try t.tensor("lstm.bias_hh_l\(layer)", shape: [4 * h])
            ih.append(DenseMatrix(rows: 4 * h, depth: depth, values: try t.tensor("lstm.weight_ih_l\(layer)", shape: [4 * h, depth]),
                                  bias: zip(bih, bhh).map { $0 + $1 }))
            hh.append(DenseMatrix(rows: 4 * h, depth: h, values: try t.tensor("lstm.weight_hh_l\(layer)", shape: [4 * h, h])))
        }
        inputGates = ih
        recurrent = hh
        linear = DenseMatrix(rows: h, depth: h, values: try t.tensor("linear.weight", shape: [h, h]),
                             bias: try t.tensor("linear.bias", shape: [h]))
    }
}

/// Inference of the GE2E voice encoder on partial utterances of 1.6 s, by `Kernels.Dense`.
///
/// Front end as resemblyzer/audio.py (`librosa.feature.melspectrogram` with its defaults of
/// librosa 0.10): 400-sample frames every 160 samples (25 ms / 10 ms at 16 kHz), centred, periodic
/// Hann window, power spectrum (a 400-point DFT, as a 402 × 400 matrix), 40 Slaney-scale mel bands
/// with Slaney area normalisation over 0–8 kHz, no logarithm. Before that, each partial is scaled as
/// resemblyzer's `preprocess_wav` scales an utterance (`normalize_volume` to −30 dBFS, increase only),
/// with the gain taken over the partial's own 1.6 s. The embedding is the last layer's final hidden
/// state through the linear layer, ReLU and L2 norm (`VoiceEncoder.forward`).
///
/// Cost per partial: 160 × (161 k DFT + 8 k mel + 1.34 M LSTM) multiply-adds ≈ 240 M. Partials are
/// run `batch` at a time so each weight load serves two of them.
public final class SpeakerEncoder {
    /// Samples of mel frames per partial.
    public static let frames = 160
    public static let hop = 160
    public static let fftSize = 400
    /// Samples a partial starting at sample `s` reads: `[s − 200, s + 159·160 + 200)`.
    public static let windowSamples = (frames - 1) * hop + fftSize
    /// Embedding size.
    public static let dimensions = 256
    /// Partials run together by the streaming front end.
    static let batch = 8

    let weights: SpeakerEncoderWeights
    let reference: Bool
    let dft: DenseMatrix
    let mel: DenseMatrix
    let window: [Float]

    /// - Parameter reference: run the scalar reference kernels (tests).
    public init(weights: SpeakerEncoderWeights, reference: Bool = false) {
        self.weights = weights
        self.reference = reference
        let n = Self.fftSize, bins = n / 2 + 1
        var basis = [Float](repeating: 0, count: 2 * bins * n)
        for k in 0..<bins {
            for t in 0..<n {
                let a = 2 * Double.pi * Double(k * t % n) / Double(n)
                basis[k * n + t] = Float(cos(a))
                basis[(bins + k) * n + t] = Float(-sin(a))
            }
        }
        dft = DenseMatrix(rows: 2 * bins, depth: n, values: basis)
        mel = DenseMatrix(rows: SpeakerEncoderWeights.bands, depth: bins, values: Self.slaneyMel(bins: bins))
        window = (0..<n).map { Float(0.5 - 0.5 * cos(2 * Double.pi * Double($0) / Double(n))) }
    }

    /// librosa.filters.mel(sr=16000, n_fft=400, n_mels=40) with its defaults (Slaney scale, `norm="slaney"`).
    static func slaneyMel(bins: Int) -> [Float] {
        let fSp = 200.0 / 3, minLogHz = 1000.0, minLogMel = 15.0, logStep = log(6.4) / 27
        func toMel(_ f: Double) -> Double { f >= minLogHz ? minLogMel + log(f / minLogHz) / logStep : f / fSp }
        func toHz(_ m: Double) -> Double { m >= minLogMel ? minLogHz * exp(logStep * (m - minLogMel)) : fSp * m }
        let bands = SpeakerEncoderWeights.bands
        let top = toMel(8000)
        let edges = (0..<(bands + 2)).map { toHz(top * Double($0) / Double(bands + 1)) }
        var w = [Float](repeating: 0, count: bands * bins)
        for b in 0..<bands {
            let norm = 2 / (edges[b + 2] - edges[b])
            for k in 0..<bins {
                let f = Double(k) * 16000 / Double(2 * (bins - 1))
                let lower = (f - edges[b]) / (edges[b + 1] - edges[b])
                let upper = (edges[b + 2] - f) / (edges[b + 2] - edges[b + 1])
                w[b * bins + k] = Float(max(0, min(lower, upper)) * norm)
            }
        }
        return w
    }

    /// Embeddings (256 floats each, L2 norm 1) of `count` partials whose samples are `windows`
    /// (`count × windowSamples` floats: the partial starting at sample s holds samples s − 200 …,
    /// zeros outside the recording). Allocates: the working arrays of one call.
    public func embed(windows: [Float], count: Int) -> [[Float]] {
        precondition(windows.count == count * Self.windowSamples, "SpeakerEncoder: \(windows.count) samples for \(count) partials")
        guard count > 0 else { return [] }
        let frames = Self.frames, hop = Self.hop, n = Self.fftSize
        let bins = n / 2 + 1, bands = SpeakerEncoderWeights.bands, h = SpeakerEncoderWeights.hidden
        let columns = frames * count
        // Mel frames, time-major: column t·count + b is frame t of partial b.
        var framed = [Float](repeating: 0, count: columns * n)
        for b in 0..<count {
            let base = b * Self.windowSamples
            // Gain over the partial's own 1.6 s (samples 200 ..< 200 + 25 600 of its window).
            var sum: Double = 0
            for i in 0..<(frames * hop) { let v = Double(windows[base + n / 2 + i]) * 32767; sum += v * v }
            let rms = (sum / Double(frames * hop)).squareRoot()
            var gain: Float = 1
            if rms > 0 {
                let change = -30 - 20 * log10(rms / 32767)
                if change > 0 { gain = Float(pow(10, change / 20)) }
            }
            for t in 0..<frames {
                let o = (t * count + b) * n, s = base + t * hop
                for i in 0..<n { framed[o + i] = windows[s + i] * window[i] * gain }
            }
        }
        var spectrum = [Float](repeating: 0, count: columns * 2 * bins)
        multiply(dft, framed, columns, &spectrum)
        framed = []
        var power = [Float](repeating: 0, count: columns * mel.stride)
        for c in 0..<columns {
            for k in 0..<bins {
                let re = spectrum[c * 2 * bins + k], im = spectrum[c * 2 * bins + bins + k]
                power[c * mel.stride + k] = re * re + im * im
            }
        }
        spectrum = []
        var sequence = [Float](repeating: 0, count: columns * bands)
        multiply(mel, power, columns, &sequence)
        power = []
        // LSTM layers: input projection for all frames at once, then the recurrence, partials batched.
        var gates = [Float](repeating: 0, count: columns * 4 * h)
        var hState = [Float](repeating: 0, count: count * h), cState = hState
        var scratch = [Float](repeating: 0, count: count * 4 * h)
        for layer in 0..<3 {
            multiply(weights.inputGates[layer], sequence, columns, &gates)
            for i in hState.indices { hState[i] = 0; cState[i] = 0 }
            let keep = layer < 2
            if keep && sequence.count != columns * h { sequence = [Float](repeating: 0, count: columns * h) }
            for t in 0..<frames {
                gates.withUnsafeBufferPointer { g in
                    Dense.lstmStepBatch(recurrent: weights.recurrent[layer], inputGates: g.baseAddress! + t * count * 4 * h,
                                        batch: count, h: &hState, c: &cState, scratch: &scratch, reference: reference)
                }
                if keep { for i in 0..<(count * h) { sequence[t * count * h + i] = hState[i] } }
            }
        }
        var out = [Float](repeating: 0, count: count * h)
        multiply(weights.linear, hState, count, &out)
        return (0..<count).map { b in
            var e = out[(b * h)..<((b + 1) * h)].map { max($0, 0) }
            let norm = e.reduce(0) { $0 + $1 * $1 }.squareRoot()
            if norm > 0 { for i in e.indices { e[i] /= norm } }
            return e
        }
    }

    /// `out = m · columns` (columns `m.stride` apart: the callers' strides equal `m.depth` or are padded).
    private func multiply(_ m: DenseMatrix, _ columns: [Float], _ count: Int, _ out: inout [Float]) {
        precondition(columns.count >= count * m.stride && out.count >= count * m.rows)
        columns.withUnsafeBufferPointer { c in
            out.withUnsafeMutableBufferPointer { o in
                if reference {
                    Dense.multiplyReference(m, columns: c.baseAddress!, columnCount: count, output: o.baseAddress!)
                } else {
                    Dense.multiply(m, columns: c.baseAddress!, columnCount: count, output: o.baseAddress!)
                }
            }
        }
    }
}

/// The speaker embeddings of a recording's partials: a partial starting at block b covers the 100 ms
/// blocks [b, b + 16) (1.6 s), chosen per turn by `SpeakerVectors.plan` (or, in tests, anywhere).
/// Each embedding is kept as 256 bytes (its values are in [0, 1] after the ReLU and the L2 norm;
/// quantised to 1/255, a cosine error below 1e-3).
struct SpeakerVectors: Sendable {
    static let spanBlocks = 16
    /// Samples per 100 ms block at 16 kHz.
    static let blockSamples = 1600
    /// Start blocks, ascending.
    private(set) var partials: [Int] = []
    private var values: [UInt8] = []

    var count: Int { partials.count }
    var isEmpty: Bool { partials.isEmpty }

    /// Where to embed: the start blocks (ascending) of at most `budget` partials over `turns` (block
    /// ranges of speech, in order, disjoint) in a recording of `totalBlocks` blocks.
    ///
    /// A turn of L ≥ 16 blocks holds 1 + ⌊(L − 16) / 8⌋ partials — one every 0.8 s, the 50 % overlap
    /// resemblyzer's `embed_utterance` uses (its rate 1.3 per second) — and a turn of 12 ≤ L < 16
    /// holds one (centred: three quarters of it inside the turn, `mean`'s rule); shorter turns get none
    /// and are placed by their timbre, as before. The budget is shared by water-filling: every turn
    /// that can hold one gets its first partial before any gets a second, and so on, the longest turns
    /// first within a round (their speech weighs most in the talk times). A turn's n partials are
    /// spread evenly from its start to its end, so when the budget is short they are also disjoint.
    static func plan(turns: [Range<Int>], totalBlocks: Int, budget: Int) -> [Int] {
        let span = spanBlocks, hop = spanBlocks / 2, minimum = span * 3 / 4
        let eligible = turns.filter { $0.count >= minimum && totalBlocks >= minimum }
            .sorted { $0.count != $1.count ? $0.count > $1.count : $0.lowerBound < $1.lowerBound }
        guard budget > 0, !eligible.isEmpty else { return [] }
        let capacity = eligible.map { $0.count < span ? 1 : 1 + ($0.count - span) / hop }
        var given = [Int](repeating: 0, count: eligible.count)
        var left = budget, round = 1
        // Capacity falls with the sorted length, so each round's turns are a prefix of `eligible`.
        var width = eligible.count
        while left > 0 && width > 0 {
            while width > 0 && capacity[width - 1] < round { width -= 1 }
            let take = min(left, width)
            for t in 0..<take { given[t] += 1 }
            left -= take
            round += 1
        }
        var starts: [Int] = []
        starts.reserveCapacity(budget - left)
        let last = max(0, totalBlocks - span)
        for (turn, n) in zip(eligible, given) where n > 0 {
            let room = turn.count - span
            for i in 0..<n {
                let offset = n == 1 ? room / 2 : room * i / (n - 1)
                starts.append(min(max(0, turn.lowerBound + offset), last))
            }
        }
        starts.sort()
        var unique: [Int] = []
        unique.reserveCapacity(starts.count)
        for s in starts where unique.last != s { unique.append(s) }
        return unique
    }

    /// Adds the embedding of the partial starting at block `startBlock` (after every earlier start).
    mutating func append(startBlock: Int, _ v: [Float]) {
        precondition(partials.last.map { $0 < startBlock } ?? true, "SpeakerVectors: partials in order")
        partials.append(startBlock)
        values.append(contentsOf: v.map { UInt8(clamping: Int((min(max($0, 0), 1) * 255).rounded())) })
    }

    /// Embedding `i` (not renormalised).
    func vector(_ i: Int) -> [Float] {
        let d = SpeakerEncoder.dimensions
        return values[(i * d)..<((i + 1) * d)].map { Float($0) / 255 }
    }

    /// The L2-normalised mean of the partials that lie mostly inside blocks [start, end) (overlap ≥
    /// 75 % of the partial, or of the range when it is shorter than a partial), weighted by overlap;
    /// nil when none does.
    func mean(start: Int, end: Int) -> [Float]? {
        let need = Float(min(Self.spanBlocks, end - start)) * 0.75
        guard need > 0 else { return nil }
        var sum = [Float](repeating: 0, count: SpeakerEncoder.dimensions)
        var any = false
        for i in indices(overlapping: start, end) {
            let a = partials[i]
            let overlap = Float(min(end, a + Self.spanBlocks) - max(start, a))
            if overlap >= need {
                let v = vector(i)
                for k in sum.indices { sum[k] += v[k] * overlap }
                any = true
            }
        }
        guard any else { return nil }
        let norm = sum.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return norm > 0 ? sum.map { $0 / norm } : nil
    }

    /// Indices of the partials whose span overlaps blocks [start, end).
    func indices(overlapping start: Int, _ end: Int) -> Range<Int> {
        let lo = lowerBound(start - Self.spanBlocks + 1)
        let hi = lowerBound(end)
        return lo..<max(lo, hi)
    }

    private func lowerBound(_ k: Int) -> Int {
        var lo = 0, hi = partials.count
        while lo < hi { let m = (lo + hi) / 2; if partials[m] < k { lo = m + 1 } else { hi = m } }
        return lo
    }
}
