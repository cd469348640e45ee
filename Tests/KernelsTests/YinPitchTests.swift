import Kernels
import Testing

@Suite struct YinPitchTests {
    static let frequencies: [Double] = [80, 100, 123.4, 150, 200, 250, 310, 400]

    @Test(arguments: frequencies, [400, 640])
    func pureSine(hz: Double, frameLength: Int) {
        let yin = YinPitch(sampleRate: 16000, minHz: 70, maxHz: 450, frameLength: frameLength)
        let x = sine(hz: hz, sampleRate: 16000, count: frameLength)
        let r = x.withUnsafeBufferPointer { yin.estimate($0) }
        #expect(abs(Double(r.hz) - hz) < 0.02 * hz, "got \(r.hz)")
        #expect(r.aperiodicity < 0.1)
    }

    @Test(arguments: frequencies)
    func harmonicTone(hz: Double) {
        // Harmonics 1…5 with a decaying, uneven envelope, like a voiced vowel; the 2nd is the loudest.
        let amplitudes: [Float] = [0.3, 0.5, 0.25, 0.15, 0.1]
        let n = 640
        var x = [Float](repeating: 0, count: n)
        for (h, a) in amplitudes.enumerated() {
            let s = sine(hz: hz * Double(h + 1), sampleRate: 16000, count: n, amplitude: a, phase: Double(h))
            for i in 0..<n { x[i] += s[i] }
        }
        let yin = YinPitch(sampleRate: 16000, minHz: 70, maxHz: 450, frameLength: n)
        let r = x.withUnsafeBufferPointer { yin.estimate($0) }
        #expect(abs(Double(r.hz) - hz) < 0.02 * hz, "got \(r.hz)")
        let ref = x.withUnsafeBufferPointer { yin.estimateReference($0) }
        #expect(close(r.hz, ref.hz, rel: 1e-3))
    }

    @Test(arguments: [75.0, 90, 130, 180, 240, 333, 420, 500])
    func harmonicToneAt8kHz(hz: Double) {
        // The voice analysis runs YIN on 2:1-decimated audio: 8 kHz, 320-sample (40 ms) frames, 75-500 Hz.
        let amplitudes: [Float] = [0.4, 0.3, 0.2]
        var x = [Float](repeating: 0, count: 320)
        for (h, a) in amplitudes.enumerated() where hz * Double(h + 1) < 3800 {
            let s = sine(hz: hz * Double(h + 1), sampleRate: 8000, count: 320, amplitude: a, phase: 0.5 * Double(h))
            for i in 0..<320 { x[i] += s[i] }
        }
        let yin = YinPitch(sampleRate: 8000, minHz: 75, maxHz: 500, frameLength: 320)
        let r = x.withUnsafeBufferPointer { yin.estimate($0) }
        #expect(abs(Double(r.hz) - hz) < 0.02 * hz, "got \(r.hz)")
    }

    @Test(arguments: [UInt64(1), 2, 3, 4, 5])
    func whiteNoiseIsUnvoiced(seed: UInt64) {
        let yin = YinPitch(sampleRate: 16000, minHz: 70, maxHz: 450, frameLength: 640)
        let x = noise(640, seed: seed)
        let r = x.withUnsafeBufferPointer { yin.estimate($0) }
        #expect(r.hz == 0)
        #expect(r.aperiodicity > 0.35)
    }

    @Test func silenceIsUnvoiced() {
        let yin = YinPitch(sampleRate: 16000, minHz: 70, maxHz: 450, frameLength: 400)
        let r = [Float](repeating: 0, count: 400).withUnsafeBufferPointer { yin.estimate($0) }
        #expect(r.hz == 0 && r.aperiodicity == 1)
    }

    @Test func fastMatchesReferenceOnSine() {
        let yin = YinPitch(sampleRate: 16000, minHz: 70, maxHz: 450, frameLength: 400)
        let x = sine(hz: 187, sampleRate: 16000, count: 400)
        let a = x.withUnsafeBufferPointer { yin.estimate($0) }
        let b = x.withUnsafeBufferPointer { yin.estimateReference($0) }
        #expect(close(a.hz, b.hz, rel: 1e-3))
        #expect(abs(a.aperiodicity - b.aperiodicity) < 1e-3)
    }
}
