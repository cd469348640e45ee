import Foundation
import Testing
import TestSupport
@testable import Analysis

/// The background model of a recording's voices (`SpeakerGMM`, `voice.speakerGMM`): its kernel against
/// the scalar reference, EM, the cross likelihood ratio, and the clustering it changes.
@Suite struct SpeakerGMMTests {
    static func gaussian(_ rng: inout SeededRNG) -> Float {
        let u = max(rng.uniform(0, 1), 1e-12), v = rng.uniform(0, 1)
        return Float((-2 * log(u)).squareRoot() * cos(2 * .pi * v))
    }

    static func randomModel(components: Int, _ rng: inout SeededRNG) -> SpeakerGMM {
        var w: [Float] = [], m: [SIMD16<Float>] = [], v: [SIMD16<Float>] = []
        for _ in 0..<components {
            var a = SIMD16<Float>(), b = SIMD16<Float>()
            for d in 0..<SpeakerGMM.dims { a[d] = rng.float() * 3; b[d] = 0.05 + Float(rng.uniform(0, 2)) }
            w.append(Float(rng.uniform(0.1, 1))); m.append(a); v.append(b)
        }
        let s = w.reduce(0, +)
        return SpeakerGMM(weights: w.map { $0 / s }, means: m, variances: v)
    }

    @Test(arguments: [0, 1, 7, 8, 9, 1023])
    func kernelMatchesScalarReference(blocks: Int) {
        var rng = SeededRNG(seed: 15 + UInt64(blocks))
        let gmm = Self.randomModel(components: 32, &rng)
        var xs: [SIMD16<Float>] = [], vs: [SIMD16<Float>] = []
        for _ in 0..<blocks {
            var a = SIMD16<Float>(), b = SIMD16<Float>()
            for d in 0..<SpeakerGMM.dims { a[d] = rng.float() * 4; b[d] = Float(rng.uniform(0, 1)) }
            xs.append(a); vs.append(b)
        }
        var out = [Float](repeating: .nan, count: blocks * 32)
        xs.withUnsafeBufferPointer { x in vs.withUnsafeBufferPointer { v in out.withUnsafeMutableBufferPointer { o in
            gmm.componentLogLikelihoods(means: x, variances: v, into: o)
        } } }
        let reference = gmm.componentLogLikelihoodsScalar(means: xs.map { a in (0..<12).map { a[$0] } },
                                                          variances: vs.map { b in (0..<12).map { b[$0] } })
        #expect(reference.count == out.count)
        for (a, b) in zip(out, reference) {
            #expect(abs(a - b) <= 1e-5 * max(1, abs(b)), "\(a) vs \(b)")
        }
    }

    /// Blocks of "speech" of one voice: four sound classes (means ±1.5 apart), each block near one class
    /// (spread 0.35); `offset` moves every class by the same amount on c1…c6 (another vocal tract).
    static func voiceBlocks(_ count: Int, offset: Float, _ rng: inout SeededRNG) -> [VoiceBlock] {
        let classes: [[Float]] = [[1.5, -1.5, 1.5, 0, 0, 0, 1, 0, 0, 0, 0, 0], [-1.5, 1.5, 0, 1.5, 0, 0, 0, 1, 0, 0, 0, 0],
                                  [0, 0, -1.5, -1.5, 1.5, 0, 0, 0, 1, 0, 0, 0], [1.5, 1.5, 0, 0, -1.5, 1.5, 0, 0, 0, 1, 0, 0]]
        return (0..<count).map { _ in
            var b = VoiceBlock()
            let c = classes[rng.int(classes.count)]
            for d in 0..<12 {
                b.setMFCC(d, c[d] + (d < 6 ? offset : 0) + 0.35 * gaussian(&rng))
                b.setMFCCVariance(d, 0.3)
            }
            b.meanDB = 40; b.minDB = 34; b.maxDB = 44; b.minFullDBFS = -40
            b.voiced = 5; b.pitchFrames = 5
            b.log2Pitch = log2f(200) + 0.05 * gaussian(&rng)   // the same pitch for both voices
            b.modulation = 20
            return b
        }
    }

    @Test func emRecoversSeparatedClasses() throws {
        var rng = SeededRNG(seed: 3)
        let blocks = Self.voiceBlocks(2000, offset: 0, &rng)
        let gmm = try #require(SpeakerGMM.train(means: blocks.map { SpeakerGMM.vectors($0).mean },
                                                variances: blocks.map { SpeakerGMM.vectors($0).variance }))
        #expect(gmm.components == 32)
        #expect(abs(gmm.weights.reduce(0, +) - 1) < 1e-4)
        // Every one of the four classes' centres has a component close to it.
        for c in [[Float(1.5), -1.5, 1.5, 0, 0, 0], [-1.5, 1.5, 0, 1.5, 0, 0]] {
            var near = Float.infinity
            for m in gmm.means {
                var d2: Float = 0
                for k in 0..<6 { let e = m[k] - c[k]; d2 += e * e }
                near = min(near, d2)
            }
            #expect(near < 0.25, "nearest component \(near)")
        }
        // Too little speech: no model.
        #expect(SpeakerGMM.train(means: Array(repeating: SIMD16<Float>(), count: 50), variances: Array(repeating: SIMD16<Float>(), count: 50)) == nil)
    }

    /// The ratio is positive for one voice and negative for two, and the one-voice value does not
    /// sink as the stretches grow (the BIC's failure: more frames, more confident "two voices").
    @Test func crossLikelihoodRatioIsLengthNormalised() throws {
        var rng = SeededRNG(seed: 4)
        let a = Self.voiceBlocks(1500, offset: 0, &rng), b = Self.voiceBlocks(1500, offset: 0.6, &rng)
        let all = a + b
        let gmm = try #require(SpeakerGMM.train(means: all.map { SpeakerGMM.vectors($0).mean },
                                                variances: all.map { SpeakerGMM.vectors($0).variance }))
        func stats(_ blocks: ArraySlice<VoiceBlock>) -> SpeakerGMM.Stats {
            var s = SpeakerGMM.Stats(), scratch: [Float] = []
            for x in blocks { gmm.add(x, frames: 10, to: &s, scratch: &scratch) }
            return s
        }
        var same: [Float] = []
        for n in [20, 80, 320] {
            let x = stats(a[0..<n]), y = stats(a[700..<(700 + n)]), z = stats(b[0..<n])
            same.append(gmm.crossLikelihoodRatio(x, y))
            #expect(gmm.crossLikelihoodRatio(x, y) > 0, "one voice, \(n) blocks")
            #expect(gmm.crossLikelihoodRatio(x, z) < 0, "two voices, \(n) blocks")
            #expect(abs(gmm.crossLikelihoodRatio(x, y) - gmm.crossLikelihoodRatio(y, x)) < 1e-4)
        }
        #expect(same[2] >= same[0], "one voice: \(same)")
        #expect(gmm.crossLikelihoodRatio(SpeakerGMM.Stats(), stats(a[0..<10])) == .infinity)
    }

    /// Two synthetic voices with the same pitch, level and rhythm, whose sound classes differ by a
    /// shift of c1…c6 (other formants): the embedding of mean MFCCs merges them (the old behaviour),
    /// the background model keeps them apart and the dominant voice is the teacher.
    @Test func equalPitchDifferentFormantsAreTwoSpeakers() throws {
        var rng = SeededRNG(seed: 5)
        let store = BlockStore(pageBlocks: 256)
        var path: [AcousticClass] = []
        var truth: [Int] = []   // per turn: 0 teacher, 1 student
        func gap() {
            for _ in 0..<5 {
                var s = VoiceBlock(); s.meanDB = 0; s.minDB = 0; s.maxDB = 1; s.minFullDBFS = -80
                store.append(s); path.append(.silence)
            }
        }
        gap()
        for t in 0..<24 {
            let student = t % 3 == 2
            for b in Self.voiceBlocks(30, offset: student ? 0.6 : 0, &rng) { store.append(b); path.append(.speech) }
            truth.append(student ? 1 : 0)
            gap()
        }
        var config = VoiceConfig()
        let source = BlockSource(store: store, config: config)
        let old = SpeakerClustering(config: config).run(source: source, path: path)
        config.speakerGMM = true
        let new = SpeakerClustering(config: config).run(source: source, path: path)
        #expect(old.clusterCount == 1, "embedding alone: \(old.clusterCount) clusters")
        #expect(new.clusterCount >= 2, "with the background model: \(new.clusterCount) clusters")
        let turns = new.turns
        try #require(turns.count == truth.count, "\(turns.count) turns")
        let teacherRight = zip(turns, truth).filter { $0.1 == 0 && $0.0.cluster == new.teacherCluster }.count
        let studentApart = zip(turns, truth).filter { $0.1 == 1 && $0.0.cluster != new.teacherCluster }.count
        #expect(teacherRight == 16, "teacher turns in the teacher cluster: \(teacherRight) of 16")
        #expect(studentApart == 8, "student turns outside it: \(studentApart) of 8")
    }
}
