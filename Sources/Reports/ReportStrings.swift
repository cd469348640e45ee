import MediaCore

/// Every UI string of the HTML report, in both languages. Tests check that each key has both.
enum UIKey: String, CaseIterable {
    case reportTitle, untitledLesson, teacher, subject, date, school, file, duration, generated, pipeline
    case summary, teacherTalk, studentTalk, stMode, rt, ch, questions, answeredOf, medianWait, turnExchanges
    case notAvailable, seconds, minutesShort
    case timeline, timelineHelp, activityRow, phasesRow, microLessonsRow, slidesRow, questionsRow, timeAxis
    case stSection, stCurve, stCurveHelp, rtChDiagram, rtChHelp, stTooShort, windows, diagonal, sequence
    case talkSection, talkShares, shareOfTalk, waitSection, waitHelp, waitAxis, waitRecommended, waitShort, noAnswered, count
    case findings, noFindings, severityInfo, severityWarning, severityCritical, moments, playClip
    case phases, phaseKind, from, to, noPhases
    case microLessons, noMicroLessons, clip, thumbnail
    case method, methodIntro, methodHeuristic, generatorLine
    case labelTeacher, labelStudent, labelMulti, labelSilence, labelMedia
    case phaseLecture, phaseQA, phaseDiscussion, phaseSeatwork, phaseMedia
    case modeLecture, modePractice, modeDialogue, modeMixed
    case questionAnswered, questionUnanswered
}

enum UIStrings {
    static let table: [UIKey: (zh: String, en: String)] = [
        .reportTitle: ("课堂分析报告", "Classroom analysis report"),
        .untitledLesson: ("未命名课例", "Untitled lesson"),
        .teacher: ("教师", "Teacher"),
        .subject: ("学科", "Subject"),
        .date: ("日期", "Date"),
        .school: ("学校", "School"),
        .file: ("文件", "File"),
        .duration: ("时长", "Duration"),
        .generated: ("生成时间", "Generated"),
        .pipeline: ("分析流程", "Pipeline"),
        .summary: ("概览", "Summary"),
        .teacherTalk: ("教师讲话", "Teacher talk"),
        .studentTalk: ("学生讲话", "Student talk"),
        .stMode: ("S-T 教学模式", "S-T teaching mode"),
        .rt: ("教师行为占有率 Rt", "Teacher behaviour ratio Rt"),
        .ch: ("师生行为转换率 Ch", "Behaviour change ratio Ch"),
        .questions: ("提问", "Questions"),
        .answeredOf: ("其中 {n} 个有学生回应", "{n} answered by students"),
        .medianWait: ("候答时间中位数", "Median wait time"),
        .turnExchanges: ("师生话轮转换", "Teacher-student exchanges"),
        .notAvailable: ("无", "n/a"),
        .seconds: ("秒", "s"),
        .minutesShort: ("分", "min"),
        .timeline: ("课堂活动时间轴", "Activity timeline"),
        .timelineHelp: ("按声音类别着色；点击发现中的时间可定位到此处。", "Coloured by voice class; the times in the findings jump here."),
        .activityRow: ("声音类别", "Voices"),
        .phasesRow: ("活动阶段", "Phases"),
        .microLessonsRow: ("微课片段", "Micro-lessons"),
        .slidesRow: ("换页", "Slide changes"),
        .questionsRow: ("提问", "Questions"),
        .timeAxis: ("时间（分:秒）", "Time (min:s)"),
        .stSection: ("S-T 分析", "S-T analysis"),
        .stCurve: ("S-T 曲线", "S-T curve"),
        .stCurveHelp: ("横轴为教师行为 T 的累计，纵轴为学生行为 S 的累计；越贴近横轴，讲授越多。", "T (teacher behaviour) cumulative across, S (student behaviour) cumulative up; the closer to the T axis, the more lecturing."),
        .rtChDiagram: ("Rt-Ch 图", "Rt-Ch diagram"),
        .rtChHelp: ("Rt ≥ 0.7 讲授型，Rt ≤ 0.3 练习型，其余 Ch ≥ 0.4 对话型，否则混合型。", "Rt ≥ 0.7 lecture, Rt ≤ 0.3 practice, otherwise Ch ≥ 0.4 dialogue, else mixed."),
        .stTooShort: ("录像短于一个采样间隔，未进行 S-T 分析。", "The recording is shorter than one sampling interval; no S-T analysis."),
        .windows: ("个采样点", "samples"),
        .diagonal: ("对角线：师生行为各半", "Diagonal: equal T and S"),
        .sequence: ("采样序列", "Sample sequence"),
        .talkSection: ("讲话与等待", "Talk and wait time"),
        .talkShares: ("时间构成", "Share of lesson time"),
        .shareOfTalk: ("教师在全部讲话中的占比", "Teacher's share of all talk"),
        .waitSection: ("候答时间分布", "Wait-time distribution"),
        .waitHelp: ("教师提问结束到学生开始回答之间的安静时间。研究建议至少 3–5 秒（Rowe 1986）。", "Silence between the end of a teacher's question and the student's answer. Research recommends at least 3–5 s (Rowe 1986)."),
        .waitAxis: ("候答时间（秒）", "Wait time (s)"),
        .waitRecommended: ("≥ 3 秒：建议区间", "≥ 3 s: recommended"),
        .waitShort: ("< 3 秒：偏短", "< 3 s: short"),
        .noAnswered: ("没有检测到有学生回应的提问。", "No question answered by a student was detected."),
        .count: ("次数", "count"),
        .findings: ("发现与建议", "Findings"),
        .noFindings: ("没有需要特别关注的问题。", "Nothing stood out."),
        .severityInfo: ("提示", "Info"),
        .severityWarning: ("注意", "Warning"),
        .severityCritical: ("严重", "Critical"),
        .moments: ("相关时刻", "Moments"),
        .playClip: ("播放片段", "play clip"),
        .phases: ("活动阶段", "Activity phases"),
        .phaseKind: ("阶段", "Phase"),
        .from: ("开始", "From"),
        .to: ("结束", "To"),
        .noPhases: ("没有阶段信息。", "No phases."),
        .microLessons: ("微课片段", "Micro-lessons"),
        .noMicroLessons: ("没有切分出微课片段。", "No micro-lessons were cut."),
        .clip: ("片段", "Clip"),
        .thumbnail: ("缩略图", "Thumbnail"),
        .method: ("方法说明", "Method"),
        .methodIntro: ("本报告由软件根据录像声音和画面自动生成，数字为估计值，请结合课堂实际解读。", "This report was made automatically from the recording's sound and picture; the numbers are estimates to be read with knowledge of the lesson."),
        .methodHeuristic: ("以下方法属于启发式规则：", "These parts are heuristics:"),
        .generatorLine: ("生成工具", "Generated by"),
        .labelTeacher: ("教师", "Teacher"),
        .labelStudent: ("学生", "Student"),
        .labelMulti: ("多人/讨论", "Several voices"),
        .labelSilence: ("安静", "Silence"),
        .labelMedia: ("媒体", "Media"),
        .phaseLecture: ("讲授", "Lecture"),
        .phaseQA: ("问答", "Questions & answers"),
        .phaseDiscussion: ("讨论", "Discussion"),
        .phaseSeatwork: ("练习/自主", "Seatwork"),
        .phaseMedia: ("媒体播放", "Media"),
        .modeLecture: ("讲授型", "Lecture"),
        .modePractice: ("练习型", "Practice"),
        .modeDialogue: ("对话型", "Dialogue"),
        .modeMixed: ("混合型", "Mixed"),
        .questionAnswered: ("有回应的提问", "answered question"),
        .questionUnanswered: ("无回应的提问", "unanswered question"),
    ]

    static func t(_ key: UIKey, _ lang: ReportLanguage) -> String {
        guard let pair = table[key] else { return key.rawValue }
        return lang == .zh ? pair.zh : pair.en
    }

    static func label(_ l: Label, _ lang: ReportLanguage) -> String {
        switch l {
        case .teacher: t(.labelTeacher, lang)
        case .student: t(.labelStudent, lang)
        case .multi: t(.labelMulti, lang)
        case .silence: t(.labelSilence, lang)
        case .media: t(.labelMedia, lang)
        }
    }

    static func phase(_ k: Phase.Kind, _ lang: ReportLanguage) -> String {
        switch k {
        case .lecture: t(.phaseLecture, lang)
        case .qa: t(.phaseQA, lang)
        case .discussion: t(.phaseDiscussion, lang)
        case .seatwork: t(.phaseSeatwork, lang)
        case .media: t(.phaseMedia, lang)
        }
    }

    /// The localised mode name; in English also the Chinese term researchers know it by.
    static func mode(_ m: STMode, _ lang: ReportLanguage) -> String {
        let key: UIKey = switch m {
        case .lecture: .modeLecture
        case .practice: .modePractice
        case .dialogue: .modeDialogue
        case .mixed: .modeMixed
        }
        return lang == .zh ? t(key, .zh) : "\(t(key, .en)) (\(t(key, .zh)))"
    }

    /// As `mode(_:_:)`; a mode this version does not know as given.
    static func mode(_ m: OpenEnum<STMode>, _ lang: ReportLanguage) -> String {
        m.known.map { mode($0, lang) } ?? m.rawValue
    }

    static func severity(_ s: Finding.Severity, _ lang: ReportLanguage) -> String {
        switch s {
        case .info: t(.severityInfo, lang)
        case .warning: t(.severityWarning, lang)
        case .critical: t(.severityCritical, lang)
        }
    }
}
