import Catalog
import Foundation
import MediaCore
import Testing
import TestSupport

/// The catalog's paged lesson query (the portal's list at 10,000+ lessons).
@Suite struct LessonPageTests {
    func seeded(_ temp: TempFolder, count: Int) throws -> CatalogStore {
        let store = try CatalogStore(path: temp.path("catalog.sqlite"))
        for i in 0..<count {
            let s = ResultSummary(durationSeconds: 2400, teacherRatio: Double(i % 10) / 10, studentRatio: 0.2, multiRatio: 0,
                                  silenceRatio: 0.1, rt: 0.5, ch: 0.3, mode: "mixed", medianWaitSeconds: 2, questionCount: i % 7,
                                  turnExchanges: 3, findingsCount: i % 4, slideChanges: 0, microLessons: 0, language: "zh",
                                  lessonTitle: "L\(i)", subject: i % 2 == 0 ? "数学" : "物理", school: "S\(i % 3)", reportDir: temp.path("r\(i)"))
            let job = try store.recordAnalysis(path: "/rec/\(i).mp4", sha256: String(format: "%064x", i + 1), size: 1, mtime: Date(),
                                               pipeline: "default", parameters: [:], reportDir: temp.path("r\(i)"), summary: s, startedAt: Date())
            try store.setAttribution(jobID: job.id, Attribution(school: "S\(i % 3)", teacherID: "T\(i % 5)", subject: s.subject,
                                                                className: "C\(i % 4)", recordedAt: String(format: "2026-09-%02d 08:%02d:00", 1 + i % 28, i % 60),
                                                                source: .manual))
        }
        return store
    }

    @Test func pagesCountAndOrder() async throws {
        let temp = try TempFolder("lesson-page")
        defer { temp.remove() }
        let store = try seeded(temp, count: 120)
        let all = try store.lessonsPage(LessonQuery(), limit: 50, offset: 0)
        #expect(all.total == 120 && all.rows.count == 50)
        let last = try store.lessonsPage(LessonQuery(), limit: 50, offset: 100)
        #expect(last.rows.count == 20)
        let dates = all.rows.compactMap { $0.attribution?.recordedAt }
        #expect(dates == dates.sorted(by: >))
        let t1 = try store.lessonsPage(LessonQuery(teacherID: "T1"), limit: 500, offset: 0)
        #expect(t1.total == 24 && t1.rows.allSatisfy { $0.attribution?.teacherID == "T1" })
        let s2math = try store.lessonsPage(LessonQuery(school: "S2", subject: "数学"), limit: 500, offset: 0)
        #expect(s2math.rows.allSatisfy { $0.attribution?.school == "S2" && $0.attribution?.subject == "数学" } && s2math.total == 20)
        let byTalk = try store.lessonsPage(LessonQuery(sort: .teacherRatio, ascending: true), limit: 500, offset: 0).rows.map(\.summary.teacherRatio)
        #expect(byTalk == byTalk.sorted())
        let text = try store.lessonsPage(LessonQuery(text: "L11"), limit: 500, offset: 0)
        #expect(Set(text.rows.compactMap(\.summary.lessonTitle)) == ["L11", "L110", "L111", "L112", "L113", "L114", "L115", "L116", "L117", "L118", "L119"])
        let percent = try store.lessonsPage(LessonQuery(text: "%"), limit: 500, offset: 0)
        #expect(percent.total == 0)
        let range = try store.lessonsPage(LessonQuery(fromDate: "2026-09-02", toDate: "2026-09-02"), limit: 500, offset: 0)
        #expect(range.total > 0 && range.rows.allSatisfy { $0.attribution?.recordedAt?.hasPrefix("2026-09-02") == true })
        var seen = 0
        try await store.forEachLesson(LessonQuery(), pageSize: 7) { seen += $0.count }
        #expect(seen == 120)
        let groups = try store.lessonGroups(LessonQuery(), groupBy: "subject")
        #expect(groups.map(\.key) == ["数学", "物理"] && groups.map(\.lessons) == [60, 60])
        #expect(groups[0].teacherRatioHistogram.reduce(0, +) == 60)
        let facets = try store.lessonFacets(LessonQuery(school: "S0"))
        #expect(facets.subjects == ["数学", "物理"] && facets.classes == ["C0", "C1", "C2", "C3"])
    }

    @Test("groups by teacher and by grade (parsed from the class name, sorted by number), ? for none")
    func teacherAndGradeGroups() throws {
        let temp = try TempFolder("lesson-groups")
        defer { temp.remove() }
        let store = try seeded(temp, count: 12)
        try store.replaceTerms([("2026-autumn", [TimetableSlot(term: "2026-autumn", school: "S0", room: "R1", weekday: 1, date: nil,
                                                               startMinute: 480, endMinute: 525, teacherID: "T1", teacherName: "王老师",
                                                               subject: "数学", className: "七年级3班", line: 2)])])
        let classes = ["七年级3班", "初二(3)班", "高一3班", "Chemistry club", "10A", "Grade 9"]
        for (i, row) in try store.lessonsPage(LessonQuery(sort: .date, ascending: true), limit: 12, offset: 0).rows.enumerated() {
            var a = try #require(row.attribution)
            a.className = classes[i % classes.count]
            try store.setAttribution(jobID: row.jobID, a)
        }
        let grades = try store.lessonGroups(LessonQuery(), groupBy: "grade")
        #expect(grades.map(\.key) == ["7", "8", "9", "10", "?"])
        #expect(grades.map(\.lessons) == [2, 2, 2, 4, 2])
        let teachers = try store.lessonGroups(LessonQuery(), groupBy: "teacher")
        #expect(teachers.map(\.key) == ["T0", "T2", "T3", "T4", "王老师 (T1)"])
        #expect(teachers.map(\.lessons).reduce(0, +) == 12)
    }

    @Test("v6-jobs-grade fills the grade of lessons attributed before it")
    func gradeMigrationBackfills() throws {
        let temp = try TempFolder("grade-migration")
        defer { temp.remove() }
        let store = try seeded(temp, count: 3)
        let path = temp.path("catalog.sqlite")
        _ = store
        // Undo v6 by hand (as a catalog from before it): drop the column, forget the migration.
        let script = """
            import sqlite3, sys
            c = sqlite3.connect(sys.argv[1])
            c.executescript("UPDATE jobs SET class_name = '初三(1)班'; ALTER TABLE jobs DROP COLUMN grade; DELETE FROM grdb_migrations WHERE identifier = 'v6-jobs-grade';")
            """
        let sqlite = try Tool.run("python3", ["-c", script, path])
        #expect(sqlite.status == 0, "\(sqlite.stderr)")
        let reopened = try CatalogStore(path: path)
        let grades = try reopened.lessonGroups(LessonQuery(), groupBy: "grade")
        #expect(grades.map(\.key) == ["9"] && grades.map(\.lessons) == [3])
    }
}
