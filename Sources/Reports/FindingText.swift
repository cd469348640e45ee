import MediaCore

/// Localised titles and messages of findings, rendered from `code` and `values`.
enum FindingText {
    /// Short title per known code, (zh, en).
    static let titles: [String: (zh: String, en: String)] = [
        "high-teacher-talk": ("教师讲话偏多", "Teacher talk is high"),
        "little-student-talk": ("学生发言偏少", "Little student talk"),
        "short-wait-time": ("候答时间偏短", "Short wait time"),
        "long-monologue": ("教师连续讲授过长", "Long teacher monologue"),
        "long-silence": ("长时间安静", "Long silence"),
        "few-questions": ("提问偏少", "Few questions"),
        "unanswered-questions": ("多数提问无回应", "Many unanswered questions"),
        "no-speech": ("未检测到人声", "No voice detected"),
        "too-short-for-st": ("时长不足以进行 S-T 分析", "Too short for S-T analysis"),
        "no-audio": ("没有音频", "No audio"),
        "truncated-recording": ("录像不完整", "Recording is truncated"),
    ]

    static func title(_ f: Finding, _ lang: ReportLanguage) -> String {
        guard let t = titles[f.code] else { return f.code }
        return lang == .zh ? t.zh : t.en
    }

    /// The message in `lang`. English uses the finding's own message; Chinese renders a template from
    /// `values`, falling back to the English message when the code is unknown or a value is missing.
    static func message(_ f: Finding, _ lang: ReportLanguage) -> String {
        guard lang == .zh else { return f.message.isEmpty ? f.code : f.message }
        return chinese(f) ?? (f.message.isEmpty ? f.code : f.message)
    }

    private static func chinese(_ f: Finding) -> String? {
        let v = f.values
        func pct(_ k: String) -> String? { v[k].map(Fmt.percent) }
        func sec(_ k: String) -> String? { v[k].map { Fmt.fixed($0, 1) } }
        func min(_ k: String) -> String? { v[k].map { Fmt.fixed($0 / 60, 1) } }
        func int(_ k: String) -> String? { v[k].map { String(Int($0.rounded())) } }
        switch f.code {
        case "truncated-recording":
            guard let read = min("decodedSeconds"), let stated = min("statedSeconds") else { return nil }
            return "录像比文件标明的时长短：只能读取 \(read) 分钟（标明 \(stated) 分钟），文件可能被截断或损坏；报告只包含已读取的部分。"
        case "high-teacher-talk":
            guard let r = pct("teacherRatio"), let th = pct("threshold") else { return nil }
            return "教师讲话占课堂时间的 \(r)（阈值 \(th)），建议给学生更多发言机会。"
        case "little-student-talk":
            guard let r = pct("studentRatio"), let th = pct("threshold") else { return nil }
            return "学生讲话仅占课堂时间的 \(r)（阈值 \(th)）。"
        case "short-wait-time":
            guard let m = sec("medianWaitSeconds"), let th = sec("threshold"), let n = int("answeredQuestions"),
                  let s = int("shortWaits") else { return nil }
            return "提问后的候答时间中位数为 \(m) 秒（建议至少 \(th) 秒）；\(n) 个有学生回应的提问中，\(s) 个候答时间更短。"
        case "long-monologue":
            guard let n = int("count"), let l = min("longestSeconds"), let th = min("threshold") else { return nil }
            return "有 \(n) 段教师连续讲话不少于 \(th) 分钟，最长 \(l) 分钟；可穿插提问或活动检查学生理解。"
        case "long-silence":
            guard let n = int("count"), let l = min("longestSeconds"), let th = min("threshold") else { return nil }
            return "有 \(n) 段不少于 \(th) 分钟的安静（最长 \(l) 分钟）；如为计划内的练习则无妨，否则请检查课堂节奏。"
        case "few-questions":
            guard let n = int("questions"), let ph = sec("perHour"), let th = sec("threshold") else { return nil }
            return "仅检测到 \(n) 次提问（每小时 \(ph) 次，阈值 \(th) 次）。"
        case "unanswered-questions":
            guard let u = int("unanswered"), let q = int("questions") else { return nil }
            return "\(q) 个提问中有 \(u) 个没有学生回应。"
        case "no-speech":
            return "录像中没有检测到人声，请检查麦克风和音轨。"
        case "too-short-for-st":
            guard let i = sec("intervalSeconds") else { return nil }
            return "录像短于一个 S-T 采样间隔（\(i) 秒），未进行 S-T 分析。"
        case "no-audio":
            return "录像没有音轨，无法分析讲话时间、S-T、提问和候答时间。"
        default:
            return nil
        }
    }
}
