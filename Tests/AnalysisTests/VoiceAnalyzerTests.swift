import Foundation
import MediaCore
import Testing
@testable import Analysis

/// The analyser on synthetic, in-process signals.
@Suite struct VoiceAnalyzerTests {
    /// Deterministic noise (LCG) at the given RMS.
    static func noise(count: Int, rms: Float, seed: UInt64 = 1) -> [Float] {
        var s = seed
        return (0..<count).map { _ in
            s = s &* 6364136223846793005 &+ 1442695040888963407
            return (Float(Int64(bitPattern: s >> 11) % 2_000_000) / 1_000_000 - 1) * rms * 1.73
        }
    }

    /// Speech-like voice: a harmonic source (pitch gliding around `hz`) with formant-ish colouring,
    /// switched on and off in syllables of 120-250 ms with short gaps, like running speech.
    static func voice(seconds: Double, hz: Float, level: Float) -> [Float] {
        let n = Int(seconds * 16000)
        var out = [Float](repeating: 0, count: n)
        var phase: Float = 0
        var t = 0
        var k = 0
        while t < n {
            let syl = 16000 * (120 + (k * 37) % 130) / 1000
            let gap = 16000 * (40 + (k * 53) % 90) / 1000
            for i in 0..<syl where t + i < n {
                let env = sinf(Float.pi * Float(i) / Float(syl))
                let f0 = hz * (1 + 0.08 * sinf(Float(t + i) / 16000 * 2 * .pi * 1.3))
                phase += 2 * .pi * f0 / 16000
                var v: Float = 0
                for h in 1...12 { v += sinf(phase * Float(h)) / Float(h) * (h == 3 || h == 4 ? 2 : 1) }
                out[t + i] = level * env * v * 0.3
            }
            t += syl + gap
            k += 1
        }
        return out
    }

    static func analyse(_ x: [Float], chunk: Int = 16000, with a: VoiceAnalyzer = VoiceAnalyzer()) -> VoiceResult {
        x.withUnsafeBufferPointer { buf in
            var i = 0
            while i < buf.count {
                let n = min(chunk, buf.count - i)
                a.consume(UnsafeBufferPointer(rebasing: buf[i..<(i + n)]))
                i += n
            }
        }
        return a.finish(durationSeconds: Double(x.count) / 16000)
    }

    static func seconds(_ r: VoiceResult, _ labels: Set<Label>, in range: ClosedRange<Double>) -> Double {
        r.timeline.reduce(0) { acc, s in
            labels.contains(s.label) ? acc + max(0, min(s.end, range.upperBound) - max(s.start, range.lowerBound)) : acc
        }
    }

    @Test func voiceOverNoiseThenNoiseOnly() {
        let n = 16000 * 30
        var x = Self.noise(count: n, rms: 0.001)
        let v = Self.voice(seconds: 15, hz: 140, level: 0.1)
        for i in 0..<v.count { x[i + 16000 * 5] += v[i] }
        let r = Self.analyse(x)
        // Timeline contract: contiguous over [0, 30].
        #expect(r.timeline.first?.start == 0)
        #expect(abs((r.timeline.last?.end ?? 0) - 30) < 1e-9)
        for (a, b) in zip(r.timeline, r.timeline.dropFirst()) { #expect(a.end == b.start) }
        let voiceInside = Self.seconds(r, [.teacher, .student, .multi], in: 6...19)
        let voiceOutside = Self.seconds(r, [.teacher, .student, .multi, .media], in: 21...30)
        #expect(voiceInside > 11, "\(r.timeline)")
        #expect(voiceOutside < 1, "\(r.timeline)")
        // The floor is the noise (-60 dBFS RMS), within a few dB.
        #expect(abs(r.noiseFloorDBFS + 60) < 6, "floor \(r.noiseFloorDBFS)")
    }

    @Test func steadyHumAndKnocksAreNotVoice() {
        let n = 16000 * 20
        var x = Self.noise(count: n, rms: 0.001)
        // 50 Hz hum with harmonics, steady, well above the broadband noise.
        for i in 0..<n {
            let t = Float(i) / 16000
            x[i] += 0.02 * sinf(2 * .pi * 50 * t) + 0.01 * sinf(2 * .pi * 100 * t) + 0.005 * sinf(2 * .pi * 150 * t)
        }
        // Desk knocks: 5 ms decaying clicks every 1.7 s.
        var k = 8000
        while k < n - 400 {
            for i in 0..<400 { x[k + i] += 0.5 * expf(-Float(i) / 60) * (i % 2 == 0 ? 1 : -1) }
            k += 27200
        }
        let r = Self.analyse(x)
        let voice = Self.seconds(r, [.teacher, .student, .multi, .media], in: 0...20)
        #expect(voice < 1.5, "\(r.timeline)")
    }

    /// A voice over a steady chord bed with bass (a video clip played to the class) is media; the same
    /// voice alone in the room is a voice; with `soundtrackMedia` off the clip counts as a voice too.
    @Test func voiceOverAMusicBedIsMedia() {
        let seconds = 30
        var x = Self.noise(count: 16000 * seconds, rms: 0.001)
        let clip = Self.voice(seconds: 12, hz: 170, level: 0.08)
        let live = Self.voice(seconds: 8, hz: 170, level: 0.08)
        for i in clip.indices {
            let t = Float(i) / 16000
            var bed: Float = 0
            for (f, a) in [(82.4, 0.05), (110, 0.04), (220, 0.02), (277.2, 0.015), (329.6, 0.015), (4400, 0.004)] as [(Float, Float)] {
                bed += a * sinf(2 * .pi * f * t)
            }
            x[16000 * 2 + i] += clip[i] + bed
        }
        for i in live.indices { x[16000 * 20 + i] += live[i] }
        func run(_ config: VoiceConfig) -> VoiceResult {
            let a = VoiceAnalyzer(config: config)
            x.withUnsafeBufferPointer { a.consume($0) }
            return a.finish(durationSeconds: Double(seconds))
        }
        let on = run(VoiceConfig())
        // Three quarters of the clip at least: the gap window (±1.5 s) blurs its edges.
        #expect(Self.seconds(on, [.media], in: 2...14) >= 8, "\(on.timeline)")
        #expect(Self.seconds(on, [.media], in: 19...29) < 0.5, "\(on.timeline)")
        #expect(Self.seconds(on, [.teacher, .student], in: 20...28) > 6, "\(on.timeline)")
        var off = VoiceConfig()
        off.soundtrackMedia = false
        let r = run(off)
        #expect(Self.seconds(r, [.media], in: 2...14) < 3, "\(r.timeline)")
    }

    @Test func chunkSizeDoesNotChangeTheResult() {
        var x = Self.noise(count: 16000 * 12, rms: 0.002)
        let v = Self.voice(seconds: 6, hz: 200, level: 0.08)
        for i in 0..<v.count { x[i + 16000 * 3] += v[i] }
        let a = Self.analyse(x, chunk: 16000)
        let b = Self.analyse(x, chunk: 777)
        #expect(a.timeline == b.timeline)
    }

    @Test func audioChunkConvenienceMatchesBuffer() {
        let x = Self.noise(count: 16000 * 3, rms: 0.01)
        let a = VoiceAnalyzer()
        a.consume(AudioChunk(startSeconds: 0, sampleRate: 16000, samples: x, firstSampleIndex: 0))
        let r = a.finish(durationSeconds: 3)
        #expect(r.timeline == Self.analyse(x).timeline)
    }

    @Test func emptyInputGivesSilence() {
        let r = VoiceAnalyzer().finish(durationSeconds: 4)
        #expect(r.timeline == [Segment(start: 0, end: 4, label: .silence)])
        #expect(r.speakers == 0)
        #expect(!r.notes.isEmpty)
    }

    @Test func blockRecordStaysCompact() {
        // The per-time state is one record per 100 ms: keep it within 72 bytes (60 until the MFCC
        // variances for the speaker BIC were added; BlockStore pages it, so memory stays flat anyway).
        #expect(MemoryLayout<VoiceBlock>.stride <= 72)
    }

    @Test func mfccVarianceQuantisationRoundTrips() {
        var b = VoiceBlock()
        b.setMFCCVariance(2, 0.37)
        b.setMFCCVariance(5, 0)
        // 1/8-octave steps: within 1/16 octave (4.4 %); zero becomes the floor, not a degenerate 0.
        #expect(abs(b.mfccVariance(2) / 0.37 - 1) < 0.045)
        #expect(abs(b.mfccVariance(5) / VoiceBlock.mfccVarianceFloor - 1) < 0.045)
    }

    @Test func mfccQuantisationRoundTrips() {
        var b = VoiceBlock()
        b.setMFCC(3, 1.234)
        b.setMFCC(11, -50)
        #expect(abs(b.mfccValue(3) - 1.2) < 0.051)
        #expect(b.mfccValue(11) == -12.8)
        #expect(b.mfccValue(0) == 0)
    }
}
