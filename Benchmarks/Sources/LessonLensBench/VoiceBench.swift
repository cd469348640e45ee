// Voice analysis speed: `lessonlens-bench voice`. Times VoiceAnalyzer (after decoding) on 10 min of
// synthetic classroom-like audio made in-process (speech-like voices at two levels, overlapping
// voices, room noise with hum and knocks, a chord bed), fed in 1 s chunks as MediaIO delivers them.
import Analysis
import Foundation
import MediaCore
import Pipeline

func runVoiceBenchmarks() {
    let sampleRate = 16000
    let minutes = 10
    let audio = VoiceBenchAudio.make(seconds: minutes * 60, sampleRate: sampleRate)
    print("voice: \(minutes) min synthetic audio, 16 kHz mono, 1 s chunks")
    let model: SileroWeights?
    do { model = try Models.silero() } catch { print("voice: \(error)"); model = nil }
    // As the product runs it (with the voice-activity model), then with the speakers' background
    // model (`voice.speakerGMM`, off by default), then the acoustic cues alone.
    var gmm = VoiceConfig()
    gmm.speakerGMM = true
    // And with the learned speaker embedding (`voice.speakerEmbedding`: GE2E encoder on a budget of
    // partials chosen inside the speech turns, `voice.speakerEmbeddingSecondsPerPartial`).
    var embedding = VoiceConfig()
    embedding.speakerEmbedding = true
    let encoder: SpeakerEncoderWeights?
    do { encoder = try Models.speakerEncoder() } catch { print("voice: \(error)"); encoder = nil }
    for (name, weights, config) in [("with Silero VAD", model, VoiceConfig()), ("with Silero VAD and voice.speakerGMM", model, gmm),
                                    ("with Silero VAD and voice.speakerEmbedding", model, embedding),
                                    ("acoustic cues only", nil, VoiceConfig())] where weights != nil || name == "acoustic cues only" {
        if config.speakerEmbedding && encoder == nil { continue }
        var best = Double.infinity
        var bestCPU = Double.infinity
        var result: VoiceResult?
        for _ in 0..<3 {
            let analyzer = VoiceAnalyzer(config: config, speechModel: weights,
                                         speakerModel: config.speakerEmbedding ? encoder : nil)
            let t0 = DispatchTime.now().uptimeNanoseconds
            let c0 = voiceThreadCPUSeconds()
            audio.withUnsafeBufferPointer { buf in
                var i = 0
                while i < buf.count {
                    let n = min(sampleRate, buf.count - i)
                    analyzer.consume(UnsafeBufferPointer(rebasing: buf[i..<(i + n)]))
                    i += n
                }
            }
            result = analyzer.finish(durationSeconds: Double(audio.count) / Double(sampleRate))
            let s = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            best = min(best, s)
            bestCPU = min(bestCPU, voiceThreadCPUSeconds() - c0)
        }
        let seconds = Double(audio.count) / Double(sampleRate)
        print(String(format: "voice analyse (%@): %.3f s for %.0f s of audio = %.0fx realtime (best of 3, one core; goal ≥ 300x)",
                     name, best, seconds, seconds / best))
        print(String(format: "voice analyse (%@, thread CPU time): %.3f s = %.0fx realtime per core", name, bestCPU, seconds / bestCPU))
        if let r = result {
            var partials = "no"
            if let note = r.notes.first(where: { $0.code == .known(.speakerEmbedding) }), case .number(let n)? = note.values["partials"] {
                partials = String(Int(n))
            }
            print("voice: \(r.timeline.count) segments, \(r.speakers) speaker clusters, floor \(String(format: "%.1f", r.noiseFloorDBFS)) dBFS, \(partials) embedded partials")
        }
    }
    if let encoder {
        // The encoder alone, on every 1.6 s partial of the audio (every 0.8 s), batches of 8.
        let enc = SpeakerEncoder(weights: encoder)
        let len = SpeakerEncoder.windowSamples, hop = 12800
        var windows: [Float] = []
        var count = 0
        var k = 0
        while k * hop + len <= audio.count { windows += audio[(k * hop)..<(k * hop + len)]; count += 1; k += 1 }
        var best = Double.infinity
        for _ in 0..<2 {
            let t0 = DispatchTime.now().uptimeNanoseconds
            var i = 0
            while i < count {
                let n = min(8, count - i)
                _ = enc.embed(windows: Array(windows[(i * len)..<((i + n) * len)]), count: n)
                i += n
            }
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
        }
        let seconds = Double(audio.count) / Double(sampleRate)
        print(String(format: "speaker encoder (GE2E, %d partials of 1.6 s every 0.8 s): %.3f s for %.0f s of audio = %.1fx realtime (best of 2, one core)",
                     count, best, seconds, seconds / best))
        let perPartial = best / Double(count)
        let rate = VoiceConfig().speakerEmbeddingSecondsPerPartial
        print(String(format: "speaker encoder: %.1f ms per partial; at the default budget (one per %.0f s of recording) %.0fx realtime",
                     perPartial * 1000, rate, rate / perPartial))
    }
    print("voice memory: block record of \(VoiceAnalyzer.bytesPerBlock) bytes per 100 ms paged to a temporary file (\(String(format: "%.1f", Double(VoiceAnalyzer.bytesPerBlock) * 108_000 / 1e6)) MB on disk for 3 h), three pages in memory; audio is not kept")
}

enum VoiceBenchAudio {
    /// Deterministic synthetic lesson: 20 s scenes cycling through teacher (loud voice), student
    /// (quiet voice), several voices, silence with knocks, and a chord bed; hum and noise throughout.
    static func make(seconds: Int, sampleRate: Int) -> [Float] {
        let n = seconds * sampleRate
        var x = [Float](repeating: 0, count: n)
        var seed: UInt64 = 42
        func rnd() -> Float {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: seed >> 11) % 2_000_000) / 1_000_000 - 1
        }
        for i in 0..<n {
            let t = Float(i) / Float(sampleRate)
            x[i] = 0.002 * rnd() + 0.003 * sinf(2 * .pi * 50 * t)
        }
        let scene = 20 * sampleRate
        var s = 0
        var k = 0
        while s < n {
            let e = min(n, s + scene)
            switch k % 5 {
            case 0: addVoice(&x, s, e, hz: 130, level: 0.15, sampleRate: sampleRate)
            case 1: addVoice(&x, s, e, hz: 230, level: 0.04, sampleRate: sampleRate)
            case 2:
                for (j, hz) in [180, 210, 250, 140].enumerated() {
                    addVoice(&x, s + j * 3000, e, hz: Float(hz), level: 0.05, sampleRate: sampleRate)
                }
            case 3:
                var p = s + 8000
                while p + 400 < e { for i in 0..<400 { x[p + i] += 0.3 * expf(-Float(i) / 60) * rnd() }; p += 27000 }
            default:
                for i in s..<e {
                    let t = Float(i) / Float(sampleRate)
                    x[i] += 0.05 * (sinf(2 * .pi * 261.6 * t) + sinf(2 * .pi * 329.6 * t) + sinf(2 * .pi * 392 * t))
                }
            }
            s = e
            k += 1
        }
        return x
    }

    /// Harmonic voice with gliding pitch, switched in syllables of 120-250 ms with short gaps.
    static func addVoice(_ x: inout [Float], _ start: Int, _ end: Int, hz: Float, level: Float, sampleRate: Int) {
        var phase: Float = 0
        var t = start
        var k = Int(hz)
        while t < end {
            let syl = sampleRate * (120 + (k * 37) % 130) / 1000
            let gap = sampleRate * (40 + (k * 53) % 90) / 1000
            for i in 0..<syl where t + i < end {
                let env = sinf(Float.pi * Float(i) / Float(syl))
                let f0 = hz * (1 + 0.08 * sinf(Float(t + i) / Float(sampleRate) * 2 * .pi * 1.3))
                phase += 2 * .pi * f0 / Float(sampleRate)
                var v: Float = 0
                for h in 1...10 { v += sinf(phase * Float(h)) / Float(h) }
                x[t + i] += level * env * v * 0.3
            }
            t += syl + gap
            k += 1
        }
    }
}

/// CPU seconds used by the calling thread (wall time misleads on a shared machine).
func voiceThreadCPUSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}
