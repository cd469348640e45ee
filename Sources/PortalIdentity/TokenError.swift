/// Why a token was refused. The portal audits `description` (or `auditCode`) and answers every one of them
/// with the same 401 and a generic message: the caller learns nothing about which check failed.
///
/// Values copied from the token into a description are clipped and stripped of control characters
/// (`Clip.forLog`), so a hostile token cannot forge audit-log lines.
public enum TokenError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Not three base64url parts of JSON objects, or a header or claim of the wrong type.
    case malformed(String)
    /// Larger than `TokenVerifier.maxTokenBytes`, refused before decoding.
    case tooLarge(bytes: Int)
    /// `none`, an HS* algorithm with no shared secret configured, or anything other than RS256/ES256/HS256.
    case unsupportedAlgorithm(String)
    /// The header's `alg` is not the one algorithm the selected key allows (RS256 on an EC key, HS256 on an
    /// RSA key: the algorithm-confusion attack).
    case algorithmNotAllowed(algorithm: String, keyID: String)
    case missingKeyID
    case unknownKeyID(String)
    case badSignature
    case wrongIssuer(String)
    case wrongAudience
    case expired
    /// `nbf` or `iat` later than now plus the clock skew.
    case notYetValid
    /// `exp - iat` above the configured maximum.
    case lifetimeTooLong(seconds: Int)
    case missingClaim(String)
    /// A claim present but unusable: the teacher id too long or with control characters, `exp` not a number.
    case invalidClaim(name: String, reason: String)
    /// The id_token's `nonce` is not the one this sign-in sent (a replayed or injected token).
    case nonceMismatch

    /// A short stable code for the audit log and metrics.
    public var auditCode: String {
        switch self {
        case .malformed: "malformed"
        case .tooLarge: "too_large"
        case .unsupportedAlgorithm: "unsupported_alg"
        case .algorithmNotAllowed: "alg_not_allowed_for_key"
        case .missingKeyID: "missing_kid"
        case .unknownKeyID: "unknown_kid"
        case .badSignature: "bad_signature"
        case .wrongIssuer: "wrong_issuer"
        case .wrongAudience: "wrong_audience"
        case .expired: "expired"
        case .notYetValid: "not_yet_valid"
        case .lifetimeTooLong: "lifetime_too_long"
        case .missingClaim: "missing_claim"
        case .invalidClaim: "invalid_claim"
        case .nonceMismatch: "nonce_mismatch"
        }
    }

    public var description: String {
        switch self {
        case .malformed(let reason): "malformed token: \(reason)"
        case .tooLarge(let bytes): "token too large: \(bytes) bytes (limit \(TokenVerifier.maxTokenBytes))"
        case .unsupportedAlgorithm(let alg): "unsupported token algorithm '\(Clip.forLog(alg))'"
        case .algorithmNotAllowed(let alg, let kid):
            "token algorithm '\(Clip.forLog(alg))' is not the one key '\(Clip.forLog(kid))' allows"
        case .missingKeyID: "token header has no kid"
        case .unknownKeyID(let kid): "token signed with unknown key '\(Clip.forLog(kid))'"
        case .badSignature: "token signature does not verify"
        case .wrongIssuer(let issuer): "token issued by '\(Clip.forLog(issuer))', not the configured issuer"
        case .wrongAudience: "token audience does not include this portal"
        case .expired: "token expired"
        case .notYetValid: "token not yet valid (nbf or iat in the future)"
        case .lifetimeTooLong(let seconds): "token lifetime \(seconds) s exceeds the configured maximum"
        case .missingClaim(let name): "token lacks the '\(Clip.forLog(name))' claim"
        case .invalidClaim(let name, let reason): "token claim '\(Clip.forLog(name))' \(reason)"
        case .nonceMismatch: "id_token nonce does not match this sign-in"
        }
    }
}

enum Clip {
    /// At most 64 characters, control and format characters replaced by `?`.
    static func forLog(_ text: String) -> String {
        let cleaned = String(String.UnicodeScalarView(text.unicodeScalars.prefix(64).map { isControl($0) ? "?" : $0 }))
        return text.unicodeScalars.count > 64 ? cleaned + "…" : cleaned
    }
}
