public import MediaCore

/// Localised titles and messages of findings, rendered from `code` and `values` (the report's and the
/// portal's lesson page).
public enum FindingText {
    /// Short title of each code, (zh, en).
    static func titles(_ code: FindingCode) -> (zh: String, en: String) {
        switch code {
        case .highTeacherTalk: ("教师讲话偏多", "Teacher talk is high")
        case .littleStudentTalk: ("学生发言偏少", "Little student talk")
        case .shortWaitTime: ("候答时间偏短", "Short wait time")
        case .longMonologue: ("教师连续讲授过长", "Long teacher monologue")
        case .longSilence: ("长时间安静", "Long silence")
        case .fewQuestions: ("提问偏少", "Few questions")
        case .unansweredQuestions: ("多数提问无回应", "Many unanswered questions")
        case .noSpeech: ("未检测到人声", "No voice detected")
        case .tooShortForST: ("时长不足以进行 S-T 分析", "Too short for S-T analysis")
        case .noAudio: ("没有音频", "No audio")
        case .truncatedRecording: ("录像不完整", "Recording is truncated")
        }
    }

    /// The title in `lang`; a code this version does not know is its own title.
    public static func title(_ f: Finding, _ lang: ReportLanguage) -> String {
        guard let code = f.code.known else { return f.code.rawValue }
        let t = titles(code)
        return lang == .zh ? t.zh : t.en
    }

    /// The message in `lang`. English uses the finding's own message; Chinese renders a template from
    /// `values`, falling back to the English message when the code is unknown or a value is missing.
    public static func message(_ f: Finding, _ lang: ReportLanguage) -> String {
        guard lang == .zh else { return f.message.isEmpty ? f.code.rawValue : f.message }
        return chinese(f) ?? (f.message.isEmpty ? f.code.rawValue : f.message)
    }

    private static func chinese(_ f: Finding) -> String? {
        let v = f.values
        func pct(_ k: String) -> String? { v[k].map(Fmt.percent) }
        func sec(_ k: String) -> String? { v[k].map { Fmt.fixed($0, 1) } }
        func min(_ k: String) -> String? { v[k].map { Fmt.fixed($0 / 60, 1) } }
        func int(_ k: String) -> String? { v[k].map { String(Int($0.rounded())) } }
        guard let code = f.code.known else { return nil }
        switch code {
        case .truncatedRecording:
            guard let read = min("decodedSeconds"), let stated = min("statedSeconds") else { return nil }
            return "录像比文件标明的时长短：只能读取 \(read) 分钟（标明 \(stated) 分钟），文件可能被截断或损坏；报告只包含已读取的部分。"
        case .highTeacherTalk:
            guard let r = pct("teacherRatio"), let th = pct("threshold") else { return nil }
            return "教师讲话占课堂时间的 \(r)（阈值 \(th)），建议给学生更多发言机会。"
        case .littleStudentTalk:
            guard let r = pct("studentRatio"), let th = pct("threshold") else { return nil }
            return "学生讲话仅占课堂时间的 \(r)（阈值 \(th)）。"
        case .shortWaitTime:
            guard let m = sec("medianWaitSeconds"), let th = sec("threshold"), let n = int("answeredQuestions"),
                  let s = int("shortWaits") else { return nil }
            return "提问后的候答时间中位数为 \(m) 秒（建议至少 \(th) 秒）；\(n) 个有学生回应的提问中，\(s) 个候答时间更短。"
        case .longMonologue:
            guard let n = int("count"), let l = min("longestSeconds"), let th = min("threshold") else { return nil }
            return "有 \(n) 段教师连续讲话不少于 \(th) 分钟，最长 \(l) 分钟；可穿插提问或活动检查学生理解。"
        case .longSilence:
            guard let n = int("count"), let l = min("longestSeconds"), let th = min("threshold") else { return nil }
            return "有 \(n) 段不少于 \(th) 分钟的安静（最长 \(l) 分钟）；如为计划内的练习则无妨，否则请检查课堂节奏。"
        case .fewQuestions:
            guard let n = int("questions"), let ph = sec("perHour"), let th = sec("threshold") else { return nil }
            return "仅检测到 \(n) 次提问（每小时 \(ph) 次，阈值 \(th) 次）。"
        case .unansweredQuestions:
            guard let u = int("unanswered"), let q = int("questions") else { return nil }
            return "\(q) 个提问中有 \(u) 个没有学生回应。"
        case .noSpeech:
            return "录像中没有检测到人声，请检查麦克风和音轨。"
        case .tooShortForST:
            guard let i = sec("intervalSeconds") else { return nil }
            return "录像短于一个 S-T 采样间隔（\(i) 秒），未进行 S-T 分析。"
        case .noAudio:
            return "录像没有音轨，无法分析讲话时间、S-T、提问和候答时间。"
        }
    }
}
