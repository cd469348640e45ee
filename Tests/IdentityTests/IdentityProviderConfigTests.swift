import Foundation
import PortalIdentity
import Testing

@Suite struct IdentityProviderConfigTests {
    let issuer = LocalIssuer.shared

    func refusal(_ json: Data) -> IdentityConfigError? {
        thrownError(IdentityConfigError.self) { () throws(IdentityConfigError) in _ = try IdentityProviderConfig(json: json) }
    }

    func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("identity-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test func defaultsApply() throws {
        let config = try issuer.config(["teacherIDClaim": NSNull(), "maxTokenLifetimeSeconds": NSNull(), "roleClaim": NSNull()])
        #expect(config.issuer == LocalIssuer.issuer)
        #expect(config.audiences == [LocalIssuer.audience, "district-dashboard"])
        #expect(config.teacherIDClaim == "sub")
        #expect(config.nameClaim == "name")
        #expect(config.roleClaim == nil)
        #expect(config.clockSkewSeconds == 60)
        #expect(config.maxTokenLifetimeSeconds == 3600)
        #expect(config.keyIDs == [LocalIssuer.rsaKeyID, LocalIssuer.ecKeyID])
        #expect(config.keys.map(\.algorithm) == [.rs256, .es256])
        #expect(config.oidc == nil)
    }

    /// The example in docs/ loads, with its JWKS file found next to it.
    @Test func exampleConfigLoads() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let config = try IdentityProviderConfig.load(contentsOf: root.appendingPathComponent("docs/examples/identity-provider.json"))
        #expect(config.teacherIDClaim == "teacher_id")
        #expect(config.oidc?.clientID == "lessonlens-portal")
        #expect(!config.keys.isEmpty)
        _ = try await TokenVerifier(config: config)
    }

    @Test func missingIssuerIsRefused() {
        let error = refusal(issuer.configJSON(["issuer": NSNull()]))
        #expect(error == .missing(field: "issuer"))
        #expect(error?.description == "identity provider config: missing issuer")
        #expect(refusal(issuer.configJSON(["issuer": ""])) == .invalid(field: "issuer", reason: "is empty"))
        #expect(refusal(issuer.configJSON(["audience": NSNull()])) == .missing(field: "audience"))
        #expect(refusal(issuer.configJSON(["audience": []])) == .invalid(field: "audience", reason: "is an empty list"))
    }

    @Test func unknownFieldListsTheValidOnes() {
        let error = refusal(issuer.configJSON(["teacherIdClaim": "teacher_id"]))
        guard case .unknownField(let field, let valid)? = error else {
            Issue.record("expected unknownField, got \(String(describing: error))")
            return
        }
        #expect(field == "teacherIdClaim")
        #expect(valid.contains("teacherIDClaim"))
    }

    @Test(arguments: [("RS512", "RSA"), ("PS256", "RSA"), ("HS256", "RSA"), ("none", "RSA"), ("ES384", "EC")])
    func unknownKeyAlgorithmIsRefused(alg: String, kty: String) {
        var jwks = issuer.jwks
        var keys = jwks["keys"] as! [[String: Any]]
        let index = kty == "RSA" ? 0 : 1
        keys[index]["alg"] = alg
        jwks["keys"] = keys
        let kid = index == 0 ? LocalIssuer.rsaKeyID : LocalIssuer.ecKeyID
        #expect(refusal(issuer.configJSON(["jwks": jwks])) == .unsupportedAlgorithm(keyID: kid, algorithm: alg))
    }

    @Test func unusableKeysAreRefused() {
        func withFirstKey(_ change: (inout [String: Any]) -> Void) -> Data {
            var jwks = issuer.jwks
            var keys = jwks["keys"] as! [[String: Any]]
            change(&keys[0])
            jwks["keys"] = keys
            return issuer.configJSON(["jwks": jwks])
        }
        let kid = LocalIssuer.rsaKeyID
        #expect(refusal(withFirstKey { $0["d"] = "AQAB" }) == .badKey(keyID: kid, reason: "contains private key material; give the verifier the public key set only"))
        #expect(refusal(withFirstKey { $0["n"] = "AQAB" }) == .badKey(keyID: kid, reason: "RSA modulus is shorter than 2048 bits"))
        #expect(refusal(withFirstKey { $0["n"] = "not base64url!" }) == .badKey(keyID: kid, reason: "RSA key needs base64url n and e"))
        #expect(refusal(withFirstKey { $0["n"] = b64url(Data(repeating: 0xC5, count: 1025)) }) == .badKey(keyID: kid, reason: "RSA modulus is longer than 8192 bits"))
        #expect(refusal(withFirstKey { $0["kty"] = "oct" }) == .unsupportedKeyType(keyID: kid, keyType: "oct"))
        #expect(refusal(withFirstKey { $0["kid"] = LocalIssuer.ecKeyID }) == .badKey(keyID: LocalIssuer.ecKeyID, reason: "kid appears twice in the key set"))
        #expect(refusal(withFirstKey { $0["kid"] = nil })?.description.contains("missing or unusable kid") == true)
        // An encryption key is skipped, not an error.
        #expect(refusal(withFirstKey { $0["use"] = "enc"; $0["alg"] = "RSA-OAEP" }) == nil)

        var jwks = issuer.jwks
        var keys = jwks["keys"] as! [[String: Any]]
        keys[1]["y"] = keys[1]["x"]  // (x, x) is not a point on P-256
        jwks["keys"] = keys
        #expect(refusal(issuer.configJSON(["jwks": jwks]))?.description.contains("not a point on P-256") == true)
    }

    @Test func jwksFileIsReadRelativeToTheConfig() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try JSONSerialization.data(withJSONObject: issuer.jwks).write(to: folder.appendingPathComponent("jwks.json"))
        let configURL = folder.appendingPathComponent("idp.json")
        try issuer.configJSON(["jwks": NSNull(), "jwksFile": "jwks.json"]).write(to: configURL)
        #expect(try IdentityProviderConfig.load(contentsOf: configURL).keyIDs == [LocalIssuer.rsaKeyID, LocalIssuer.ecKeyID])

        try issuer.configJSON(["jwks": NSNull(), "jwksFile": "missing.json"]).write(to: configURL)
        let missing = thrownError(IdentityConfigError.self) { () throws(IdentityConfigError) in _ = try IdentityProviderConfig.load(contentsOf: configURL) }
        #expect(missing == .unreadable(path: folder.appendingPathComponent("missing.json").path, reason: "no such file"))

        try issuer.configJSON(["jwks": NSNull(), "jwksFile": "."]).write(to: configURL)
        let directory = thrownError(IdentityConfigError.self) { () throws(IdentityConfigError) in _ = try IdentityProviderConfig.load(contentsOf: configURL) }
        #expect(directory?.description.hasSuffix("is a directory") == true)

        #expect(refusal(issuer.configJSON(["jwksFile": "jwks.json"])) == .invalid(field: "jwks", reason: "and jwksFile are both set; give the key set one way"))
        #expect(refusal(issuer.configJSON(["jwks": NSNull()])) == .missing(field: "jwks or jwksFile (the provider's public keys)"))
    }

    @Test func hugeOrBrokenFilesAreRefused() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let huge = folder.appendingPathComponent("huge.json")
        try Data(repeating: UInt8(ascii: " "), count: IdentityProviderConfig.maxFileBytes + 1).write(to: huge)
        let error = thrownError(IdentityConfigError.self) { () throws(IdentityConfigError) in _ = try IdentityProviderConfig.load(contentsOf: huge) }
        #expect(error == .tooLarge(path: huge.path, limitBytes: 1 << 20))
        let zero = thrownError(IdentityConfigError.self) { () throws(IdentityConfigError) in
            _ = try IdentityProviderConfig.load(contentsOf: URL(fileURLWithPath: "/dev/zero"))
        }
        #expect(zero == .tooLarge(path: "/dev/zero", limitBytes: 1 << 20))
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(refusal(Data("{\"issuer\": \(deep)}".utf8)) == .malformed(path: "<config>", reason: "expected one JSON object"))
        #expect(refusal(Data("[1]".utf8)) == .malformed(path: "<config>", reason: "expected one JSON object"))
        #expect(refusal(Data("{\"issuer\": ".utf8)) == .malformed(path: "<config>", reason: "expected one JSON object"))
    }

    @Test func sharedSecretMustBeLongAndHaveItsOwnKid() {
        #expect(refusal(issuer.configJSON(["hs256": ["kid": "t", "secret": "short"]])) == .invalid(field: "hs256.secret", reason: "must be at least 32 bytes"))
        #expect(refusal(issuer.configJSON(["hs256": ["kid": LocalIssuer.rsaKeyID, "secret": LocalIssuer.sharedSecret]]))?.description
            .contains("give the shared secret its own kid") == true)
        #expect(refusal(issuer.configJSON(["hs256": ["secret": LocalIssuer.sharedSecret]])) == .missing(field: "hs256.kid"))
        // A shared secret alone is a test set-up's whole key set.
        #expect(refusal(issuer.configJSON(["jwks": NSNull(), "hs256": ["kid": "t", "secret": LocalIssuer.sharedSecret]])) == nil)
    }

    @Test func numbersAreRangeChecked() {
        #expect(refusal(issuer.configJSON(["clockSkewSeconds": -1]))?.description
            == "identity provider config: clockSkewSeconds must be a whole number of seconds in 0...600")
        #expect(refusal(issuer.configJSON(["maxTokenLifetimeSeconds": 1.5])) != nil)
        #expect(refusal(issuer.configJSON(["maxTokenLifetimeSeconds": "3600"])) != nil)
        #expect(refusal(issuer.configJSON(["teacherIDClaim": "teacher id"])) != nil)
    }

    static func oidc(_ overrides: [String: Any] = [:]) -> [String: Any] {
        var oidc: [String: Any] = [
            "authorizationEndpoint": "https://idp.district.test/realms/teachers/protocol/openid-connect/auth",
            "tokenEndpoint": "https://idp.district.test/realms/teachers/protocol/openid-connect/token",
            "clientID": LocalIssuer.audience,
            "redirectURI": "https://portal.school.test/auth/callback",
        ]
        for (key, value) in overrides {
            oidc[key] = value is NSNull ? nil : value
        }
        return oidc
    }

    @Test func oidcSectionIsChecked() throws {
        let config = try issuer.config(["oidc": Self.oidc()])
        #expect(config.oidc?.scopes == ["openid", "profile"])
        #expect(config.oidc?.maxSignInSeconds == 600)
        #expect(config.oidc?.clientSecret == nil)
        #expect(refusal(issuer.configJSON(["oidc": Self.oidc(["clientID": "someone-else"])]))
            == .invalid(field: "oidc.clientID", reason: "must be one of audience: the provider puts the client id in the id_token's aud"))
        #expect(refusal(issuer.configJSON(["oidc": Self.oidc(["tokenEndpoint": "http://idp.district.test/token"])]))
            == .invalid(field: "oidc.tokenEndpoint", reason: "must be https (http only for a loopback test provider)"))
        #expect(refusal(issuer.configJSON(["oidc": Self.oidc(["tokenEndpoint": "http://127.0.0.1:9000/token"])])) == nil)
        #expect(refusal(issuer.configJSON(["oidc": Self.oidc(["scopes": ["profile"]])])) != nil)
        #expect(refusal(issuer.configJSON(["oidc": Self.oidc(["clientSecret": "inline"])]))?.description.hasPrefix("identity provider config: unknown field 'oidc.clientSecret'") == true)
    }

    @Test func everyDescriptionIsOneLine() {
        let errors: [IdentityConfigError] = [
            .unreadable(path: "/p", reason: "r"), .tooLarge(path: "/p", limitBytes: 1), .malformed(path: "/p", reason: "r"),
            .missing(field: "f"), .invalid(field: "f", reason: "r"), .unknownField(field: "f", valid: ["a", "b"]),
            .unsupportedAlgorithm(keyID: "k", algorithm: "a"), .unsupportedKeyType(keyID: "k", keyType: "t"), .badKey(keyID: "k", reason: "r"),
        ]
        #expect(errors.allSatisfy { $0.description.hasPrefix("identity provider config: ") && !$0.description.contains("\n") })
    }
}
