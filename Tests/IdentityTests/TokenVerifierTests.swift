import Crypto
import CryptoExtras
import Foundation
import JWTKit
import PortalIdentity
import Testing

@Suite struct TokenVerifierTests {
    let issuer = LocalIssuer.shared
    let now = LocalIssuer.now

    func refusal(_ token: String, by verifier: TokenVerifier, at instant: Date = LocalIssuer.now) -> TokenError? {
        thrownError(TokenError.self) { () throws(TokenError) in _ = try verifier.verify(token, now: instant) }
    }

    @Test func rsaTokenIsAcceptedAndMappedToTheTeacherID() async throws {
        let verifier = try await issuer.verifier()
        let identity = try verifier.verify(issuer.sign(), now: now)
        #expect(identity == VerifiedIdentity(
            teacherID: "T-0042", name: "王老师", role: "teacher", school: "S-07",
            issuedAt: now.addingTimeInterval(-5), expiresAt: now.addingTimeInterval(600)))
    }

    @Test func ecdsaTokenIsAccepted() async throws {
        let verifier = try await issuer.verifier()
        #expect(try verifier.verify(issuer.sign(with: .ec), now: now).teacherID == "T-0042")
    }

    /// jwt-kit's own signer and the verifier agree (the other tests sign with swift-crypto directly).
    @Test func tokenSignedByJWTKitIsAccepted() async throws {
        struct Payload: JWTPayload {
            var iss: String, aud: [String], iat: Double, exp: Double, teacher_id: String
            func verify(using algorithm: some JWTAlgorithm) async throws {}
        }
        let keys = JWTKeyCollection()
        await keys.add(ecdsa: try ES256PrivateKey(backing: issuer.ec), kid: JWKIdentifier(string: LocalIssuer.ecKeyID))
        let t = now.timeIntervalSince1970
        let token = try await keys.sign(Payload(iss: LocalIssuer.issuer, aud: ["other", LocalIssuer.audience], iat: t, exp: t + 60, teacher_id: "T-7"), kid: JWKIdentifier(string: LocalIssuer.ecKeyID))
        let identity = try await issuer.verifier().verify(token, now: now)
        #expect(identity.teacherID == "T-7")
        #expect(identity.name == nil && identity.role == nil)
    }

    @Test func expiredTokenIsRefusedBeyondTheClockSkew() async throws {
        let verifier = try await issuer.verifier()
        let t = now.timeIntervalSince1970
        let expired = issuer.sign(LocalIssuer.claims(["iat": t - 900, "nbf": t - 900, "exp": t - 61]))
        #expect(refusal(expired, by: verifier) == .expired)
        let withinSkew = issuer.sign(LocalIssuer.claims(["iat": t - 900, "exp": t - 30]))
        #expect(refusal(withinSkew, by: verifier) == nil)
        // The same good token, presented 11 minutes later.
        #expect(refusal(issuer.sign(), by: verifier, at: now.addingTimeInterval(660)) == .expired)
    }

    @Test(arguments: ["nbf", "iat"])
    func tokenNotYetValidIsRefused(claim: String) async throws {
        let verifier = try await issuer.verifier()
        let t = now.timeIntervalSince1970
        #expect(refusal(issuer.sign(LocalIssuer.claims([claim: t + 120])), by: verifier) == .notYetValid)
        #expect(refusal(issuer.sign(LocalIssuer.claims([claim: t + 50])), by: verifier) == nil)  // within 60 s skew
    }

    @Test func wrongAudienceIsRefused() async throws {
        let verifier = try await issuer.verifier()
        #expect(refusal(issuer.sign(LocalIssuer.claims(["aud": "some-other-app"])), by: verifier) == .wrongAudience)
        #expect(refusal(issuer.sign(LocalIssuer.claims(["aud": ["a", "b"]])), by: verifier) == .wrongAudience)
        #expect(refusal(issuer.sign(LocalIssuer.claims(["aud": ["a", LocalIssuer.audience]])), by: verifier) == nil)
        // A token for us but handed out to another client (OIDC azp).
        let otherPresenter = issuer.sign(LocalIssuer.claims(["aud": ["a", LocalIssuer.audience], "azp": "a"]))
        #expect(refusal(otherPresenter, by: verifier) == .wrongAudience)
        #expect(refusal(issuer.sign(LocalIssuer.claims(["aud": NSNull()])), by: verifier) == .missingClaim("aud"))
    }

    @Test func wrongIssuerIsRefused() async throws {
        let verifier = try await issuer.verifier()
        let token = issuer.sign(LocalIssuer.claims(["iss": "https://evil.example/realms/teachers"]))
        #expect(refusal(token, by: verifier) == .wrongIssuer("https://evil.example/realms/teachers"))
        let trailingSlash = issuer.sign(LocalIssuer.claims(["iss": LocalIssuer.issuer + "/"]))
        #expect(refusal(trailingSlash, by: verifier) == .wrongIssuer(LocalIssuer.issuer + "/"))
        #expect(refusal(issuer.sign(LocalIssuer.claims(["iss": NSNull()])), by: verifier) == .missingClaim("iss"))
    }

    @Test func signatureOfAnotherKeyWithTheSameKidIsRefused() async throws {
        let verifier = try await issuer.verifier()
        #expect(refusal(issuer.sign(with: .impostor), by: verifier) == .badSignature)
    }

    @Test func tamperedPayloadIsRefused() async throws {
        let verifier = try await issuer.verifier()
        for signer in [LocalIssuer.Signer.rsa, .ec] {
            let parts = issuer.sign(with: signer).split(separator: ".")
            let forged = LocalIssuer.encode(LocalIssuer.claims(["teacher_id": "T-0001"]))
            #expect(refusal("\(parts[0]).\(forged).\(parts[2])", by: verifier) == .badSignature)
            #expect(refusal("\(parts[0]).\(parts[1]).", by: verifier) == .badSignature)
        }
    }

    @Test(arguments: ["none", "None", "NONE", "nOnE"])
    func unsignedTokenIsRefused(alg: String) async throws {
        let verifier = try await issuer.verifier()
        for kid: Any in [LocalIssuer.rsaKeyID, NSNull()] {
            var header: [String: Any] = ["alg": alg, "typ": "JWT"]
            header["kid"] = kid is NSNull ? nil : kid
            #expect(refusal(LocalIssuer.token(header: header), by: verifier) == .unsupportedAlgorithm(alg))
        }
    }

    /// The classic algorithm confusion: HS256 with the RSA public key (as PEM, as the attacker finds it)
    /// as the HMAC secret, under the RSA key's kid.
    @Test func hs256SignedWithThePublicKeyIsRefused() async throws {
        let pem = Data(issuer.rsa.publicKey.pemRepresentation.utf8)
        let der = issuer.rsa.publicKey.derRepresentation
        let header: [String: Any] = ["alg": "HS256", "kid": LocalIssuer.rsaKeyID]
        let withoutSharedSecret = try await issuer.verifier()
        let withSharedSecret = try await issuer.verifier(["hs256": ["kid": LocalIssuer.sharedSecretKeyID, "secret": LocalIssuer.sharedSecret]])
        for secret in [pem, der] {
            let token = issuer.sign(with: .hmac(secret), header: header)
            #expect(refusal(token, by: withoutSharedSecret) == .unsupportedAlgorithm("HS256"))
            #expect(refusal(token, by: withSharedSecret) == .algorithmNotAllowed(algorithm: "HS256", keyID: LocalIssuer.rsaKeyID))
        }
        // Nor may an RSA kid be used with ES256, or the EC kid with RS256.
        let crossed = issuer.sign(with: .ec, header: ["kid": LocalIssuer.rsaKeyID])
        #expect(refusal(crossed, by: withoutSharedSecret) == .algorithmNotAllowed(algorithm: "ES256", keyID: LocalIssuer.rsaKeyID))
        #expect(refusal(issuer.sign(with: .rsa, header: ["alg": "HS384"]), by: withSharedSecret) == .unsupportedAlgorithm("HS384"))
    }

    @Test func hs256WithTheConfiguredSharedSecretIsAccepted() async throws {
        let verifier = try await issuer.verifier(["hs256": ["kid": LocalIssuer.sharedSecretKeyID, "secret": LocalIssuer.sharedSecret]])
        let good = issuer.sign(with: .hmac(Data(LocalIssuer.sharedSecret.utf8)))
        #expect(try verifier.verify(good, now: now).teacherID == "T-0042")
        let wrongSecret = issuer.sign(with: .hmac(Data("another-secret-that-is-also-32-bytes-long".utf8)))
        #expect(refusal(wrongSecret, by: verifier) == .badSignature)
        // Off by default: the same good token against a verifier without the secret.
        #expect(refusal(good, by: try await issuer.verifier()) == .unsupportedAlgorithm("HS256"))
    }

    @Test func missingOrUnknownKidIsRefused() async throws {
        let verifier = try await issuer.verifier()
        #expect(refusal(issuer.sign(header: ["kid": NSNull()]), by: verifier) == .missingKeyID)
        #expect(refusal(issuer.sign(header: ["kid": "district-rsa-2019"]), by: verifier) == .unknownKeyID("district-rsa-2019"))
        #expect(refusal(issuer.sign(header: ["kid": 7]), by: verifier) == .malformed("header kid is a number"))
    }

    @Test func oversizedTokenIsRefusedBeforeDecoding() async throws {
        let verifier = try await issuer.verifier()
        let big = issuer.sign(LocalIssuer.claims(["padding": String(repeating: "x", count: 8 * 1024)]))
        #expect(refusal(big, by: verifier) == .tooLarge(bytes: big.utf8.count))
        #expect(refusal(String(repeating: "A", count: 100_000), by: verifier) == .tooLarge(bytes: 100_000))
    }

    static let garbage: [String] = [
        "", "not a token", "a.b", "a.b.c.d", "..", "...", "%%%.%%%.%%%", "e30.e30.e30",
        LocalIssuer.encode(["alg": 256]) + ".e30.sig",
        b64url(Data("[1,2]".utf8)) + ".e30.sig",
        b64url(Data("{\"alg\":".utf8)) + ".e30.sig",
        "eyJhbGciOiJSUzI1NiJ9=.e30.sig",  // padding is not base64url
        "eyJhbGciOiJSUzI1NiJ9 .e30.sig",
    ]

    @Test(arguments: garbage)
    func garbageIsMalformed(token: String) async throws {
        let verifier = try await issuer.verifier()
        let error = try #require(refusal(token, by: verifier))
        #expect(error.auditCode == "malformed", "\(error)")
    }

    @Test func payloadThatIsNotJSONIsMalformed() async throws {
        let verifier = try await issuer.verifier()
        // A correct signature over a payload that is not a JSON object.
        let input = LocalIssuer.encode(["alg": "ES256", "kid": LocalIssuer.ecKeyID]) + "." + b64url(Data("[\"x\"]".utf8))
        let token = input + "." + b64url(try issuer.ec.signature(for: Data(input.utf8)).rawRepresentation)
        #expect(refusal(token, by: verifier) == .malformed("payload is not base64url JSON"))
    }

    /// Nesting is bounded before decoding: an unauthenticated header of brackets, or a signed payload of
    /// nested objects, is malformed, never a deep recursion.
    @Test func deeplyNestedJSONIsMalformed() async throws {
        let verifier = try await issuer.verifier()
        let brackets = b64url(Data((String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)).utf8))
        #expect(refusal(brackets + ".e30.sig", by: verifier) == .tooLarge(bytes: brackets.utf8.count + 8))
        let header = b64url(Data((String(repeating: "{\"a\":", count: 1000) + "1" + String(repeating: "}", count: 1000)).utf8))
        #expect(refusal(header + ".e30.sig", by: verifier) == .malformed("header is not base64url JSON"))
        var nested: Any = "x"
        for _ in 0..<40 { nested = ["n": nested] }
        #expect(refusal(issuer.sign(LocalIssuer.claims(["deep": nested])), by: verifier) == .malformed("payload is not base64url JSON"))
        // Brackets inside strings are text, not nesting.
        let bracketsInText = issuer.sign(LocalIssuer.claims(["name": String(repeating: "[{", count: 100) + "\\\"" + "]"]))
        #expect(try verifier.verify(bracketsInText, now: now).name?.hasPrefix("[{[{") == true)
    }

    @Test func missingClaimsAreRefused() async throws {
        let verifier = try await issuer.verifier()
        for claim in ["teacher_id", "exp", "iat"] {
            #expect(refusal(issuer.sign(LocalIssuer.claims([claim: NSNull()])), by: verifier) == .missingClaim(claim))
        }
        // nbf, name, role and school are optional.
        let minimal = issuer.sign(LocalIssuer.claims(["nbf": NSNull(), "name": NSNull(), "role": NSNull(), "school": NSNull()]))
        #expect(try verifier.verify(minimal, now: now).name == nil)
    }

    static var badTeacherIDs: [Any] { [
        String(repeating: "9", count: 129), "", " T-0042", "T-0042\n", "T\u{0}42", "T\u{202E}24", "T\u{200B}42", 42, ["T-1"],
    ] }

    @Test(arguments: 0..<badTeacherIDs.count)
    func teacherIDMustBeASaneString(index: Int) async throws {
        let verifier = try await issuer.verifier()
        let error = try #require(refusal(issuer.sign(LocalIssuer.claims(["teacher_id": Self.badTeacherIDs[index]])), by: verifier))
        guard case .invalidClaim(let name, _) = error else {
            Issue.record("expected invalidClaim, got \(error)")
            return
        }
        #expect(name == "teacher_id")
        #expect(try verifier.verify(issuer.sign(LocalIssuer.claims(["teacher_id": String(repeating: "9", count: 128)])), now: now)
            .teacherID.count == 128)
    }

    @Test func teacherIDClaimDefaultsToSub() async throws {
        let verifier = try await issuer.verifier(["teacherIDClaim": NSNull()])
        #expect(try verifier.verify(issuer.sign(), now: now).teacherID == "f2c1a7e0-uuid")
    }

    @Test func lifetimeIsBounded() async throws {
        let verifier = try await issuer.verifier()
        let t = now.timeIntervalSince1970
        let weekLong = issuer.sign(LocalIssuer.claims(["iat": t - 10, "exp": t + 7 * 86_400]))
        #expect(refusal(weekLong, by: verifier) == .lifetimeTooLong(seconds: 7 * 86_400 + 10))
        #expect(refusal(issuer.sign(LocalIssuer.claims(["exp": "tomorrow"])), by: verifier)
            == .invalidClaim(name: "exp", reason: "is not a NumericDate"))
    }

    @Test func descriptionsAreOneLineAndClipHostileValues() async throws {
        let verifier = try await issuer.verifier()
        let hostileKid = "evil\nINFO sign-in ok teacher=T-1\u{1B}[2J" + String(repeating: "k", count: 500)
        let error = try #require(refusal(issuer.sign(header: ["kid": hostileKid]), by: verifier))
        #expect(error.auditCode == "unknown_kid")
        #expect(!error.description.contains("\n") && !error.description.contains("\u{1B}"))
        #expect(error.description.count < 120)
        let all: [TokenError] = [.malformed("x"), .tooLarge(bytes: 9000), .unsupportedAlgorithm("none"),
                                 .algorithmNotAllowed(algorithm: "HS256", keyID: "k"), .missingKeyID, .unknownKeyID("k"),
                                 .badSignature, .wrongIssuer("i"), .wrongAudience, .expired, .notYetValid,
                                 .lifetimeTooLong(seconds: 9), .missingClaim("c"), .invalidClaim(name: "c", reason: "r"), .nonceMismatch]
        #expect(Set(all.map(\.auditCode)).count == all.count)
        #expect(all.allSatisfy { !$0.description.isEmpty && !$0.description.contains("\n") })
    }
}
