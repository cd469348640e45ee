import Foundation
internal import Catalog

/// The JSON the API answers (docs/openapi.yaml).
enum PortalAPI {
    struct Lesson: Encodable {
        var id: Int64
        var recordedAt: String
        var school: String?
        var teacherID: String?
        var teacherName: String?
        var subject: String?
        var className: String?
        var title: String
        var durationSeconds: Double
        var teacherRatio: Double
        var studentRatio: Double
        var rt: Double?
        var ch: Double?
        var mode: String?
        var medianWaitSeconds: Double?
        var questionCount: Int
        var findingsCount: Int
        var microLessons: Int
        var reportURL: String
        var pageURL: String

        init(_ l: LessonRow) {
            id = l.jobID
            recordedAt = PortalPages.date(l)
            school = l.attribution?.school ?? l.summary.school
            teacherID = l.attribution?.teacherID
            teacherName = l.teacherName ?? l.summary.teacher
            subject = l.attribution?.subject ?? l.summary.subject
            className = l.attribution?.className
            title = PortalPages.title(l)
            durationSeconds = l.summary.durationSeconds
            teacherRatio = l.summary.teacherRatio
            studentRatio = l.summary.studentRatio
            rt = l.summary.rt
            ch = l.summary.ch
            mode = l.summary.mode
            medianWaitSeconds = l.summary.medianWaitSeconds
            questionCount = l.summary.questionCount
            findingsCount = l.summary.findingsCount
            microLessons = l.summary.microLessons
            reportURL = "/lessons/\(l.jobID)/files/report.json"
            pageURL = "/lessons/\(l.jobID)"
        }
    }

    struct LessonPage: Encodable {
        var total: Int
        var page: Int
        var perPage: Int
        var items: [Lesson]
    }

    struct Trends: Encodable {
        struct Point: Encodable {
            var id: Int64
            var recordedAt: String
            var teacherRatio: Double
            var rt: Double?
            var ch: Double?
            var questionCount: Int
            var medianWaitSeconds: Double?
        }
        struct Goals: Encodable {
            var teacherRatioMax: Double
            var waitSecondsMin: Double
        }
        var goals: Goals
        var points: [Point]

        init(_ lessons: [LessonRow]) {
            goals = Goals(teacherRatioMax: PortalCharts.teacherTalkGoal, waitSecondsMin: PortalCharts.waitGoalSeconds)
            points = lessons.map {
                Point(id: $0.jobID, recordedAt: PortalPages.date($0), teacherRatio: $0.summary.teacherRatio, rt: $0.summary.rt,
                      ch: $0.summary.ch, questionCount: $0.summary.questionCount, medianWaitSeconds: $0.summary.medianWaitSeconds)
            }
        }
    }
}
