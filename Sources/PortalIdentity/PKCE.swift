import Crypto
import Foundation

/// Proof Key for Code Exchange (RFC 7636) with the S256 method: the browser carries only the challenge, the
/// portal keeps the verifier, so an intercepted authorization code is useless to anyone else.
public enum PKCE {
    /// `BASE64URL(SHA256(ASCII(verifier)))`, RFC 7636 §4.2.
    public static func challenge(for verifier: String) -> String {
        Base64URL.encode(SHA256.hash(data: Data(verifier.utf8)))
    }

    /// 32 random bytes, base64url: 43 characters from the unreserved set, the RFC's recommended form (§4.1).
    public static func makeVerifier() -> String { randomToken() }
}

/// `bytes` bytes from the system's cryptographic generator, base64url. Used for state, nonce and the PKCE
/// verifier: each must be unguessable, not merely unique.
func randomToken(bytes: Int = 32) -> String {
    let key = SymmetricKey(size: SymmetricKeySize(bitCount: bytes * 8))
    return key.withUnsafeBytes { Base64URL.encode($0) }
}
