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
