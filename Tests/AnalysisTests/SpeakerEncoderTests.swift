import Foundation
import TestSupport
import Testing
@testable import Analysis
import Pipeline

/// Expected embeddings made once by scripts/resemblyzer_parity.py: a numpy float64 forward pass of
/// Resemblyzer's encoder written from its state_dict, NOT torch (torch and librosa were not installed;
/// the script says which librosa defaults it follows).
struct EncoderParityFixture: Decodable {
    struct Clip: Decodable { var file: String; var startFrames: [Int]; var embeddings: [[Float]] }
    var reference: String
    var clips: [Clip]

    static func load() throws -> EncoderParityFixture {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/resemblyzer-parity.json")
        return try JSONDecoder().decode(EncoderParityFixture.self, from: Data(contentsOf: url))
    }
}

/// The window of samples the partial starting at mel frame `start` reads (zeros outside the clip).
func encoderWindow(_ x: [Float], start: Int) -> [Float] {
    let s = start * SpeakerEncoder.hop - SpeakerEncoder.fftSize / 2
    return (0..<SpeakerEncoder.windowSamples).map { i in s + i >= 0 && s + i < x.count ? x[s + i] : 0 }
}

@Suite(.tags(.media)) struct SpeakerEncoderTests {
    /// Parity with the reference forward pass on real read speech, within 1e-3 per dimension, for the
    /// SIMD kernels and (one clip) the scalar reference kernels.
    @Test func matchesReferenceOnRealSpeech() throws {
        let fixture = try EncoderParityFixture.load()
        let weights = try Models.speakerEncoder()
        #expect(fixture.clips.count >= 3)
        let fast = SpeakerEncoder(weights: weights)
        for (n, clip) in fixture.clips.enumerated() {
            let x = try pcm16(clip.file)
            let windows = clip.startFrames.flatMap { encoderWindow(x, start: $0) }
            var runs = [fast.embed(windows: windows, count: clip.startFrames.count)]
            if n == 0 { runs.append(SpeakerEncoder(weights: weights, reference: true).embed(windows: windows, count: clip.startFrames.count)) }
            for got in runs {
                try #require(got.count == clip.embeddings.count)
                for (e, want) in zip(got, clip.embeddings) {
                    let worst = zip(e, want).map { abs($0 - $1) }.max() ?? 1
                    #expect(worst <= 1e-3, "\(clip.file): max difference \(worst)")
                }
            }
        }
    }

    /// One speaker's partials are closer to each other than to another speaker's (read speech:
    /// pocketsphinx `numbers` vs the LibriVox reader).
    @Test func sameSpeakerIsCloserThanAnother() throws {
        let fixture = try EncoderParityFixture.load()
        let numbers = try #require(fixture.clips.first { $0.file.hasSuffix("numbers.raw") })
        let libri = try #require(fixture.clips.first { $0.file.contains("librivox") })
        func cos(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
        let within = cos(numbers.embeddings[0], numbers.embeddings[2])
        let across = cos(numbers.embeddings[0], libri.embeddings[0])
        #expect(within > across, "within \(within), across \(across)")
    }
}

@Suite struct SpeakerVectorsTests {
    /// A turn's mean takes the partials mostly inside it, weighted by overlap, and is unit length;
    /// quantisation to 1/255 keeps cosines within 1e-3.
    @Test func meanTakesThePartialsInsideTheTurn() throws {
        let d = SpeakerEncoder.dimensions
        func unit(_ hot: Int) -> [Float] { (0..<d).map { $0 == hot ? 1 : 0 } }
        var v = SpeakerVectors()
        // Partials start at blocks 0, 8, 16, 24 and cover 16 blocks each.
        v.append(startBlock: 0, unit(0))
        v.append(startBlock: 8, unit(0))
        v.append(startBlock: 16, unit(1))
        v.append(startBlock: 24, unit(1))
        // Blocks [0, 24): partials 0 and 1 lie fully inside, partial 2 half: only voice 0.
        let a = try #require(v.mean(start: 0, end: 24))
        #expect(abs(a[0] - 1) < 1e-3 && a[1] == 0)
        // Blocks [16, 40): partials 2 and 3 inside (voice 1), partial 1 half inside.
        let b = try #require(v.mean(start: 16, end: 40))
        #expect(abs(b[1] - 1) < 1e-3 && b[0] == 0)
        // A turn shorter than a partial takes the partials that hold 75 % of it.
        let c = try #require(v.mean(start: 2, end: 10))
        #expect(abs(c[0] - 1) < 1e-3)
        // Nothing there.
        #expect(v.mean(start: 100, end: 140) == nil)
        // Quantisation.
        var q = SpeakerVectors()
        let x = (0..<d).map { Float(($0 * 37) % 101) }
        let norm = x.reduce(0) { $0 + $1 * $1 }.squareRoot()
        q.append(startBlock: 0, x.map { $0 / norm })
        let back = q.vector(0)
        let cos = zip(back, x).reduce(0) { $0 + $1.0 * $1.1 / norm } / back.reduce(0) { $0 + $1 * $1 }.squareRoot()
        #expect(cos > 0.999)
    }
}

@Suite struct SpeakerPartialPlanTests {
    /// Every turn that can hold a partial gets one before any gets a second; the longest first.
    @Test func waterFillingCoversTurnsBeforeDeepeningThem() {
        // Turns of 100, 40, 20, 13 and 8 blocks.
        let turns = [0..<100, 120..<160, 200..<220, 240..<253, 300..<308]
        let all = SpeakerVectors.plan(turns: turns, totalBlocks: 400, budget: 1000)
        // Capacities 1 + ⌊(L − 16) / 8⌋ (one for 12 ≤ L < 16, none below 12): 11 + 4 + 1 + 1 + 0.
        #expect(all.count == 17)
        let few = SpeakerVectors.plan(turns: turns, totalBlocks: 400, budget: 5)
        func inside(_ s: Int, _ t: Range<Int>) -> Bool { s >= t.lowerBound - 2 && s + 16 <= t.upperBound + 2 }
        // Round 1 gives the four eligible turns one each; the fifth goes to the longest.
        #expect(few.count == 5)
        #expect(few.filter { inside($0, turns[0]) }.count == 2)
        for t in turns[1...3] { #expect(few.filter { inside($0, t) }.count == 1, "\(t)") }
        #expect(!few.contains { inside($0, turns[4]) })
        let three = SpeakerVectors.plan(turns: turns, totalBlocks: 400, budget: 3)
        #expect(three.count == 3 && !three.contains { inside($0, turns[3]) }, "the shortest eligible turn waits")
    }

    /// A turn's partials are spread from its start to its end, 0.8 s apart or more, inside it (a short
    /// one centred on it), in order; with a short budget they are disjoint.
    @Test func partialsAreSpreadInsideTheirTurn() {
        let turns = [5..<70, 80..<93]
        let p = SpeakerVectors.plan(turns: turns, totalBlocks: 100, budget: 64)
        #expect(p == p.sorted())
        let long = p.filter { $0 < 75 }
        #expect(long == [5, 13, 21, 29, 37, 45, 54])
        let two = SpeakerVectors.plan(turns: [5..<70], totalBlocks: 100, budget: 3)
        #expect(two == [5, 29, 54])
        for (a, b) in zip(two, two.dropFirst()) { #expect(b >= a + 16) }
        // 13 blocks: the partial sticks out 1–2 blocks each side, and stays inside the recording.
        let short = p.filter { $0 >= 75 }
        #expect(short == [79])
        #expect(SpeakerVectors.plan(turns: [90..<102], totalBlocks: 102, budget: 4) == [86])
        #expect(SpeakerVectors.plan(turns: turns, totalBlocks: 100, budget: 0).isEmpty)
        #expect(SpeakerVectors.plan(turns: [0..<11], totalBlocks: 100, budget: 4).isEmpty)
    }

    /// The budget: one partial per `speakerEmbeddingSecondsPerPartial`, never fewer than the minimum.
    @Test func budgetFollowsTheLength() {
        let c = VoiceConfig()
        #expect(c.speakerEmbeddingBudget(blocks: 600) == 64)
        #expect(c.speakerEmbeddingBudget(blocks: 27_000) == 337)
        #expect(c.speakerEmbeddingBudget(blocks: 108_000) == 1350)
    }
}

@Suite struct SampleSpillTests {
    /// Samples come back as written (to 16-bit precision), zeros outside the recording, across the
    /// write buffer's edge.
    @Test func readsBackWhatWasWritten() {
        let spill = SampleSpill()
        #expect(!spill.failed)
        let n = SampleSpill.bufferSamples + 5000
        let x = (0..<n).map { Float(sin(Double($0) * 0.001)) * 0.9 }
        x.withUnsafeBufferPointer { b in
            spill.append(UnsafeBufferPointer(rebasing: b[0..<1000]))
            spill.append(UnsafeBufferPointer(rebasing: b[1000...]))
        }
        var out = [Float](repeating: 7, count: 3000)
        // Straddles the buffer's edge; the last 500 lie past the end.
        #expect(spill.read(start: n - 2500, count: 3000, into: &out, at: 0))
        for i in 0..<2500 { #expect(abs(out[i] - x[n - 2500 + i]) <= 1 / 32767, "sample \(i)") }
        #expect(out[2500...].allSatisfy { $0 == 0 })
        // Before the start: zeros, then the first samples.
        #expect(spill.read(start: -200, count: 400, into: &out, at: 100))
        #expect(out[100..<300].allSatisfy { $0 == 0 })
        #expect(abs(out[300] - x[0]) <= 1 / 32767 && abs(out[499] - x[199]) <= 1 / 32767)
        #expect(spill.count == n)
    }
}
