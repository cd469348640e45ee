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
        // Partial k covers blocks [8k, 8k + 16).
        v.append(partial: 0, unit(0))
        v.append(partial: 1, unit(0))
        v.append(partial: 2, unit(1))
        v.append(partial: 3, unit(1))
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
        q.append(partial: 0, x.map { $0 / norm })
        let back = q.vector(0)
        let cos = zip(back, x).reduce(0) { $0 + $1.0 * $1.1 / norm } / back.reduce(0) { $0 + $1 * $1 }.squareRoot()
        #expect(cos > 0.999)
    }
}
