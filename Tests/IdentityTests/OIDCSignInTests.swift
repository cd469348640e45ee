import Foundation
import PortalIdentity
import Testing

/// A token endpoint that needs no network: answers from a closure, which also sees the request.
struct FakeTokenEndpoint: TokenExchanger {
    let answer: @Sendable (TokenRequest) throws -> TokenResponse

    func exchange(_ request: TokenRequest) async throws -> TokenResponse {
        try answer(request)
    }
}

@Suite struct OIDCSignInTests {
    let issuer = LocalIssuer.shared
    let now = LocalIssuer.now

    func signIn(_ oidc: [String: Any] = IdentityProviderConfigTests.oidc(),
                answer: @escaping @Sendable (TokenRequest) throws -> TokenResponse = { _ in TokenResponse(idToken: "unused") }) async throws -> OIDCSignIn {
        let verifier = try await issuer.verifier(["oidc": oidc])
        return try OIDCSignIn(verifier: verifier, exchanger: FakeTokenEndpoint(answer: answer))
    }

    func query(of url: URL) -> [String: String] {
        let items = URLComponents(url: url, resolvingAgainstBaseURL: false)?.queryItems ?? []
        return Dictionary(items.map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { first, _ in first })
    }

    /// RFC 7636 appendix B.
    @Test func pkceChallengeMatchesTheRFCVector() {
        #expect(PKCE.challenge(for: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
    }

    @Test func authorizationURLCarriesFreshStateNonceAndChallenge() async throws {
        let flow = try await signIn(IdentityProviderConfigTests.oidc([
            "authorizationEndpoint": "https://idp.district.test/auth?tenant=east&kc_idp_hint=a%2Bb",
            "scopes": ["openid", "profile", "school"],
        ]))
        let first = flow.start(now: now)
        let second = flow.start(now: now)
        let parameters = query(of: first.url)
        #expect(first.url.absoluteString.hasPrefix("https://idp.district.test/auth?tenant=east&kc_idp_hint=a%2Bb&response_type=code&"))
        #expect(parameters["response_type"] == "code")
        #expect(parameters["client_id"] == LocalIssuer.audience)
        #expect(parameters["redirect_uri"] == "https://portal.school.test/auth/callback")
        #expect(parameters["scope"] == "openid profile school")
        #expect(parameters["state"] == first.pending.state)
        #expect(parameters["nonce"] == first.pending.nonce)
        #expect(parameters["code_challenge_method"] == "S256")
        #expect(parameters["code_challenge"] == PKCE.challenge(for: first.pending.codeVerifier))
        #expect(parameters["code_verifier"] == nil)
        #expect(!first.url.absoluteString.contains(first.pending.codeVerifier))
        // 32 random bytes each: 43 base64url characters, different every time and from each other.
        for value in [first.pending.state, first.pending.nonce, first.pending.codeVerifier] {
            #expect(value.count == 43)
            #expect(value.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        }
        #expect(Set([first.pending.state, first.pending.nonce, first.pending.codeVerifier,
                     second.pending.state, second.pending.nonce, second.pending.codeVerifier]).count == 6)
        #expect(first.pending.startedAt == now)
    }

    @Test func signInCompletesWithTheMatchingNonce() async throws {
        let started = try await signIn().start(now: now)
        let nonce = started.pending.nonce
        // The provider's side: the code exchanged with this sign-in's verifier, an id_token with its nonce.
        let flow = try await signIn { [issuer] request in
            #expect(request.code == "code-123")
            #expect(request.codeVerifier == started.pending.codeVerifier)
            #expect(request.tokenEndpoint.absoluteString == "https://idp.district.test/realms/teachers/protocol/openid-connect/token")
            #expect(request.formBody.contains("grant_type=authorization_code"))
            #expect(request.formBody.contains("code_verifier=\(request.codeVerifier)"))
            #expect(request.formBody.contains("redirect_uri=https%3A%2F%2Fportal.school.test%2Fauth%2Fcallback"))
            #expect(request.authorizationHeader == nil)
            return TokenResponse(idToken: issuer.sign(LocalIssuer.claims(["nonce": nonce])))
        }
        let identity = try await flow.finish(callback: ["state": started.pending.state, "code": "code-123", "iss": LocalIssuer.issuer],
                                             pending: started.pending, now: now.addingTimeInterval(20))
        #expect(identity.teacherID == "T-0042")
    }

    func failure(_ flow: OIDCSignIn, _ query: [String: String], _ pending: PendingSignIn, at instant: Date) async -> SignInError? {
        do {
            _ = try await flow.finish(callback: query, pending: pending, now: instant)
            return nil
        } catch {
            return error
        }
    }

    @Test func stateMismatchIsRefusedBeforeAnythingElse() async throws {
        let flow = try await signIn { _ in
            Issue.record("the code must not be exchanged")
            throw TokenExchangeError.http(status: 500, error: nil)
        }
        let pending = flow.start(now: now).pending
        let other = flow.start(now: now).pending
        #expect(await failure(flow, ["state": other.state, "code": "c"], pending, at: now) == .stateMismatch)
        #expect(await failure(flow, ["code": "c"], pending, at: now) == .stateMismatch)
        #expect(await failure(flow, ["state": String(pending.state.dropLast()), "code": "c"], pending, at: now) == .stateMismatch)
        #expect(await failure(flow, ["state": other.state, "error": "access_denied"], pending, at: now) == .stateMismatch)
        #expect(await failure(flow, ["state": pending.state, "error": "access_denied"], pending, at: now) == .providerError("access_denied"))
        #expect(await failure(flow, ["state": pending.state, "code": "c", "iss": "https://evil.example"], pending, at: now) == .issuerMismatch)
        #expect(await failure(flow, ["state": pending.state], pending, at: now) == .missingCode)
        #expect(await failure(flow, ["state": pending.state, "code": "c"], pending, at: now.addingTimeInterval(601)) == .signInExpired)
        #expect(SignInError.stateMismatch.auditCode == "state_mismatch")
    }

    @Test func nonceMismatchIsRefused() async throws {
        let flow = try await signIn { [issuer] _ in
            TokenResponse(idToken: issuer.sign(LocalIssuer.claims(["nonce": "the-nonce-of-another-sign-in"])))
        }
        let pending = flow.start(now: now).pending
        let error = await failure(flow, ["state": pending.state, "code": "c"], pending, at: now)
        #expect(error == .token(.nonceMismatch))
        #expect(error?.auditCode == "nonce_mismatch")
        #expect(throws: SignInError.token(.missingClaim("nonce"))) {
            try flow.verifyIDToken(issuer.sign(), pending: pending, now: now)
        }
        // The id_token's other checks still apply.
        #expect(throws: SignInError.token(.badSignature)) {
            try flow.verifyIDToken(issuer.sign(LocalIssuer.claims(["nonce": pending.nonce]), with: .impostor), pending: pending, now: now)
        }
    }

    @Test func exchangeFailureIsReported() async throws {
        let flow = try await signIn { _ in throw TokenExchangeError.http(status: 400, error: "invalid_grant") }
        let pending = flow.start(now: now).pending
        #expect(await failure(flow, ["state": pending.state, "code": "c"], pending, at: now)
            == .exchangeFailed("token endpoint answered HTTP 400 (invalid_grant)"))
    }

    @Test func tokenRequestEncodesEveryField() throws {
        let request = TokenRequest(tokenEndpoint: URL(string: "https://idp.test/token")!, code: "a+b&c=d",
                                   codeVerifier: "v", redirectURI: URL(string: "https://p.test/cb?x=1")!,
                                   clientID: "client id", clientSecret: "s:e/cret")
        #expect(request.formBody == "grant_type=authorization_code&code=a%2Bb%26c%3Dd&redirect_uri=https%3A%2F%2Fp.test%2Fcb%3Fx%3D1&code_verifier=v")
        #expect(request.authorizationHeader == "Basic " + Data("client%20id:s%3Ae%2Fcret".utf8).base64EncodedString())
        let publicClient = TokenRequest(tokenEndpoint: request.tokenEndpoint, code: "c", codeVerifier: "v",
                                        redirectURI: request.redirectURI, clientID: "portal", clientSecret: nil)
        #expect(publicClient.formBody.hasSuffix("&client_id=portal"))
    }

    @Test func signInNeedsAnOIDCSection() async throws {
        let verifier = try await issuer.verifier()
        #expect(throws: SignInError.notConfigured) {
            try OIDCSignIn(verifier: verifier, exchanger: FakeTokenEndpoint { _ in TokenResponse(idToken: "") })
        }
    }
}

/// The real exchanger against a server on loopback: the POST it sends and how it reads the answer.
@Suite struct URLSessionTokenExchangerTests {
    func request(port: UInt16, secret: String?) -> TokenRequest {
        TokenRequest(tokenEndpoint: URL(string: "http://127.0.0.1:\(port)/realms/t/token")!, code: "code-9",
                     codeVerifier: PKCE.makeVerifier(), redirectURI: URL(string: "https://portal.school.test/auth/callback")!,
                     clientID: "lessonlens-portal", clientSecret: secret)
    }

    @Test func postsTheCodeAndReadsTheIDToken() async throws {
        let server = try LoopbackHTTPServer(status: 200, body: #"{"access_token":"at","token_type":"Bearer","expires_in":300,"id_token":"h.p.s"}"#)
        let request = request(port: server.port, secret: "s3cret")
        let response = try await URLSessionTokenExchanger(timeoutSeconds: 20).exchange(request)
        #expect(response.idToken == "h.p.s")
        let seen = server.request
        #expect(seen.hasPrefix("POST /realms/t/token HTTP/1.1\r\n"))
        let head = seen.lowercased()
        #expect(head.contains("content-type: application/x-www-form-urlencoded"))
        #expect(head.contains("authorization: basic " + Data("lessonlens-portal:s3cret".utf8).base64EncodedString().lowercased()))
        #expect(seen.hasSuffix("\r\n\r\n" + request.formBody))
    }

    @Test func errorAnswerIsReportedWithTheProvidersCode() async throws {
        let server = try LoopbackHTTPServer(status: 400, body: #"{"error":"invalid_grant","error_description":"Code not valid"}"#)
        await #expect(throws: TokenExchangeError.http(status: 400, error: "invalid_grant")) {
            try await URLSessionTokenExchanger(timeoutSeconds: 20).exchange(request(port: server.port, secret: nil))
        }
        #expect(server.request.contains("client_id=lessonlens-portal"))
    }

    @Test func answerWithoutIDTokenIsRefused() async throws {
        let server = try LoopbackHTTPServer(status: 200, body: #"{"access_token":"at"}"#)
        await #expect(throws: TokenExchangeError.badResponse("no id_token in the JSON answer")) {
            try await URLSessionTokenExchanger(timeoutSeconds: 20).exchange(request(port: server.port, secret: nil))
        }
    }
}
