import Catalog
import Crypto
import Foundation
import Portal
import PortalIdentity
import Testing

/// `serve --identity-provider` with `oidc`: the OpenID Connect authorization-code flow end to end against
/// the portal, with the provider's token endpoint played by a fake exchanger that signs id_tokens with the
/// test's key (the browser's trips to the provider are the test's own requests).
@Suite struct AuthorizationCodeTests {
    let idp = IdentitySignInTests()
    static let callback = "/auth/callback"

    /// The token endpoint: answers each exchange with an id_token for `teacher` carrying `nonce`.
    final class FakeTokenEndpoint: TokenExchanger, @unchecked Sendable {
        private let lock = NSLock()
        private var _nonce = "", _teacher = "T1", _requests: [TokenRequest] = []
        let sign: @Sendable (String, String) throws -> String
        init(sign: @escaping @Sendable (String, String) throws -> String) { self.sign = sign }
        func answer(nonce: String, teacher: String = "T1") { lock.withLock { _nonce = nonce; _teacher = teacher } }
        var requests: [TokenRequest] { lock.withLock { _requests } }
        func exchange(_ request: TokenRequest) async throws -> TokenResponse {
            let (nonce, teacher) = lock.withLock { _requests.append(request); return (_nonce, _teacher) }
            return TokenResponse(idToken: try sign(nonce, teacher))
        }
    }

    func configJSON() throws -> Data {
        var config = try JSONSerialization.jsonObject(with: try idp.configJSON()) as! [String: Any]
        config["oidc"] = ["authorizationEndpoint": "https://idp.district.test/auth", "tokenEndpoint": "https://idp.district.test/token",
                          "clientID": IdentitySignInTests.audience, "redirectURI": "https://lessons.school.test" + Self.callback]
        return try JSONSerialization.data(withJSONObject: config)
    }

    func start(_ f: PortalFixture) async throws -> (RunningPortal, FakeTokenEndpoint) {
        let key = idp
        let endpoint = FakeTokenEndpoint { nonce, teacher in try key.token(teacher: teacher) { $0["nonce"] = nonce } }
        let signIn = try await IdentityProviderSignIn.load(json: try configJSON(), exchanger: endpoint)
        let portal = try await PortalServer.start(PortalConfiguration(catalogPath: f.catalogPath, outputFolder: f.out, host: "127.0.0.1",
                                                                      port: 0, signIn: signIn))
        return (portal, endpoint)
    }

    /// `/login/oidc`: the provider URL's query and the handle cookie.
    func begin(_ c: HTTPTestClient) async throws -> [String: String] {
        let r = try await c.get("/login/oidc")
        #expect(r.status == 303)
        let location = try #require(r.header("Location"))
        #expect(location.hasPrefix("https://idp.district.test/auth?"))
        #expect(r.headers("Set-Cookie").contains { $0.hasPrefix("ll_oidc=") && $0.contains("HttpOnly") && $0.contains("Path=\(Self.callback)") })
        let items = URLComponents(string: location)?.queryItems ?? []
        return Dictionary(items.map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { a, _ in a })
    }

    @Test func theCodeFlowSignsTheTeacherIn() async throws {
        let f = try PortalFixture("oidc-ok")
        defer { f.remove() }
        let (portal, endpoint) = try await start(f)
        defer { Task { await portal.stop() } }
        #expect(try await HTTPTestClient(port: portal.port).get("/login").text.contains("href=\"/login/oidc\""))
        let c = HTTPTestClient(port: portal.port)
        let q = try await begin(c)
        #expect(q["response_type"] == "code" && q["code_challenge_method"] == "S256" && q["client_id"] == IdentitySignInTests.audience)
        let state = try #require(q["state"]), nonce = try #require(q["nonce"])
        endpoint.answer(nonce: nonce)
        let r = try await c.get("\(Self.callback)?code=the-code&state=\(state)")
        #expect(r.status == 303 && r.header("Location") == "/lessons", "status \(r.status): \(r.text.prefix(200))")
        #expect(c.cookies["ll_session"] != nil)
        // The code went to the token endpoint with the verifier whose challenge the provider was sent.
        let sent = try #require(endpoint.requests.first)
        #expect(sent.code == "the-code" && PKCE.challenge(for: sent.codeVerifier) == q["code_challenge"])
        let alice = try #require(f.ids["alice"]), bob = try #require(f.ids["bob"])
        let page = try await c.get("/lessons").text
        #expect(page.contains("/lessons/\(alice)"))
        #expect(!page.contains("/lessons/\(bob)"))
        let signIns = try f.catalog.auditLog().filter { (e: AuditEntry) -> Bool in e.action == "sign-in" }.map { "\($0.userName) \($0.detail)" }
        #expect(signIns == ["alice oidc"])

        // The same callback again (a replay): the sign-in it names is spent.
        let replay = HTTPTestClient(port: portal.port)
        replay.setCookie("ll_oidc", c.cookies["ll_oidc"])
        #expect(try await replay.get("\(Self.callback)?code=the-code&state=\(state)").status == 401)
    }

    @Test func forgedCallbacksAreRefused() async throws {
        let f = try PortalFixture("oidc-refused")
        defer { f.remove() }
        let (portal, endpoint) = try await start(f)
        defer { Task { await portal.stop() } }
        var reasons: [String] = []
        // Another state than the one this browser's sign-in sent (login CSRF).
        var c = HTTPTestClient(port: portal.port)
        var q = try await begin(c)
        endpoint.answer(nonce: q["nonce"] ?? "")
        #expect(try await c.get("\(Self.callback)?code=x&state=someone-elses").status == 401)
        reasons.append("oidc: state_mismatch")
        // No sign-in started in this browser (no handle cookie).
        #expect(try await HTTPTestClient(port: portal.port).get("\(Self.callback)?code=x&state=\(q["state"] ?? "")").status == 401)
        // An id_token with another nonce (a token injected from another sign-in).
        c = HTTPTestClient(port: portal.port)
        q = try await begin(c)
        endpoint.answer(nonce: "not-this-sign-ins-nonce")
        #expect(try await c.get("\(Self.callback)?code=x&state=\(q["state"] ?? "")").status == 401)
        reasons.append("oidc: nonce_mismatch")
        // A valid sign-in of a teacher without an account.
        c = HTTPTestClient(port: portal.port)
        q = try await begin(c)
        endpoint.answer(nonce: q["nonce"] ?? "", teacher: "T-nobody")
        #expect(try await c.get("\(Self.callback)?code=x&state=\(q["state"] ?? "")").status == 401)
        reasons.append("oidc: no account for the teacher id")
        #expect(c.cookies["ll_session"] == nil)
        let failed = try f.catalog.auditLog().filter { (e: AuditEntry) -> Bool in e.action == "sign-in-failed" }.map(\.detail)
        for reason in reasons { #expect(failed.contains(reason), "\(reason) in \(failed)") }
        #expect(try f.catalog.auditLog().filter { (e: AuditEntry) -> Bool in e.action == "sign-in" }.isEmpty)
    }

    @Test func withoutOIDCThereAreNoCodeFlowRoutes() async throws {
        let f = try PortalFixture("oidc-none")
        defer { f.remove() }
        let signIn = try await IdentityProviderSignIn.load(json: try idp.configJSON())
        let portal = try await PortalServer.start(PortalConfiguration(catalogPath: f.catalogPath, outputFolder: f.out, host: "127.0.0.1",
                                                                      port: 0, signIn: signIn))
        defer { Task { await portal.stop() } }
        let c = HTTPTestClient(port: portal.port)
        #expect(try await c.get("/login/oidc").status == 404)
        #expect(try await c.get("/login").text.contains("/login/oidc") == false)
    }
}
