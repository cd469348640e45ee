import Foundation
import TestSupport
import Testing
@testable import Catalog
import MediaCore

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
        #expect(LegacySHA256.hexDigest(of: Array(message.utf8)) == digest)
    }

    @Test func millionAs() {
        #expect(SHA256.hexDigest(of: [UInt8](repeating: 0x61, count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Feeding the same bytes in odd-sized pieces must give the same digest (partial-block paths).
    @Test func chunkingDoesNotMatter() {
        var rng = SeededRNG(seed: 7)
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
        let dir = try TempFolder("sha")
        defer { dir.remove() }
        var rng = SeededRNG(seed: 42)
        for size in [0, 1, 55, 56, 64, (1 << 20) + 17] {
            let path = dir.path("f \(size) 中文.bin")
            try Data(rng.bytes(size)).write(to: URL(fileURLWithPath: path))
            let out = try Tool.run(tool, [path]).stdout
            #expect(try SHA256.hexDigest(ofFileAt: path) == String(out.prefix(64)), "size \(size)")
        }
    }

    /// Catalogs hold content hashes written by the hand-written implementation this library call
    /// replaced: on files of every size around the 1 MiB read chunk and the 64-byte block, the two agree,
    /// and a pinned 3 MiB file (bytes of `SeededRNG(seed: 2026)`, digest from Python's hashlib) keeps its hash.
    @Test func libraryEqualsTheOldImplementation() throws {
        let dir = try TempFolder("sha-legacy")
        defer { dir.remove() }
        var rng = SeededRNG(seed: 2026)
        let pinned = dir.path("pinned.bin")
        try Data(rng.bytes((3 << 20) + 13)).write(to: URL(fileURLWithPath: pinned))
        #expect(try SHA256.hexDigest(ofFileAt: pinned) == "d43dabd67048581461bfef304e9d3085b3db6fcda88f26934d50f1f90d142575")
        #expect(try LegacySHA256.hexDigest(ofFileAt: pinned) == "d43dabd67048581461bfef304e9d3085b3db6fcda88f26934d50f1f90d142575")
        for size in [63, 64, 65, 119, 120, (1 << 20) - 1, 1 << 20, (1 << 20) + 1, (2 << 20) + 55] {
            let path = dir.path("f\(size).bin")
            try Data(rng.bytes(size)).write(to: URL(fileURLWithPath: path))
            #expect(try SHA256.hexDigest(ofFileAt: path) == LegacySHA256.hexDigest(ofFileAt: path), "size \(size)")
        }
        let sample = TestEnvironment.sample("lesson-audio.m4a")
        #expect(try SHA256.hexDigest(ofFileAt: sample) == LegacySHA256.hexDigest(ofFileAt: sample))
    }

    /// The streaming API (`update` in pieces, `finalize`) gives the old implementation's bytes.
    @Test func streamingEqualsTheOldImplementation() {
        var rng = SeededRNG(seed: 9)
        let bytes = rng.bytes(5000)
        var a = SHA256(), b = LegacySHA256()
        var i = 0
        for piece in [1, 63, 64, 65, 1000, 3807] {
            bytes[i..<(i + piece)].withUnsafeBytes { a.update($0); b.update($0) }
            i += piece
        }
        #expect(a.finalize() == b.finalize())
    }

    @Test func missingFileIsNamed() {
        #expect(throws: CatalogError.self) { try SHA256.hexDigest(ofFileAt: "/nonexistent/x y.mp4") }
        do { _ = try SHA256.hexDigest(ofFileAt: "/nonexistent/x y.mp4") } catch {
            #expect("\(error)".contains("/nonexistent/x y.mp4"))
            #expect((error as? CatalogError)?.exitCode == .inputMissing)
        }
    }
}
