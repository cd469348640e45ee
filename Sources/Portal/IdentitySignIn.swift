public import Foundation
internal import PortalIdentity

/// Sign-in with the district identity provider's signed JWT (issue 11): `serve --identity-provider FILE`
/// reads an `IdentityProviderConfig` (issuer, audiences, key set, the teacher-id claim; see
/// docs/examples/identity-provider.json) and every token of the `/login/token` form or an API call's
/// `Authorization: Bearer` header is checked by `PortalIdentity.TokenVerifier` (signature by the key its
/// `kid` names and only with that key's algorithm, issuer, audience, expiry with the configured skew,
/// lifetime, a sane teacher id). The teacher id claim then names the account (`users add --teacher-id`):
/// a valid token of a teacher without an account signs nobody in.
public struct IdentityProviderSignIn: SignInMethod {
    public let name = "jwt"
    let verifier: TokenVerifier

    /// Reads and checks the config file and its key set once, at start-up; a bad file is a one-line
    /// `PortalError.badIdentityProvider` (exit 78).
    public static func load(configFile path: String) async throws -> IdentityProviderSignIn {
        do {
            let config = try IdentityProviderConfig.load(contentsOf: URL(fileURLWithPath: path))
            return IdentityProviderSignIn(verifier: try await TokenVerifier(config: config))
        } catch {
            throw PortalError.badIdentityProvider(path: path, reason: error.description)
        }
    }

    /// Like `load(configFile:)`, from the config document itself (tests).
    public static func load(json: Data) async throws -> IdentityProviderSignIn {
        do {
            return IdentityProviderSignIn(verifier: try await TokenVerifier(config: try IdentityProviderConfig(json: json)))
        } catch {
            throw PortalError.badIdentityProvider(path: "<json>", reason: error.description)
        }
    }

    public func verifiedTeacherID(token: String) async throws -> String? {
        try verifier.verify(token, now: Date()).teacherID
    }

    /// The refusal's short stable code for the audit log (`TokenError.auditCode`), or the error's type.
    public func auditReason(_ error: any Error) -> String {
        (error as? TokenError)?.auditCode ?? String(describing: type(of: error))
    }
}
