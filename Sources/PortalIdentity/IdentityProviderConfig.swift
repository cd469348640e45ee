public import Foundation

/// The district identity provider as the portal trusts it: who issues tokens, for whom, with which
/// keys, and which claim names the teacher. Read from a small JSON file (docs/examples/identity-provider.json,
/// docs/ARCHITECTURE.md "Identity provider"); an unknown field is an error that lists the valid ones.
public struct IdentityProviderConfig: Sendable {
    /// `iss` must equal this exactly (no trailing-slash or case folding).
    public let issuer: String
    /// `aud` must contain at least one of these (the portal's client id or ids).
    public let audiences: [String]
    /// The verification keys by `kid`: the JWKS's RSA and EC P-256 keys, plus the HS256 shared secret
    /// when one is configured.
    public let keys: [IdentityKey]
    /// The claim holding the timetable's teacher id (`sub` unless the provider has a dedicated claim).
    public let teacherIDClaim: String
    public let nameClaim: String?
    public let roleClaim: String?
    public let schoolClaim: String?
    /// Tolerance for clocks that disagree, applied to `exp`, `nbf` and `iat`.
    public let clockSkewSeconds: Int
    /// `exp - iat` may not exceed this: a token valid for a week is a leaked long-lived credential.
    public let maxTokenLifetimeSeconds: Int
    /// The authorization-code flow's endpoints and client; nil when the provider only posts signed JWTs.
    public let oidc: OIDCClientConfig?

    /// Config and JWKS files above this size are refused before parsing.
    public static let maxFileBytes = 1 << 20
    /// More keys than this in one set is not a provider's rotation, it is a mistake.
    public static let maxKeys = 100

    static let topLevelFields = ["issuer", "audience", "jwks", "jwksFile", "hs256", "teacherIDClaim", "nameClaim",
                                 "roleClaim", "schoolClaim", "clockSkewSeconds", "maxTokenLifetimeSeconds", "oidc"]

    /// Reads the config file at `url`; a relative `jwksFile` or `oidc.clientSecretFile` is resolved
    /// against the config file's folder.
    public static func load(contentsOf url: URL) throws(IdentityConfigError) -> IdentityProviderConfig {
        let data = try readBounded(url)
        return try IdentityProviderConfig(json: data, path: url.path, relativeTo: url.deletingLastPathComponent())
    }

    /// Parses a config document. `path` only names it in errors; `relativeTo` resolves relative file paths
    /// (the current directory when nil).
    public init(json: Data, path: String = "<config>", relativeTo base: URL? = nil) throws(IdentityConfigError) {
        guard let root = JSONValue.object(from: json) else {
            throw .malformed(path: path, reason: "expected one JSON object")
        }
        let fields = ConfigFields(values: root, prefix: "", valid: Self.topLevelFields)
        try fields.rejectUnknown()

        issuer = try fields.requiredString("issuer")
        audiences = try fields.stringOrStrings("audience")

        var keys: [IdentityKey] = []
        switch (try fields.object("jwks"), try fields.string("jwksFile")) {
        case (.some, .some):
            throw .invalid(field: "jwks", reason: "and jwksFile are both set; give the key set one way")
        case (let inline?, nil):
            keys = try IdentityKey.parseSet(inline, path: "jwks")
        case (nil, let file?):
            let url = Self.resolve(file, relativeTo: base)
            let data = try Self.readBounded(url)
            guard let set = JSONValue.object(from: data) else {
                throw .malformed(path: url.path, reason: "expected a JWKS object {\"keys\": [...]}")
            }
            keys = try IdentityKey.parseSet(set, path: url.path)
        case (nil, nil):
            break
        }
        if let hs = try fields.object("hs256") {
            let secret = try IdentityKey.sharedSecret(ConfigFields(values: hs, prefix: "hs256.", valid: ["kid", "secret"]))
            guard !keys.contains(where: { $0.keyID == secret.keyID }) else {
                throw .badKey(keyID: secret.keyID, reason: "hs256.kid is also a kid of the key set; give the shared secret its own kid")
            }
            keys.append(secret)
        }
        guard !keys.isEmpty else { throw .missing(field: "jwks or jwksFile (the provider's public keys)") }
        self.keys = keys

        teacherIDClaim = try fields.claimName("teacherIDClaim") ?? "sub"
        nameClaim = try fields.claimName("nameClaim") ?? "name"
        roleClaim = try fields.claimName("roleClaim")
        schoolClaim = try fields.claimName("schoolClaim")
        clockSkewSeconds = try fields.int("clockSkewSeconds", in: 0...600) ?? 60
        maxTokenLifetimeSeconds = try fields.int("maxTokenLifetimeSeconds", in: 60...86_400) ?? 3600

        if let oidc = try fields.object("oidc") {
            let client = try OIDCClientConfig(ConfigFields(values: oidc, prefix: "oidc.", valid: OIDCClientConfig.fields), relativeTo: base)
            guard audiences.contains(client.clientID) else {
                throw .invalid(field: "oidc.clientID", reason: "must be one of audience: the provider puts the client id in the id_token's aud")
            }
            self.oidc = client
        } else {
            oidc = nil
        }
    }

    /// The key ids the verifier will accept, for start-up logs.
    public var keyIDs: [String] { keys.map(\.keyID) }

    static func resolve(_ path: String, relativeTo base: URL?) -> URL {
        if path.hasPrefix("/") { return URL(fileURLWithPath: path) }
        if let base { return base.appendingPathComponent(path) }
        return URL(fileURLWithPath: path)
    }

    /// Reads at most `maxFileBytes` (+1 to notice more), so `/dev/zero` or a runaway file costs 1 MiB, not
    /// the machine's memory.
    static func readBounded(_ url: URL, limit: Int = maxFileBytes) throws(IdentityConfigError) -> Data {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw .unreadable(path: url.path, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw .unreadable(path: url.path, reason: "is a directory") }
        guard FileManager.default.isReadableFile(atPath: url.path) else {
            throw .unreadable(path: url.path, reason: "permission denied")
        }
        let data: Data
        do {
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            data = try handle.read(upToCount: limit + 1) ?? Data()
        } catch {
            throw .unreadable(path: url.path, reason: "\(error)")
        }
        guard data.count <= limit else { throw .tooLarge(path: url.path, limitBytes: limit) }
        return data
    }
}

/// The authorization-code flow's settings (`oidc` in the config file).
public struct OIDCClientConfig: Sendable {
    public let authorizationEndpoint: URL
    public let tokenEndpoint: URL
    public let clientID: String
    /// Where the provider sends the browser back (the portal's callback route), registered with the provider.
    public let redirectURI: URL
    public let scopes: [String]
    /// The confidential client's secret, read from `clientSecretFile` (never inline in the config); nil for
    /// a public client, which PKCE alone protects.
    public let clientSecret: String?
    /// How long a started sign-in (state, nonce, PKCE verifier) may wait for its callback.
    public let maxSignInSeconds: Int

    static let fields = ["authorizationEndpoint", "tokenEndpoint", "clientID", "redirectURI", "scopes",
                         "clientSecretFile", "maxSignInSeconds"]

    init(_ fields: ConfigFields, relativeTo base: URL?) throws(IdentityConfigError) {
        try fields.rejectUnknown()
        authorizationEndpoint = try fields.endpoint("authorizationEndpoint")
        tokenEndpoint = try fields.endpoint("tokenEndpoint")
        clientID = try fields.requiredString("clientID")
        redirectURI = try fields.endpoint("redirectURI")
        scopes = try fields.values["scopes"] == nil ? ["openid", "profile"] : fields.stringOrStrings("scopes")
        guard scopes.contains("openid") else {
            throw .invalid(field: "oidc.scopes", reason: "must contain openid (no id_token otherwise)")
        }
        if let file = try fields.string("clientSecretFile") {
            let url = IdentityProviderConfig.resolve(file, relativeTo: base)
            let data = try IdentityProviderConfig.readBounded(url, limit: 4096)
            guard let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines),
                  !text.isEmpty else {
                throw .invalid(field: "oidc.clientSecretFile", reason: "'\(url.path)' holds no UTF-8 secret")
            }
            clientSecret = text
        } else {
            clientSecret = nil
        }
        maxSignInSeconds = try fields.int("maxSignInSeconds", in: 30...3600) ?? 600
    }
}

/// Typed access to one JSON object of the config, with the field path for errors (`oidc.tokenEndpoint`).
struct ConfigFields {
    let values: [String: JSONValue]
    let prefix: String
    let valid: [String]

    func rejectUnknown() throws(IdentityConfigError) {
        if let unknown = values.keys.sorted().first(where: { !valid.contains($0) }) {
            throw .unknownField(field: prefix + unknown, valid: valid.map { prefix + $0 })
        }
    }

    func string(_ key: String) throws(IdentityConfigError) -> String? {
        switch values[key] {
        case nil, .null?: return nil
        case .string(let text)?:
            guard !text.isEmpty else { throw .invalid(field: prefix + key, reason: "is empty") }
            guard text.count <= 2048, !text.unicodeScalars.contains(where: isControl) else {
                throw .invalid(field: prefix + key, reason: "must be at most 2048 characters without control characters")
            }
            return text
        case let other?: throw .invalid(field: prefix + key, reason: "must be a string, not \(other.typeName)")
        }
    }

    func requiredString(_ key: String) throws(IdentityConfigError) -> String {
        guard let text = try string(key) else { throw .missing(field: prefix + key) }
        return text
    }

    func stringOrStrings(_ key: String) throws(IdentityConfigError) -> [String] {
        switch values[key] {
        case nil, .null?: throw .missing(field: prefix + key)
        case .string?: return [try requiredString(key)]
        case .array(let items)?:
            var result: [String] = []
            for (index, item) in items.enumerated() {
                let field = "\(prefix)\(key)[\(index)]"
                guard let text = item.stringValue else { throw .invalid(field: field, reason: "must be a string, not \(item.typeName)") }
                guard !text.isEmpty, text.count <= 2048, !text.unicodeScalars.contains(where: isControl) else {
                    throw .invalid(field: field, reason: "must be a non-empty string of at most 2048 characters without control characters")
                }
                result.append(text)
            }
            guard !result.isEmpty else { throw .invalid(field: prefix + key, reason: "is an empty list") }
            return result
        case let other?: throw .invalid(field: prefix + key, reason: "must be a string or a list of strings, not \(other.typeName)")
        }
    }

    func object(_ key: String) throws(IdentityConfigError) -> [String: JSONValue]? {
        switch values[key] {
        case nil, .null?: return nil
        case .object(let fields)?: return fields
        case let other?: throw .invalid(field: prefix + key, reason: "must be an object, not \(other.typeName)")
        }
    }

    func int(_ key: String, in range: ClosedRange<Int>) throws(IdentityConfigError) -> Int? {
        switch values[key] {
        case nil, .null?: return nil
        case .number(let value)? where value.rounded() == value && Double(range.lowerBound) <= value && value <= Double(range.upperBound):
            return Int(value)
        default:
            throw .invalid(field: prefix + key, reason: "must be a whole number of seconds in \(range.lowerBound)...\(range.upperBound)")
        }
    }

    /// A claim name: short, printable, no spaces (it is looked up verbatim in the token's payload).
    func claimName(_ key: String) throws(IdentityConfigError) -> String? {
        guard let name = try string(key) else { return nil }
        guard name.count <= 64, !name.contains(where: \.isWhitespace) else {
            throw .invalid(field: prefix + key, reason: "must be a claim name of at most 64 characters without spaces")
        }
        return name
    }

    /// An absolute https URL; plain http only to the loopback host (a test provider on 127.0.0.1).
    func endpoint(_ key: String) throws(IdentityConfigError) -> URL {
        let text = try requiredString(key)
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty,
              url.fragment == nil else {
            throw .invalid(field: prefix + key, reason: "must be an absolute URL without a fragment")
        }
        let loopback = ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host.lowercased())
        guard scheme == "https" || scheme == "http" && loopback else {
            throw .invalid(field: prefix + key, reason: "must be https (http only for a loopback test provider)")
        }
        return url
    }
}

/// C0/C1 controls and invisible format characters (bidi overrides, zero-width joiners): never in an
/// identifier a person reads in an audit log.
func isControl(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.properties.generalCategory {
    case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .unassigned, .privateUse: true
    default: false
    }
}
