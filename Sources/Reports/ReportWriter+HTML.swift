import Foundation
public import MediaCore

extension ReportWriter {
    /// report.html: one self-contained file (inline CSS and SVG, no scripts, no fonts or URLs from the
    /// network), in Chinese or English, printable on A4.
    ///
    /// Every text from the report (lesson title, file names, findings, micro-lesson titles, notes, pipeline
    /// parameters) is passed through `escapeHTML`, in element content and in attribute values.
    ///
    /// Moment links: a finding's times link to `#m<finding>-<moment>`, an HTML marker laid over the activity
    /// timeline at that moment (highlighted with `:target`), so they work offline, in any browser and after
    /// the report folder is moved. The original recording is never linked (its path may be absolute, on
    /// another machine, or hostile). When a micro-lesson clip covers the moment, a second link plays the clip
    /// from there with a media fragment (`clips/NN-x.mp4#t=SS.S`); clip and thumbnail paths are used only when
    /// they are plain relative paths inside the report folder (`safeRelativeURL`).
    public static func html(_ r: Report, language lang: ReportLanguage) -> String {
        var builder = HTMLBuilder(report: r, lang: lang)
        return builder.build()
    }

    /// The report's stylesheet, for pages that should look like the report (the portal, issue 11).
    public static var stylesheet: String { HTMLBuilder.css }
}

/// Builds the HTML text of one report.
private struct HTMLBuilder {
    let report: Report
    let lang: ReportLanguage
    /// Markers laid over the timeline strip: (id, start, end, tooltip).
    var markers: [(id: String, start: Double, end: Double, tip: String)] = []

    init(report: Report, lang: ReportLanguage) {
        self.report = report
        self.lang = lang
    }

    func t(_ k: UIKey) -> String { escapeHTML(UIStrings.t(k, lang)) }
    func e(_ s: String) -> String { escapeHTML(s) }
    var duration: Double { max(report.recording.durationSeconds, report.timeline.map(\.end).max() ?? 0) }
    var sec: String { t(.seconds) }

    mutating func build() -> String {
        // Findings first: they register the timeline markers the timeline section draws.
        let findings = findingsSection()
        let microLessons = microLessonSection()
        var out = "<!DOCTYPE html>\n<html lang=\"\(lang.htmlLang)\">\n<head>\n<meta charset=\"utf-8\">\n"
        out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        out += "<meta name=\"generator\" content=\"\(e(report.generator))\">\n"
        out += "<title>\(e(lessonTitle)) — \(t(.reportTitle))</title>\n<style>\(Self.css)</style>\n</head>\n<body>\n"
        out += header()
        out += summarySection()
        out += timelineSection()
        out += findings
        out += stSection()
        out += talkSection()
        out += phasesSection()
        out += microLessons
        out += methodSection()
        out += "</body>\n</html>\n"
        return out
    }

    var lessonTitle: String {
        if let title = report.lesson?.title, !title.isEmpty { return title }
        return report.recording.file
    }

    // MARK: Header and summary

    func header() -> String {
        var meta: [(UIKey, String)] = []
        if let l = report.lesson {
            if let v = l.teacher, !v.isEmpty { meta.append((.teacher, v)) }
            if let v = l.subject, !v.isEmpty { meta.append((.subject, v)) }
            if let v = l.date, !v.isEmpty { meta.append((.date, v)) }
            if let v = l.school, !v.isEmpty { meta.append((.school, v)) }
        }
        meta.append((.file, report.recording.file))
        meta.append((.duration, Fmt.duration(report.recording.durationSeconds, lang)))
        meta.append((.generated, report.generatedAt))
        var out = "<header class=\"top\"><p class=\"kicker\">\(t(.reportTitle))</p><h1>\(e(lessonTitle))</h1><dl class=\"meta\">"
        for (k, v) in meta { out += "<div><dt>\(t(k))</dt><dd>\(e(v))</dd></div>" }
        return out + "</dl></header>\n"
    }

    func card(_ label: String, _ value: String, _ sub: String = "", cls: String = "") -> String {
        "<div class=\"card \(cls)\"><div class=\"cl\">\(label)</div><div class=\"cv\">\(value)</div>" +
            (sub.isEmpty ? "" : "<div class=\"cs\">\(sub)</div>") + "</div>"
    }

    func summarySection() -> String {
        let tk = report.talk
        let ia = report.interaction
        var out = "<section id=\"summary\"><h2>\(t(.summary))</h2><div class=\"cards\">"
        out += card(t(.teacherTalk), Fmt.percent(tk.teacherRatio), e(Fmt.duration(tk.teacherSeconds, lang)), cls: "c-teacher")
        out += card(t(.studentTalk), Fmt.percent(tk.studentRatio),
                    e(Fmt.duration(tk.studentSeconds + tk.multiSeconds, lang)), cls: "c-student")
        if let st = report.st {
            out += card(t(.stMode), e(UIStrings.mode(st.mode, lang)), "N = \(st.n) \(t(.windows))", cls: "c-mode")
            out += card(t(.rt), Fmt.fixed(st.rt, 2), "N<sub>T</sub>/N")
            out += card(t(.ch), Fmt.fixed(st.ch, 2), "(g−1)/N, g = \(st.runs)")
        } else {
            out += card(t(.stMode), t(.notAvailable), t(.stTooShort), cls: "c-mode")
            out += card(t(.rt), t(.notAvailable))
            out += card(t(.ch), t(.notAvailable))
        }
        out += card(t(.questions), "\(ia.questions.count)", t(.answeredOf).replacingOccurrences(of: "{n}", with: "\(ia.answeredQuestions)"))
        out += card(t(.medianWait), ia.medianWaitSeconds.map { "\(Fmt.fixed($0, 1)) <small>\(sec)</small>" } ?? t(.notAvailable),
                    "Rowe 1986: ≥ 3 \(sec)")
        out += card(t(.turnExchanges), "\(ia.turnExchanges)")
        return out + "</div></section>\n"
    }

    // MARK: Timeline

    func timelineSection() -> String {
        var out = "<section id=\"timeline\"><h2>\(t(.timeline))</h2><p class=\"help\">\(t(.timelineHelp))</p>"
        out += "<div class=\"stripwrap\">" + Charts.timeline(report, lang)
        let g = Charts.Strip(duration: duration)
        for m in markers {
            let left = g.percent(m.start), width = max(0, g.percent(m.end) - left)
            out += "<span class=\"mk\" id=\"\(e(m.id))\" style=\"left:\(Fmt.fixed(left, 3))%;width:\(Fmt.fixed(width, 3))%\" title=\"\(e(m.tip))\"></span>"
        }
        out += "</div><ul class=\"legend\">"
        for l in [Label.teacher, .student, .multi, .media, .silence] {
            out += "<li><i style=\"background:\(Charts.colour(l))\"></i>\(e(UIStrings.label(l, lang)))</li>"
        }
        if !report.interaction.questions.isEmpty {
            out += "<li><b class=\"glyph\">▼</b>\(t(.questionAnswered))</li><li><b class=\"glyph\">▽</b>\(t(.questionUnanswered))</li>"
        }
        return out + "</ul></section>\n"
    }

    // MARK: Findings

    /// The micro-lesson whose clip covers time `t`, with a safe clip URL.
    func clip(at time: Double) -> (MicroLesson, String)? {
        for m in report.microLessons where m.start <= time && time < m.end {
            if let c = m.clip, let url = safeRelativeURL(c) { return (m, url) }
        }
        return nil
    }

    mutating func findingsSection() -> String {
        var out = "<section id=\"findings\"><h2>\(t(.findings))</h2>"
        guard !report.findings.isEmpty else { return out + "<p class=\"ok\">\(t(.noFindings))</p></section>\n" }
        out += "<ol class=\"findings\">"
        // Most severe first; the order within a severity is the analysis's own (stable sort).
        let ordered = report.findings.enumerated().sorted {
            $0.element.severity != $1.element.severity ? $0.element.severity > $1.element.severity : $0.offset < $1.offset
        }.map(\.element)
        for (i, f) in ordered.enumerated() {
            let sevClass = f.severity.rawValue
            out += "<li class=\"finding sev-\(sevClass)\" id=\"finding-\(i + 1)\"><div class=\"fh\"><span class=\"badge\">\(e(UIStrings.severity(f.severity, lang)))</span> <strong>\(e(FindingText.title(f, lang)))</strong>"
            // The code is shown for known findings (researchers grep for it); an unknown code is already the title.
            if f.code.known != nil { out += " <code>\(e(f.code.rawValue))</code>" }
            out += "</div>"
            out += "<p>\(e(FindingText.message(f, lang)))</p>"
            let shown = f.moments.prefix(10)
            if !shown.isEmpty {
                out += "<p class=\"moments\">\(t(.moments)):"
                for (j, m) in shown.enumerated() {
                    let id = "m\(i + 1)-\(j + 1)"
                    let range = m.end > m.start ? "\(Fmt.clock(m.start))–\(Fmt.clock(m.end))" : Fmt.clock(m.start)
                    markers.append((id, m.start, m.end, "\(FindingText.title(f, lang)) \(range)"))
                    out += " <a href=\"#\(e(id))\">\(e(range))</a>"
                    if let (ml, url) = clip(at: m.start) {
                        let offset = Fmt.fixed(max(0, m.start - ml.start), 1)
                        out += " <a class=\"play\" href=\"\(e(url))#t=\(offset)\" title=\"\(t(.playClip)): \(e("\(ml.index). \(ml.title)"))\">▶</a>"
                    }
                    if j + 1 < shown.count { out += "," }
                }
                if f.moments.count > shown.count { out += " …" }
                out += "</p>"
            }
            out += "</li>"
        }
        return out + "</ol></section>\n"
    }

    // MARK: S-T

    func stSection() -> String {
        var out = "<section id=\"st\"><h2>\(t(.stSection))</h2>"
        guard let st = report.st else { return out + "<p class=\"help\">\(t(.stTooShort))</p></section>\n" }
        out += "<div class=\"figs\">"
        out += "<figure class=\"fig\"><figcaption>\(t(.stCurve))</figcaption>\(Charts.stCurve(st, lang))<p class=\"help\">\(t(.stCurveHelp))</p></figure>"
        out += "<figure class=\"fig\"><figcaption>\(t(.rtChDiagram))</figcaption>\(Charts.rtCh(st, lang))<p class=\"help\">\(t(.rtChHelp))</p></figure>"
        out += "</div><p class=\"seq\"><span>\(t(.sequence)) (\(e(Fmt.fixed(st.intervalSeconds, 0))) \(sec), \(e(st.rule.rawValue))):</span> <code>\(e(st.sequence))</code></p>"
        return out + "</section>\n"
    }

    // MARK: Talk and wait time

    func talkSection() -> String {
        let tk = report.talk
        var out = "<section id=\"talk\"><h2>\(t(.talkSection))</h2><div class=\"figs\">"
        out += "<figure class=\"fig wide\"><figcaption>\(t(.talkShares))</figcaption>\(Charts.talkBar(tk, lang))<table class=\"shares\">"
        let rows: [(Label, Double, Double)] = [
            (.teacher, tk.teacherSeconds, tk.teacherRatio),
            (.student, tk.studentSeconds, max(0, tk.studentRatio - tk.multiRatio)),
            (.multi, tk.multiSeconds, tk.multiRatio), (.media, tk.mediaSeconds, tk.mediaRatio),
            (.silence, tk.silenceSeconds, tk.silenceRatio),
        ]
        for (l, s, r) in rows {
            out += "<tr><td><i class=\"sw\" style=\"background:\(Charts.colour(l))\"></i>\(e(UIStrings.label(l, lang)))</td><td class=\"num\">\(Fmt.percent(r))</td><td class=\"num\">\(e(Fmt.duration(s, lang)))</td></tr>"
        }
        out += "</table>"
        if let share = tk.teacherShareOfTalk {
            out += "<p class=\"help\">\(t(.shareOfTalk)): <strong>\(Fmt.percent(share))</strong></p>"
        }
        out += "</figure><figure class=\"fig\"><figcaption>\(t(.waitSection))</figcaption>"
        if report.interaction.answeredQuestions > 0 && !report.interaction.waitHistogram.isEmpty {
            out += Charts.waitHistogram(report.interaction.waitHistogram, lang, minWaitSeconds: report.waitGoalSeconds)
            out += "<ul class=\"legend plain\"><li><i style=\"background:#E69F00\"></i>\(t(.waitShort))</li><li><i style=\"background:#009E73\"></i>\(t(.waitRecommended))</li></ul>"
        } else {
            out += "<p class=\"help\">\(t(.noAnswered))</p>"
        }
        out += "<p class=\"help\">\(t(.waitHelp))</p></figure></div></section>\n"
        return out
    }

    // MARK: Phases

    func phasesSection() -> String {
        var out = "<section id=\"phases\"><h2>\(t(.phases))</h2>"
        guard !report.phases.isEmpty else { return out + "<p class=\"help\">\(t(.noPhases))</p></section>\n" }
        out += "<table class=\"list\"><thead><tr><th>\(t(.phaseKind))</th><th>\(t(.from))</th><th>\(t(.to))</th><th>\(t(.duration))</th></tr></thead><tbody>"
        for p in report.phases {
            out += "<tr><td><i class=\"sw\" style=\"background:\(Charts.colour(p.kind))\"></i>\(e(UIStrings.phase(p.kind, lang)))</td><td class=\"num\">\(Fmt.clock(p.start))</td><td class=\"num\">\(Fmt.clock(p.end))</td><td class=\"num\">\(e(Fmt.duration(p.end - p.start, lang)))</td></tr>"
        }
        return out + "</tbody></table></section>\n"
    }

    // MARK: Micro-lessons

    mutating func microLessonSection() -> String {
        var out = "<section id=\"microlessons\"><h2>\(t(.microLessons))</h2>"
        guard !report.microLessons.isEmpty else { return out + "<p class=\"help\">\(t(.noMicroLessons))</p></section>\n" }
        out += "<div class=\"mls\">"
        for m in report.microLessons {
            let id = "mlm-\(m.index)"
            markers.append((id, m.start, m.end, "\(m.index). \(m.title)"))
            out += "<article class=\"ml\" id=\"microlesson-\(m.index)\">"
            if let th = m.thumbnail, let url = safeRelativeURL(th) {
                out += "<img src=\"\(e(url))\" alt=\"\(e(m.title))\" loading=\"lazy\">"
            } else {
                out += "<div class=\"noimg\">\(m.index)</div>"
            }
            out += "<div class=\"mlb\"><h3>\(m.index). \(e(m.title))</h3><p><a href=\"#\(id)\">\(Fmt.clock(m.start))–\(Fmt.clock(m.end))</a> · \(e(Fmt.duration(m.end - m.start, lang)))</p>"
            if let c = m.clip, let url = safeRelativeURL(c) {
                out += "<p><a class=\"play\" href=\"\(e(url))\">▶ \(t(.playClip))</a> <code>\(e(c))</code></p>"
            }
            out += "</div></article>"
        }
        return out + "</div></section>\n"
    }

    // MARK: Method

    func methodSection() -> String {
        var out = "<section id=\"method\"><h2>\(t(.method))</h2><p>\(t(.methodIntro))</p>"
        if !report.notes.isEmpty {
            out += "<p>\(t(.methodHeuristic))</p><ul class=\"notes\">"
            for n in NoteText.notes(of: report, lang) { out += "<li>\(e(n))</li>" }
            out += "</ul>"
        }
        out += "<table class=\"kv\"><tr><th>\(t(.generatorLine))</th><td>\(e(report.generator))</td></tr>"
        out += "<tr><th>\(t(.pipeline))</th><td>\(e(report.pipeline.name))"
        let params = report.pipeline.parameters.sorted { $0.key < $1.key }
        if !params.isEmpty {
            out += " <small>(" + params.map { "\(e($0.key))=\(e($0.value.description))" }.joined(separator: ", ") + ")</small>"
        }
        out += "</td></tr><tr><th>SHA-256</th><td><code>\(e(report.recording.sha256))</code></td></tr></table>"
        return out + "</section>\n"
    }

    // MARK: Style

    static var css: String {
        """
        :root{--ink:#1f2933;--mute:#5f6b7a;--line:#e3e6ea;--bg:#f6f7f9;--accent:#0072B2}
        *{box-sizing:border-box}
        body{margin:0 auto;max-width:1120px;padding:24px 28px 48px;color:var(--ink);background:#fff;
        font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei","Hiragino Sans GB",system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;
        font-size:15px;line-height:1.55;-webkit-print-color-adjust:exact;print-color-adjust:exact}
        h1{font-size:26px;margin:2px 0 10px;line-height:1.25;overflow-wrap:anywhere}
        h2{font-size:19px;margin:30px 0 10px;padding-bottom:5px;border-bottom:2px solid var(--line)}
        h3{font-size:15px;margin:0 0 4px;overflow-wrap:anywhere}
        a{color:var(--accent)}
        code{font-family:"Noto Sans Mono CJK SC",ui-monospace,Menlo,Consolas,monospace;font-size:.88em;overflow-wrap:anywhere}
        .kicker{margin:0;color:var(--mute);letter-spacing:.04em}
        .meta{display:flex;flex-wrap:wrap;gap:4px 22px;margin:0;color:var(--mute)}
        .meta div{display:flex;gap:6px;min-width:0}.meta dt{font-weight:600}.meta dd{margin:0;overflow-wrap:anywhere}
        .cards{display:grid;grid-template-columns:repeat(4,minmax(0,1fr));gap:12px}
        .card{border:1px solid var(--line);border-radius:10px;padding:12px 14px;background:var(--bg);break-inside:avoid}
        .card .cl{color:var(--mute);font-size:13px}.card .cv{font-size:26px;font-weight:700;line-height:1.3}
        .card .cv small{font-size:14px;font-weight:400}.card .cs{color:var(--mute);font-size:12.5px}
        .c-teacher{border-left:5px solid #0072B2}.c-student{border-left:5px solid #E69F00}.c-mode{border-left:5px solid #009E73}
        .help{color:var(--mute);font-size:13px;margin:4px 0}
        .stripwrap{position:relative}
        svg{display:block;font-family:inherit}
        svg.strip{width:100%;height:auto}
        svg .rl{font-size:12px;fill:#39434f}svg .tk{font-size:11px;fill:#5f6b7a}svg .axl{font-size:13px;fill:#39434f}
        svg .in{font-size:11px;fill:#1f2933}svg .inw{font-size:11px;fill:#fff;font-weight:600}
        svg .ax{stroke:#8a94a3;stroke-width:1}svg .grid{stroke:#000;stroke-opacity:.12;stroke-width:.6}
        svg .sl{stroke:#39434f;stroke-width:1.2}
        svg .qa{fill:#1f2933}svg .qu{fill:#fff;stroke:#1f2933;stroke-width:1.2}
        svg .pl{fill:#fff;stroke:#c5cbd3}svg .diag{stroke:#8a94a3;stroke-dasharray:5 4}
        svg .curve{fill:none;stroke:#0072B2;stroke-width:2.4;stroke-linejoin:round}
        svg .rg{stroke:#fff;stroke-width:1.5;opacity:.75}svg .rg.act{opacity:1;stroke:#39434f}
        svg .rgl{font-size:13px;fill:#39434f}svg .pt{fill:#D55E00;stroke:#fff;stroke-width:2}svg .ptl{font-size:12px;fill:#D55E00;font-weight:700}
        .mk{position:absolute;top:0;bottom:0;min-width:3px;pointer-events:none;scroll-margin-top:40vh}
        .mk:target{background:rgba(213,94,0,.22);outline:2px solid #D55E00}
        .legend{display:flex;flex-wrap:wrap;gap:4px 16px;list-style:none;padding:0;margin:6px 0 0 11.8%;font-size:13px;color:var(--mute)}
        .legend i,.sw{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:5px;vertical-align:-1px}
        .legend .glyph{font-weight:400;margin-right:4px;color:#1f2933}.legend.plain{margin-left:0}
        .tbar{display:flex;height:36px;border-radius:6px;overflow:hidden}
        .tbar div{display:flex;align-items:center;justify-content:center;font-size:12.5px;font-weight:600;white-space:nowrap;overflow:hidden}
        .figs{display:flex;flex-wrap:wrap;gap:18px}
        .fig{margin:0;flex:1 1 300px;min-width:280px;max-width:420px;break-inside:avoid}
        .fig.wide{flex:2 1 420px;max-width:none}
        .fig figcaption{font-weight:600;margin-bottom:6px}
        svg.sq{width:100%;max-width:360px;height:auto}svg.hist{width:100%;max-width:420px;height:auto}
        .seq{font-size:13px;color:var(--mute);overflow-wrap:anywhere}.seq code{letter-spacing:.08em;color:var(--ink)}
        table{border-collapse:collapse}
        table.shares{margin-top:10px;font-size:14px}table.shares td{padding:3px 14px 3px 0}
        table.list{width:100%;font-size:14px}table.list th,table.list td{text-align:left;padding:5px 10px;border-bottom:1px solid var(--line)}
        table.list tr{break-inside:avoid}
        td.num{font-variant-numeric:tabular-nums;white-space:nowrap}
        ol.findings{list-style:none;padding:0;margin:0;display:grid;gap:10px}
        .finding{border:1px solid var(--line);border-left:5px solid #9aa3ad;border-radius:8px;padding:10px 14px;break-inside:avoid}
        .finding p{margin:4px 0}.finding code{color:var(--mute);font-size:12px}
        .sev-warning{border-left-color:#E69F00}.sev-critical{border-left-color:#D55E00}.sev-info{border-left-color:#56B4E9}
        .badge{display:inline-block;font-size:12px;padding:1px 8px;border-radius:10px;background:#eef0f3;color:#39434f}
        .sev-warning .badge{background:#fbe6c2}.sev-critical .badge{background:#f6d0bd}.sev-info .badge{background:#d6ebf7}
        .moments{font-size:13.5px;color:var(--mute)}.moments a{font-variant-numeric:tabular-nums}
        a.play{text-decoration:none;white-space:nowrap}
        .mls{display:grid;grid-template-columns:repeat(auto-fill,minmax(240px,1fr));gap:12px}
        .ml{border:1px solid var(--line);border-radius:10px;overflow:hidden;break-inside:avoid;background:var(--bg)}
        .ml img,.ml .noimg{display:block;width:100%;aspect-ratio:16/9;object-fit:cover;background:#dfe3e8}
        .ml .noimg{display:flex;align-items:center;justify-content:center;font-size:34px;color:#8a97a8}
        .mlb{padding:8px 12px}.mlb p{margin:2px 0;font-size:13.5px}
        .notes{font-size:14px}.kv{font-size:13px;color:var(--mute)}.kv th{text-align:left;padding:2px 12px 2px 0;vertical-align:top;white-space:nowrap}
        .kv td{overflow-wrap:anywhere}
        .ok{color:#007a55}
        @page{size:A4;margin:12mm}
        @media (max-width:760px){.cards{grid-template-columns:repeat(2,minmax(0,1fr))}}
        @media print{body{max-width:none;padding:0;font-size:10pt}h1{font-size:18pt}h2{font-size:13pt;margin-top:16pt;break-after:avoid}
        .cards{gap:8px;grid-template-columns:repeat(4,minmax(0,1fr))}.card{padding:8px 10px}.card .cv{font-size:17pt}a{color:inherit;text-decoration:none}
        .fig{max-width:48%}.fig.wide{max-width:100%}section{break-inside:auto}.mls{grid-template-columns:repeat(3,1fr)}}
        """
    }
}
