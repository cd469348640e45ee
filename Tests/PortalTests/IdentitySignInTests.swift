import Catalog
import Crypto
import Foundation
import MediaCore
import Portal
import Testing

/// `serve --identity-provider`: the district provider's signed JWT signs a teacher in through the
/// `/login/token` form and authorises API calls as `Authorization: Bearer`. The provider is local: a P-256
/// key generated in the test signs the tokens, its public half is the config's key set. Every refused token
/// gets the same 401; the audit log says why.
@Suite struct IdentitySignInTests {
    static let issuer = "https://idp.district.test/realms/teachers"
    static let audience = "lessonlens-portal"
    static let keyID = "district-ec-test"
    let key = P256.Signing.PrivateKey()
    let otherKey = P256.Signing.PrivateKey()

    func configJSON() throws -> Data {
        let point = key.publicKey.x963Representation  // 0x04 || x || y
        let jwk: [String: Any] = ["kty": "EC", "kid": Self.keyID, "use": "sig", "alg": "ES256", "crv": "P-256",
                                  "x": b64url(point.dropFirst().prefix(32)), "y": b64url(point.suffix(32))]
        let config: [String: Any] = ["issuer": Self.issuer, "audience": [Self.audience], "jwks": ["keys": [jwk]],
                                     "teacherIDClaim": "teacher_id", "maxTokenLifetimeSeconds": 3600]
        return try JSONSerialization.data(withJSONObject: config)
    }

    /// A token for `teacher` valid now for 10 minutes; `change` edits the claims, `signer` the key.
    func token(teacher: String = "T1", header: [String: Any]? = nil, signer: P256.Signing.PrivateKey? = nil,
               _ change: (inout [String: Any]) -> Void = { _ in }) throws -> String {
        let now = Date().timeIntervalSince1970
        var claims: [String: Any] = ["iss": Self.issuer, "aud": Self.audience, "sub": "uuid-" + teacher, "teacher_id": teacher,
                                     "iat": now - 5, "exp": now + 600]
        change(&claims)
        let head = header ?? ["alg": "ES256", "kid": Self.keyID, "typ": "JWT"]
        let input = b64url(try JSONSerialization.data(withJSONObject: head)) + "." + b64url(try JSONSerialization.data(withJSONObject: claims))
        if head["alg"] as? String == "none" { return input + "." }
        let signature = try (signer ?? key).signature(for: Data(input.utf8)).rawRepresentation
        return input + "." + b64url(signature)
    }

    func start(_ f: PortalFixture) async throws -> RunningPortal {
        let signIn = try await IdentityProviderSignIn.load(json: try configJSON())
        return try await PortalServer.start(PortalConfiguration(catalogPath: f.catalogPath, outputFolder: f.out, host: "127.0.0.1", port: 0,
                                                                signIn: signIn))
    }

    func tokenSignIn(_ c: HTTPTestClient, _ token: String) async throws -> HTTPReply {
        _ = try await c.get("/login")
        return try await c.post("/login/token", form: ["csrf": c.cookies["ll_login"] ?? "", "token": token])
    }

    @Test func aValidTokenSignsTheTeacherInAndSheSeesOnlyHerLessons() async throws {
        let f = try PortalFixture("idp-ok")
        defer { f.remove() }
        let portal = try await start(f)
        defer { Task { await portal.stop() } }
        let c = HTTPTestClient(port: portal.port)
        let r = try await tokenSignIn(c, try token())
        #expect(r.status == 303 && r.header("Location") == "/lessons", "status \(r.status)")
        #expect(c.cookies["ll_session"] != nil)
        let page = try await c.get("/lessons").text
        let alice = try #require(f.ids["alice"]), bob = try #require(f.ids["bob"])
        #expect(page.contains("/lessons/\(alice)"))
        #expect(!page.contains("/lessons/\(bob)"))
        let signIns = try f.catalog.auditLog().filter { (e: AuditEntry) -> Bool in e.action == "sign-in" }
        #expect(signIns.map { "\($0.userName) \($0.detail)" } == ["alice jwt"])

        // The same token as a bearer on the API, with no session: alice's lessons only; bob's lesson is not found.
        let api = HTTPTestClient(port: portal.port)
        let bearer = ["Authorization": "Bearer " + (try token())]
        let list = try await api.get("/api/v1/lessons", headers: bearer)
        #expect(list.status == 200)
        #expect(list.text.contains("\"id\":\(alice),"))
        #expect(!list.text.contains("\"id\":\(bob),"))
        #expect(try await api.get("/api/v1/lessons/\(bob)", headers: bearer).status == 404)
    }

    @Test func refusedTokensGetTheSame401AndTheAuditSaysWhy() async throws {
        let f = try PortalFixture("idp-refused")
        defer { f.remove() }
        let portal = try await start(f)
        defer { Task { await portal.stop() } }
        let now = Date().timeIntervalSince1970
        let cases: [(String, String)] = [
            (try token { $0["exp"] = now - 3600; $0["iat"] = now - 4000 }, "jwt: expired"),
            (try token { $0["aud"] = "another-app" }, "jwt: wrong_audience"),
            (try token(signer: otherKey), "jwt: bad_signature"),
            (try token(header: ["alg": "none", "kid": Self.keyID]), "jwt: unsupported_alg"),
            (try token(teacher: "T-nobody"), "jwt: no account for the teacher id"),
            // The sign-in limiter (5 failures a minute per address and method) answers the next ones 429.
            (try token { $0["iss"] = "https://evil.example" }, "jwt: wrong_issuer"),
            ("garbage.token.here", "jwt: malformed"),
        ]
        for (n, (bad, reason)) in cases.enumerated() {
            let c = HTTPTestClient(port: portal.port)
            let r = try await tokenSignIn(c, bad)
            #expect(c.cookies["ll_session"] == nil, "\(reason)")
            if n < 5 {
                #expect(r.status == 401, "\(reason): status \(r.status)")
                let failed = try f.catalog.auditLog().filter { (e: AuditEntry) -> Bool in e.action == "sign-in-failed" }.map(\.detail)
                #expect(failed.contains(reason), "audit for \(reason): \(failed)")
            } else {
                #expect(r.status == 429, "\(reason) after 5 failures: status \(r.status)")
            }
            // As a bearer on the API: refused the same way, limiter or not.
            let api = HTTPTestClient(port: portal.port)
            #expect(try await api.get("/api/v1/lessons", headers: ["Authorization": "Bearer " + bad]).status == 401, "\(reason)")
        }
        // A good token is refused too while the limiter holds: the limit is on the address, not on the token.
        #expect(try await tokenSignIn(HTTPTestClient(port: portal.port), try token()).status == 429)
    }

    @Test func aBadConfigFileIsAOneLineErrorWithExit78() async throws {
        await #expect(throws: PortalError.self) { _ = try await IdentityProviderSignIn.load(json: Data("{\"issuer\": 1}".utf8)) }
        do {
            _ = try await IdentityProviderSignIn.load(configFile: "/nonexistent/idp.json")
            Issue.record("loaded a missing file")
        } catch let e as PortalError {
            #expect(e.exitCode.rawValue == 78 && e.message.hasPrefix("identity provider config '/nonexistent/idp.json': ") && !e.message.contains("\n"))
        }
    }
}

func b64url(_ bytes: some DataProtocol) -> String {
    Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        .replacingOccurrences(of: "=", with: "")
}
