import Crypto
import CryptoExtras
import Foundation
import PortalIdentity

/// A local identity provider for the tests: RSA and ECDSA keys generated in-process (swift-crypto), the JWKS
/// a district provider would publish for them, and tokens signed with swift-crypto directly, so the
/// verifier (jwt-kit) is checked against an independent signer. Hand-built tokens (`alg: none`, HS256 with
/// the public key as secret) come from `token(header:claims:signature:)`.
struct LocalIssuer: Sendable {
    static let issuer = "https://idp.district.test/realms/teachers"
    static let audience = "lessonlens-portal"
    static let rsaKeyID = "district-rsa-2026"
    static let ecKeyID = "district-ec-2026"
    static let sharedSecretKeyID = "local-test-hs"
    static let sharedSecret = "a-test-only-shared-secret-of-at-least-32-bytes"
    /// A fixed instant: 2026-09-21 (tokens carry times relative to it).
    static let now = Date(timeIntervalSince1970: 1_790_000_000)

    /// 2048-bit RSA generation costs noticeable time in a debug build: once per test process.
    static let shared = LocalIssuer()

    let rsa: _RSA.Signing.PrivateKey
    let ec: P256.Signing.PrivateKey
    /// Another key that claims the real RSA key's kid: its signatures must not verify.
    let impostorRSA: _RSA.Signing.PrivateKey

    init() {
        rsa = try! _RSA.Signing.PrivateKey(keySize: .bits2048)
        impostorRSA = try! _RSA.Signing.PrivateKey(keySize: .bits2048)
        ec = P256.Signing.PrivateKey()
    }

    /// The public JWKS, as the provider's `jwks_uri` would serve it.
    var jwks: [String: Any] {
        let primitives = try! rsa.publicKey.getKeyPrimitives()
        let point = ec.publicKey.x963Representation  // 0x04 || x || y
        return ["keys": [
            ["kty": "RSA", "kid": Self.rsaKeyID, "use": "sig", "alg": "RS256",
             "n": b64url(primitives.modulus), "e": b64url(primitives.publicExponent)],
            ["kty": "EC", "kid": Self.ecKeyID, "use": "sig", "alg": "ES256", "crv": "P-256",
             "x": b64url(point.dropFirst().prefix(32)), "y": b64url(point.suffix(32))],
        ]]
    }

    /// A config document with the inline JWKS; `overrides` replace or add top-level fields (NSNull removes).
    func configJSON(_ overrides: [String: Any] = [:]) -> Data {
        var config: [String: Any] = [
            "issuer": Self.issuer,
            "audience": [Self.audience, "district-dashboard"],
            "jwks": jwks,
            "teacherIDClaim": "teacher_id",
            "roleClaim": "role",
            "schoolClaim": "school",
            "maxTokenLifetimeSeconds": 3600,
        ]
        for (key, value) in overrides {
            config[key] = value is NSNull ? nil : value
        }
        return try! JSONSerialization.data(withJSONObject: config, options: [.sortedKeys])
    }

    func config(_ overrides: [String: Any] = [:]) throws -> IdentityProviderConfig {
        try IdentityProviderConfig(json: configJSON(overrides))
    }

    func verifier(_ overrides: [String: Any] = [:]) async throws -> TokenVerifier {
        try await TokenVerifier(config: config(overrides))
    }

    /// Claims of a good token at `now`, valid for 10 minutes; `overrides` replace or add (NSNull removes).
    static func claims(_ overrides: [String: Any] = [:]) -> [String: Any] {
        let now = Self.now.timeIntervalSince1970
        var claims: [String: Any] = [
            "iss": issuer, "aud": audience, "sub": "f2c1a7e0-uuid", "teacher_id": "T-0042",
            "name": "王老师", "role": "teacher", "school": "S-07",
            "iat": now - 5, "nbf": now - 5, "exp": now + 600,
        ]
        for (key, value) in overrides {
            claims[key] = value is NSNull ? nil : value
        }
        return claims
    }

    enum Signer { case rsa, ec, impostor, hmac(Data) }

    /// A token signed by `signer`; the header gets `alg` from the signer unless `header` says otherwise.
    func sign(_ claims: [String: Any] = LocalIssuer.claims(), with signer: Signer = .rsa, header: [String: Any]? = nil) -> String {
        var fields: [String: Any] = ["typ": "JWT"]
        switch signer {
        case .rsa, .impostor: fields["alg"] = "RS256"; fields["kid"] = Self.rsaKeyID
        case .ec: fields["alg"] = "ES256"; fields["kid"] = Self.ecKeyID
        case .hmac: fields["alg"] = "HS256"; fields["kid"] = Self.sharedSecretKeyID
        }
        for (key, value) in header ?? [:] {
            fields[key] = value is NSNull ? nil : value
        }
        let input = Self.encode(fields) + "." + Self.encode(claims)
        let data = Data(input.utf8)
        let signature: Data
        switch signer {
        case .rsa: signature = try! rsa.signature(for: SHA256.hash(data: data), padding: .insecurePKCS1v1_5).rawRepresentation
        case .impostor: signature = try! impostorRSA.signature(for: SHA256.hash(data: data), padding: .insecurePKCS1v1_5).rawRepresentation
        case .ec: signature = try! ec.signature(for: data).rawRepresentation
        case .hmac(let secret): signature = Data(HMAC<SHA256>.authenticationCode(for: data, using: SymmetricKey(data: secret)))
        }
        return input + "." + b64url(signature)
    }

    /// A hand-built token: no signing at all, whatever the header says.
    static func token(header: [String: Any], claims: [String: Any] = LocalIssuer.claims(), signature: String = "") -> String {
        encode(header) + "." + encode(claims) + "." + signature
    }

    static func encode(_ object: [String: Any]) -> String {
        b64url(try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
    }
}

func b64url(_ bytes: some DataProtocol) -> String {
    Data(bytes).base64EncodedString()
        .replacingOccurrences(of: "+", with: "-")
        .replacingOccurrences(of: "/", with: "_")
        .replacingOccurrences(of: "=", with: "")
}

/// The error a throwing call threw, or nil when it returned.
func thrownError<E: Error>(_ type: E.Type, _ body: () throws(E) -> Void) -> E? {
    do {
        try body()
        return nil
    } catch {
        return error
    }
}
