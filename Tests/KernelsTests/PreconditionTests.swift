import Kernels
import Testing

/// Shape bugs are preconditions (STYLE.md): these must stop the process, not return garbage.
@Suite struct PreconditionTests {
    @Test func fftRejectsNonPowerOfTwo() async {
        await #expect(processExitsWith: .failure) { _ = RealFFT(size: 6) }
    }

    @Test func fftRejectsWrongOutputCount() async {
        await #expect(processExitsWith: .failure) {
            let x = [Float](repeating: 0, count: 8)
            var out = [Float](repeating: 0, count: 4)  // needs 5
            x.withUnsafeBufferPointer { xb in out.withUnsafeMutableBufferPointer { RealFFT(size: 8).powerSpectrum(xb, into: $0) } }
        }
    }

    @Test func yinRejectsTooShortFrames() async {
        await #expect(processExitsWith: .failure) { _ = YinPitch(sampleRate: 16000, minHz: 50, maxHz: 400, frameLength: 300) }
    }
}
