import Catalog
@testable import CatalogPostgres
import Foundation
import MediaCore
import Testing
import TestSupport

@Suite("PostgreSQL migrations: v4 after v5", .serialized)
struct PostgresMigrationV4Tests {
    @Test("a database made before v4-attribution-accounts existed (v1, v2, v3, v5) gets v4 on its next start")
    func v4AfterV5() async throws {
        let url = try sharedCluster.get().createDatabase("v4")
        let old = PostgresMigrations.all.filter { ["v1-recordings-jobs-results", "v2-results-warnings", "v3-jobs-interruptions", "v5-jobs-completed-by"].contains($0.name) }
        #expect(old.map(\.name) == ["v1-recordings-jobs-results", "v2-results-warnings", "v3-jobs-interruptions", "v5-jobs-completed-by"])
        let before = try await PostgresJobQueue(url: url, maxAttempts: 4, retryBaseSeconds: 30, callTimeoutSeconds: 15,
                                                maxConnections: 2, migrations: old)
        #expect(try await before.appliedMigrations() == ["v1-recordings-jobs-results", "v2-results-warnings", "v3-jobs-interruptions",
                                                         "v5-jobs-completed-by"])
        // The old release's work: a done lesson, completed by a worker (v5's column).
        let job = try await before.enqueue(path: "/rec/old.mp4", sha256: String(repeating: "ab", count: 32), size: 10,
                                           mtime: Date(timeIntervalSince1970: 1), pipeline: "standard", parameters: [:]).job
        _ = try #require(try await before.claimNextJob(worker: "old:1:t:w0", leaseSeconds: 60))
        #expect(try await before.complete(jobID: job.id, worker: "old:1:t:w0", reportDir: "/reports/old",
                                          summary: ParityFixture.summary(1)) == .completed)
        // Without v4 the portal's tables are not there.
        await #expect(throws: CatalogError.self) { _ = try await before.userCount() }
        await before.close()

        let after = try await PostgresJobQueue(url: url)
        #expect(try await after.appliedMigrations() == PostgresJobQueue.migrationNames.sorted())
        #expect(PostgresJobQueue.migrationNames.contains("v4-attribution-accounts"))
        // Applied once: a third start changes nothing.
        let again = try await PostgresJobQueue(url: url)
        #expect(try await again.appliedMigrations() == PostgresJobQueue.migrationNames.sorted())
        await again.close()

        let catalog: any PortalCatalog = after
        #expect(try await after.job(id: job.id).completedBy == "old:1:t:w0")
        #expect(try await catalog.attribution(jobID: job.id) == nil)
        #expect(try await catalog.allUnmatchedLessons().map(\.jobID) == [job.id])
        try await catalog.replaceTerms([("2026秋", [TimetableSlot(term: "2026秋", school: "S1", room: "R1", weekday: 1, date: nil,
                                                                  startMinute: 480, endMinute: 525, teacherID: "T1",
                                                                  teacherName: "Frau Müller", subject: "Math", className: "7A",
                                                                  line: 2)])],
                                       now: Date(timeIntervalSince1970: 100))
        let slot = try #require(try await catalog.timetableSlots().first)
        let a = Attribution(school: "S1", room: "R1", teacherID: "T1", subject: "Math", className: "7A",
                            recordedAt: "2026-09-07 08:05:00", slotID: slot.id, source: .timetable)
        try await catalog.setAttribution(jobID: job.id, a)
        let page = try await catalog.lessonsPage(LessonQuery(teacherID: "T1"), limit: 10, offset: 0)
        #expect(page.total == 1)
        #expect(page.rows.first?.attribution == a)
        #expect(page.rows.first?.teacherName == "Frau Müller")
        let user = try await catalog.addUser(name: "müller", role: .teacher, passwordHash: nil, teacherID: "T1", school: "S1",
                                             now: Date(timeIntervalSince1970: 100))
        #expect(try await catalog.user(teacherID: "T1") == user)
        try await catalog.setSetting("attribution.pathPattern", "/rec/{school}/{room}/{file}")
        #expect(try await catalog.setting("attribution.pathPattern") == "/rec/{school}/{room}/{file}")
        try await catalog.audit(user: "müller", action: "sign-in", detail: "", ip: "127.0.0.1", now: Date(timeIntervalSince1970: 101))
        #expect(try await catalog.auditLog(limit: 10).map(\.action) == ["sign-in"])
        await after.close()
    }

    @Test("v4's constraints hold on PostgreSQL as on SQLite")
    func v4Constraints() async throws {
        let backends = try await ParityBackend.both()
        defer { Task { for b in backends { await b.close() } } }
        for b in backends {
            let c = b.catalog
            let t = Date(timeIntervalSince1970: 1)
            // A teacher account needs a teacher id, a school administrator a school.
            await #expect(throws: CatalogError.self, "\(b.name)") {
                _ = try await c.addUser(name: "x", role: .teacher, passwordHash: nil, teacherID: nil, school: nil, now: t)
            }
            await #expect(throws: CatalogError.self, "\(b.name)") {
                _ = try await c.addUser(name: "y", role: .schoolAdmin, passwordHash: nil, teacherID: nil, school: nil, now: t)
            }
            await #expect(throws: CatalogError.self, "\(b.name)") {
                _ = try await c.addUser(name: "", role: .districtAdmin, passwordHash: nil, teacherID: nil, school: nil, now: t)
            }
            // A session's token hash is a SHA-256 and its account must exist.
            await #expect(throws: CatalogError.self, "\(b.name)") {
                try await c.createSession(tokenHash: "short", userID: 1, csrf: "c", expiresAt: t, now: t)
            }
            await #expect(throws: CatalogError.self, "\(b.name)") {
                try await c.createSession(tokenHash: paritySHA(7), userID: 12345, csrf: "c", expiresAt: t, now: t)
            }
            // A slot has a weekday or a date (not both), and ends after it starts; a failed import leaves nothing.
            let good = TimetableSlot(term: "T", school: "S", room: "R", weekday: 1, date: nil, startMinute: 60, endMinute: 120,
                                     teacherID: "T1", teacherName: "N", subject: "M", className: "7A", line: 1)
            var both = good
            both.date = "2026-09-01"
            var backwards = good
            backwards.endMinute = 30
            for bad in [both, backwards] {
                await #expect(throws: CatalogError.self, "\(b.name)") { try await c.replaceTerms([("T", [good, bad])], now: t) }
            }
            #expect(try await c.timetableSlots().isEmpty, "\(b.name)")
            #expect(try await c.teachers().isEmpty, "\(b.name)")
            #expect(try await c.userCount() == 0, "\(b.name)")
        }
    }
}
