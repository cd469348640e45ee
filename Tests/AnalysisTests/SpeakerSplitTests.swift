import Foundation
import Testing
@testable import Analysis

/// The split test of the largest cluster (`voice.speakerEmbeddingSplit`): two voices alternating by
/// turn are split, one voice whose partials vary within each turn is not.
@Suite struct SpeakerSplitTests {
    /// SplitMix64: reproducible noise.
    struct Noise {
        var state: UInt64
        mutating func next() -> Float {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Float((z ^ (z >> 31)) >> 40) / Float(1 << 24)
        }
    }

    /// Ten turns of 48 blocks (4.8 s) with 8-block pauses; partial k covers blocks [8k, 8k + 16).
    /// `voiceOf(turn)` picks 0 or 1; each partial is its voice's direction plus uniform noise.
    func scene(_ voiceOf: (Int) -> Int, seed: UInt64) -> (turns: [SpeakerClustering.Turn], vectors: SpeakerVectors) {
        let d = SpeakerEncoder.dimensions
        // Two similar voices: 110 of their 140 active dimensions shared (cosine 0.79 before noise).
        let voices: [[Float]] = [(0..<d).map { $0 < 140 ? 1 : 0 }, (0..<d).map { $0 >= 30 && $0 < 170 ? 1 : 0 }]
        var noise = Noise(state: seed)
        var turns: [SpeakerClustering.Turn] = []
        for t in 0..<10 {
            var turn = SpeakerClustering.Turn(start: 56 * t, end: 56 * t + 48)
            turn.embedding = [Float](repeating: 0, count: SpeakerClustering.baseDims)
            turn.weight = 48
            turns.append(turn)
        }
        var vectors = SpeakerVectors()
        for k in 0..<70 {
            let centre = 8 * k + 8
            guard let t = turns.firstIndex(where: { centre >= $0.start && centre < $0.end }) else { continue }
            var v = voices[voiceOf(t)].map { $0 + 1.2 * noise.next() }
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            for i in v.indices { v[i] /= norm }
            vectors.append(startBlock: 8 * k, v)
        }
        for t in turns.indices { turns[t].voiceVector = vectors.mean(start: turns[t].start, end: turns[t].end) }
        return (turns, vectors)
    }

    @Test func twoVoicesAlternatingByTurnAreSplit() {
        var config = VoiceConfig()
        config.speakerEmbeddingSplit = true
        let clustering = SpeakerClustering(config: config)
        let s = scene({ $0 % 3 == 1 ? 1 : 0 }, seed: 7)
        var turns = s.turns
        #expect(clustering.splitLargest(&turns, s.vectors, clusters: 1))
        let student = turns[1].cluster
        for t in turns.indices { #expect((turns[t].cluster == student) == (t % 3 == 1), "turn \(t)") }
    }

    @Test func oneVoiceIsNotSplit() {
        var config = VoiceConfig()
        config.speakerEmbeddingSplit = true
        let clustering = SpeakerClustering(config: config)
        for seed in UInt64(1)...5 {
            let s = scene({ _ in 0 }, seed: seed)
            var turns = s.turns
            #expect(!clustering.splitLargest(&turns, s.vectors, clusters: 1), "seed \(seed)")
            #expect(turns.allSatisfy { $0.cluster == 0 })
        }
    }

    @Test func normalQuantile() {
        #expect(abs(SpeakerClustering.normalQuantile(0.99) - 2.326348) < 1e-5)
        #expect(abs(SpeakerClustering.normalQuantile(0.5)) < 1e-9)
        #expect(abs(SpeakerClustering.normalQuantile(0.001) + 3.090232) < 1e-5)
    }
}
