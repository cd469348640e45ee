import Foundation
import Kernels

/// Streaming front end: 16 kHz samples in, one `VoiceBlock` per 100 ms out.
///
/// Per 10 ms frame (25 ms Hann window, FFT 512): level in the 100-4000 Hz band, full-band RMS,
/// spectral flatness, log-mel flux, speech-band ratio, MFCC c1…c12, and on every second frame that is
/// above the running floor, YIN pitch on a 2:1 decimated 40 ms window. Only the block records are
/// kept; the audio itself is dropped as soon as the last frame that needs it is done.
/// Memory: the sample buffer holds at most one chunk plus 520 samples; scratch is fixed at init; the
/// block record lives in a `BlockStore` (bounded).
final class VoiceFrontEnd {
    let config: VoiceConfig
    let sampleRate: Int
    /// The block record (bounded memory: full pages go to a temporary file).
    let store: BlockStore

    // Fixed scratch (allocates nothing per frame).
    private let window: [Float]
    private let fft: RealFFT
    private let mel: MelFilterbank
    private let dct: DCT
    private let yin: YinPitch
    private var fftInput: [Float]
    private var power: [Float]
    private var logMel: [Float]
    private var previousLogMel: [Float]
    private var cepstrum: [Float]
    private var decimated: [Float]
    private let halfBand: [Float]
    private let levelLoBin: Int
    private let levelHiBin: Int
    private let flatLoBin: Int
    private let flatHiBin: Int
    private let mfccScale: Float

    // Sample buffer: `buffer[0]` is absolute sample `bufferStart`.
    private var buffer: [Float] = []
    private var bufferStart = 0
    private var nextFrame = 0
    private var totalSamples = 0

    /// Samples of pitch context before the spectral frame start (pitch window is centred on the frame).
    private let pitchLead: Int
    /// Samples needed after a frame's start before it can be processed.
    private let frameReach: Int

    // Running floor for the pitch gate (minimum statistics over 1 s sub-windows).
    private var subMin: Float = .infinity
    private var subCount = 0
    private var subMins: [Float]
    private var subIndex = 0
    private var runningFloor: Float = -.infinity

    // 2.5-8 Hz band-pass (biquad, fs = 100 Hz) over the frame level: the syllable rhythm.
    private var bp = Biquad.bandPass(sampleRate: 100, centreHz: 4.5, q: 0.9)

    // Block accumulator.
    private var acc = BlockAccumulator()
    private var lastVoicedLog2: Float = 0

    // Learned voice activity (optional): its probabilities are attached to each block before the block
    // is stored, so finished blocks wait in `pendingBlocks` until the model has covered them (at most
    // one batch of windows, about half a second).
    private let vad: SileroVAD?
    private var pendingBlocks: [VoiceBlock] = []
    /// Overlap-weighted probability sums of blocks `storedBlocks`, `storedBlocks + 1`, … (the model's
    /// windows may run ahead of the front end's blocks).
    private var probSum: [Float] = []
    private var probWeight: [Float] = []
    private var storedBlocks = 0
    private var vadSamples = 0
    private let blockSamples: Int
    /// Whether blocks carry the model's speech probability.
    var hasSpeechProbability: Bool { vad != nil }

    // Learned speaker embedding (`voice.speakerEmbedding`): the samples go to a temporary file, and
    // the partials chosen once the turns are known are read back from it (`embed(turns:)`).
    private let encoder: SpeakerEncoder?
    private let spill: SampleSpill?

    init(config: VoiceConfig, sampleRate: Int, store: BlockStore = BlockStore(), vad: SileroVAD? = nil,
         encoder: SpeakerEncoder? = nil, spillDirectory: String? = nil) {
        precondition(sampleRate == 16000, "VoiceAnalyzer expects 16 kHz audio (MediaIO resamples to it)")
        self.store = store
        self.vad = vad
        self.encoder = encoder
        spill = encoder == nil ? nil : SampleSpill(directory: spillDirectory)
        blockSamples = config.blockFrames * config.hopSamples
        self.config = config
        self.sampleRate = sampleRate
        window = Signal.hannWindow(count: config.frameSamples)
        fft = RealFFT(size: config.fftSize)
        mel = MelFilterbank(sampleRate: sampleRate, fftSize: config.fftSize, bandCount: config.melBands,
                            minHz: 60, maxHz: 7600)
        dct = DCT(inputCount: config.melBands, outputCount: config.mfccCount + 1)
        let decimatedRate = sampleRate / 2
        yin = YinPitch(sampleRate: decimatedRate, minHz: config.pitchMinHz, maxHz: config.pitchMaxHz,
                       frameLength: config.pitchWindowSamples / 2)
        fftInput = [Float](repeating: 0, count: config.fftSize)
        power = [Float](repeating: 0, count: config.fftSize / 2 + 1)
        logMel = [Float](repeating: 0, count: config.melBands)
        previousLogMel = [Float](repeating: 0, count: config.melBands)
        cepstrum = [Float](repeating: 0, count: config.mfccCount + 1)
        decimated = [Float](repeating: 0, count: config.pitchWindowSamples / 2)
        halfBand = VoiceFrontEnd.makeHalfBand(taps: 31)
        let binHz = Float(sampleRate) / Float(config.fftSize)
        levelLoBin = Int((config.levelLoHz / binHz).rounded())
        levelHiBin = Int((config.levelHiHz / binHz).rounded())
        flatLoBin = Int((300 / binHz).rounded())
        flatHiBin = Int((4000 / binHz).rounded())
        // Kernels' DCT is already orthonormal, so MFCCs do not depend on the band count.
        mfccScale = 1
        pitchLead = (config.pitchWindowSamples - config.frameSamples) / 2
        frameReach = config.frameSamples + pitchLead
        // Eight 1 s sub-windows: the gate floor follows a change of room noise within ~8 s.
        subMins = [Float](repeating: .infinity, count: 8)
        buffer.reserveCapacity(16000 + frameReach)
    }

    /// Windowed-sinc half-band low-pass (cut-off 3.6 kHz at 16 kHz) for the 2:1 decimation before
    /// YIN; Hamming window, unity DC gain.
    static func makeHalfBand(taps: Int) -> [Float] {
        let mid = Float(taps - 1) / 2
        var h = (0..<taps).map { i -> Float in
            let t = Float(i) - mid
            let x = Float.pi * 0.45 * t
            let sinc: Float = t == 0 ? 1 : sin(x) / x
            let w = 0.54 - 0.46 * cos(2 * Float.pi * Float(i) / Float(taps - 1))
            return 0.9 * sinc * w
        }
        let s = h.reduce(0, +)
        for i in h.indices { h[i] /= s }
        return h
    }

    func consume(_ samples: UnsafeBufferPointer<Float>) {
        guard !samples.isEmpty else { return }
        totalSamples += samples.count
        if let vad {
            vad.consume(samples)
            takeProbabilities(vad)
        }
        buffer.append(contentsOf: samples)
        processAvailable(final: false)
        flushBlocks(final: false)
        spill?.append(samples)
    }

    /// Whether the learned speaker embedding can run (the model is loaded and its sample file works).
    var canEmbedSpeakers: Bool { encoder != nil && !(spill?.failed ?? true) }
    /// Whether the learned speaker embedding was asked for (its model is loaded) but its sample file
    /// could not be written or read back: the turns were clustered by timbre.
    var speakerEmbeddingFailed: Bool { encoder != nil && !canEmbedSpeakers }

    /// Embeds the partials `SpeakerVectors.plan` chooses over `turns` (block ranges), at most `budget`,
    /// reading their samples back from the temporary file, `SpeakerEncoder.batch` at a time. Partials
    /// without sound (below −60 dBFS RMS: digital silence, a muted input) are not embedded. Empty when
    /// the model is off or the file failed.
    func embed(turns: [Range<Int>], totalBlocks: Int, budget: Int) -> SpeakerVectors {
        var vectors = SpeakerVectors()
        guard let encoder, let spill, !spill.failed else { return vectors }
        let starts = SpeakerVectors.plan(turns: turns, totalBlocks: totalBlocks, budget: budget)
        let len = SpeakerEncoder.windowSamples, lead = SpeakerEncoder.fftSize / 2
        let batch = SpeakerEncoder.batch
        var windows = [Float](repeating: 0, count: batch * len)
        var pending: [Int] = []
        func run() {
            guard !pending.isEmpty else { return }
            let out = encoder.embed(windows: Array(windows[0..<(pending.count * len)]), count: pending.count)
            for (b, v) in zip(pending, out) { vectors.append(startBlock: b, v) }
            pending.removeAll(keepingCapacity: true)
        }
        for b in starts {
            let o = pending.count * len
            guard spill.read(start: b * SpeakerVectors.blockSamples - lead, count: len, into: &windows, at: o) else { return SpeakerVectors() }
            var e: Float = 0
            for i in o..<(o + len) { e += windows[i] * windows[i] }
            guard e / Float(len) > 1e-6 else { continue }
            pending.append(b)
            if pending.count == batch { run() }
        }
        run()
        return vectors
    }

    /// Flushes the remaining frames (zero padding past the end) and the partial block.
    func finish() {
        if let vad {
            vad.finish()
            takeProbabilities(vad)
        }
        buffer.append(contentsOf: repeatElement(0, count: frameReach))
        processAvailable(final: true)
        if acc.frames > 0 { deliver(acc.block(config: config)); acc = BlockAccumulator() }
        flushBlocks(final: true)
        spill?.flush()
    }

    private func deliver(_ block: VoiceBlock) {
        if vad == nil { store.append(block) } else { pendingBlocks.append(block) }
    }

    /// Spreads each new window probability over the blocks it overlaps (window w covers samples
    /// 512w ..< 512w + 512).
    private func takeProbabilities(_ vad: SileroVAD) {
        for p in vad.takeProbabilities() {
            let s = vadSamples, e = s + SileroVAD.windowSamples
            var b = s / blockSamples
            while b * blockSamples < e {
                let overlap = Float(min(e, (b + 1) * blockSamples) - max(s, b * blockSamples))
                let k = b - storedBlocks
                while probSum.count <= k { probSum.append(0); probWeight.append(0) }
                probSum[k] += p * overlap
                probWeight[k] += overlap
                b += 1
            }
            vadSamples = e
        }
    }

    /// Stores the finished blocks whose samples the model has fully covered (all of them at the end).
    private func flushBlocks(final: Bool) {
        guard vad != nil else { return }
        var done = 0
        while done < pendingBlocks.count, final || vadSamples >= (storedBlocks + 1) * blockSamples {
            var block = pendingBlocks[done]
            let p = probSum.isEmpty || probWeight[0] == 0 ? 0 : probSum[0] / probWeight[0]
            block.speechQ = UInt8(clamping: Int((min(max(p, 0), 1) * 255).rounded()))
            store.append(block)
            if !probSum.isEmpty { probSum.removeFirst(); probWeight.removeFirst() }
            storedBlocks += 1
            done += 1
        }
        if done > 0 { pendingBlocks.removeFirst(done) }
    }

    private func processAvailable(final: Bool) {
        let hop = config.hopSamples
        while true {
            let start = nextFrame * hop
            if final {
                if start >= totalSamples { break }
            } else if start + frameReach > bufferStart + buffer.count {
                break
            }
            processFrame(absoluteStart: start)
            nextFrame += 1
        }
        // Drop samples no later frame needs.
        let drop = min(max(0, nextFrame * hop - pitchLead) - bufferStart, buffer.count)
        if drop > 0 {
            buffer.removeFirst(drop)
            bufferStart += drop
        }
    }

    private func processFrame(absoluteStart: Int) {
        let cfg = config
        let offset = absoluteStart - bufferStart
        var levelDB: Float = 0
        var fullDBFS: Float = 0
        var flatness: Float = 0
        var speechRatio: Float = 0
        var flux: Float = 0
        buffer.withUnsafeBufferPointer { buf in
            let frame = UnsafeBufferPointer(rebasing: buf[offset..<(offset + cfg.frameSamples)])
            fullDBFS = Signal.dbfs(rms: Signal.rms(frame))
            fftInput.withUnsafeMutableBufferPointer { inp in
                window.withUnsafeBufferPointer { w in
                    Signal.multiply(frame, w, into: UnsafeMutableBufferPointer(rebasing: inp[0..<cfg.frameSamples]))
                }
                power.withUnsafeMutableBufferPointer { pw in
                    fft.powerSpectrum(UnsafeBufferPointer(inp), into: pw)
                }
            }
        }
        power.withUnsafeBufferPointer { pw in
            let band = Signal.sum(UnsafeBufferPointer(rebasing: pw[levelLoBin..<levelHiBin]))
            // 1e-10 keeps digital silence finite (-100 dB) without affecting any real recording.
            levelDB = 10 * log10f(band + 1e-10)
            flatness = Spectral.flatness(pw, lo: flatLoBin, hi: flatHiBin)
            speechRatio = Spectral.bandEnergyRatio(pw, sampleRate: sampleRate, loHz: cfg.speechLoHz, hiHz: cfg.speechHiHz)
            logMel.withUnsafeMutableBufferPointer { lm in
                mel.apply(power: pw, into: lm)
                // Flux on the linear mel spectrum (shape change, independent of loudness).
                previousLogMel.withUnsafeBufferPointer { prev in
                    flux = Spectral.flux(previous: prev, current: UnsafeBufferPointer(lm))
                }
            }
        }
        // Keep this frame's linear mel for the next flux, then take logs for the MFCCs.
        swap(&logMel, &previousLogMel)
        previousLogMel.withUnsafeBufferPointer { src in
            logMel.withUnsafeMutableBufferPointer { dst in
                for i in 0..<dst.count { dst[i] = src[i] }
                Spectral.log10InPlace(dst)
                cepstrum.withUnsafeMutableBufferPointer { c in dct.apply(UnsafeBufferPointer(dst), into: c) }
            }
        }

        // Running floor (min statistics) for the pitch gate.
        subMin = min(subMin, levelDB)
        subCount += 1
        if subCount == 100 {
            subMins[subIndex] = subMin
            subIndex = (subIndex + 1) % subMins.count
            subMin = .infinity
            subCount = 0
            runningFloor = subMins.min() ?? levelDB
        }
        let floorNow = runningFloor.isFinite ? runningFloor : min(subMin, levelDB)

        // Syllable-rhythm band-pass over the level, clamped at the floor so noise dips are not rhythm.
        let m = bp.process(max(levelDB, floorNow))

        var hz: Float = 0
        var aper: Float = 1
        var estimated = false
        let frameIndex = absoluteStart / cfg.hopSamples
        if frameIndex % cfg.pitchEveryFrames == 0, levelDB > floorNow + cfg.pitchGateDB,
           absoluteStart >= pitchLead {
            estimated = true
            let r = estimatePitch(pitchStart: absoluteStart - pitchLead - bufferStart)
            hz = r.hz
            aper = r.aperiodicity
        }

        acc.add(levelDB: levelDB, fullDBFS: fullDBFS, flatness: flatness, flux: flux, speechRatio: speechRatio,
                modulation: m * m, cepstrum: cepstrum, mfccScale: mfccScale)
        if estimated {
            let voiced = hz > 0 && aper < cfg.voicedAperiodicity
            acc.addPitch(voiced: voiced, hz: hz, aperiodicity: aper, last: &lastVoicedLog2)
        }
        if acc.frames == cfg.blockFrames {
            deliver(acc.block(config: cfg))
            acc = BlockAccumulator()
        }
    }

    /// Decimates the 40 ms pitch window 2:1 and runs YIN on it.
    private func estimatePitch(pitchStart: Int) -> (hz: Float, aperiodicity: Float) {
        let taps = halfBand.count
        let half = taps / 2
        return buffer.withUnsafeBufferPointer { buf in
            halfBand.withUnsafeBufferPointer { h in
                decimated.withUnsafeMutableBufferPointer { out in
                    for j in 0..<out.count {
                        let centre = pitchStart + 2 * j
                        let lo = centre - half
                        if lo >= 0 && lo + taps <= buf.count {
                            out[j] = Signal.dot(UnsafeBufferPointer(rebasing: buf[lo..<(lo + taps)]), h)
                        } else {
                            out[j] = (centre >= 0 && centre < buf.count) ? buf[centre] : 0
                        }
                    }
                    return yin.estimate(UnsafeBufferPointer(out))
                }
            }
        }
    }
}

/// Sums of one block's frames.
struct BlockAccumulator {
    var frames = 0
    var sumDB: Float = 0
    var minDB: Float = .infinity
    var maxDB: Float = -.infinity
    var minFull: Float = .infinity
    var flatness: Float = 0
    var flux: Float = 0
    var speech: Float = 0
    var modulation: Float = 0
    var mfcc = SIMD16<Float>()
    /// Sum of squared MFCCs (for the within-block variance).
    var mfcc2 = SIMD16<Float>()
    var pitchFrames = 0
    var voiced = 0
    var sumLog2: Float = 0
    var sumJump: Float = 0
    var jumps = 0
    var sumAper: Float = 0

    mutating func add(levelDB: Float, fullDBFS: Float, flatness f: Float, flux x: Float, speechRatio s: Float,
                      modulation m: Float, cepstrum: [Float], mfccScale: Float) {
        frames += 1
        sumDB += levelDB
        minDB = min(minDB, levelDB)
        maxDB = max(maxDB, levelDB)
        minFull = min(minFull, fullDBFS)
        flatness += f
        flux += x
        speech += s
        modulation += m
        for i in 1..<min(cepstrum.count, 13) {
            let c = cepstrum[i] * mfccScale
            mfcc[i - 1] += c
            mfcc2[i - 1] += c * c
        }
    }

    mutating func addPitch(voiced v: Bool, hz: Float, aperiodicity: Float, last: inout Float) {
        pitchFrames += 1
        sumAper += aperiodicity
        guard v else { return }
        voiced += 1
        let l = log2f(hz)
        sumLog2 += l
        if last > 0 {
            sumJump += abs(l - last) * 12
            jumps += 1
        }
        last = l
    }

    func block(config: VoiceConfig) -> VoiceBlock {
        var b = VoiceBlock()
        let n = Float(max(frames, 1))
        b.meanDB = sumDB / n
        b.minDB = minDB
        b.maxDB = maxDB
        b.minFullDBFS = minFull
        b.flatness = flatness / n
        b.flux = flux / n
        b.speechRatio = speech / n
        b.modulation = modulation / n
        b.voiced = UInt8(clamping: voiced)
        b.pitchFrames = UInt8(clamping: pitchFrames)
        b.log2Pitch = voiced > 0 ? sumLog2 / Float(voiced) : 0
        b.pitchJump = jumps > 0 ? sumJump / Float(jumps) : 0
        b.aperiodicity = pitchFrames > 0 ? sumAper / Float(pitchFrames) : 1
        for i in 0..<12 {
            let m = mfcc[i] / n
            b.setMFCC(i, m)
            b.setMFCCVariance(i, max(mfcc2[i] / n - m * m, 0))
        }
        return b
    }
}

/// Direct-form-I biquad (RBJ cookbook band-pass, constant 0 dB peak gain).
struct Biquad {
    var b0: Float, b1: Float, b2: Float, a1: Float, a2: Float
    var x1: Float = 0, x2: Float = 0, y1: Float = 0, y2: Float = 0

    static func bandPass(sampleRate: Float, centreHz: Float, q: Float) -> Biquad {
        let w0 = 2 * Float.pi * centreHz / sampleRate
        let alpha = sin(w0) / (2 * q)
        let a0 = 1 + alpha
        return Biquad(b0: alpha / a0, b1: 0, b2: -alpha / a0, a1: -2 * cos(w0) / a0, a2: (1 - alpha) / a0)
    }

    mutating func process(_ x: Float) -> Float {
        let y = b0 * x + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2
        x2 = x1; x1 = x; y2 = y1; y1 = y
        return y
    }
}
