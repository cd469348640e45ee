internal import Crypto
#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// Streaming SHA-256 of recordings and model files, computed by swift-crypto (BoringSSL's assembly on
/// Linux, CryptoKit on Apple platforms). The hex digests are stored in catalogs as content hashes, so
/// they must never change: the tests pin NIST vectors, `sha256sum` and the hand-written implementation
/// this replaced (Tests/CatalogTests/LegacySHA256.swift).
///
/// Feed bytes with `update(_:)` in any chunking, then call `finalize()` once.
public struct SHA256: Sendable {
    private var hasher = Crypto.SHA256()
    private var finished = false

    public init() {}

    /// Adds bytes to the message.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        precondition(!finished, "SHA256.update after finalize")
        hasher.update(bufferPointer: bytes)
    }

    /// Adds bytes to the message.
    public mutating func update<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
        let array = Array(bytes)
        array.withUnsafeBytes { update($0) }
    }

    /// Pads, finishes and returns the 32-byte digest.
    public mutating func finalize() -> [UInt8] {
        precondition(!finished, "SHA256.finalize called twice")
        finished = true
        return Array(hasher.finalize())
    }

    /// Lowercase hex of a digest.
    public static func hex(_ digest: [UInt8]) -> String {
        let digits: [Character] = Array("0123456789abcdef")
        var s = ""
        s.reserveCapacity(digest.count * 2)
        for b in digest { s.append(digits[Int(b >> 4)]); s.append(digits[Int(b & 15)]) }
        return s
    }

    /// Hex digest of an in-memory message.
    public static func hexDigest<S: Sequence>(of bytes: S) -> String where S.Element == UInt8 {
        var h = SHA256()
        h.update(bytes)
        return hex(h.finalize())
    }

    /// Hex digest of a file, read in 1 MiB chunks with `read(2)` so memory stays flat for multi-GB recordings.
    /// Throws `CatalogError.io` naming the file when it cannot be opened or read.
    public static func hexDigest(ofFileAt path: String) throws -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw CatalogError.io(path: path, operation: "open", errno: errno) }
        defer { close(fd) }
        var h = SHA256()
        try h.update(readingAllOf: fd, path: path)
        return hex(h.finalize())
    }

    /// Hex digest of what is left to read from an open descriptor (the caller keeps and closes it);
    /// nil when a read fails.
    public static func hexDigest(readingAllOf fd: Int32) -> String? {
        var h = SHA256()
        guard (try? h.update(readingAllOf: fd, path: "")) != nil else { return nil }
        return hex(h.finalize())
    }

    /// Feeds everything left in `fd` (1 MiB reads: syscall overhead negligible, the buffer stays in cache).
    private mutating func update(readingAllOf fd: Int32, path: String) throws {
        let chunk = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = read(fd, buffer.baseAddress, chunk)
            if n < 0 {
                if errno == EINTR { continue }
                throw CatalogError.io(path: path, operation: "read", errno: errno)
            }
            if n == 0 { break }
            update(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
    }
}
