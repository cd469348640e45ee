import Foundation
import TestSupport
import Testing
@testable import Analysis
import Pipeline

/// The weights file as `make deps` (scripts/fetch-models.sh) installs it, found by the library's own
/// search (`Pipeline.Models`: `LESSONLENS_MODELS`, /usr/local/share, ~/.local/share). A missing file fails
/// the test with the command that installs it: CI runs `make deps`, so it is never skipped.
func sileroWeightsURL() throws -> URL {
    URL(fileURLWithPath: try Models.path(of: SileroWeights.fileName))
}

/// The weights, SHA-256 checked and parsed by `Models.silero()` (once per process).
func sileroWeights() throws -> SileroWeights {
    try Models.silero()
}

/// Expected probabilities made once by scripts/silero_parity.py (onnxruntime on Silero's own graph).
struct ParityFixture: Decodable {
    struct Clip: Decodable { var file: String; var probabilities: [Float] }
    var reference: String
    var clips: [Clip]

    static func load() throws -> ParityFixture {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/silero-parity.json")
        return try JSONDecoder().decode(ParityFixture.self, from: Data(contentsOf: url))
    }
}

/// 16 kHz s16le samples of a WAV (data chunk) or headerless .raw file, as x / 32768.
func pcm16(_ path: String) throws -> [Float] {
    let d = try Data(contentsOf: URL(fileURLWithPath: path))
    var body = d
    if path.hasSuffix(".wav") {
        // Walk the RIFF chunks to "data".
        var i = 12
        while i + 8 <= d.count {
            let id = String(decoding: d[i..<i + 4], as: UTF8.self)
            let size = Int(d[i + 4]) | Int(d[i + 5]) << 8 | Int(d[i + 6]) << 16 | Int(d[i + 7]) << 24
            if id == "data" { body = d.subdata(in: i + 8 ..< min(d.count, i + 8 + size)); break }
            i += 8 + size + (size & 1)
        }
    }
    return stride(from: 0, to: body.count - 1, by: 2).map {
        Float(Int16(bitPattern: UInt16(body[body.startIndex + $0]) | UInt16(body[body.startIndex + $0 + 1]) << 8)) / 32768
    }
}

func run(_ vad: SileroVAD, _ x: [Float], chunk: Int = 4000) -> [Float] {
    var out: [Float] = []
    var i = 0
    while i < x.count {
        let e = min(x.count, i + chunk)
        x[i..<e].withUnsafeBufferPointer { vad.consume($0) }
        out += vad.takeProbabilities()
        i = e
    }
    vad.finish()
    return out + vad.takeProbabilities()
}

@Suite(.tags(.media)) struct SileroVADTests {
    @Test func weightsAreThePinnedOnesAndTheBasisIsAHannDFT() throws {
        let w = try sileroWeights()
        #expect(w.stftIsHannDFT)
    }

    /// Parity with the reference implementation on real read speech, within 1e-3 per window.
    @Test func matchesOnnxRuntimeOnRealSpeech() throws {
        let fixture = try ParityFixture.load()
        let w = try sileroWeights()
        #expect(fixture.clips.count >= 3)
        for clip in fixture.clips {
            let p = run(SileroVAD(weights: w), try pcm16(clip.file))
            try #require(p.count == clip.probabilities.count, "\(clip.file): \(p.count) windows")
            let worst = zip(p, clip.probabilities).map { abs($0 - $1) }.max() ?? 0
            #expect(worst <= 1e-3, "\(clip.file): max difference \(worst)")
            // The clips are speech: the reference says so for a good share of windows.
            #expect(clip.probabilities.filter { $0 > 0.5 }.count > clip.probabilities.count / 4)
        }
    }

    /// The SIMD kernels and the FFT front end against the scalar, matrix-STFT reference path.
    @Test func fastPathMatchesScalarReference() throws {
        let w = try sileroWeights()
        let x = try pcm16(ParityFixture.load().clips[0].file)
        let fast = run(SileroVAD(weights: w), x)
        let slow = run(SileroVAD(weights: w, reference: true), x)
        #expect(fast.count == slow.count)
        #expect((zip(fast, slow).map { abs($0 - $1) }.max() ?? 1) < 1e-4)
    }

    /// Output depends neither on how the samples are chunked nor on the batch size.
    @Test func streamingIsChunkAndBatchInvariant() throws {
        let w = try sileroWeights()
        let x = Array(try pcm16(ParityFixture.load().clips[1].file).prefix(20_000))
        let a = run(SileroVAD(weights: w), x, chunk: 1)
        let b = run(SileroVAD(weights: w, batchWindows: 1), x, chunk: 16000)
        let c = run(SileroVAD(weights: w, batchWindows: 7), x, chunk: 777)
        #expect(a.count == (x.count + 511) / 512)
        #expect(a == b || zip(a, b).allSatisfy { abs($0 - $1) < 1e-6 })
        #expect(zip(a, c).allSatisfy { abs($0 - $1) < 1e-6 })
    }

    @Test func silenceIsNotSpeech() throws {
        let p = run(SileroVAD(weights: try sileroWeights()), [Float](repeating: 0, count: 16000))
        #expect(p.count == 32)
        #expect(p.allSatisfy { $0 < 0.1 })
    }

    /// Damaged weight files are errors naming what is wrong, never traps.
    @Test func damagedWeightsAreErrors() throws {
        let good = try Data(contentsOf: sileroWeightsURL())
        #expect(throws: SafeTensors.Failure.self) { try SileroWeights(data: Data()) }
        #expect(throws: SafeTensors.Failure.self) { try SileroWeights(data: good.prefix(good.count / 2)) }
        var hugeHeader = good
        hugeHeader[hugeHeader.startIndex + 6] = 0xFF
        #expect(throws: SafeTensors.Failure.self) { try SileroWeights(data: hugeHeader) }
        var notJSON = good
        notJSON[notJSON.startIndex + 8] = 0x00
        #expect(throws: SafeTensors.Failure.self) { try SileroWeights(data: notJSON) }
        // A NaN in the last tensor's bytes.
        var nan = good
        let nanBits: [UInt8] = [0x00, 0x00, 0xC0, 0x7F]
        for k in 0..<4 { nan[nan.endIndex - 4 + k] = nanBits[k] }
        #expect(throws: SafeTensors.Failure.self) { try SileroWeights(data: nan) }
        // A tensor of the wrong shape.
        let header = #"{"stft_conv.weight":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}"#
        var file = Data()
        var n = UInt64(header.utf8.count)
        for _ in 0..<8 { file.append(UInt8(n & 0xFF)); n >>= 8 }
        file.append(contentsOf: header.utf8)
        file.append(contentsOf: [UInt8](repeating: 0, count: 16))
        #expect(throws: SafeTensors.Failure.wrongShape(name: "stft_conv.weight", expected: [258, 1, 256], found: [2, 2])) {
            try SileroWeights(data: file)
        }
    }
}
