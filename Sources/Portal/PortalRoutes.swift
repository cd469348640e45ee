import Foundation
internal import Catalog
internal import HTTPTypes
internal import Hummingbird
internal import HummingbirdBcrypt
internal import Logging
internal import NIOCore
internal import MediaCore
internal import Reports

/// The routes of the portal. Pages answer HTML, `/api/v1/…` JSON; every lesson route resolves the job id
/// through `PortalState.lesson(_:for:)` (the access rule) before it reads anything.
enum PortalRoutes {
    static func router(_ state: PortalState) -> Router<PortalContext> {
        let router = Router(context: PortalContext.self, options: .autoGenerateHeadEndpoints)
        router.add(middleware: ErrorPageMiddleware(state: state))
        router.add(middleware: SessionMiddleware(state: state))

        router.get("/") { _, _ -> Response in Response.redirect("/lessons") }
        router.get("/static/portal.css") { _, _ -> Response in Response.text(PortalAssets.css, type: "text/css; charset=utf-8", cache: true) }
        router.get("/static/portal.js") { _, _ -> Response in Response.text(PortalAssets.js, type: "text/javascript; charset=utf-8", cache: true) }
        router.get("/healthz") { _, _ -> Response in Response.text("ok\n", type: "text/plain; charset=utf-8") }

        router.get("/login") { request, context -> Response in try loginPage(state, request, context, message: nil, status: .ok) }
        router.post("/login") { request, context -> Response in try await login(state, request, context) }
        router.post("/login/token") { request, context -> Response in try await tokenLogin(state, request, context) }
        addAuthorizationCodeRoutes(router, state)
        addAdminRoutes(router, state)
        router.post("/logout") { request, context -> Response in try await logout(state, request, context) }

        router.get("/lessons") { request, context -> Response in
            let s = try requireSession(request, context)
            let (state2, _) = try await listState(state, request, s.user, perPageParam: false)
            return .html(PortalPages.lessonList(state2, lang: context.language, session: s))
        }
        router.get("/lessons/{id}") { request, context -> Response in
            let s = try requireSession(request, context)
            let l = try await state.lesson(context.parameters.get("id", as: Int64.self), for: s.user)
            let folder = state.reportFolder(l)
            var digest: ReportDigest?
            if let folder, let path = ReportFiles.file(["report.json"], in: folder), let data = FileManager.default.contents(atPath: path) {
                digest = try? JSONDecoder().decode(ReportDigest.self, from: data)
            }
            let hasRecording = ReportFiles.size(l.path) != nil
            return .html(PortalPages.lesson(l, digest: digest, hasRecording: hasRecording, lang: context.language, session: s))
        }
        router.get("/lessons/{id}/files/**") { request, context -> Response in
            let s = try requireSession(request, context)
            let l = try await state.lesson(context.parameters.get("id", as: Int64.self), for: s.user)
            guard let parts = ReportFiles.urlComponents(request.uri.path, after: 3), let folder = state.reportFolder(l),
                  let path = ReportFiles.file(parts, in: folder) else { throw PageError.notFound }
            return try await fileResponse(state, path: path, request: request, context: context, reportFile: true)
        }
        router.get("/lessons/{id}/recording") { request, context -> Response in
            let s = try requireSession(request, context)
            let l = try await state.lesson(context.parameters.get("id", as: Int64.self), for: s.user)
            guard ReportFiles.size(l.path) != nil else { throw PageError.notFound }
            return try await fileResponse(state, path: l.path, request: request, context: context, reportFile: false)
        }
        router.get("/trends") { request, context -> Response in
            let s = try requireSession(request, context)
            let lessons = try await trendLessons(state, request, s.user)
            return .html(PortalPages.trends(lessons, lang: context.language, session: s))
        }
        router.get("/school") { request, context -> Response in
            let s = try requireSession(request, context)
            guard Access.isAdmin(s.user), let scope = Access.scope(s.user) else { throw PageError.notFound }
            var groups: [[LessonGroupStats]] = []
            for key in ["subject", "grade", "class", "teacher"] { groups.append(try await state.catalog.lessonGroups(scope, groupBy: key)) }
            return .html(PortalPages.school(groups[0], grades: groups[1], groups[2], groups[3], lang: context.language, session: s))
        }
        router.post("/school/export.csv") { request, context -> Response in
            let s = try requireSession(request, context)
            _ = try await checkedForm(request, s)
            guard Access.isAdmin(s.user), let scope = Access.scope(s.user) else { throw PageError.notFound }
            return try await exportCSV(state, scope, s.user, ip: context.remoteIP)
        }

        router.get("/api/v1/lessons") { request, context -> Response in
            let s = try requireSession(request, context)
            let (list, _) = try await listState(state, request, s.user, perPageParam: true)
            return try .json(PortalAPI.LessonPage(total: list.total, page: list.page, perPage: list.perPage,
                                                  items: list.rows.map(PortalAPI.Lesson.init)))
        }
        router.get("/api/v1/lessons/{id}") { request, context -> Response in
            let s = try requireSession(request, context)
            let l = try await state.lesson(context.parameters.get("id", as: Int64.self), for: s.user)
            return try .json(PortalAPI.Lesson(l))
        }
        router.get("/api/v1/trends") { request, context -> Response in
            let s = try requireSession(request, context)
            let lessons = try await trendLessons(state, request, s.user)
            return try .json(PortalAPI.Trends(lessons))
        }
        return router
    }

    // MARK: sessions

    static func requireSession(_ request: Request, _ context: PortalContext) throws -> SessionRow {
        guard let s = context.session else {
            if request.uri.path.hasPrefix("/api/") { throw PageError(status: .unauthorized) }
            throw Redirect(location: "/login")
        }
        return s
    }

    static let loginCookie = "ll_login"
    static let sessionCookie = "ll_session"

    static func secure(_ state: PortalState, _ request: Request) -> Bool {
        state.config.secureCookies || request.headers[HTTPField.Name("X-Forwarded-Proto")!]?.lowercased() == "https"
    }

    static func cookie(_ name: String, _ value: String, maxAge: Int, path: String, sameSite: String, secure: Bool) -> String {
        "\(name)=\(value); Path=\(path); Max-Age=\(maxAge); HttpOnly; SameSite=\(sameSite)" + (secure ? "; Secure" : "")
    }

    /// The sign-in form. Its CSRF token is a double-submit cookie (there is no session yet).
    static func loginPage(_ state: PortalState, _ request: Request, _ context: PortalContext, message: String?,
                          status: HTTPResponse.Status) throws -> Response {
        let token = request.cookies[loginCookie]?.value ?? Tokens.random()
        var r = Response.html(PortalPages.login(lang: context.language, csrf: token, message: message, tokenSignIn: state.config.signIn != nil,
                                                    providerSignIn: (state.config.signIn as? IdentityProviderSignIn)?.callbackPath != nil),
                              status: status)
        r.headers.append(HTTPField(name: .setCookie, value: cookie(loginCookie, token, maxAge: 3600, path: "/login", sameSite: "Strict",
                                                                   secure: secure(state, request))))
        return r
    }

    static func readForm(_ request: Request) async throws -> [String: String] {
        let body = try await request.body.collect(upTo: PortalLimits.formBytes)
        return Form.parse(String(buffer: body))
    }

    /// The form of a signed-in POST, after its CSRF token matched the session's.
    static func checkedForm(_ request: Request, _ s: SessionRow) async throws -> [String: String] {
        let form = try await readForm(request)
        guard let csrf = form["csrf"], Tokens.equal(csrf, s.csrf) else { throw PageError.forbidden }
        return form
    }

    static func login(_ state: PortalState, _ request: Request, _ context: PortalContext) async throws -> Response {
        let form = try await readForm(request)
        guard let csrf = form["csrf"], let cookie = request.cookies[loginCookie]?.value, Tokens.equal(csrf, cookie) else {
            throw PageError.forbidden
        }
        let name = String((form["user"] ?? "").prefix(200))
        let password = form["password"] ?? ""
        let key = LoginLimiter.key(ip: context.remoteIP, user: name)
        if await state.limiter.isBlocked(key) {
            try await state.catalog.audit(user: name, action: "sign-in-refused", detail: "rate limit", ip: context.remoteIP, now: Date())
            return try loginPage(state, request, context, message: PortalStrings.t(.tooManyAttempts, context.language), status: .tooManyRequests)
        }
        let user = try await state.catalog.user(named: name)
        // The same bcrypt work whether or not the account exists, so timing does not tell names apart.
        let ok = Bcrypt.verify(password, hash: user?.passwordHash ?? dummyHash) && user?.passwordHash != nil && !password.isEmpty
        guard ok, let user else {
            return try await failedSignIn(state, request, context, key: key, user: name, detail: "password")
        }
        await state.limiter.reset(key)
        return try await startSession(state, request, context, user, method: "password")
    }

    /// A refused sign-in, whatever the method: counted by the limiter, audited with its reason, and answered
    /// with the one generic 401 page.
    static func failedSignIn(_ state: PortalState, _ request: Request, _ context: PortalContext, key: String, user: String,
                             detail: String) async throws -> Response {
        await state.limiter.recordFailure(key)
        try await state.catalog.audit(user: user, action: "sign-in-failed", detail: detail, ip: context.remoteIP, now: Date())
        return try loginPage(state, request, context, message: PortalStrings.t(.signInFailed, context.language), status: .unauthorized)
    }

    static let dummyHash = Bcrypt.hash("lessonlens-no-such-account", cost: 12)

    static func tokenLogin(_ state: PortalState, _ request: Request, _ context: PortalContext) async throws -> Response {
        let form = try await readForm(request)
        guard let csrf = form["csrf"], let cookie = request.cookies[loginCookie]?.value, Tokens.equal(csrf, cookie) else {
            throw PageError.forbidden
        }
        guard let method = state.config.signIn else { throw PageError.notFound }
        let key = LoginLimiter.key(ip: context.remoteIP, user: "token:" + method.name)
        if await state.limiter.isBlocked(key) {
            return try loginPage(state, request, context, message: PortalStrings.t(.tooManyAttempts, context.language), status: .tooManyRequests)
        }
        let (user, reason) = try await userForToken(state, form["token"] ?? "", method: method)
        guard let user else {
            return try await failedSignIn(state, request, context, key: key, user: "-", detail: "\(method.name): \(reason)")
        }
        return try await startSession(state, request, context, user, method: method.name)
    }

    /// The hook of the identity provider: a verified token's teacher-id claim → the account with that id;
    /// without one, the reason for the audit log (the caller only ever sees the same 401).
    static func userForToken(_ state: PortalState, _ token: String, method: any SignInMethod) async throws -> (UserRow?, String) {
        guard !token.isEmpty else { return (nil, "empty") }
        let teacherID: String?
        do { teacherID = try await method.verifiedTeacherID(token: token) } catch { return (nil, method.auditReason(error)) }
        guard let teacherID, !teacherID.isEmpty else { return (nil, "no teacher id") }
        guard let user = try await state.catalog.user(teacherID: teacherID) else { return (nil, "no account for the teacher id") }
        return (user, "")
    }

    static func startSession(_ state: PortalState, _ request: Request, _ context: PortalContext, _ user: UserRow,
                             method: String) async throws -> Response {
        let token = Tokens.random()
        try await state.catalog.createSession(tokenHash: Tokens.sha256Hex(token), userID: user.id, csrf: Tokens.random(),
                                              expiresAt: Date().addingTimeInterval(state.config.sessionSeconds), now: Date())
        try await state.catalog.audit(user: user.name, action: "sign-in", detail: method, ip: context.remoteIP, now: Date())
        var r = Response.redirect("/lessons")
        let sec = secure(state, request)
        r.headers.append(HTTPField(name: .setCookie, value: cookie(sessionCookie, token, maxAge: Int(state.config.sessionSeconds), path: "/", sameSite: "Lax", secure: sec)))
        r.headers.append(HTTPField(name: .setCookie, value: cookie(loginCookie, "", maxAge: 0, path: "/login", sameSite: "Strict", secure: sec)))
        return r
    }

    static func logout(_ state: PortalState, _ request: Request, _ context: PortalContext) async throws -> Response {
        let s = try requireSession(request, context)
        _ = try await checkedForm(request, s)
        if let h = context.sessionTokenHash { try await state.catalog.deleteSession(tokenHash: h) }
        try await state.catalog.audit(user: s.user.name, action: "sign-out", detail: "", ip: context.remoteIP, now: Date())
        var r = Response.redirect("/login")
        r.headers.append(HTTPField(name: .setCookie, value: cookie(sessionCookie, "", maxAge: 0, path: "/", sameSite: "Lax", secure: secure(state, request))))
        return r
    }

    // MARK: lists

    static func param(_ request: Request, _ name: String, max: Int = 200) -> String? {
        guard let v = request.uri.queryParameters.get(name), !v.isEmpty else { return nil }
        return String(v.prefix(max))
    }

    static func dateParam(_ request: Request, _ name: String) -> String? {
        guard let v = param(request, name, max: 10), v.count == 10,
              v.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "-") }) else { return nil }
        return v
    }

    static func listState(_ state: PortalState, _ request: Request, _ user: UserRow, perPageParam: Bool) async throws -> (PortalPages.ListState, LessonQuery?) {
        var raw: [String: String] = [:]
        for k in ["subject", "class", "q", "from", "to", "sort", "order", "lang", "per_page"] { raw[k] = param(request, k) }
        let page = max(1, Int(param(request, "page") ?? "") ?? 1)
        let perPage = perPageParam ? min(PortalLimits.maxPageSize, max(1, Int(raw["per_page"] ?? "") ?? PortalLimits.pageSize)) : PortalLimits.pageSize
        guard var q = Access.scope(user) else {
            return (PortalPages.ListState(query: LessonQuery(), page: 1, perPage: perPage, total: 0, rows: [], subjects: [], classes: [], rawQuery: raw), nil)
        }
        let facets = try await state.facets.facets(q) { try await state.catalog.lessonFacets(q) }
        q.subject = raw["subject"]
        q.className = raw["class"]
        q.text = raw["q"]
        q.fromDate = dateParam(request, "from")
        q.toDate = dateParam(request, "to")
        q.sort = raw["sort"].flatMap(LessonQuery.SortKey.init(rawValue:)) ?? .date
        q.ascending = raw["order"] == "asc"
        let (rows, total) = try await state.catalog.lessonsPage(q, limit: perPage, offset: (page - 1) * perPage)
        return (PortalPages.ListState(query: q, page: page, perPage: perPage, total: total, rows: rows.filter { Access.allows(user, $0) },
                                      subjects: facets.subjects, classes: facets.classes, rawQuery: raw.filter { $0.key != "per_page" }), q)
    }

    /// The most recent lessons of the trends (oldest first); an administrator may narrow to one teacher.
    static func trendLessons(_ state: PortalState, _ request: Request, _ user: UserRow) async throws -> [LessonRow] {
        guard var q = Access.scope(user) else { return [] }
        if Access.isAdmin(user), let t = param(request, "teacher") { q.teacherID = t }
        q.subject = param(request, "subject")
        q.sort = .date
        q.ascending = false
        return try await state.catalog.lessonsPage(q, limit: PortalLimits.trendLessons, offset: 0).rows.filter { Access.allows(user, $0) }.reversed()
    }

    // MARK: files

    /// A file with `Range` support: 206 with `Content-Range` for one satisfiable range, 416 for an
    /// unsatisfiable one, else 200 with `Accept-Ranges: bytes`.
    static func fileResponse(_ state: PortalState, path: String, request: Request, context: PortalContext, reportFile: Bool) async throws -> Response {
        guard let size = ReportFiles.size(path) else { throw PageError.notFound }
        var headers: HTTPFields = [.contentType: ReportFiles.contentType(path), .acceptRanges: "bytes",
                                   .cacheControl: "private, max-age=300"]
        if reportFile {
            // A report folder's HTML runs no script and embeds only its own folder's files.
            headers[.contentSecurityPolicy] = "default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'; sandbox allow-same-origin allow-popups"
        }
        switch ByteRange.parse(request.headers[.range], size: size) {
        case .unsatisfiable:
            headers[.contentRange] = "bytes */\(size)"
            return Response(status: .rangeNotSatisfiable, headers: headers)
        case .satisfiable(let range):
            headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound)/\(size)"
            headers[.contentLength] = String(range.count)
            let body = try await state.fileIO.loadFile(path: path, range: range, context: context)
            return Response(status: .partialContent, headers: headers, body: body)
        case .none:
            headers[.contentLength] = String(size)
            if size == 0 { return Response(status: .ok, headers: headers) }
            let body = try await state.fileIO.loadFile(path: path, context: context)
            return Response(status: .ok, headers: headers, body: body)
        }
    }

    // MARK: export

    static let csvColumns = ["job_id", "recorded_at", "school", "teacher_id", "teacher_name", "subject", "class", "title",
                             "duration_s", "teacher_ratio", "student_ratio", "rt", "ch", "mode", "median_wait_s", "questions", "findings"]

    static func csvRow(_ l: LessonRow) -> String {
        let s = l.summary, a = l.attribution
        func num(_ v: Double?) -> String { v.map { String(format: "%.4f", $0) } ?? "" }
        let text = [PortalPages.date(l), a?.school ?? s.school ?? "", a?.teacherID ?? "", l.teacherName ?? s.teacher ?? "",
                    a?.subject ?? s.subject ?? "", a?.className ?? "", PortalPages.title(l)].map { escapeCSV($0) }
        let nums = [num(s.durationSeconds), num(s.teacherRatio), num(s.studentRatio), num(s.rt), num(s.ch)]
        return ([String(l.jobID)] + text + nums + [escapeCSV(s.mode ?? ""), num(s.medianWaitSeconds), String(s.questionCount), String(s.findingsCount)])
            .joined(separator: ",") + "\n"
    }

    /// The results table of the administrator's scope as CSV, streamed page by page, audited.
    static func exportCSV(_ state: PortalState, _ scope: LessonQuery, _ user: UserRow, ip: String) async throws -> Response {
        let total = try await state.catalog.lessonsPage(scope, limit: 0, offset: 0).total
        try await state.catalog.audit(user: user.name, action: "export", detail: "csv \(total) lessons school=\(scope.school ?? "*")", ip: ip,
                                      now: Date())
        let catalog = state.catalog
        let body = ResponseBody { writer in
            try await writer.write(ByteBuffer(string: csvColumns.joined(separator: ",") + "\n"))
            var offset = 0
            while true {
                let rows = try await catalog.lessonsPage(scope, limit: 500, offset: offset).rows
                if rows.isEmpty { break }
                try await writer.write(ByteBuffer(string: rows.filter { Access.allows(user, $0) }.map(csvRow).joined()))
                offset += rows.count
                if rows.count < 500 { break }
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8",
                                               .contentDisposition: "attachment; filename=\"lessons.csv\"",
                                               .cacheControl: "no-store"], body: body)
    }
}

/// `application/x-www-form-urlencoded` bodies.
enum Form {
    static func parse(_ body: String) -> [String: String] {
        var out: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String { String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            let k = decode(kv[0])
            if out[k] == nil { out[k] = kv.count > 1 ? decode(kv[1]) : "" }
        }
        return out
    }
}

extension Response {
    static func html(_ s: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                 body: .init(byteBuffer: ByteBuffer(string: s)))
    }

    static func text(_ s: String, type: String, cache: Bool = false) -> Response {
        Response(status: .ok, headers: [.contentType: type, .cacheControl: cache ? "public, max-age=3600" : "no-store"],
                 body: .init(byteBuffer: ByteBuffer(string: s)))
    }

    static func json<T: Encodable>(_ value: T) throws -> Response {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        enc.dateEncodingStrategy = .iso8601
        return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(bytes: try enc.encode(value))))
    }

    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }
}
