import Foundation
internal import Catalog
internal import PortalIdentity

/// Session and CSRF tokens: 32 random bytes from the system's CSPRNG, base64url; stored as SHA-256.
enum Tokens {
    static func random() -> String {
        var g = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &g) }
        return Base64URL.encode(bytes)
    }

    static func sha256Hex(_ s: String) -> String {
        SHA256.hexDigest(of: Array(s.utf8))
    }

    /// Compares without an early exit, so the time taken does not tell how much of a token was right.
    static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count, !x.isEmpty else { return false }
        var diff: UInt8 = 0
        for i in 0..<x.count { diff |= x[i] ^ y[i] }
        return diff == 0
    }
}
