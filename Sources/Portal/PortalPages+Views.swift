internal import Catalog
internal import MediaCore
internal import Reports

extension PortalPages {
    static func trends(_ lessons: [LessonRow], lang: ReportLanguage, session: SessionRow) -> String {
        var b = "<h1>\(t(.trends, lang))</h1>"
        if lessons.isEmpty {
            b += "<p>\(t(.noTrend, lang))</p>"
        } else {
            b += "<p class=\"pcount\">\(lessons.count) \(t(.lessonsTotal, lang)) · \(e(date(lessons[0]))) – \(e(date(lessons[lessons.count - 1])))</p>"
            b += "<section class=\"ptrend\"><h2>\(t(.teacherShareTrend, lang))</h2>\(PortalCharts.talkShare(lessons, lang: lang))</section>"
            b += "<section class=\"ptrend\"><h2>\(t(.rtChTrend, lang))</h2>\(PortalCharts.rtCh(lessons, lang: lang))</section>"
            b += "<section class=\"ptrend\"><h2>\(t(.questionsTrend, lang))</h2>\(PortalCharts.questions(lessons, lang: lang))</section>"
        }
        return layout(title: PortalStrings.t(.trends, lang), lang: lang, session: session, path: "/trends", body: b)
    }

    static func school(_ bySubject: [LessonGroupStats], grades: [LessonGroupStats], _ byClass: [LessonGroupStats],
                       _ byTeacher: [LessonGroupStats], lang: ReportLanguage, session: SessionRow) -> String {
        // Grade keys are `1`…`12` or `?`; shown as 七年级 / 高一 or Grade 7.
        let byGrade = grades.map { g -> LessonGroupStats in
            var g = g
            g.key = SchoolGrade.label(Int(g.key), chinese: lang == .zh)
            return g
        }
        var b = "<h1>\(t(.school, lang))"
        if let s = session.user.school { b += " · \(e(s))" }
        b += "</h1><form method=\"post\" action=\"/school/export.csv\"><input type=\"hidden\" name=\"csrf\" value=\"\(e(session.csrf))\"><button type=\"submit\" id=\"export\">\(t(.exportCSV, lang))</button></form>"
        for (title, groups, id) in [(PortalText.bySubject, bySubject, "by-subject"), (.byGrade, byGrade, "by-grade"), (.byClass, byClass, "by-class"),
                                   (.byTeacher, byTeacher, "by-teacher")] {
            b += "<h2>\(t(title, lang))</h2><table class=\"plist\" id=\"\(id)\"><thead><tr><th></th><th>\(t(.lessons, lang))</th><th>\(t(.meanTalk, lang))</th>"
            b += "<th>\(t(.talkHistogram, lang))</th><th>\(t(.meanRt, lang))</th><th>\(t(.meanCh, lang))</th><th>\(t(.meanWait, lang))</th><th>\(t(.meanQuestions, lang))</th></tr></thead><tbody>"
            for g in groups {
                b += "<tr><th>\(e(g.key))</th><td>\(g.lessons)</td><td>\(pct(g.meanTeacherRatio))</td><td>\(PortalCharts.histogram(g.teacherRatioHistogram))</td>"
                b += "<td>\(num(g.meanRt))</td><td>\(num(g.meanCh))</td><td>\(num(g.meanWaitSeconds, "%.1f s"))</td><td>\(num(g.meanQuestions, "%.1f"))</td></tr>"
            }
            b += "</tbody></table>"
        }
        return layout(title: PortalStrings.t(.school, lang), lang: lang, session: session, path: "/school", body: b)
    }
}
