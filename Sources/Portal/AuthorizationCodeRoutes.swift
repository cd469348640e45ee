import Foundation
internal import Catalog
internal import HTTPTypes
internal import Hummingbird
internal import PortalIdentity

/// The OpenID Connect authorization-code routes, present when the identity provider config has `oidc`:
/// `GET /login/oidc` sends the browser to the provider; the provider sends it back to the path of
/// `oidc.redirectURI` with `code` and `state`. See `IdentityProviderSignIn`.
extension PortalRoutes {
    static let oidcCookie = "ll_oidc"

    static func addAuthorizationCodeRoutes(_ router: Router<PortalContext>, _ state: PortalState) {
        guard let idp = state.config.signIn as? IdentityProviderSignIn, let callback = idp.callbackPath else { return }
        router.get("/login/oidc") { request, _ -> Response in
            guard let (url, handle) = await idp.startAuthorization() else { throw PageError.notFound }
            var r = Response.redirect(url)
            // SameSite=Lax: the callback is a top-level GET from the provider's site, which Lax cookies reach.
            r.headers.append(HTTPField(name: .setCookie, value: cookie(oidcCookie, handle, maxAge: Int(idp.pending.lifetimeSeconds),
                                                                       path: callback, sameSite: "Lax", secure: secure(state, request))))
            return r
        }
        router.get(RouterPath(callback)) { request, context -> Response in
            let key = LoginLimiter.key(ip: context.remoteIP, user: "token:oidc")
            if await state.limiter.isBlocked(key) {
                return try loginPage(state, request, context, message: PortalStrings.t(.tooManyAttempts, context.language), status: .tooManyRequests)
            }
            var query: [String: String] = [:]
            for (name, value) in request.uri.queryParameters where query.count < 16 && value.count <= 4096 {
                query[String(name)] = String(value)
            }
            let handle = request.cookies[oidcCookie]?.value ?? ""
            let refuse = { (reason: String) async throws -> Response in
                try await failedSignIn(state, request, context, key: key, user: "-", detail: "oidc: \(reason)")
            }
            let identity: String
            do { identity = try await idp.finishAuthorization(handle: handle, query: query).teacherID } catch {
                return try await refuse(idp.auditReason(error))
            }
            guard let user = try await state.catalog.user(teacherID: identity) else { return try await refuse("no account for the teacher id") }
            var r = try await startSession(state, request, context, user, method: "oidc")
            r.headers.append(HTTPField(name: .setCookie, value: cookie(oidcCookie, "", maxAge: 0, path: callback, sameSite: "Lax",
                                                                       secure: secure(state, request))))
            return r
        }
    }
}
