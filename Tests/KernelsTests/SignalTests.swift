import RealModule
import Kernels
import Testing

@Suite struct SignalTests {
    @Test(arguments: kernelLengths)
    func rmsMatchesReference(n: Int) {
        let x = noise(n, seed: 1)
        x.withUnsafeBufferPointer { b in
            #expect(close(Signal.rms(b), Signal.rmsReference(b), rel: 1e-5))
        }
    }

    @Test func rmsOfKnownSignals() {
        let dc = [Float](repeating: 0.5, count: 100)
        dc.withUnsafeBufferPointer { #expect(close(Signal.rms($0), 0.5, rel: 1e-6)) }
        // A sine over whole periods has RMS amplitude/√2.
        let s = sine(hz: 100, sampleRate: 16000, count: 1600, amplitude: 1)
        s.withUnsafeBufferPointer { #expect(close(Signal.rms($0), Float(0.5.squareRoot()), rel: 1e-4)) }
        [Float]().withUnsafeBufferPointer { #expect(Signal.rms($0) == 0) }
    }

    @Test func dbfsScale() {
        #expect(Signal.dbfs(rms: 1) == 0)
        #expect(close(Signal.dbfs(rms: 0.1), -20, rel: 1e-5))
        #expect(Signal.dbfs(rms: 0) == -120)
        #expect(Signal.dbfs(rms: 1e-9) == -120)
        #expect(close(Signal.dbfs(rms: 2e-6), -113.98, rel: 1e-3))
    }

    @Test(arguments: kernelLengths)
    func zeroCrossingRateMatchesReference(n: Int) {
        var x = noise(n, seed: 2)
        // Include exact zeros and -0.0, where sign conventions usually diverge.
        if n > 5 { x[3] = 0; x[4] = -0.0; x[5] = 0 }
        x.withUnsafeBufferPointer { b in
            #expect(Signal.zeroCrossingRate(b) == Signal.zeroCrossingRateReference(b))
        }
    }

    @Test func zeroCrossingRateOfKnownSignals() {
        let alternating = (0..<101).map { Float($0 % 2 == 0 ? 1 : -1) }
        alternating.withUnsafeBufferPointer { #expect(Signal.zeroCrossingRate($0) == 1) }
        let constant = [Float](repeating: 0.2, count: 64)
        constant.withUnsafeBufferPointer { #expect(Signal.zeroCrossingRate($0) == 0) }
        // 100 Hz sine at 16 kHz crosses 200 times per second: rate ≈ 200/16000 per pair.
        let s = sine(hz: 100, sampleRate: 16000, count: 16000)
        s.withUnsafeBufferPointer { #expect(close(Signal.zeroCrossingRate($0), 200.0 / 15999, rel: 0.01)) }
        [Float(1)].withUnsafeBufferPointer { #expect(Signal.zeroCrossingRate($0) == 0) }
    }

    @Test(arguments: kernelLengths)
    func sumDotMultiplyMatchReference(n: Int) {
        let a = noise(n, seed: 3), b = noise(n, seed: 4)
        a.withUnsafeBufferPointer { ab in
            b.withUnsafeBufferPointer { bb in
                // Float accumulation against Double: tolerance relative to the magnitude summed.
                let scale = Float(max(1, n)).squareRoot()
                #expect(close(Signal.sum(ab), Signal.sumReference(ab), rel: 1e-5, abs: 1e-5 * scale))
                #expect(close(Signal.dot(ab, bb), Signal.dotReference(ab, bb), rel: 1e-5, abs: 1e-5 * scale))
                var o1 = [Float](repeating: 0, count: n), o2 = o1
                o1.withUnsafeMutableBufferPointer { Signal.multiply(ab, bb, into: $0) }
                o2.withUnsafeMutableBufferPointer { Signal.multiplyReference(ab, bb, into: $0) }
                #expect(o1 == o2)
            }
        }
    }

    @Test func hannWindowIsPeriodic() {
        let w = Signal.hannWindow(count: 8)
        #expect(w.count == 8)
        #expect(w[0] == 0)
        #expect(close(w[4], 1, rel: 1e-6))
        #expect(close(w[2], 0.5, rel: 1e-6))
        // Periodic: symmetric around count/2, w[k] == w[count-k].
        for k in 1..<8 { #expect(close(w[k], w[8 - k], rel: 1e-6, abs: 1e-7)) }
        // Overlap-add at hop count/2 is exactly 1.
        let w512 = Signal.hannWindow(count: 512)
        for i in 0..<256 { #expect(close(w512[i] + w512[i + 256], 1, rel: 1e-6)) }
        #expect(Signal.hannWindow(count: 0).isEmpty)
        #expect(Signal.hannWindow(count: 1) == [1])
    }
}

@Suite struct RunningStatsTests {
    @Test func matchesTwoPassFormula() {
        var s = RunningStats()
        #expect(s.count == 0 && s.mean == 0 && s.variance == 0)
        let values: [Double] = [2, 4, 4, 4, 5, 5, 7, 9]
        for v in values { s.add(v) }
        #expect(s.count == 8)
        #expect(abs(s.mean - 5) < 1e-12)
        #expect(abs(s.variance - 4) < 1e-12)
        #expect(abs(s.standardDeviation - 2) < 1e-12)
        #expect(abs(s.sampleVariance - 32.0 / 7) < 1e-12)
    }

    @Test func stableWithLargeOffset() {
        // A naive Σx² − (Σx)²/n loses all digits here; Welford keeps them.
        var s = RunningStats()
        for i in 0..<1000 { s.add(1e9 + Double(i % 2)) }
        #expect(abs(s.variance - 0.25) < 1e-6)
    }
}
