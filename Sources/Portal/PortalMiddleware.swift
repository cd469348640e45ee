import Foundation
internal import Catalog
internal import HTTPTypes
internal import Hummingbird
internal import Logging
internal import NIOCore
internal import MediaCore

/// Outermost: refuses oversized bodies, turns every error into a page (JSON under `/api/`) with no
/// internals in it, adds the security headers, writes the access log.
struct ErrorPageMiddleware: RouterMiddleware {
    typealias Context = PortalContext
    let state: PortalState

    func handle(_ request: Request, context: PortalContext, next: (Request, PortalContext) async throws -> Response) async throws -> Response {
        var response: Response
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > (request.uri.path == "/admin/timetable" ? PortalLimits.timetableBytes + 4096 : PortalLimits.requestBytes) {
            response = page(413, request, context)
        } else {
            do {
                response = try await next(request, context)
            } catch let r as Redirect {
                response = .redirect(r.location)
            } catch let e as PageError {
                response = page(Int(e.status.code), request, context)
                for f in e.headers { response.headers.append(f) }
            } catch let e as any HTTPResponseError {
                response = page(Int(e.status.code), request, context)
            } catch {
                context.logger.error("\(request.method) \(request.uri.path): \(error)")
                response = page(500, request, context)
            }
        }
        if response.headers[.contentSecurityPolicy] == nil {
            response.headers[.contentSecurityPolicy] = "default-src 'self'; img-src 'self' data:; media-src 'self'; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-src 'self'; frame-ancestors 'self'; form-action 'self'; base-uri 'none'"
        }
        response.headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        response.headers[HTTPField.Name("X-Frame-Options")!] = "SAMEORIGIN"
        response.headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        if let log = state.config.accessLog {
            log("\(context.remoteIP) \(request.method) \(request.uri.path) \(response.status.code) \(request.headers[.range] ?? "-")")
        }
        return response
    }

    func page(_ status: Int, _ request: Request, _ context: PortalContext) -> Response {
        let s = HTTPResponse.Status(code: status)
        if request.uri.path.hasPrefix("/api/") {
            let reason = [401: "unauthorized", 403: "forbidden", 404: "not found", 413: "content too large",
                          429: "too many requests"][status] ?? (status >= 500 ? "server error" : "bad request")
            let body = "{\"error\":{\"status\":\(status),\"reason\":\"\(reason)\"}}\n"
            return Response(status: s, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
                            body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        return .html(PortalPages.error(status: status, lang: context.language, session: context.session), status: s)
    }
}

/// Finds the session of the `ll_session` cookie (or, for the API, an identity-provider bearer token) and
/// the page language: `?lang=`, then the `ll_lang` cookie, then `Accept-Language`, then Chinese.
struct SessionMiddleware: RouterMiddleware {
    typealias Context = PortalContext
    let state: PortalState

    func handle(_ request: Request, context: PortalContext, next: (Request, PortalContext) async throws -> Response) async throws -> Response {
        var context = context
        let queryLang = request.uri.queryParameters.get("lang").flatMap(ReportLanguage.init(rawValue:))
        context.language = queryLang ?? request.cookies["ll_lang"].flatMap { ReportLanguage(rawValue: $0.value) }
            ?? Self.acceptLanguage(request.headers[.acceptLanguage]) ?? .zh
        if let token = request.cookies[PortalRoutes.sessionCookie]?.value, !token.isEmpty, token.count <= 200 {
            let hash = Tokens.sha256Hex(token)
            if let s = try await state.catalog.session(tokenHash: hash, now: Date()) {
                context.session = s
                context.sessionTokenHash = hash
            }
        } else if request.uri.path.hasPrefix("/api/"), let method = state.config.signIn,
                  let auth = request.headers[.authorization], auth.hasPrefix("Bearer ") {
            if case (let user?, _) = try await PortalRoutes.userForToken(state, String(auth.dropFirst(7)), method: method) {
                context.session = SessionRow(user: user, csrf: "", expiresAt: Date())
            }
        }
        var response = try await next(request, context)
        if let queryLang {
            response.headers.append(HTTPField(name: .setCookie, value: "ll_lang=\(queryLang.rawValue); Path=/; Max-Age=31536000; SameSite=Lax"))
        }
        return response
    }

    static func acceptLanguage(_ header: String?) -> ReportLanguage? {
        guard let first = header?.split(separator: ",").first?.trimmingCharacters(in: .whitespaces).lowercased() else { return nil }
        if first.hasPrefix("zh") { return .zh }
        if first.hasPrefix("en") { return .en }
        return nil
    }
}
