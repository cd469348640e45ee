/// A way to sign in other than a local password: the district identity provider (OpenID Connect or a
/// signed JWT, `IdentityProviderSignIn`). The portal hands it the token from the `/login/token` form or an
/// `Authorization: Bearer` header; a verified token's teacher-id claim is mapped to the account with that
/// teacher id (`CatalogStore.user(teacherID:)`), and only then is a session made.
public protocol SignInMethod: Sendable {
    /// A short name for the audit log, e.g. `jwt`.
    var name: String { get }
    /// The teacher id claim of `token` once its signature, issuer, audience and expiry are verified; nil
    /// (or a thrown error) refuses the token.
    func verifiedTeacherID(token: String) async throws -> String?
    /// A short reason for the audit log when `verifiedTeacherID` threw (never shown to the caller).
    func auditReason(_ error: any Error) -> String
}

extension SignInMethod {
    public func auditReason(_ error: any Error) -> String { String(describing: type(of: error)) }
}
