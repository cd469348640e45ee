import RealModule
import Kernels
import Testing

@Suite struct MelFilterbankTests {
    let bank = MelFilterbank(sampleRate: 16000, fftSize: 512, bandCount: 40, minHz: 0, maxHz: 8000)

    @Test func centresAreEvenInMel() {
        #expect(bank.bandCount == 40)
        #expect(bank.centerHz.count == 40)
        let step = MelFilterbank.mel(hz: 8000) / 41
        for (b, c) in bank.centerHz.enumerated() {
            let expected = MelFilterbank.hz(mel: step * Double(b + 1))
            #expect(abs(Double(c) - expected) < 1e-2 * max(1, expected))
        }
        // HTK: 1000 Hz is 1000 mel.
        #expect(abs(MelFilterbank.mel(hz: 1000) - 1000) < 0.1)
    }

    @Test func weightsPartitionUnityBetweenFirstAndLastCentre() {
        let binHz: Float = 16000 / 512
        for k in 0..<257 {
            let f = Float(k) * binHz
            guard f >= bank.centerHz[0] && f <= bank.centerHz[39] else { continue }
            let total = (0..<40).reduce(Float(0)) { $0 + bank.weight(band: $1, bin: k) }
            #expect(abs(total - 1) < 1e-4, "bin \(k)")
        }
    }

    @Test func toneExcitesTheBandAroundIt() {
        // A single bin of power at 1 kHz: the band whose centre is nearest gets the most.
        var power = [Float](repeating: 0, count: 257)
        power[32] = 1
        var out = [Float](repeating: 0, count: 40)
        power.withUnsafeBufferPointer { p in out.withUnsafeMutableBufferPointer { bank.apply(power: p, into: $0) } }
        let loudest = out.indices.max { out[$0] < out[$1] }!
        let nearest = bank.centerHz.indices.min { abs(bank.centerHz[$0] - 1000) < abs(bank.centerHz[$1] - 1000) }!
        #expect(loudest == nearest)
        #expect(out.reduce(0, +) > 0.99)
    }

    @Test func applyIsTheWeightedSum() {
        let power = noise(257, seed: 5).map { abs($0) }
        var out = [Float](repeating: 0, count: 40)
        power.withUnsafeBufferPointer { p in out.withUnsafeMutableBufferPointer { bank.apply(power: p, into: $0) } }
        for b in 0..<40 {
            let ref = (0..<257).reduce(Float(0)) { $0 + bank.weight(band: b, bin: $1) * power[$1] }
            #expect(close(out[b], ref, rel: 1e-5, abs: 1e-6))
        }
    }
}

@Suite struct DCTTests {
    @Test func orthonormalRowsAndConstantInput() {
        let n = 40
        let dct = DCT(inputCount: n, outputCount: n)
        // Orthonormal: energy is preserved.
        let x = noise(n, seed: 6)
        var y = [Float](repeating: 0, count: n)
        x.withUnsafeBufferPointer { xb in y.withUnsafeMutableBufferPointer { dct.apply(xb, into: $0) } }
        let ex = x.reduce(0) { $0 + $1 * $1 }, ey = y.reduce(0) { $0 + $1 * $1 }
        #expect(close(ex, ey, rel: 1e-4))
        // A constant goes entirely into c0 = √N·value.
        let c = [Float](repeating: 2, count: n)
        var z = [Float](repeating: 0, count: 13)
        let mfcc = DCT(inputCount: n, outputCount: 13)
        c.withUnsafeBufferPointer { cb in z.withUnsafeMutableBufferPointer { mfcc.apply(cb, into: $0) } }
        #expect(close(z[0], 2 * Float(n).squareRoot(), rel: 1e-5))
        for k in 1..<13 { #expect(abs(z[k]) < 1e-4) }
    }

    @Test func matchesDefinition() {
        let n = 8
        let x = noise(n, seed: 7)
        var y = [Float](repeating: 0, count: 4)
        x.withUnsafeBufferPointer { xb in y.withUnsafeMutableBufferPointer { DCT(inputCount: n, outputCount: 4).apply(xb, into: $0) } }
        for k in 0..<4 {
            var s = 0.0
            for i in 0..<n { s += Double(x[i]) * Double.cos(Double.pi * Double(k) * (2 * Double(i) + 1) / Double(2 * n)) }
            s *= k == 0 ? (1.0 / Double(n)).squareRoot() : (2.0 / Double(n)).squareRoot()
            #expect(close(y[k], Float(s), rel: 1e-5, abs: 1e-6))
        }
    }
}

@Suite struct SpectralTests {
    @Test func log10InPlaceFloors() {
        var x: [Float] = [100, 1, 0, -3, 1e-12]
        x.withUnsafeMutableBufferPointer { Spectral.log10InPlace($0) }
        #expect(x == [2, 0, -10, -10, -10])
    }

    @Test func flatnessOfNoiseAndTone() {
        let flat = [Float](repeating: 3, count: 257)
        flat.withUnsafeBufferPointer { #expect(close(Spectral.flatness($0, lo: 0, hi: 257), 1, rel: 1e-4)) }
        var tone = [Float](repeating: 1e-8, count: 257)
        tone[40] = 100
        tone.withUnsafeBufferPointer { #expect(Spectral.flatness($0, lo: 1, hi: 257) < 0.01) }
        tone.withUnsafeBufferPointer { #expect(Spectral.flatness($0, lo: 5, hi: 5) == 0) }
    }

    @Test func fluxIsShapeChange() {
        let a: [Float] = [1, 1, 0, 0]
        let b: [Float] = [0, 0, 2, 2]
        let a2: [Float] = [5, 5, 0, 0]
        a.withUnsafeBufferPointer { ab in
            a2.withUnsafeBufferPointer { #expect(Spectral.flux(previous: ab, current: $0) == 0) }
            b.withUnsafeBufferPointer { #expect(close(Spectral.flux(previous: ab, current: $0), 1, rel: 1e-6)) }
        }
        let zero = [Float](repeating: 0, count: 4)
        zero.withUnsafeBufferPointer { z in a.withUnsafeBufferPointer { #expect(Spectral.flux(previous: z, current: $0) == 1) } }
    }

    @Test func centroidAndBandRatio() {
        // 257 bins of a 512-point FFT at 16 kHz: 31.25 Hz per bin.
        var p = [Float](repeating: 0, count: 257)
        p[32] = 1; p[64] = 1
        p.withUnsafeBufferPointer { pb in
            #expect(close(Spectral.centroid(pb, sampleRate: 16000), 1500, rel: 1e-6))
            #expect(close(Spectral.bandEnergyRatio(pb, sampleRate: 16000, loHz: 900, hiHz: 1100), 0.5, rel: 1e-6))
            #expect(Spectral.bandEnergyRatio(pb, sampleRate: 16000, loHz: 3000, hiHz: 4000) == 0)
        }
        let z = [Float](repeating: 0, count: 257)
        z.withUnsafeBufferPointer { #expect(Spectral.centroid($0, sampleRate: 16000) == 0) }
    }
}
