import Foundation
import Testing
@testable import Catalog

@Suite struct SHA256Tests {
    // NIST FIPS 180-4 examples plus block-boundary lengths.
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
    ])
    func knownVectors(message: String, digest: String) {
        #expect(SHA256.hexDigest(of: Array(message.utf8)) == digest)
    }

    @Test func millionAs() {
        #expect(SHA256.hexDigest(of: [UInt8](repeating: 0x61, count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Feeding the same bytes in odd-sized pieces must give the same digest (partial-block paths).
    @Test func chunkingDoesNotMatter() {
        var rng = SplitMix(seed: 7)
        let bytes = (0..<10_000).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let whole = SHA256.hexDigest(of: bytes)
        for piece in [1, 3, 55, 56, 63, 64, 65, 127, 1000] {
            var h = SHA256()
            var i = 0
            while i < bytes.count { let j = min(i + piece, bytes.count); h.update(bytes[i..<j]); i = j }
            #expect(SHA256.hex(h.finalize()) == whole, "piece \(piece)")
        }
    }

    /// Files of boundary sizes hashed by our streaming reader agree with the system `sha256sum`.
    @Test func agreesWithSha256sum() throws {
        let tool = "/usr/bin/sha256sum"
        guard FileManager.default.isExecutableFile(atPath: tool) else { return }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sha-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var rng = SplitMix(seed: 42)
        for size in [0, 1, 55, 56, 64, (1 << 20) + 17] {
            let url = dir.appendingPathComponent("f \(size) 中文.bin")
            try Data((0..<size).map { _ in UInt8(truncatingIfNeeded: rng.next()) }).write(to: url)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: tool)
            p.arguments = [url.path]
            let pipe = Pipe()
            p.standardOutput = pipe
            try p.run()
            let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            let expected = String(out.prefix(64))
            #expect(try SHA256.hexDigest(ofFileAt: url.path) == expected, "size \(size)")
        }
    }

    @Test func missingFileIsNamed() {
        #expect(throws: CatalogError.self) { try SHA256.hexDigest(ofFileAt: "/nonexistent/x y.mp4") }
        do { _ = try SHA256.hexDigest(ofFileAt: "/nonexistent/x y.mp4") } catch {
            #expect("\(error)".contains("/nonexistent/x y.mp4"))
            #expect((error as? CatalogError)?.exitCode == .inputMissing)
        }
    }
}

/// Deterministic generator for test bytes.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
