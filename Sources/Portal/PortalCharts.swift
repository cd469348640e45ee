import Foundation
internal import Catalog
internal import MediaCore
internal import Reports

/// Inline SVG of the trends page and the school view, with the goal bands the report uses: teacher talk
/// at most 70 % (`analytics.teacherTalkRatioMax`), wait time at least 3 s (`analytics.minWaitSeconds`),
/// and the Rt-Ch regions of the report's chart (practice Rt ≤ 0.3, lecture Rt ≥ 0.7, dialogue Ch ≥ 0.4).
enum PortalCharts {
    static let teacherTalkGoal = 0.7
    static let waitGoalSeconds = 3.0

    static func n(_ v: Double) -> String { String(format: "%.1f", v) }

    /// Teacher talk share per lesson, oldest first, the band at or below the goal shaded.
    static func talkShare(_ lessons: [LessonRow], lang: ReportLanguage) -> String {
        let w = 720.0, h = 220.0, l = 40.0, r = 10.0, top = 10.0, bottom = 30.0
        let pw = w - l - r, ph = h - top - bottom
        func x(_ i: Int) -> Double { l + (lessons.count <= 1 ? pw / 2 : pw * Double(i) / Double(lessons.count - 1)) }
        func y(_ v: Double) -> Double { top + ph * (1 - min(1, max(0, v))) }
        var s = "<svg class=\"pchart\" id=\"talk-chart\" viewBox=\"0 0 \(n(w)) \(n(h))\" role=\"img\" aria-label=\"\(escapeHTML(PortalStrings.t(.teacherShareTrend, lang)))\">"
        s += "<rect x=\"\(n(l))\" y=\"\(n(y(teacherTalkGoal)))\" width=\"\(n(pw))\" height=\"\(n(y(0) - y(teacherTalkGoal)))\" fill=\"#C9E8D9\"><title>\(escapeHTML(PortalStrings.t(.goal, lang))) ≤ 70%</title></rect>"
        for v in [0.0, 0.25, 0.5, 0.7, 1.0] {
            s += "<line x1=\"\(n(l))\" x2=\"\(n(w - r))\" y1=\"\(n(y(v)))\" y2=\"\(n(y(v)))\" stroke=\"#ccc\" stroke-width=\"0.5\"/>"
            s += "<text x=\"\(n(l - 4))\" y=\"\(n(y(v) + 4))\" text-anchor=\"end\" class=\"tk\">\(Int(v * 100))%</text>"
        }
        let pts = lessons.enumerated().map { "\(n(x($0.offset))),\(n(y($0.element.summary.teacherRatio)))" }.joined(separator: " ")
        if lessons.count > 1 { s += "<polyline points=\"\(pts)\" fill=\"none\" stroke=\"#0072B2\" stroke-width=\"1.5\"/>" }
        for (i, les) in lessons.enumerated() {
            let v = les.summary.teacherRatio
            s += "<a href=\"/lessons/\(les.jobID)\"><circle cx=\"\(n(x(i)))\" cy=\"\(n(y(v)))\" r=\"3.5\" fill=\"\(v <= teacherTalkGoal ? "#009E73" : "#E69F00")\"><title>\(escapeHTML(PortalPages.date(les) + " " + PortalPages.title(les))): \(PortalPages.pct(v))</title></circle></a>"
        }
        return s + "</svg>"
    }

    /// Each lesson's (Rt, Ch) on the report's Rt-Ch chart, the latest drawn largest.
    static func rtCh(_ lessons: [LessonRow], lang: ReportLanguage) -> String {
        let size = 300.0, m = 34.0, p = size - 2 * m
        func x(_ rt: Double) -> Double { m + p * rt }
        func y(_ ch: Double) -> Double { m + p * (1 - ch) }
        var s = "<svg class=\"pchart rtch\" id=\"rtch-chart\" viewBox=\"0 0 \(n(size)) \(n(size))\" role=\"img\" aria-label=\"Rt-Ch\">"
        let regions: [(String, [(Double, Double)], String)] = [
            ("practice", [(0, 0), (0.3, 0), (0.3, 0.6)], "#F6DDA6"),
            ("lecture", [(0.7, 0), (1, 0), (0.7, 0.6)], "#B7D3EA"),
            ("mixed", [(0.3, 0), (0.7, 0), (0.7, 0.4), (0.3, 0.4)], "#E2E4E8"),
            ("dialogue", [(0.3, 0.4), (0.7, 0.4), (0.7, 0.6), (0.5, 1), (0.3, 0.6)], "#C9E8D9"),
        ]
        for (name, poly, fill) in regions {
            s += "<polygon points=\"\(poly.map { "\(n(x($0.0))),\(n(y($0.1)))" }.joined(separator: " "))\" fill=\"\(fill)\"><title>\(escapeHTML(PortalStrings.mode(name, lang)))</title></polygon>"
        }
        s += "<line x1=\"\(n(x(0)))\" y1=\"\(n(y(0)))\" x2=\"\(n(x(0.5)))\" y2=\"\(n(y(1)))\" stroke=\"#999\" stroke-width=\"0.7\"/>"
        s += "<line x1=\"\(n(x(1)))\" y1=\"\(n(y(0)))\" x2=\"\(n(x(0.5)))\" y2=\"\(n(y(1)))\" stroke=\"#999\" stroke-width=\"0.7\"/>"
        for v in [0.0, 0.3, 0.5, 0.7, 1.0] { s += "<text x=\"\(n(x(v)))\" y=\"\(n(size - m + 14))\" text-anchor=\"middle\" class=\"tk\">\(v)</text>" }
        for v in [0.0, 0.4, 0.6, 1.0] { s += "<text x=\"\(n(m - 4))\" y=\"\(n(y(v) + 4))\" text-anchor=\"end\" class=\"tk\">\(v)</text>" }
        s += "<text x=\"\(n(size / 2))\" y=\"\(n(size - 4))\" text-anchor=\"middle\" class=\"tk\">Rt</text><text x=\"10\" y=\"\(n(size / 2))\" class=\"tk\">Ch</text>"
        let points = lessons.compactMap { l in l.summary.rt.flatMap { rt in l.summary.ch.map { (l, rt, $0) } } }
        for (i, (l, rt, ch)) in points.enumerated() {
            let last = i == points.count - 1
            s += "<circle cx=\"\(n(x(rt)))\" cy=\"\(n(y(ch)))\" r=\"\(last ? 5 : 3)\" fill=\"#0072B2\" fill-opacity=\"\(last ? "1" : "0.55")\"><title>\(escapeHTML(PortalPages.date(l) + " " + PortalPages.title(l))): Rt \(String(format: "%.2f", rt)), Ch \(String(format: "%.2f", ch))</title></circle>"
        }
        return s + "</svg>"
    }

    /// Questions per lesson (bars) and median wait time (dots, right axis), the wait goal band shaded.
    static func questions(_ lessons: [LessonRow], lang: ReportLanguage) -> String {
        let w = 720.0, h = 220.0, l = 40.0, r = 40.0, top = 10.0, bottom = 30.0
        let pw = w - l - r, ph = h - top - bottom
        let maxQ = Double(max(5, lessons.map(\.summary.questionCount).max() ?? 0))
        let maxW = 10.0
        let slot = pw / Double(max(1, lessons.count))
        func yq(_ v: Double) -> Double { top + ph * (1 - v / maxQ) }
        func yw(_ v: Double) -> Double { top + ph * (1 - min(maxW, v) / maxW) }
        var s = "<svg class=\"pchart\" id=\"questions-chart\" viewBox=\"0 0 \(n(w)) \(n(h))\" role=\"img\" aria-label=\"\(escapeHTML(PortalStrings.t(.questionsTrend, lang)))\">"
        s += "<rect x=\"\(n(l))\" y=\"\(n(yw(maxW)))\" width=\"\(n(pw))\" height=\"\(n(yw(waitGoalSeconds) - yw(maxW)))\" fill=\"#C9E8D9\" fill-opacity=\"0.6\"><title>\(escapeHTML(PortalStrings.t(.goal, lang))) ≥ 3 s</title></rect>"
        for (i, les) in lessons.enumerated() {
            let q = Double(les.summary.questionCount)
            s += "<rect x=\"\(n(l + slot * Double(i) + slot * 0.15))\" y=\"\(n(yq(q)))\" width=\"\(n(max(1, slot * 0.7)))\" height=\"\(n(yq(0) - yq(q)))\" fill=\"#56B4E9\"><title>\(escapeHTML(PortalPages.date(les))): \(les.summary.questionCount)</title></rect>"
            if let wt = les.summary.medianWaitSeconds {
                s += "<circle cx=\"\(n(l + slot * (Double(i) + 0.5)))\" cy=\"\(n(yw(wt)))\" r=\"3.5\" fill=\"\(wt >= waitGoalSeconds ? "#009E73" : "#E69F00")\"><title>\(escapeHTML(PortalPages.date(les))): \(String(format: "%.1f s", wt))</title></circle>"
            }
        }
        s += "<text x=\"\(n(l - 4))\" y=\"\(n(yq(maxQ) + 4))\" text-anchor=\"end\" class=\"tk\">\(Int(maxQ))</text><text x=\"\(n(l - 4))\" y=\"\(n(yq(0)))\" text-anchor=\"end\" class=\"tk\">0</text>"
        s += "<text x=\"\(n(w - r + 4))\" y=\"\(n(yw(maxW) + 4))\" class=\"tk\">10 s</text><text x=\"\(n(w - r + 4))\" y=\"\(n(yw(waitGoalSeconds) + 4))\" class=\"tk\">3 s</text>"
        return s + "</svg>"
    }

    /// Ten bars: lessons per teacher-talk decile.
    static func histogram(_ bins: [Int]) -> String {
        let maxB = Double(max(1, bins.max() ?? 1))
        var s = "<svg class=\"phist\" viewBox=\"0 0 100 24\" width=\"100\" height=\"24\">"
        for (i, b) in bins.enumerated() {
            let bh = 22 * Double(b) / maxB
            s += "<rect x=\"\(i * 10)\" y=\"\(n(23 - bh))\" width=\"9\" height=\"\(n(bh))\" fill=\"\(i < 7 ? "#009E73" : "#E69F00")\"><title>\(i * 10)–\(i * 10 + 10)%: \(b)</title></rect>"
        }
        return s + "</svg>"
    }
}
