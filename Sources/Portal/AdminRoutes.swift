import Foundation
internal import Catalog
internal import Hummingbird
internal import MediaCore

/// The administrators' timetable pages (issue 11): import a timetable CSV, list the lessons no slot matched
/// and assign them. Administrators only (a teacher gets 404); a school administrator imports only rows
/// of her school and sees and assigns only her school's lessons, to her school's teachers.
extension PortalRoutes {
    static func addAdminRoutes(_ router: Router<PortalContext>, _ state: PortalState) {
        guard let admin = state.config.timetable else { return }
        router.get("/admin/timetable") { request, context -> Response in
            let s = try requireAdmin(request, context)
            return .html(PortalPages.timetableAdmin(unmatched: try await unmatched(state, s.user), teachers: try await teachers(state, s.user),
                                                    result: nil, problems: [], lang: context.language, session: s))
        }
        router.post("/admin/timetable") { request, context -> Response in
            let s = try requireAdmin(request, context)
            let body = try await request.body.collect(upTo: PortalLimits.timetableBytes)
            let form = Form.parse(String(buffer: body))
            guard let csrf = form["csrf"], Tokens.equal(csrf, s.csrf) else { throw PageError.forbidden }
            var result: [String]?, problems: [String] = []
            do {
                result = try await admin.importTimetable(csv: form["csv"] ?? "", school: s.user.role == .districtAdmin ? nil : s.user.school)
                try await state.catalog.audit(user: s.user.name, action: "timetable-import", detail: result?.first ?? "", ip: context.remoteIP,
                                              now: Date())
            } catch let refusal as TimetableRefusal {
                problems = refusal.problems
            }
            return .html(PortalPages.timetableAdmin(unmatched: try await unmatched(state, s.user), teachers: try await teachers(state, s.user),
                                                    result: result, problems: problems, lang: context.language, session: s),
                         status: problems.isEmpty ? .ok : .unprocessableContent)
        }
        router.post("/admin/assign") { request, context -> Response in
            let s = try requireAdmin(request, context)
            let form = try await checkedForm(request, s)
            guard let job = form["job"].flatMap(Int64.init), let teacher = form["teacher"], !teacher.isEmpty,
                  try await mayAssign(state, s.user, job: job),
                  try await teachers(state, s.user).contains(where: { $0.id == teacher }) else { throw PageError.notFound }
            let line = try await admin.assign(jobID: job, teacherID: teacher)
            try await state.catalog.audit(user: s.user.name, action: "assign", detail: "job \(job) → \(teacher)", ip: context.remoteIP, now: Date())
            return .html(PortalPages.timetableAdmin(unmatched: try await unmatched(state, s.user), teachers: try await teachers(state, s.user),
                                                    result: [line], problems: [], lang: context.language, session: s))
        }
    }

    static func requireAdmin(_ request: Request, _ context: PortalContext) throws -> SessionRow {
        let s = try requireSession(request, context)
        guard Access.isAdmin(s.user), Access.scope(s.user) != nil else { throw PageError.notFound }
        return s
    }

    /// Unmatched lessons the administrator may assign: her school's (a lesson without a school only for the
    /// district administrator), the oldest `limit` (the page says when there are more; assigning them
    /// brings the next ones up).
    static let unmatchedShown = 500
    static func unmatched(_ state: PortalState, _ user: UserRow) async throws -> [UnmatchedLesson] {
        if user.role == .districtAdmin { return try await state.catalog.unmatchedLessons(school: nil, afterID: 0, limit: unmatchedShown + 1) }
        guard let school = user.school else { return [] }
        return try await state.catalog.unmatchedLessons(school: school, afterID: 0, limit: unmatchedShown + 1)
    }

    /// Whether `job` is an unmatched lesson of the administrator's scope (read for that one job, so a lesson
    /// beyond the page's first `unmatchedShown` can be assigned too).
    static func mayAssign(_ state: PortalState, _ user: UserRow, job: Int64) async throws -> Bool {
        guard job > 0 else { return false }
        let school: String? = user.role == .districtAdmin ? nil : user.school
        if user.role != .districtAdmin, school == nil { return false }
        return try await state.catalog.unmatchedLessons(school: school, afterID: job - 1, limit: 1).first?.jobID == job
    }

    static func teachers(_ state: PortalState, _ user: UserRow) async throws -> [(id: String, name: String, school: String)] {
        let all = try await state.catalog.teachers()
        return user.role == .districtAdmin ? all : all.filter { $0.school == user.school }
    }
}

extension PortalPages {
    static func timetableAdmin(unmatched: [UnmatchedLesson], teachers: [(id: String, name: String, school: String)],
                               result: [String]?, problems: [String], lang: ReportLanguage, session: SessionRow) -> String {
        let zh = lang == .zh
        var b = "<h1>\(zh ? "课表与未匹配的课" : "Timetable and unmatched lessons")</h1>"
        if let result { b += "<ul class=\"pok\" id=\"result\">" + result.map { "<li>\(e($0))</li>" }.joined() + "</ul>" }
        if !problems.isEmpty {
            b += "<p class=\"perr\" role=\"alert\">\(zh ? "课表未导入：" : "Timetable not imported:")</p><ul class=\"perr\" id=\"problems\">"
                + problems.prefix(200).map { "<li>\(e($0))</li>" }.joined() + "</ul>"
        }
        b += """
            <form method="post" action="/admin/timetable"><input type="hidden" name="csrf" value="\(e(session.csrf))">
            <label>\(zh ? "课表 CSV（列：" : "Timetable CSV (columns: ")\(e(PortalLimits.timetableColumns))\(zh ? "）" : ")")
            <textarea name="csv" rows="8" cols="100" maxlength="\(PortalLimits.timetableBytes)" required></textarea></label>
            <button type="submit">\(zh ? "导入并重新匹配" : "Import and attribute again")</button></form>
            """
        let count = unmatched.count > PortalRoutes.unmatchedShown ? "\(PortalRoutes.unmatchedShown)+" : "\(unmatched.count)"
        b += "<h2>\(zh ? "未匹配的课" : "Unmatched lessons") (\(count))</h2>"
        if unmatched.isEmpty { return layout(title: zh ? "课表" : "Timetable", lang: lang, session: session, path: "/admin/timetable", body: b) }
        let options = teachers.map { "<option value=\"\(e($0.id))\">\(e($0.name)) (\(e($0.id)))</option>" }.joined()
        b += "<table class=\"ptable\"><tr><th>\(zh ? "课" : "Lesson")</th><th>\(zh ? "录制时间" : "Recorded")</th><th>\(zh ? "学校" : "School")</th>"
            + "<th>\(zh ? "教室" : "Room")</th><th>\(zh ? "文件" : "File")</th><th></th></tr>"
        for u in unmatched.prefix(PortalRoutes.unmatchedShown) {
            b += "<tr><td>\(u.jobID)</td><td>\(e(u.recordedAt ?? "-"))</td><td>\(e(u.school ?? "-"))</td><td>\(e(u.room ?? "-"))</td>"
                + "<td>\(e((u.path as NSString).lastPathComponent))</td><td><form method=\"post\" action=\"/admin/assign\" class=\"inline\">"
                + "<input type=\"hidden\" name=\"csrf\" value=\"\(e(session.csrf))\"><input type=\"hidden\" name=\"job\" value=\"\(u.jobID)\">"
                + "<select name=\"teacher\">\(options)</select> <button type=\"submit\">\(zh ? "指定" : "Assign")</button></form></td></tr>"
        }
        b += "</table>"
        return layout(title: zh ? "课表" : "Timetable", lang: lang, session: session, path: "/admin/timetable", body: b)
    }
}

