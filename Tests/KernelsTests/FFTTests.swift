import Kernels
import Testing

@Suite struct FFTTests {
    @Test(arguments: [4, 8, 16, 32, 64, 128, 256, 512, 1024])
    func matchesNaiveDFT(size: Int) {
        let x = noise(size, seed: UInt64(size))
        let fft = RealFFT(size: size)
        #expect(fft.size == size)
        var out = [Float](repeating: -1, count: size / 2 + 1)
        x.withUnsafeBufferPointer { xb in out.withUnsafeMutableBufferPointer { fft.powerSpectrum(xb, into: $0) } }
        let ref = RealFFT.powerSpectrumReference(x)
        // Power of white noise per bin ≈ size/3; compare with a tolerance relative to the mean power.
        let meanPower = ref.reduce(0, +) / Float(ref.count)
        for k in 0..<ref.count {
            #expect(close(out[k], ref[k], rel: 1e-4, abs: 1e-4 * meanPower), "bin \(k) of \(size)")
        }
    }

    @Test func scratchVariantAgrees() {
        let x = noise(512, seed: 9)
        let fft = RealFFT(size: 512)
        var a = [Float](repeating: 0, count: 257), b = a
        var scratch = [Float](repeating: 0, count: 256)  // size/2 is enough
        x.withUnsafeBufferPointer { xb in
            a.withUnsafeMutableBufferPointer { fft.powerSpectrum(xb, into: $0) }
            b.withUnsafeMutableBufferPointer { ob in scratch.withUnsafeMutableBufferPointer { fft.powerSpectrum(xb, into: ob, scratch: $0) } }
        }
        #expect(a == b)
    }

    @Test func sineLandsOnItsBin() {
        // 1 kHz at 16 kHz with 512 points is exactly bin 32; amplitude A gives (A·n/2)².
        let x = sine(hz: 1000, sampleRate: 16000, count: 512, amplitude: 0.5)
        var out = [Float](repeating: 0, count: 257)
        x.withUnsafeBufferPointer { xb in out.withUnsafeMutableBufferPointer { RealFFT(size: 512).powerSpectrum(xb, into: $0) } }
        #expect(close(out[32], 128 * 128, rel: 1e-3))
        let leak = out.enumerated().filter { $0.offset != 32 }.map(\.element).max()!
        #expect(leak < 1e-3)
    }
}
