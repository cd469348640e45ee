public import Foundation

/// A started authorization-code sign-in: what the portal keeps server-side (or in its encrypted pre-login
/// session) between the redirect to the provider and the callback. Never put `codeVerifier` in a URL.
public struct PendingSignIn: Sendable, Equatable, Codable {
    public let state: String
    public let nonce: String
    public let codeVerifier: String
    public let startedAt: Date

    public init(state: String, nonce: String, codeVerifier: String, startedAt: Date) {
        self.state = state
        self.nonce = nonce
        self.codeVerifier = codeVerifier
        self.startedAt = startedAt
    }
}

/// Where to send the browser, and what to remember for the callback.
public struct AuthorizationRedirect: Sendable {
    public let url: URL
    public let pending: PendingSignIn
}

/// Why an OIDC sign-in failed. As with `TokenError`, the portal audits `description` and shows a generic page.
public enum SignInError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The config has no `oidc` section.
    case notConfigured
    /// The callback's `state` is missing or not this browser's (CSRF: someone else's code injected).
    case stateMismatch
    /// The callback names another issuer (RFC 9207 `iss`: the mix-up attack).
    case issuerMismatch
    case missingCode
    /// The provider answered `?error=…` (the user cancelled, access denied).
    case providerError(String)
    /// The callback came later than `oidc.maxSignInSeconds` after the start.
    case signInExpired
    case exchangeFailed(String)
    case token(TokenError)

    public var auditCode: String {
        switch self {
        case .notConfigured: "oidc_not_configured"
        case .stateMismatch: "state_mismatch"
        case .issuerMismatch: "issuer_mismatch"
        case .missingCode: "missing_code"
        case .providerError: "provider_error"
        case .signInExpired: "sign_in_expired"
        case .exchangeFailed: "exchange_failed"
        case .token(let error): error.auditCode
        }
    }

    public var description: String {
        switch self {
        case .notConfigured: "OIDC sign-in is not configured (no oidc section in the identity provider config)"
        case .stateMismatch: "OIDC callback state does not match this sign-in"
        case .issuerMismatch: "OIDC callback names another issuer"
        case .missingCode: "OIDC callback has no authorization code"
        case .providerError(let code): "identity provider refused the sign-in: \(Clip.forLog(code))"
        case .signInExpired: "OIDC sign-in took too long; start again"
        case .exchangeFailed(let reason): "OIDC code exchange failed: \(Clip.forLog(reason))"
        case .token(let error): "OIDC id_token refused: \(error)"
        }
    }
}

/// The authorization-code flow with PKCE (S256), state and nonce, on top of `TokenVerifier`:
/// `start` makes the redirect, `finish` checks the callback, exchanges the code and verifies the id_token.
public struct OIDCSignIn: Sendable {
    public let verifier: TokenVerifier
    public let client: OIDCClientConfig
    let exchanger: any TokenExchanger

    public init(verifier: TokenVerifier, exchanger: any TokenExchanger) throws(SignInError) {
        guard let client = verifier.config.oidc else { throw .notConfigured }
        self.verifier = verifier
        self.client = client
        self.exchanger = exchanger
    }

    /// A fresh state, nonce and code verifier (32 random bytes each) and the provider URL that carries
    /// state, nonce and the verifier's S256 challenge.
    public func start(now: Date) -> AuthorizationRedirect {
        let pending = PendingSignIn(state: randomToken(), nonce: randomToken(), codeVerifier: PKCE.makeVerifier(), startedAt: now)
        return AuthorizationRedirect(url: authorizationURL(for: pending), pending: pending)
    }

    /// The authorization endpoint with the request's parameters appended to any query it already has.
    public func authorizationURL(for pending: PendingSignIn) -> URL {
        let query = FormEncoding.encode([
            ("response_type", "code"),
            ("client_id", client.clientID),
            ("redirect_uri", client.redirectURI.absoluteString),
            ("scope", client.scopes.joined(separator: " ")),
            ("state", pending.state),
            ("nonce", pending.nonce),
            ("code_challenge", PKCE.challenge(for: pending.codeVerifier)),
            ("code_challenge_method", "S256"),
        ])
        var components = URLComponents(url: client.authorizationEndpoint, resolvingAgainstBaseURL: false)!
        components.percentEncodedQuery = [components.percentEncodedQuery, query].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: "&")
        return components.url!
    }

    /// The authorization code of a callback that answers `pending` (the callback's decoded query parameters).
    public func authorizationCode(fromCallback query: [String: String], pending: PendingSignIn, now: Date) throws(SignInError) -> String {
        // State first: an error or code that is not an answer to this browser's request is not worth reading.
        guard let state = query["state"], constantTimeEqual(state, pending.state) else { throw .stateMismatch }
        if let issuer = query["iss"], issuer != verifier.config.issuer { throw .issuerMismatch }
        if let error = query["error"] { throw .providerError(error) }
        guard now.timeIntervalSince(pending.startedAt) <= Double(client.maxSignInSeconds) else { throw .signInExpired }
        guard let code = query["code"], !code.isEmpty, code.utf8.count <= 4096 else { throw .missingCode }
        return code
    }

    /// Checks the callback, exchanges the code (with the PKCE verifier) and verifies the returned id_token,
    /// whose `nonce` must be this sign-in's.
    public func finish(callback query: [String: String], pending: PendingSignIn, now: Date) async throws(SignInError) -> VerifiedIdentity {
        let code = try authorizationCode(fromCallback: query, pending: pending, now: now)
        let request = TokenRequest(tokenEndpoint: client.tokenEndpoint, code: code, codeVerifier: pending.codeVerifier,
                                   redirectURI: client.redirectURI, clientID: client.clientID, clientSecret: client.clientSecret)
        let response: TokenResponse
        do {
            response = try await exchanger.exchange(request)
        } catch {
            throw .exchangeFailed("\(error)")
        }
        return try verifyIDToken(response.idToken, pending: pending, now: now)
    }

    /// The id_token check on its own (for a provider that returns it some other way).
    public func verifyIDToken(_ idToken: String, pending: PendingSignIn, now: Date) throws(SignInError) -> VerifiedIdentity {
        do {
            return try verifier.verify(idToken, now: now, expectedNonce: pending.nonce)
        } catch {
            throw .token(error)
        }
    }
}
