public import Foundation
public import PortalIdentity

/// Sign-in with the district identity provider (issue 11): `serve --identity-provider FILE` reads an
/// `IdentityProviderConfig` (issuer, audiences, key set, the teacher-id claim, optionally the `oidc`
/// client; docs/examples/identity-provider.json).
///
/// - A signed JWT in the `/login/token` form or an API call's `Authorization: Bearer` header is checked by
///   `PortalIdentity.TokenVerifier` (signature by the key its `kid` names and only with that key's
///   algorithm, issuer, audience, expiry with the configured skew, lifetime, a sane teacher id).
/// - With `oidc` configured, `/login/oidc` starts the OpenID Connect authorization-code flow (state, nonce,
///   PKCE S256) and the route of `oidc.redirectURI` finishes it: the code is exchanged at the token endpoint
///   and the id_token verified the same way, its nonce included. What the callback needs (state, nonce, PKCE
///   verifier) stays on the server (`PendingSignIns`); the browser holds only a random handle.
///
/// Either way the teacher id claim names the account (`users add --teacher-id`): a valid token of a teacher
/// without an account signs nobody in.
public struct IdentityProviderSignIn: SignInMethod {
    public let name = "jwt"
    let verifier: TokenVerifier
    let oidc: OIDCSignIn?
    let pending: PendingSignIns

    /// Reads and checks the config file and its key set once, at start-up; a bad file is a one-line
    /// `PortalError.badIdentityProvider` (exit 78). `exchanger` replaces the HTTP token-endpoint call (tests).
    public static func load(configFile path: String, exchanger: (any TokenExchanger)? = nil) async throws -> IdentityProviderSignIn {
        let config: IdentityProviderConfig
        do { config = try IdentityProviderConfig.load(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw PortalError.badIdentityProvider(path: path, reason: error.description)
        }
        return try await make(config, path: path, exchanger: exchanger)
    }

    /// Like `load(configFile:)`, from the config document itself (tests).
    public static func load(json: Data, exchanger: (any TokenExchanger)? = nil) async throws -> IdentityProviderSignIn {
        let config: IdentityProviderConfig
        do { config = try IdentityProviderConfig(json: json) } catch {
            throw PortalError.badIdentityProvider(path: "<json>", reason: error.description)
        }
        return try await make(config, path: "<json>", exchanger: exchanger)
    }

    static func make(_ config: IdentityProviderConfig, path: String, exchanger: (any TokenExchanger)?) async throws -> IdentityProviderSignIn {
        let verifier: TokenVerifier
        do { verifier = try await TokenVerifier(config: config) } catch {
            throw PortalError.badIdentityProvider(path: path, reason: error.description)
        }
        var oidc: OIDCSignIn?
        if config.oidc != nil {
            do { oidc = try OIDCSignIn(verifier: verifier, exchanger: exchanger ?? URLSessionTokenExchanger()) } catch {
                throw PortalError.badIdentityProvider(path: path, reason: error.description)
            }
        }
        return IdentityProviderSignIn(verifier: verifier, oidc: oidc,
                                      pending: PendingSignIns(lifetimeSeconds: Double(config.oidc?.maxSignInSeconds ?? 600)))
    }

    public func verifiedTeacherID(token: String) async throws -> String? {
        try verifier.verify(token, now: Date()).teacherID
    }

    /// The refusal's short stable code for the audit log (`TokenError`/`SignInError.auditCode`), or the error's type.
    public func auditReason(_ error: any Error) -> String {
        (error as? TokenError)?.auditCode ?? (error as? SignInError)?.auditCode ?? String(describing: type(of: error))
    }

    /// The path of `oidc.redirectURI`, where the portal answers the provider's callback; nil without `oidc`.
    var callbackPath: String? { oidc.map { $0.client.redirectURI.path.isEmpty ? "/" : $0.client.redirectURI.path } }

    /// Starts an authorization-code sign-in: the provider's URL to send the browser to and the handle of
    /// the pending sign-in (the browser's cookie).
    func startAuthorization(now: Date = Date()) async -> (url: String, handle: String)? {
        guard let oidc else { return nil }
        let redirect = oidc.start(now: now)
        let handle = await pending.put(redirect.pending, now: now)
        return (redirect.url.absoluteString, handle)
    }

    /// Finishes the sign-in the handle names (once: the handle is spent): the verified identity.
    func finishAuthorization(handle: String, query: [String: String], now: Date = Date()) async throws -> VerifiedIdentity {
        guard let oidc, let started = await pending.take(handle, now: now) else { throw SignInError.stateMismatch }
        return try await oidc.finish(callback: query, pending: started, now: now)
    }
}

/// Sign-ins started and not yet called back, by a random handle: at most `capacity` (the oldest make room),
/// each for `lifetimeSeconds`, each taken once. Bounded, so a flood of `/login/oidc` requests costs memory
/// in proportion to `capacity`, not to the flood.
actor PendingSignIns {
    let lifetimeSeconds: Double
    let capacity: Int
    private var items: [String: (pending: PendingSignIn, expires: Date)] = [:]
    private var order: [String] = []

    init(lifetimeSeconds: Double, capacity: Int = 10_000) {
        self.lifetimeSeconds = lifetimeSeconds
        self.capacity = capacity
    }

    func put(_ p: PendingSignIn, now: Date) -> String {
        if items.count >= capacity {
            items = items.filter { $0.value.expires > now }
            order.removeAll { items[$0] == nil }
            while items.count >= capacity, !order.isEmpty { items[order.removeFirst()] = nil }
        }
        // Taken handles leave `order` lazily; keep it within a few times the capacity.
        if order.count > 4 * capacity { order.removeAll { items[$0] == nil } }
        let handle = Tokens.random()
        items[handle] = (p, now.addingTimeInterval(lifetimeSeconds))
        order.append(handle)
        return handle
    }

    func take(_ handle: String, now: Date) -> PendingSignIn? {
        guard let item = items.removeValue(forKey: handle), item.expires > now else { return nil }
        return item.pending
    }

    var count: Int { items.count }
}
