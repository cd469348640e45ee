internal import MediaCore

/// The portal's interface texts in both report languages.
enum PortalText: String {
    case appName, signIn, signOut, userName, password, signInFailed, tooManyAttempts, myLessons, allLessons
    case trends, school, date, className, subject, title, teacher, talkRatio, stMode, findings, filter
    case search, from, to, sort, order, ascending, descending, page, of, previous, next, noLessons
    case lessonsTotal, report, recording, clips, moments, openReport, notFound, notFoundBody, forbidden
    case tooLarge, badRequest, serverError, serverErrorBody, signInRequired, exportCSV, bySubject, byClass, byGrade
    case byTeacher, lessons, meanTalk, meanRt, meanCh, meanWait, meanQuestions, talkHistogram
    case teacherShareTrend, rtChTrend, questionsTrend, goal, questions, waitTime, noTrend, back, language
    case tokenSignIn, idToken, csrfFailed, any, providerSignIn
}

enum PortalStrings {
    static func t(_ k: PortalText, _ lang: ReportLanguage) -> String {
        let pair = table[k] ?? (k.rawValue, k.rawValue)
        return lang == .zh ? pair.0 : pair.1
    }

    static let table: [PortalText: (String, String)] = [
        .appName: ("LessonLens 教师平台", "LessonLens portal"),
        .signIn: ("登录", "Sign in"),
        .signOut: ("退出", "Sign out"),
        .userName: ("账号", "User name"),
        .password: ("密码", "Password"),
        .signInFailed: ("账号或密码不正确。", "Wrong user name or password."),
        .tooManyAttempts: ("尝试次数过多，请一分钟后再试。", "Too many attempts; try again in a minute."),
        .myLessons: ("我的课", "My lessons"),
        .allLessons: ("课堂", "Lessons"),
        .trends: ("我的趋势", "My trends"),
        .school: ("学校视图", "School view"),
        .date: ("日期", "Date"),
        .className: ("班级", "Class"),
        .subject: ("学科", "Subject"),
        .title: ("课题", "Title"),
        .teacher: ("教师", "Teacher"),
        .talkRatio: ("教师讲话占比", "Teacher talk"),
        .stMode: ("S-T 教学模式", "S-T mode"),
        .findings: ("发现", "Findings"),
        .filter: ("筛选", "Filter"),
        .search: ("搜索", "Search"),
        .from: ("从", "From"),
        .to: ("到", "To"),
        .sort: ("排序", "Sort"),
        .order: ("顺序", "Order"),
        .ascending: ("升序", "ascending"),
        .descending: ("降序", "descending"),
        .page: ("第", "Page"),
        .of: ("页，共", "of"),
        .previous: ("上一页", "Previous"),
        .next: ("下一页", "Next"),
        .noLessons: ("没有符合条件的课。", "No lessons match."),
        .lessonsTotal: ("节课", "lessons"),
        .report: ("报告", "Report"),
        .recording: ("录像", "Recording"),
        .clips: ("微课片段", "Micro-lesson clips"),
        .moments: ("时刻", "Moments"),
        .openReport: ("在新窗口打开报告", "Open the report in a new window"),
        .notFound: ("未找到", "Not found"),
        .notFoundBody: ("没有这个页面，或者您无权查看。", "There is no such page, or it is not yours to see."),
        .forbidden: ("请求被拒绝", "Request refused"),
        .tooLarge: ("请求过大", "Request too large"),
        .badRequest: ("请求无效", "Bad request"),
        .serverError: ("服务器错误", "Server error"),
        .serverErrorBody: ("出现了内部错误，已记录。", "Something went wrong on the server; it has been logged."),
        .signInRequired: ("请先登录。", "Please sign in."),
        .exportCSV: ("导出 CSV", "Export CSV"),
        .bySubject: ("按学科", "By subject"),
        .byClass: ("按班级", "By class"),
        .byGrade: ("按年级（由班级名称识别）", "By grade (read from the class name)"),
        .byTeacher: ("按教师", "By teacher"),
        .lessons: ("课数", "Lessons"),
        .meanTalk: ("平均教师讲话", "Mean teacher talk"),
        .meanRt: ("平均 Rt", "Mean Rt"),
        .meanCh: ("平均 Ch", "Mean Ch"),
        .meanWait: ("平均候答时间", "Mean wait time"),
        .meanQuestions: ("平均提问数", "Mean questions"),
        .talkHistogram: ("教师讲话占比分布", "Teacher talk distribution"),
        .teacherShareTrend: ("教师讲话占比（目标 ≤ 70%）", "Teacher talk share (goal ≤ 70%)"),
        .rtChTrend: ("Rt-Ch 图", "Rt-Ch chart"),
        .questionsTrend: ("提问数与候答时间（目标 ≥ 3 秒）", "Questions and wait time (goal ≥ 3 s)"),
        .goal: ("目标", "goal"),
        .questions: ("提问", "Questions"),
        .waitTime: ("候答时间", "Wait time"),
        .noTrend: ("还没有可显示的课。", "No lessons to show yet."),
        .back: ("返回", "Back"),
        .language: ("English", "中文"),
        .tokenSignIn: ("用身份令牌登录", "Sign in with an identity token"),
        .providerSignIn: ("用统一身份认证登录", "Sign in with the district account"),
        .idToken: ("身份令牌", "Identity token"),
        .csrfFailed: ("表单已过期，请重新提交。", "The form expired; please submit it again."),
        .any: ("全部", "all"),
    ]

    static func mode(_ m: String?, _ lang: ReportLanguage) -> String {
        guard let m else { return "–" }
        let zh = ["lecture": "讲授型", "practice": "练习型", "dialogue": "对话型", "mixed": "混合型"]
        return lang == .zh ? (zh[m] ?? m) : m
    }
}
