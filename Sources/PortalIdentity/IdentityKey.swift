import Foundation
import JWTKit

/// The signature algorithms a token may use. Each key allows exactly one: the verifier never lets a
/// token's header choose how a key is used (RS256 against an RSA key, never HS256 with the public key
/// as the HMAC secret).
public enum SigningAlgorithm: String, Sendable, CaseIterable {
    case rs256 = "RS256"
    case es256 = "ES256"
    /// Only for a configured shared secret (`hs256` in the config, test set-ups); off by default.
    case hs256 = "HS256"
}

/// One verification key: its `kid`, the one algorithm it allows, and the jwt-kit key material.
public struct IdentityKey: Sendable {
    public let keyID: String
    public let algorithm: SigningAlgorithm

    enum Material: Sendable {
        case rsa(JWTKit.Insecure.RSA.PublicKey)
        case ecdsa(ES256PublicKey)
        case hmac(HMACKey)
    }

    let material: Material

    /// The keys of a JWKS object (`{"keys": [...]}`). Encryption keys (`"use": "enc"`) are skipped; anything
    /// else the verifier cannot use is an error rather than a silently missing key.
    static func parseSet(_ set: [String: JSONValue], path: String) throws(IdentityConfigError) -> [IdentityKey] {
        guard case .array(let entries)? = set["keys"] else {
            throw .malformed(path: path, reason: "expected a JWKS object {\"keys\": [...]}")
        }
        guard entries.count <= IdentityProviderConfig.maxKeys else {
            throw .malformed(path: path, reason: "more than \(IdentityProviderConfig.maxKeys) keys")
        }
        var keys: [IdentityKey] = []
        for (index, entry) in entries.enumerated() {
            guard case .object(let jwk) = entry else {
                throw .malformed(path: path, reason: "keys[\(index)] is not an object")
            }
            guard let key = try IdentityKey(jwk: jwk, index: index) else { continue }
            guard !keys.contains(where: { $0.keyID == key.keyID }) else {
                throw .badKey(keyID: key.keyID, reason: "kid appears twice in the key set")
            }
            keys.append(key)
        }
        return keys
    }

    /// Nil for an encryption key, which a sign-in never uses.
    init?(jwk: [String: JSONValue], index: Int) throws(IdentityConfigError) {
        func text(_ name: String) -> String? { jwk[name]?.stringValue }
        guard let kid = text("kid"), !kid.isEmpty, kid.count <= 256, !kid.unicodeScalars.contains(where: isControl) else {
            throw .badKey(keyID: "keys[\(index)]", reason: "missing or unusable kid (tokens select their key by kid)")
        }
        if text("use") == "enc" { return nil }
        guard jwk["d"] == nil, jwk["p"] == nil, jwk["k"] == nil else {
            throw .badKey(keyID: kid, reason: "contains private key material; give the verifier the public key set only")
        }
        let kty = text("kty") ?? ""
        let alg = text("alg")
        switch kty {
        case "RSA":
            guard alg == nil || alg == "RS256" else { throw .unsupportedAlgorithm(keyID: kid, algorithm: alg ?? "") }
            guard let n = text("n"), let e = text("e"), let modulus = Base64URL.decode(n), Base64URL.decode(e) != nil else {
                throw .badKey(keyID: kid, reason: "RSA key needs base64url n and e")
            }
            // Leading zero bytes do not count towards the key size; above 8192 bits each check costs too much.
            let modulusBits = modulus.drop(while: { $0 == 0 }).count * 8
            guard modulusBits >= 2048 else { throw .badKey(keyID: kid, reason: "RSA modulus is shorter than 2048 bits") }
            guard modulusBits <= 8192 else { throw .badKey(keyID: kid, reason: "RSA modulus is longer than 8192 bits") }
            do {
                material = .rsa(try JWTKit.Insecure.RSA.PublicKey(modulus: n, exponent: e))
            } catch {
                throw .badKey(keyID: kid, reason: "not a usable RSA public key (\(error))")
            }
            algorithm = .rs256
        case "EC":
            let curve = text("crv") ?? ""
            guard curve == "P-256" else {
                throw .unsupportedAlgorithm(keyID: kid, algorithm: alg ?? "EC curve \(curve.isEmpty ? "(none)" : curve)")
            }
            guard alg == nil || alg == "ES256" else { throw .unsupportedAlgorithm(keyID: kid, algorithm: alg ?? "") }
            guard let x = text("x"), let y = text("y"), Base64URL.decode(x)?.count == 32, Base64URL.decode(y)?.count == 32 else {
                throw .badKey(keyID: kid, reason: "EC P-256 key needs base64url x and y of 32 bytes each")
            }
            do {
                material = .ecdsa(try ES256PublicKey(parameters: (x: x, y: y)))
            } catch {
                throw .badKey(keyID: kid, reason: "not a point on P-256 (\(error))")
            }
            algorithm = .es256
        default:
            throw .unsupportedKeyType(keyID: kid, keyType: kty.isEmpty ? "(none)" : kty)
        }
        keyID = kid
    }

    /// The `hs256` object: `{"kid": "...", "secret": "..."}`, at least 32 bytes of secret (RFC 7518 §3.2
    /// requires a key as long as the hash).
    static func sharedSecret(_ fields: ConfigFields) throws(IdentityConfigError) -> IdentityKey {
        try fields.rejectUnknown()
        let kid = try fields.requiredString("kid")
        let secret = try fields.requiredString("secret")
        guard secret.utf8.count >= 32 else {
            throw .invalid(field: "hs256.secret", reason: "must be at least 32 bytes")
        }
        return IdentityKey(keyID: kid, algorithm: .hs256, material: .hmac(HMACKey(from: Data(secret.utf8))))
    }

    init(keyID: String, algorithm: SigningAlgorithm, material: Material) {
        self.keyID = keyID
        self.algorithm = algorithm
        self.material = material
    }
}
