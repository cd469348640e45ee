public import Foundation
import JWTKit

/// Verifies the district identity provider's signed tokens (a posted JWT or an OIDC id_token).
///
/// Checks, in order (docs/ARCHITECTURE.md "Identity provider" says why each): size; three base64url parts;
/// `alg` is RS256 or ES256 (HS256 only with a configured shared secret; `none` never); a `kid` naming a
/// configured key whose one algorithm is the header's; the signature (jwt-kit); then, only on a signed
/// payload, `iss`, `aud` (and `azp`), `exp`, `nbf`, `iat`, the lifetime, the teacher-id claim, the nonce.
/// Header-embedded keys (`jwk`, `jku`, `x5u`, `x5c`) are ignored: keys come only from the config.
public struct TokenVerifier: Sendable {
    /// Tokens above this are refused before any decoding (a provider's id_token is 1-2 KiB).
    public static let maxTokenBytes = 8 * 1024
    /// The teacher id is a timetable key and an audit-log field: short and printable.
    public static let maxTeacherIDLength = 128
    static let maxTextClaimLength = 256

    public let config: IdentityProviderConfig
    private let keys: [String: VerificationKey]

    struct VerificationKey: Sendable {
        let algorithm: SigningAlgorithm
        let signer: any JWTAlgorithm
    }

    /// Builds jwt-kit's verifier for every configured key (async only because jwt-kit's key collection is an
    /// actor; `verify` itself is synchronous).
    public init(config: IdentityProviderConfig) async throws(IdentityConfigError) {
        let collection = JWTKeyCollection()
        var keys: [String: VerificationKey] = [:]
        for key in config.keys {
            let kid = JWKIdentifier(string: key.keyID)
            switch key.material {
            case .rsa(let publicKey): _ = await collection.add(rsa: publicKey, digestAlgorithm: .sha256, kid: kid)
            case .ecdsa(let publicKey): _ = await collection.add(ecdsa: publicKey, kid: kid)
            case .hmac(let secret): _ = await collection.add(hmac: secret, digestAlgorithm: .sha256, kid: kid)
            }
            let signer: any JWTAlgorithm
            do {
                signer = try await collection.getKey(for: kid)
            } catch {
                throw .badKey(keyID: key.keyID, reason: "jwt-kit refused the key (\(error))")
            }
            guard signer.name == key.algorithm.rawValue else {
                throw .badKey(keyID: key.keyID, reason: "jwt-kit made a \(signer.name) verifier, expected \(key.algorithm.rawValue)")
            }
            keys[key.keyID] = VerificationKey(algorithm: key.algorithm, signer: signer)
        }
        self.config = config
        self.keys = keys
    }

    /// The identity a valid token names, at the instant `now`.
    public func verify(_ token: String, now: Date) throws(TokenError) -> VerifiedIdentity {
        try verify(token, now: now, expectedNonce: nil)
    }

    /// As `verify(_:now:)`, and when `expectedNonce` is given the `nonce` claim must equal it (an OIDC
    /// id_token answering this sign-in).
    public func verify(_ token: String, now: Date, expectedNonce: String?) throws(TokenError) -> VerifiedIdentity {
        let size = token.utf8.count
        guard size <= Self.maxTokenBytes else { throw .tooLarge(bytes: size) }
        let parts = token.utf8.split(separator: UInt8(ascii: "."), maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw .malformed("expected header.payload.signature")
        }
        guard let headerData = Base64URL.decode(Substring(parts[0])), let header = JSONValue.object(from: headerData) else {
            throw .malformed("header is not base64url JSON")
        }
        let key = try selectKey(header)

        guard let signature = Base64URL.decode(Substring(parts[2])), !signature.isEmpty else {
            throw .badSignature
        }
        let signingInput = Array(token.utf8.prefix(parts[0].count + 1 + parts[1].count))
        let valid: Bool
        do {
            valid = try key.signer.verify(signature, signs: signingInput)
        } catch {
            throw .badSignature
        }
        guard valid else { throw .badSignature }

        guard let payloadData = Base64URL.decode(Substring(parts[1])), let claims = JSONValue.object(from: payloadData) else {
            throw .malformed("payload is not base64url JSON")
        }
        return try identity(from: claims, now: now, expectedNonce: expectedNonce)
    }

    /// The key the header names, if the header's algorithm is acceptable and is the key's own.
    private func selectKey(_ header: [String: JSONValue]) throws(TokenError) -> VerificationKey {
        guard let alg = header["alg"] else { throw .malformed("header has no alg") }
        guard let algName = alg.stringValue else { throw .malformed("header alg is \(alg.typeName)") }
        guard header["crit"] == nil else { throw .malformed("critical header extensions are not supported") }
        guard let algorithm = SigningAlgorithm(rawValue: algName),
              algorithm != .hs256 || keys.values.contains(where: { $0.algorithm == .hs256 }) else {
            throw .unsupportedAlgorithm(algName)
        }
        guard let kidValue = header["kid"] else { throw .missingKeyID }
        guard let kid = kidValue.stringValue else { throw .malformed("header kid is \(kidValue.typeName)") }
        guard let key = keys[kid] else { throw .unknownKeyID(kid) }
        guard key.algorithm == algorithm else { throw .algorithmNotAllowed(algorithm: algName, keyID: kid) }
        return key
    }

    private func identity(from claims: [String: JSONValue], now: Date, expectedNonce: String?) throws(TokenError) -> VerifiedIdentity {
        guard let iss = claims["iss"] else { throw .missingClaim("iss") }
        guard iss.stringValue == config.issuer else { throw .wrongIssuer(iss.stringValue ?? iss.typeName) }

        guard let aud = claims["aud"] else { throw .missingClaim("aud") }
        let audiences: [String]
        switch aud {
        case .string(let one): audiences = [one]
        case .array(let many): audiences = many.compactMap(\.stringValue)
        default: throw .invalidClaim(name: "aud", reason: "is \(aud.typeName), not a string or a list")
        }
        guard audiences.contains(where: { config.audiences.contains($0) }) else { throw .wrongAudience }
        // OIDC Core 3.1.3.7: an authorized party, when named, must be this client.
        if let azp = claims["azp"], !(azp.stringValue.map { config.audiences.contains($0) } ?? false) {
            throw .wrongAudience
        }

        let skew = Double(config.clockSkewSeconds)
        let instant = now.timeIntervalSince1970
        let exp = try numericDate(claims, "exp", required: true)!
        let iat = try numericDate(claims, "iat", required: true)!
        let nbf = try numericDate(claims, "nbf", required: false)
        guard instant < exp + skew else { throw .expired }
        guard iat <= instant + skew, (nbf ?? iat) <= instant + skew else { throw .notYetValid }
        let lifetime = exp - iat
        guard lifetime <= Double(config.maxTokenLifetimeSeconds) else {
            throw .lifetimeTooLong(seconds: Int(min(lifetime, 1e12)))
        }

        guard let teacherValue = claims[config.teacherIDClaim] else { throw .missingClaim(config.teacherIDClaim) }
        let teacherID = try text(teacherValue, claim: config.teacherIDClaim, maxLength: Self.maxTeacherIDLength)
        guard !teacherID.isEmpty, teacherID.trimmingCharacters(in: .whitespaces) == teacherID else {
            throw .invalidClaim(name: config.teacherIDClaim, reason: "is empty or has surrounding spaces")
        }

        if let expectedNonce {
            guard let nonce = claims["nonce"] else { throw .missingClaim("nonce") }
            guard let value = nonce.stringValue, constantTimeEqual(value, expectedNonce) else { throw .nonceMismatch }
        }

        return VerifiedIdentity(
            teacherID: teacherID,
            name: try optionalText(claims, config.nameClaim),
            role: try optionalText(claims, config.roleClaim),
            school: try optionalText(claims, config.schoolClaim),
            issuedAt: Date(timeIntervalSince1970: iat),
            expiresAt: Date(timeIntervalSince1970: exp)
        )
    }

    /// RFC 7519 NumericDate: seconds since the epoch, possibly fractional; a string or an absurd value is
    /// refused rather than read as "never expires".
    private func numericDate(_ claims: [String: JSONValue], _ name: String, required: Bool) throws(TokenError) -> Double? {
        guard let value = claims[name] else {
            if required { throw .missingClaim(name) }
            return nil
        }
        guard let seconds = value.numberValue, seconds.isFinite, seconds >= 0, seconds < 1e11 else {
            throw .invalidClaim(name: name, reason: "is not a NumericDate")
        }
        return seconds
    }

    private func text(_ value: JSONValue, claim: String, maxLength: Int) throws(TokenError) -> String {
        guard let text = value.stringValue else { throw .invalidClaim(name: claim, reason: "is \(value.typeName), not a string") }
        guard text.count <= maxLength else { throw .invalidClaim(name: claim, reason: "is longer than \(maxLength) characters") }
        guard !text.unicodeScalars.contains(where: isControl) else {
            throw .invalidClaim(name: claim, reason: "contains control or format characters")
        }
        return text
    }

    private func optionalText(_ claims: [String: JSONValue], _ name: String?) throws(TokenError) -> String? {
        guard let name, let value = claims[name], value != .null else { return nil }
        return try text(value, claim: name, maxLength: Self.maxTextClaimLength)
    }
}

/// Compares without an early exit, so the time taken does not tell an attacker how many leading characters
/// of a state or nonce were right.
func constantTimeEqual(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8), y = Array(b.utf8)
    var difference = UInt8(truncatingIfNeeded: x.count ^ y.count)
    for index in 0..<min(x.count, y.count) {
        difference |= x[index] ^ y[index]
    }
    return difference == 0 && x.count == y.count
}
