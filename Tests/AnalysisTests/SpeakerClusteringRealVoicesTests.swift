import Foundation
import MediaCore
import Testing
@testable import Analysis
import Pipeline

/// Two real voices of similar pitch, as loud as each other, are two speakers, and the dominant one is
/// the teacher (issue 15, item 3). Voices: Paola Dal Zot (asterisk-prompt-it-menardi-wav, it, median
/// F0 178 Hz) as the teacher and Allison Smith (asterisk-core-sounds-en-wav, en, 198 Hz: 1.8 semitones
/// apart) as the student; `make deps` installs both. They are a pairing of the speaker set's **dev**
/// split (SampleMedia/real/README.md), so this is a regression guard, not a held-out measurement.
/// With `voice.speakerTimbreBIC` (off by default, see `VoiceConfig.speakerTimbreBIC`).
@Suite struct SpeakerClusteringRealVoicesTests {
    static let teacherDir = "/usr/share/asterisk/sounds/it_IT_f_Menardi/"
    static let studentDir = "/usr/share/asterisk/sounds/en_US_f_Allison/"
    static let teacherPrompts = ["vm-intro", "vm-options", "vm-newuser", "vm-reenterpassword", "vm-saveoper",
                                 "vm-forwardoptions", "vm-tempgreeting", "vm-instructions", "vm-undelete"]
    static let studentPrompts = ["vm-intro", "vm-newuser", "vm-reenterpassword", "vm-saveoper"]

    static func clip(_ path: String) throws -> [Float] {
        try #require(FileManager.default.fileExists(atPath: path),
                     "\(path) missing: run `make deps` (asterisk-prompt-it-menardi-wav, asterisk-core-sounds-en-wav)")
        var x = try VoiceEvaluationTests.decode(URL(fileURLWithPath: path))
        // Trim the prompts' digital silence, then set the clip to −26 dBFS RMS: loudness is no cue.
        let gate: Float = 1e-3
        guard let a = x.firstIndex(where: { abs($0) > gate }), let b = x.lastIndex(where: { abs($0) > gate }) else { return [] }
        x = Array(x[a...b])
        let rms = (x.reduce(0) { $0 + $1 * $1 } / Float(max(1, x.count))).squareRoot()
        let g = powf(10, -26 / 20) / max(rms, 1e-6)
        return x.map { $0 * g }
    }

    struct Dialogue {
        var samples: [Float]
        /// (start, end) seconds of each voice's utterances.
        var teacher: [(Double, Double)] = []
        var student: [(Double, Double)] = []
    }

    /// Two teacher prompts, one student prompt, and so on (teacher about two thirds of the speech),
    /// with 0.8 s gaps, over a faint deterministic hiss 40 dB under the speech.
    static func dialogue() throws -> Dialogue {
        let rate = 16000.0
        let t = try teacherPrompts.map { try clip(teacherDir + $0 + ".wav") }
        let s = try studentPrompts.map { try clip(studentDir + $0 + ".wav") }
        try #require(t.allSatisfy { $0.count > 8000 } && s.allSatisfy { $0.count > 8000 })
        var d = Dialogue(samples: [Float](repeating: 0, count: Int(0.8 * rate)))
        func put(_ x: [Float], teacher: Bool) {
            let start = Double(d.samples.count) / rate
            d.samples += x
            let span = (start, Double(d.samples.count) / rate)
            if teacher { d.teacher.append(span) } else { d.student.append(span) }
            d.samples += [Float](repeating: 0, count: Int(0.8 * rate))
        }
        var si = 0
        for (k, x) in t.enumerated() {
            put(x, teacher: true)
            if k % 2 == 1 && si < s.count { put(s[si], teacher: false); si += 1 }
        }
        var seed: UInt32 = 12345
        let hiss = powf(10, -66 / 20) * Float(3).squareRoot()  // uniform noise of RMS −66 dBFS
        for i in d.samples.indices {
            seed = seed &* 1_664_525 &+ 1_013_904_223
            d.samples[i] += (Float(seed >> 8) / Float(1 << 24) * 2 - 1) * hiss
        }
        return d
    }

    /// Seconds of `spans` that the timeline labels `label`.
    static func seconds(_ timeline: [Segment], _ spans: [(Double, Double)], _ label: Label) -> Double {
        var s = 0.0
        for (a, b) in spans {
            for seg in timeline where seg.label == label { s += max(0, min(b, seg.end) - max(a, seg.start)) }
        }
        return s
    }

    /// Analyses the real dialogue with `config` (fed in 0.25 s pieces) and checks: at least two speakers,
    /// the teacher's own time labelled teacher (≥ 0.8), the student's labelled student (≥ 0.6) and at most
    /// 0.3 of it teacher.
    @discardableResult
    static func expectTwoSpeakersDominantTeacher(_ config: VoiceConfig, speakerModel: SpeakerEncoderWeights? = nil) throws -> VoiceResult {
        let d = try Self.dialogue()
        let analyzer = VoiceAnalyzer(config: config, speechModel: try sileroWeights(), speakerModel: speakerModel)
        d.samples.withUnsafeBufferPointer { b in
            var i = 0
            while i < b.count {
                let e = min(b.count, i + 4000)
                analyzer.consume(UnsafeBufferPointer(rebasing: b[i..<e]))
                i = e
            }
        }
        let r = analyzer.finish(durationSeconds: Double(d.samples.count) / 16000)
        let teacherTime = d.teacher.reduce(0) { $0 + $1.1 - $1.0 }
        let studentTime = d.student.reduce(0) { $0 + $1.1 - $1.0 }
        try #require(teacherTime > 1.5 * studentTime)
        let tt = Self.seconds(r.timeline, d.teacher, .teacher) / teacherTime
        let ss = Self.seconds(r.timeline, d.student, .student) / studentTime
        let st = Self.seconds(r.timeline, d.student, .teacher) / studentTime
        #expect(r.speakers >= 2)
        #expect(tt >= 0.8, "teacher's own time labelled teacher: \(tt)")
        #expect(ss >= 0.6, "student's time labelled student: \(ss)")
        #expect(st <= 0.3, "student's time labelled teacher: \(st)")
        return r
    }

    /// With the learned speaker embedding (`voice.speakerEmbedding`, off by default): two speakers, the
    /// dominant one the teacher; the report says how many partials the encoder described, within the
    /// budget. (With `voice.speakerEmbeddingSplit` this dialogue fails: the split test takes the
    /// teacher's prompts, recorded on different days, for two voices — why the split stays off.)
    @Test func theLearnedEmbeddingKeepsTheTwoRealVoicesApart() throws {
        var config = VoiceConfig()
        config.speakerEmbedding = true
        let r = try Self.expectTwoSpeakersDominantTeacher(config, speakerModel: try Models.speakerEncoder())
        let note = try #require(r.notes.first { $0.code == .known(.speakerEmbedding) })
        guard case .number(let n)? = note.values["partials"] else { Issue.record("no partial count"); return }
        #expect(n >= 8 && n <= Double(config.speakerEmbeddingMinPartials), "\(n) partials")
        #expect(!r.notes.contains { $0.code == .known(.speakerEmbeddingUnavailable) })
    }

    /// When the embedding's sample file cannot be made, the analysis still completes, by timbre, and
    /// the report says the embedding did not run.
    @Test func anUnwritableSampleFileIsReportedNotHidden() throws {
        let d = try Self.dialogue()
        var config = VoiceConfig()
        config.speakerEmbedding = true
        let analyzer = VoiceAnalyzer(config: config, speechModel: try sileroWeights(), speakerModel: try Models.speakerEncoder(),
                                     spillDirectory: "/nonexistent-\(UUID().uuidString)")
        d.samples.withUnsafeBufferPointer { analyzer.consume($0) }
        let r = analyzer.finish(durationSeconds: Double(d.samples.count) / 16000)
        #expect(!r.timeline.isEmpty)
        #expect(r.notes.contains { $0.code == .known(.speakerEmbeddingUnavailable) })
        #expect(!r.notes.contains { $0.code == .known(.speakerEmbedding) })
    }

    /// Before the timbre statistics and the BIC, the student's prompts were all labelled teacher (the
    /// speaker set: 92-99 % of the second voice's time), none of them student.
    @Test func twoRealVoicesOfSimilarPitchAreTwoSpeakersAndTheDominantIsTheTeacher() throws {
        var config = VoiceConfig()
        config.speakerTimbreBIC = true
        try Self.expectTwoSpeakersDominantTeacher(config)
    }

    /// The same dialogue with the background model of the voices instead of the BIC
    /// (`voice.speakerGMM`, `SpeakerGMM`): two speakers, the dominant one the teacher.
    @Test func theBackgroundModelAlsoKeepsTheTwoRealVoicesApart() throws {
        var config = VoiceConfig()
        config.speakerGMM = true
        try Self.expectTwoSpeakersDominantTeacher(config)
    }

    /// The speaker turns of the same dialogue, clustered with and without the MFCC statistics: the BIC
    /// is what keeps the two voices apart (without it, the same turns form one cluster), so the test
    /// above cannot pass by the turns alone.
    @Test func withoutTheTimbreStatisticsTheVoicesMerge() throws {
        let d = try Self.dialogue()
        var config = VoiceConfig()
        config.speakerTimbreBIC = true
        let analyzer = VoiceAnalyzer(config: config, speechModel: try sileroWeights())
        analyzer.recordsBlockFeatures = true
        d.samples.withUnsafeBufferPointer { analyzer.consume($0) }
        _ = analyzer.finish(durationSeconds: Double(d.samples.count) / 16000)
        let (source, path) = try #require(analyzer.lastDiagnostics)
        let clustering = SpeakerClustering(config: analyzer.config)
        let with = clustering.run(source: source, path: path)
        var turns = clustering.turns(source: source, path: path)
        for t in turns.indices { turns[t].timbre = TimbreGaussian() }
        let without = clustering.cluster(turns: turns)
        var off = analyzer.config
        off.speakerTimbreBIC = false
        let byDefault = SpeakerClustering(config: off).run(source: source, path: path)
        #expect(with.clusterCount >= 2)
        #expect(without == 1, "embedding alone: \(without) clusters")
        #expect(byDefault.clusterCount == 1, "voice.speakerTimbreBIC off (the default): \(byDefault.clusterCount) clusters")
    }
}

@Suite struct TimbreGaussianTests {
    /// Frames drawn from one Gaussian (deterministic generator), as 100 ms blocks.
    static func blocks(count: Int, mean: Float, sd: Float, seed: UInt64) -> [VoiceBlock] {
        var state = seed
        func gaussian() -> Float {
            // Box-Muller on a 64-bit LCG.
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let u1 = Float(state >> 40) / Float(1 << 24) + 1e-7
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let u2 = Float(state >> 40) / Float(1 << 24)
            return (-2 * logf(u1)).squareRoot() * cosf(2 * .pi * u2)
        }
        return (0..<count).map { _ in
            var acc = BlockAccumulator()
            for _ in 0..<10 {
                var c = [Float](repeating: 0, count: 13)
                for k in 1...12 { c[k] = mean + sd * gaussian() }
                acc.add(levelDB: 0, fullDBFS: 0, flatness: 0, flux: 0, speechRatio: 0, modulation: 0, cepstrum: c, mfccScale: 1)
            }
            return acc.block(config: VoiceConfig())
        }
    }

    static func stats(_ blocks: [VoiceBlock]) -> TimbreGaussian {
        var g = TimbreGaussian()
        for b in blocks { g.add(b, frames: 10) }
        return g
    }

    @Test func storedBlockStatisticsGiveTheFramesMeanAndVariance() {
        let g = Self.stats(Self.blocks(count: 400, mean: 1.5, sd: 0.8, seed: 7))
        #expect(g.frames == 4000)
        for k in 0..<TimbreGaussian.dims {
            let m = g.sum[k] / g.frames, v = g.sumSquares[k] / g.frames - m * m
            #expect(abs(m - 1.5) < 0.05)
            #expect(abs(v - 0.64) / 0.64 < 0.08)  // quantisation: 1/16 octave, mean step 0.1
        }
    }

    @Test func bicSaysOneVoiceForOneGaussianAndTwoForShiftedMeans() {
        let a = Self.stats(Self.blocks(count: 50, mean: 0, sd: 1, seed: 1))
        let same = Self.stats(Self.blocks(count: 30, mean: 0, sd: 1, seed: 2))
        let shifted = Self.stats(Self.blocks(count: 30, mean: 0.6, sd: 1, seed: 3))
        #expect(TimbreGaussian.deltaBIC(a, same, observationsPerFrame: 0.4) < 0)
        #expect(TimbreGaussian.deltaBIC(a, shifted, observationsPerFrame: 0.4) > 0)
        #expect(TimbreGaussian.deltaBIC(a, TimbreGaussian(), observationsPerFrame: 0.4) == -.infinity)
        // Additivity: the sum of two halves is the whole.
        let whole = a + same
        #expect(abs((whole - same).sum[3] - a.sum[3]) < 1e-6 && (whole - same).frames == a.frames)
    }
}
