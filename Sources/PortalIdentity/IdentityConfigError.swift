/// Why an identity-provider config (or the key set it names) was refused. Each `description` is one line
/// naming the field or key and what to do; none contains a secret.
public enum IdentityConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The config or JWKS file cannot be read (missing, a directory, no permission).
    case unreadable(path: String, reason: String)
    /// The file is larger than the limit; config and key set are small documents, a huge one is a mistake
    /// or hostile.
    case tooLarge(path: String, limitBytes: Int)
    /// Not a JSON object (or the JWKS is not `{"keys": [...]}`).
    case malformed(path: String, reason: String)
    case missing(field: String)
    case invalid(field: String, reason: String)
    case unknownField(field: String, valid: [String])
    /// A key whose `alg` (or curve) the verifier does not accept: only RS256 and ES256 (P-256), and HS256
    /// for the configured shared secret.
    case unsupportedAlgorithm(keyID: String, algorithm: String)
    case unsupportedKeyType(keyID: String, keyType: String)
    /// Key material that does not make a usable public key (bad base64url, not on the curve, RSA under
    /// 2048 bits, private parts in a verifier's key set, a duplicate `kid`).
    case badKey(keyID: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            "identity provider config: cannot read '\(path)': \(reason)"
        case .tooLarge(let path, let limit):
            "identity provider config: '\(path)' is larger than \(limit) bytes; config and key set files are small"
        case .malformed(let path, let reason):
            "identity provider config: '\(path)' is not valid: \(reason)"
        case .missing(let field):
            "identity provider config: missing \(field)"
        case .invalid(let field, let reason):
            "identity provider config: \(field) \(reason)"
        case .unknownField(let field, let valid):
            "identity provider config: unknown field '\(field)' (valid: \(valid.joined(separator: ", ")))"
        case .unsupportedAlgorithm(let keyID, let algorithm):
            "identity provider config: key '\(keyID)' has unsupported alg '\(algorithm)' (supported: RS256, ES256; HS256 only as hs256.secret)"
        case .unsupportedKeyType(let keyID, let keyType):
            "identity provider config: key '\(keyID)' has unsupported kty '\(keyType)' (supported: RSA, EC)"
        case .badKey(let keyID, let reason):
            "identity provider config: key '\(keyID)': \(reason)"
        }
    }
}
