import Foundation
internal import Catalog
internal import MediaCore
internal import Reports

/// HTML of the portal's pages. Every string from the catalog, a report or the request goes through
/// `escapeHTML` (hostile titles, names and timetable cells are plain text here).
enum PortalPages {
    static func e(_ s: String) -> String { escapeHTML(s) }
    static func t(_ k: PortalText, _ l: ReportLanguage) -> String { escapeHTML(PortalStrings.t(k, l)) }

    /// The frame of every page: the report's stylesheet, navigation, the sign-out form (POST + CSRF).
    static func layout(title: String, lang: ReportLanguage, session: SessionRow?, path: String, body: String) -> String {
        var nav = ""
        if let s = session {
            nav += "<nav class=\"pnav\"><a href=\"/lessons\">\(t(.myLessons, lang))</a> <a href=\"/trends\">\(t(.trends, lang))</a>"
            if Access.isAdmin(s.user) {
                nav += " <a href=\"/school\">\(t(.school, lang))</a> <a href=\"/admin/timetable\">\(lang == .zh ? "课表" : "Timetable")</a>"
            }
            nav += " <span class=\"who\">\(e(s.user.name))</span>"
            nav += "<form method=\"post\" action=\"/logout\" class=\"inline\"><input type=\"hidden\" name=\"csrf\" value=\"\(e(s.csrf))\"><button type=\"submit\">\(t(.signOut, lang))</button></form>"
            nav += " <a href=\"\(e(path))?lang=\(lang == .zh ? "en" : "zh")\" class=\"lang\">\(t(.language, lang))</a></nav>"
        }
        return """
            <!DOCTYPE html>
            <html lang="\(lang == .zh ? "zh-CN" : "en")"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(e(title)) · \(t(.appName, lang))</title>
            <link rel="stylesheet" href="/static/portal.css"></head>
            <body><div class="wrap"><header class="ptop"><span class="brand">\(t(.appName, lang))</span>\(nav)</header>
            <main>\(body)</main></div><script src="/static/portal.js"></script></body></html>
            """
    }

    static func login(lang: ReportLanguage, csrf: String, message: String?, tokenSignIn: Bool, providerSignIn: Bool = false) -> String {
        var b = "<section class=\"login\"><h1>\(t(.signIn, lang))</h1>"
        if let message { b += "<p class=\"perr\" role=\"alert\">\(e(message))</p>" }
        b += """
            <form method="post" action="/login"><input type="hidden" name="csrf" value="\(e(csrf))">
            <label>\(t(.userName, lang)) <input name="user" id="user" autocomplete="username" maxlength="200" required></label>
            <label>\(t(.password, lang)) <input name="password" id="password" type="password" autocomplete="current-password" maxlength="1000" required></label>
            <button type="submit" id="signin">\(t(.signIn, lang))</button></form>
            """
        if providerSignIn {
            b += "<p><a class=\"button\" id=\"oidc\" href=\"/login/oidc\">\(t(.providerSignIn, lang))</a></p>"
        }
        if tokenSignIn {
            b += """
                <form method="post" action="/login/token"><input type="hidden" name="csrf" value="\(e(csrf))">
                <label>\(t(.idToken, lang)) <input name="token" maxlength="8000"></label>
                <button type="submit">\(t(.tokenSignIn, lang))</button></form>
                """
        }
        return layout(title: PortalStrings.t(.signIn, lang), lang: lang, session: nil, path: "/login", body: b + "</section>")
    }

    static func error(status: Int, lang: ReportLanguage, session: SessionRow?) -> String {
        let (title, body): (PortalText, PortalText) = switch status {
        case 404: (.notFound, .notFoundBody)
        case 403: (.forbidden, .csrfFailed)
        case 413: (.tooLarge, .tooLarge)
        case 429: (.tooManyAttempts, .tooManyAttempts)
        case 400..<500: (.badRequest, .badRequest)
        default: (.serverError, .serverErrorBody)
        }
        let b = "<section class=\"perror\"><h1>\(status) · \(t(title, lang))</h1><p>\(t(body, lang))</p><p><a href=\"/lessons\">\(t(.myLessons, lang))</a></p></section>"
        return layout(title: PortalStrings.t(title, lang), lang: lang, session: session, path: "/lessons", body: b)
    }

    static func pct(_ v: Double) -> String { String(format: "%.0f%%", v * 100) }
    static func num(_ v: Double?, _ f: String = "%.2f") -> String { v.map { String(format: f, $0) } ?? "–" }

    /// The lesson's date: the recorder's start time when attributed, else when it was analysed.
    static func date(_ l: LessonRow) -> String {
        if let r = l.attribution?.recordedAt, r.count >= 10 { return String(r.prefix(16)) }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "yyyy-MM-dd HH:mm"
        return f.string(from: l.createdAt)
    }

    static func title(_ l: LessonRow) -> String {
        l.summary.lessonTitle ?? (l.path as NSString).lastPathComponent
    }

    struct ListState {
        var query: LessonQuery
        var page: Int
        var perPage: Int
        var total: Int
        var rows: [LessonRow]
        var subjects: [String]
        var classes: [String]
        var rawQuery: [String: String]
    }

    static func lessonList(_ s: ListState, lang: ReportLanguage, session: SessionRow) -> String {
        let admin = Access.isAdmin(session.user)
        var b = "<h1>\(t(admin ? .allLessons : .myLessons, lang))</h1>"
        b += "<form method=\"get\" action=\"/lessons\" class=\"pfilter\">"
        b += select("subject", t(.subject, lang), s.subjects, s.query.subject, lang)
        b += select("class", t(.className, lang), s.classes, s.query.className, lang)
        b += "<label>\(t(.search, lang)) <input name=\"q\" maxlength=\"200\" value=\"\(e(s.query.text ?? ""))\"></label>"
        b += "<label>\(t(.from, lang)) <input type=\"date\" name=\"from\" value=\"\(e(s.query.fromDate ?? ""))\"></label>"
        b += "<label>\(t(.to, lang)) <input type=\"date\" name=\"to\" value=\"\(e(s.query.toDate ?? ""))\"></label>"
        b += "<label>\(t(.sort, lang)) <select name=\"sort\">"
        let sortNames: [(LessonQuery.SortKey, PortalText)] = [(.date, .date), (.subject, .subject), (.className, .className),
                                                              (.teacherRatio, .talkRatio), (.rt, .stMode), (.findings, .findings)]
        for (k, label) in sortNames {
            b += "<option value=\"\(k.rawValue)\"\(s.query.sort == k ? " selected" : "")>\(t(label, lang))</option>"
        }
        b += "</select></label><label>\(t(.order, lang)) <select name=\"order\">"
        b += "<option value=\"desc\"\(s.query.ascending ? "" : " selected")>\(t(.descending, lang))</option>"
        b += "<option value=\"asc\"\(s.query.ascending ? " selected" : "")>\(t(.ascending, lang))</option></select></label>"
        b += "<input type=\"hidden\" name=\"lang\" value=\"\(lang.rawValue)\"><button type=\"submit\">\(t(.filter, lang))</button></form>"
        b += "<p class=\"pcount\">\(s.total) \(t(.lessonsTotal, lang))</p>"
        if s.rows.isEmpty {
            b += "<p>\(t(.noLessons, lang))</p>"
        } else {
            b += "<table class=\"plist\" id=\"lessons\"><thead><tr><th>\(t(.date, lang))</th><th>\(t(.className, lang))</th><th>\(t(.subject, lang))</th><th>\(t(.title, lang))</th>"
            if admin { b += "<th>\(t(.teacher, lang))</th>" }
            b += "<th>\(t(.talkRatio, lang))</th><th>\(t(.stMode, lang))</th><th>\(t(.findings, lang))</th></tr></thead><tbody>"
            for l in s.rows {
                b += "<tr data-job=\"\(l.jobID)\"><td>\(e(date(l)))</td><td>\(e(l.attribution?.className ?? "–"))</td>"
                b += "<td>\(e(l.attribution?.subject ?? l.summary.subject ?? "–"))</td>"
                b += "<td><a href=\"/lessons/\(l.jobID)?lang=\(lang.rawValue)\">\(e(title(l)))</a></td>"
                if admin { b += "<td>\(e(l.teacherName ?? l.summary.teacher ?? l.attribution?.teacherID ?? "–"))</td>" }
                b += "<td>\(pct(l.summary.teacherRatio))</td><td>\(e(PortalStrings.mode(l.summary.mode, lang)))</td><td>\(l.summary.findingsCount)</td></tr>"
            }
            b += "</tbody></table>"
        }
        let pages = max(1, (s.total + s.perPage - 1) / s.perPage)
        b += "<nav class=\"ppages\">"
        if s.page > 1 { b += "<a rel=\"prev\" href=\"\(e(pageLink(s.rawQuery, s.page - 1)))\">\(t(.previous, lang))</a> " }
        b += "<span>\(t(.page, lang)) \(s.page) \(t(.of, lang)) \(pages)</span>"
        if s.page < pages { b += " <a rel=\"next\" href=\"\(e(pageLink(s.rawQuery, s.page + 1)))\">\(t(.next, lang))</a>" }
        b += "</nav>"
        return layout(title: PortalStrings.t(admin ? .allLessons : .myLessons, lang), lang: lang, session: session, path: "/lessons", body: b)
    }

    static func select(_ name: String, _ label: String, _ values: [String], _ current: String?, _ lang: ReportLanguage) -> String {
        var b = "<label>\(label) <select name=\"\(name)\"><option value=\"\">\(t(.any, lang))</option>"
        for v in values { b += "<option value=\"\(e(v))\"\(v == current ? " selected" : "")>\(e(v))</option>" }
        return b + "</select></label>"
    }

    static func pageLink(_ query: [String: String], _ page: Int) -> String {
        var q = query
        q["page"] = String(page)
        return "/lessons?" + formEncode(q)
    }

    static func formEncode(_ q: [String: String]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return q.sorted { $0.key < $1.key }.map {
            "\($0.key.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")"
        }.joined(separator: "&")
    }

    /// One lesson: the recording (seekable by each finding's moments), the clips, the report in a frame.
    static func lesson(_ l: LessonRow, digest: ReportDigest?, hasRecording: Bool, lang: ReportLanguage, session: SessionRow) -> String {
        let base = "/lessons/\(l.jobID)"
        var b = "<p><a href=\"/lessons?lang=\(lang.rawValue)\">← \(t(.back, lang))</a></p><h1>\(e(title(l)))</h1>"
        b += "<p class=\"pmeta\">\(e(date(l))) · \(e(l.attribution?.className ?? "–")) · \(e(l.attribution?.subject ?? l.summary.subject ?? "–"))"
        if let name = l.teacherName ?? l.summary.teacher { b += " · \(e(name))" }
        b += " · \(t(.talkRatio, lang)) \(pct(l.summary.teacherRatio)) · \(t(.stMode, lang)) \(e(PortalStrings.mode(l.summary.mode, lang)))</p>"
        if hasRecording {
            b += "<h2>\(t(.recording, lang))</h2><video id=\"recording\" controls preload=\"metadata\" src=\"\(base)/recording\"></video>"
        }
        if let d = digest {
            let findings = d.findings ?? []
            if !findings.isEmpty {
                b += "<h2>\(t(.findings, lang))</h2><ul class=\"pfindings\">"
                for f in findings {
                    b += "<li class=\"sev-\(e(f.severity.rawValue))\"><span>\(e(FindingLabel.text(f, lang)))</span>"
                    for m in f.moments {
                        let label = Fmt.clock(m.start) + "–" + Fmt.clock(m.end)
                        if hasRecording {
                            b += " <button type=\"button\" class=\"seek\" data-t=\"\(String(format: "%.1f", m.start))\">\(e(label))</button>"
                        } else {
                            b += " <span class=\"moment\">\(e(label))</span>"
                        }
                    }
                    b += "</li>"
                }
                b += "</ul>"
            }
            let clips = (d.microLessons ?? []).filter { $0.clip != nil }
            if !clips.isEmpty {
                b += "<h2>\(t(.clips, lang))</h2><div class=\"pclips\">"
                for m in clips {
                    guard let c = m.clip, let url = fileURL(base, c) else { continue }
                    b += "<figure><video class=\"clip\" controls preload=\"none\" src=\"\(e(url))\"></video><figcaption>\(m.index). \(e(m.title)) · \(Fmt.clock(m.start))–\(Fmt.clock(m.end))</figcaption></figure>"
                }
                b += "</div>"
            }
        }
        b += "<h2>\(t(.report, lang))</h2><p><a href=\"\(base)/files/report.html\" target=\"_blank\" rel=\"noopener\">\(t(.openReport, lang))</a></p>"
        b += "<iframe class=\"preport\" id=\"report\" src=\"\(base)/files/report.html\" title=\"\(t(.report, lang))\"></iframe>"
        return layout(title: title(l), lang: lang, session: session, path: base, body: b)
    }

    /// `/lessons/ID/files/…` for a relative path from report.json, or nil when it is not a plain relative path.
    static func fileURL(_ base: String, _ relative: String) -> String? {
        guard let parts = ReportFiles.components(relative) else { return nil }
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return base + "/files/" + parts.map { $0.addingPercentEncoding(withAllowedCharacters: allowed) ?? "" }.joined(separator: "/")
    }
}

/// The parts of report.json the lesson page shows, decoded leniently (older reports lack fields).
struct ReportDigest: Decodable {
    struct DigestMicroLesson: Decodable {
        var index: Int
        var start: Double
        var end: Double
        var title: String
        var clip: String?
    }
    var findings: [Finding]?
    var microLessons: [DigestMicroLesson]?
}

enum FindingLabel {
    static func text(_ f: Finding, _ lang: ReportLanguage) -> String {
        FindingText.title(f, lang) + ": " + FindingText.message(f, lang)
    }
}
