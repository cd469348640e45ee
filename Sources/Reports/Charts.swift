import Foundation
import MediaCore

/// Inline SVG charts of the HTML report. Every text placed in a chart goes through `escapeHTML`.
/// Charts use a `viewBox` and scale to the page width; numbers are written with 1-2 decimals.
enum Charts {
    // Okabe-Ito palette: distinguishable with the common colour-vision deficiencies and in greyscale print.
    static func colour(_ l: Label) -> String {
        switch l {
        case .teacher: "#0072B2"
        case .student: "#E69F00"
        case .multi: "#CC79A7"
        case .silence: "#D5D8DC"
        case .media: "#009E73"
        }
    }

    /// Lighter tints of the label colours, so the phase row reads as a summary of the label row.
    static func colour(_ k: Phase.Kind) -> String {
        switch k {
        case .lecture: "#8CBFE3"
        case .qa: "#F3C872"
        case .discussion: "#E6B3D3"
        case .seatwork: "#ECEEF0"
        case .media: "#8FD6BC"
        }
    }

    static func n(_ x: Double) -> String { Fmt.fixed(x, 2) }

    // MARK: Timeline strip

    /// Geometry of the timeline strip, shared with the HTML overlay of moment markers.
    struct Strip {
        static let width = 1000.0
        static let plotLeft = 118.0
        static let plotRight = 972.0
        let duration: Double
        /// x in viewBox units for time `t` (seconds).
        func x(_ t: Double) -> Double {
            guard duration > 0 else { return Strip.plotLeft }
            return Strip.plotLeft + max(0, min(1, t / duration)) * (Strip.plotRight - Strip.plotLeft)
        }
        /// Horizontal position as a percentage of the strip's width (for absolutely placed HTML markers).
        func percent(_ t: Double) -> Double { x(t) / Strip.width * 100 }
    }

    /// A "nice" tick step (seconds) giving at most about ten ticks over `duration`.
    static func tickStep(_ duration: Double) -> Double {
        let steps: [Double] = [10, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 7200]
        return steps.first { duration / $0 <= 10 } ?? 7200
    }

    static func timeline(_ r: Report, _ lang: ReportLanguage) -> String {
        let duration = max(r.recording.durationSeconds, r.timeline.map(\.end).max() ?? 0)
        let g = Strip(duration: duration)
        var y = 4.0
        var body = ""
        func rowLabel(_ text: String, _ yMid: Double) {
            body += "<text x=\"\(n(Strip.plotLeft - 8))\" y=\"\(n(yMid + 4))\" text-anchor=\"end\" class=\"rl\">\(escapeHTML(text))</text>"
        }

        // Questions: a tick per question, filled when a student answered.
        if !r.interaction.questions.isEmpty {
            rowLabel(UIStrings.t(.questionsRow, lang), y + 7)
            for q in r.interaction.questions {
                let x = g.x(q.time)
                let answered = q.waitSeconds != nil
                let tip = "\(Fmt.clock(q.time)) " + UIStrings.t(answered ? .questionAnswered : .questionUnanswered, lang)
                    + (q.waitSeconds.map { " (\(Fmt.fixed($0, 1)) \(UIStrings.t(.seconds, lang)))" } ?? "")
                body += "<path d=\"M\(n(x - 4)) \(n(y)) L\(n(x + 4)) \(n(y)) L\(n(x)) \(n(y + 12)) Z\" class=\"\(answered ? "qa" : "qu")\"><title>\(escapeHTML(tip))</title></path>"
            }
            y += 18
        }

        // Labels.
        let labelTop = y, labelHeight = 40.0
        body += "<rect x=\"\(n(Strip.plotLeft))\" y=\"\(n(y))\" width=\"\(n(Strip.plotRight - Strip.plotLeft))\" height=\"\(n(labelHeight))\" fill=\"\(colour(.silence))\"/>"
        for seg in r.timeline where seg.end > seg.start && seg.label != .silence {
            let x0 = g.x(seg.start), x1 = g.x(seg.end)
            let tip = "\(UIStrings.label(seg.label, lang)) \(Fmt.clock(seg.start))–\(Fmt.clock(seg.end))"
            body += "<rect x=\"\(n(x0))\" y=\"\(n(y))\" width=\"\(n(max(0.3, x1 - x0)))\" height=\"\(n(labelHeight))\" fill=\"\(colour(seg.label))\"><title>\(escapeHTML(tip))</title></rect>"
        }
        rowLabel(UIStrings.t(.activityRow, lang), y + labelHeight / 2)
        y += labelHeight + 6

        // Phases.
        if !r.phases.isEmpty {
            rowLabel(UIStrings.t(.phasesRow, lang), y + 9)
            for p in r.phases where p.end > p.start {
                let x0 = g.x(p.start), x1 = g.x(p.end)
                let name = UIStrings.phase(p.kind, lang)
                body += "<rect x=\"\(n(x0))\" y=\"\(n(y))\" width=\"\(n(max(0.3, x1 - x0)))\" height=\"18\" fill=\"\(colour(p.kind))\" stroke=\"#fff\" stroke-width=\"0.5\"><title>\(escapeHTML("\(name) \(Fmt.clock(p.start))–\(Fmt.clock(p.end))"))</title></rect>"
                if x1 - x0 > Double(name.count) * 13 + 6 {
                    body += "<text x=\"\(n((x0 + x1) / 2))\" y=\"\(n(y + 13))\" text-anchor=\"middle\" class=\"in\">\(escapeHTML(name))</text>"
                }
            }
            y += 24
        }

        // Micro-lessons, linked to their cards below.
        if !r.microLessons.isEmpty {
            rowLabel(UIStrings.t(.microLessonsRow, lang), y + 9)
            for (i, m) in r.microLessons.enumerated() where m.end > m.start {
                let x0 = g.x(m.start), x1 = g.x(m.end)
                let fill = i % 2 == 0 ? "#5B6B7F" : "#8A97A8"
                body += "<a href=\"#microlesson-\(m.index)\"><rect x=\"\(n(x0))\" y=\"\(n(y))\" width=\"\(n(max(0.3, x1 - x0)))\" height=\"18\" fill=\"\(fill)\" stroke=\"#fff\" stroke-width=\"1\"><title>\(escapeHTML("\(m.index). \(m.title) \(Fmt.clock(m.start))–\(Fmt.clock(m.end))"))</title></rect>"
                if x1 - x0 > 18 {
                    body += "<text x=\"\(n((x0 + x1) / 2))\" y=\"\(n(y + 13))\" text-anchor=\"middle\" class=\"inw\">\(m.index)</text>"
                }
                body += "</a>"
            }
            y += 24
        }

        // Slide changes.
        if !r.slides.changes.isEmpty {
            rowLabel(UIStrings.t(.slidesRow, lang), y + 6)
            for c in r.slides.changes {
                body += "<line x1=\"\(n(g.x(c)))\" x2=\"\(n(g.x(c)))\" y1=\"\(n(y))\" y2=\"\(n(y + 12))\" class=\"sl\"><title>\(escapeHTML(Fmt.clock(c)))</title></line>"
            }
            y += 18
        }

        // Time axis.
        body += "<line x1=\"\(n(Strip.plotLeft))\" x2=\"\(n(Strip.plotRight))\" y1=\"\(n(y))\" y2=\"\(n(y))\" class=\"ax\"/>"
        let step = tickStep(duration)
        var t = 0.0
        while t <= duration + 1e-9 {
            let x = g.x(t)
            body += "<line x1=\"\(n(x))\" x2=\"\(n(x))\" y1=\"\(n(labelTop))\" y2=\"\(n(y + 4))\" class=\"grid\"/>"
            body += "<text x=\"\(n(x))\" y=\"\(n(y + 16))\" text-anchor=\"middle\" class=\"tk\">\(Fmt.clock(t))</text>"
            t += step
        }
        y += 22
        return "<svg class=\"strip\" viewBox=\"0 0 \(Int(Strip.width)) \(Int(y.rounded(.up)))\" role=\"img\" aria-label=\"\(escapeHTML(UIStrings.t(.timeline, lang)))\">\(body)</svg>"
    }

    // MARK: S-T curve

    static func stCurve(_ st: STSummary, _ lang: ReportLanguage) -> String {
        let size = 300.0, left = 44.0, top = 12.0
        let last = st.curve.last ?? STPoint(t: 0, s: 0)
        let counts = max(1, max(last.t, last.s))
        // Equal scales on both axes (the curve's slope is the S/T balance); ticks every "nice" count, and the
        // axes end on a tick.
        let tickEvery = [1, 2, 5, 10, 20, 50, 100, 200, 500].first { counts / $0 <= 8 } ?? 1000
        let maxCount = (counts + tickEvery - 1) / tickEvery * tickEvery
        let scale = size / Double(maxCount)
        func px(_ t: Int) -> Double { left + Double(t) * scale }
        func py(_ s: Int) -> Double { top + size - Double(s) * scale }
        var body = "<rect x=\"\(n(left))\" y=\"\(n(top))\" width=\"\(n(size))\" height=\"\(n(size))\" class=\"pl\"/>"
        var k = 0
        while k <= maxCount {
            body += "<line x1=\"\(n(px(k)))\" x2=\"\(n(px(k)))\" y1=\"\(n(top))\" y2=\"\(n(top + size))\" class=\"grid\"/>"
            body += "<line x1=\"\(n(left))\" x2=\"\(n(left + size))\" y1=\"\(n(py(k)))\" y2=\"\(n(py(k)))\" class=\"grid\"/>"
            body += "<text x=\"\(n(px(k)))\" y=\"\(n(top + size + 16))\" text-anchor=\"middle\" class=\"tk\">\(k)</text>"
            body += "<text x=\"\(n(left - 6))\" y=\"\(n(py(k) + 4))\" text-anchor=\"end\" class=\"tk\">\(k)</text>"
            k += tickEvery
        }
        body += "<line x1=\"\(n(px(0)))\" y1=\"\(n(py(0)))\" x2=\"\(n(px(maxCount)))\" y2=\"\(n(py(maxCount)))\" class=\"diag\"><title>\(escapeHTML(UIStrings.t(.diagonal, lang)))</title></line>"
        let points = st.curve.map { "\(n(px($0.t))),\(n(py($0.s)))" }.joined(separator: " ")
        body += "<polyline points=\"\(points)\" class=\"curve\"/>"
        body += "<text x=\"\(n(left + size / 2))\" y=\"\(n(top + size + 34))\" text-anchor=\"middle\" class=\"axl\">T (×\(Fmt.fixed(st.intervalSeconds, 0)) \(escapeHTML(UIStrings.t(.seconds, lang))))</text>"
        body += "<text x=\"12\" y=\"\(n(top + size / 2))\" text-anchor=\"middle\" class=\"axl\" transform=\"rotate(-90 12 \(n(top + size / 2)))\">S</text>"
        return "<svg class=\"sq\" viewBox=\"0 0 \(Int(left + size + 14)) \(Int(top + size + 44))\" role=\"img\" aria-label=\"\(escapeHTML(UIStrings.t(.stCurve, lang)))\">\(body)</svg>"
    }

    // MARK: Rt-Ch diagram

    static func rtCh(_ st: STSummary, _ lang: ReportLanguage) -> String {
        let size = 300.0, left = 44.0, top = 12.0
        func px(_ rt: Double) -> Double { left + max(0, min(1, rt)) * size }
        func py(_ ch: Double) -> Double { top + size - max(0, min(1, ch)) * size }
        func poly(_ pts: [(Double, Double)]) -> String { pts.map { "\(n(px($0.0))),\(n(py($0.1)))" }.joined(separator: " ") }
        // Ch can be at most 2·min(Rt, 1 − Rt) (each run change needs a window of the rarer letter), so the
        // reachable area is the triangle (0,0)-(0.5,1)-(1,0); the mode regions are drawn inside it.
        let regions: [(STMode, [(Double, Double)], String, (Double, Double))] = [
            (.practice, [(0, 0), (0.3, 0), (0.3, 0.6)], "#F6DDA6", (0.2, 0.08)),
            (.lecture, [(0.7, 0), (1, 0), (0.7, 0.6)], "#B7D3EA", (0.8, 0.08)),
            (.mixed, [(0.3, 0), (0.7, 0), (0.7, 0.4), (0.3, 0.4)], "#E2E4E8", (0.5, 0.18)),
            (.dialogue, [(0.3, 0.4), (0.7, 0.4), (0.7, 0.6), (0.5, 1), (0.3, 0.6)], "#C9E8D9", (0.5, 0.55)),
        ]
        var body = "<rect x=\"\(n(left))\" y=\"\(n(top))\" width=\"\(n(size))\" height=\"\(n(size))\" class=\"pl\"/>"
        for (mode, pts, fill, at) in regions {
            let active = st.mode == .known(mode)
            body += "<polygon points=\"\(poly(pts))\" fill=\"\(fill)\" class=\"\(active ? "rg act" : "rg")\"/>"
            let name = UIStrings.mode(mode, lang == .zh ? .zh : .en)
            let short = lang == .zh ? name : String(name.prefix { $0 != " " })
            body += "<text x=\"\(n(px(at.0)))\" y=\"\(n(py(at.1)))\" text-anchor=\"middle\" class=\"rgl\">\(escapeHTML(short))</text>"
        }
        for v in [0, 0.3, 0.5, 0.7, 1] {
            body += "<text x=\"\(n(px(v)))\" y=\"\(n(top + size + 16))\" text-anchor=\"middle\" class=\"tk\">\(Fmt.fixed(v, 1))</text>"
        }
        for v in [0, 0.4, 0.6, 1] {
            body += "<text x=\"\(n(left - 6))\" y=\"\(n(py(v) + 4))\" text-anchor=\"end\" class=\"tk\">\(Fmt.fixed(v, 1))</text>"
        }
        let x = px(st.rt), y = py(st.ch)
        body += "<circle cx=\"\(n(x))\" cy=\"\(n(y))\" r=\"6\" class=\"pt\"><title>\(escapeHTML("Rt \(Fmt.fixed(st.rt, 2)), Ch \(Fmt.fixed(st.ch, 2))"))</title></circle>"
        let anchor = st.rt > 0.75 ? "end" : "start"
        let dx = st.rt > 0.75 ? -10.0 : 10.0
        body += "<text x=\"\(n(x + dx))\" y=\"\(n(max(top + 12, y - 8)))\" text-anchor=\"\(anchor)\" class=\"ptl\">(\(Fmt.fixed(st.rt, 2)), \(Fmt.fixed(st.ch, 2)))</text>"
        body += "<text x=\"\(n(left + size / 2))\" y=\"\(n(top + size + 34))\" text-anchor=\"middle\" class=\"axl\">Rt</text>"
        body += "<text x=\"12\" y=\"\(n(top + size / 2))\" text-anchor=\"middle\" class=\"axl\" transform=\"rotate(-90 12 \(n(top + size / 2)))\">Ch</text>"
        return "<svg class=\"sq\" viewBox=\"0 0 \(Int(left + size + 14)) \(Int(top + size + 44))\" role=\"img\" aria-label=\"\(escapeHTML(UIStrings.t(.rtChDiagram, lang)))\">\(body)</svg>"
    }

    // MARK: Talk shares

    /// A 100 % stacked bar of the lesson time per label, as HTML boxes (text inside stays undistorted at
    /// any width, which a stretched SVG would not give).
    static func talkBar(_ talk: TalkSummary, _ lang: ReportLanguage) -> String {
        let parts: [(Label, Double)] = [
            (.teacher, talk.teacherRatio), (.student, max(0, talk.studentRatio - talk.multiRatio)), (.multi, talk.multiRatio),
            (.media, talk.mediaRatio), (.silence, talk.silenceRatio),
        ]
        let total = parts.map(\.1).reduce(0, +)
        var out = "<div class=\"tbar\" role=\"img\" aria-label=\"\(escapeHTML(UIStrings.t(.talkShares, lang)))\">"
        for (label, ratio) in parts where ratio > 0 && total > 0 {
            let width = ratio / total * 100
            let dark = label == .silence || label == .student
            out += "<div style=\"width:\(Fmt.fixed(width, 3))%;background:\(colour(label));color:\(dark ? "#1f2933" : "#fff")\" title=\"\(escapeHTML("\(UIStrings.label(label, lang)) \(Fmt.percent(ratio))"))\">\(width >= 5 ? Fmt.percent(ratio) : "")</div>"
        }
        return out + "</div>"
    }

    // MARK: Wait-time histogram

    /// Bins from `minWaitSeconds` up are coloured as meeting the goal: the pipeline's
    /// `findings.minWaitSeconds`, the same threshold the wait-time finding used.
    static func waitHistogram(_ bins: [HistogramBin], _ lang: ReportLanguage, minWaitSeconds: Double) -> String {
        let w = 420.0, h = 200.0, left = 36.0, top = 14.0, bottom = 36.0
        let plotH = h - top - bottom
        let maxCount = max(1, bins.map(\.count).max() ?? 1)
        let slot = (w - left - 10) / Double(max(1, bins.count))
        var body = "<line x1=\"\(n(left))\" x2=\"\(n(w - 10))\" y1=\"\(n(top + plotH))\" y2=\"\(n(top + plotH))\" class=\"ax\"/>"
        for (i, b) in bins.enumerated() {
            let bh = Double(b.count) / Double(maxCount) * plotH
            let x = left + Double(i) * slot + slot * 0.15
            // Bins at or above the recommended wait (Rowe 1986) are green, shorter ones orange.
            let good = b.from >= minWaitSeconds
            body += "<rect x=\"\(n(x))\" y=\"\(n(top + plotH - bh))\" width=\"\(n(slot * 0.7))\" height=\"\(n(bh))\" fill=\"\(good ? "#009E73" : "#E69F00")\"/>"
            body += "<text x=\"\(n(x + slot * 0.35))\" y=\"\(n(top + plotH - bh - 4))\" text-anchor=\"middle\" class=\"tk\">\(b.count)</text>"
            let range = b.to.map { "\(Fmt.fixed(b.from, 0))–\(Fmt.fixed($0, 0))" } ?? "\(Fmt.fixed(b.from, 0))+"
            body += "<text x=\"\(n(x + slot * 0.35))\" y=\"\(n(top + plotH + 16))\" text-anchor=\"middle\" class=\"tk\">\(escapeHTML(range))</text>"
        }
        body += "<text x=\"\(n((left + w) / 2))\" y=\"\(n(h - 4))\" text-anchor=\"middle\" class=\"axl\">\(escapeHTML(UIStrings.t(.waitAxis, lang)))</text>"
        return "<svg class=\"hist\" viewBox=\"0 0 \(Int(w)) \(Int(h))\" role=\"img\" aria-label=\"\(escapeHTML(UIStrings.t(.waitSection, lang)))\">\(body)</svg>"
    }
}

extension Report {
    /// The wait time the report holds questions to: the pipeline's `findings.minWaitSeconds` as recorded
    /// in the report (the value its wait-time finding used), else 3 s, the research recommendation
    /// (Rowe 1986) that is also the parameter's default, for a report made without it.
    var waitGoalSeconds: Double {
        if case .number(let seconds)? = pipeline.parameters["findings.minWaitSeconds"] { return seconds }
        return 3
    }
}
