import Catalog
import CatalogPostgres
import Foundation
import MediaCore
import Testing
import TestSupport

/// The portal's catalog on both backends (issues 11 and 12): the same data seeded into a SQLite
/// `CatalogStore` and a `PostgresJobQueue` must give the same answer to every `PortalCatalog` call.
/// Everything is called through `any PortalCatalog`, as the portal calls it.

/// A backend under test with the seeding the protocol does not cover (the queue's own calls).
struct ParityBackend: Sendable {
    var name: String
    var catalog: any PortalCatalog
    /// enqueue → claim → complete with `summary`, the result row stamped `createdAt`; returns the job id.
    var seedLesson: @Sendable (_ n: Int, _ path: String, _ summary: ResultSummary, _ createdAt: Date) async throws -> Int64
    /// enqueue only (a job without a result).
    var seedQueued: @Sendable (_ n: Int, _ path: String) async throws -> Int64
    var close: @Sendable () async -> Void

    static func sqlite() throws -> ParityBackend {
        let dir = try TempFolder("parity")
        let store = try CatalogStore(path: dir.path("catalog.sqlite"))
        return ParityBackend(name: "sqlite", catalog: store, seedLesson: { n, path, summary, createdAt in
            let job = try store.enqueue(path: path, sha256: paritySHA(n), size: Int64(1000 + n), mtime: Date(timeIntervalSince1970: 1000),
                                        pipeline: "standard", parameters: [:]).job
            let claimed = try #require(try store.claimNextJob(worker: "w", leaseSeconds: 60))
            #expect(claimed.id == job.id)
            try store.complete(jobID: job.id, worker: "w", reportDir: summary.reportDir, summary: summary, now: createdAt)
            return job.id
        }, seedQueued: { n, path in
            try store.enqueue(path: path, sha256: paritySHA(n), size: Int64(1000 + n), mtime: Date(timeIntervalSince1970: 1000),
                              pipeline: "standard", parameters: [:]).job.id
        }, close: { dir.remove() })
    }

    /// A database whose character type is `C.UTF-8` (not the cluster's `C`): there PostgreSQL's own
    /// `lower` folds every letter, so only the catalog's `COLLATE "C"` keeps SQLite's ASCII-only folding.
    static func postgres() async throws -> ParityBackend {
        let cluster = try sharedCluster.get()
        let name = "parity_\(UInt32.random(in: 0...UInt32.max))"
        try cluster.psql("CREATE DATABASE \(name) TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'")
        let queue = try await PostgresJobQueue(url: cluster.url(database: name))
        return ParityBackend(name: "postgres", catalog: queue, seedLesson: { n, path, summary, createdAt in
            let job = try await queue.enqueue(path: path, sha256: paritySHA(n), size: Int64(1000 + n),
                                              mtime: Date(timeIntervalSince1970: 1000), pipeline: "standard", parameters: [:]).job
            let claimed = try #require(try await queue.claimNextJob(worker: "w", leaseSeconds: 60))
            #expect(claimed.id == job.id)
            #expect(try await queue.complete(jobID: job.id, worker: "w", reportDir: summary.reportDir, summary: summary) == .completed)
            // The server stamps its own clock; the test's numbers, not values of a user.
            try await queue.executeForTesting("UPDATE results SET created_at = \(createdAt.timeIntervalSince1970) WHERE job_id = \(job.id)")
            return job.id
        }, seedQueued: { n, path in
            try await queue.enqueue(path: path, sha256: paritySHA(n), size: Int64(1000 + n), mtime: Date(timeIntervalSince1970: 1000),
                                    pipeline: "standard", parameters: [:]).job.id
        }, close: { await queue.close() })
    }

    static func both() async throws -> [ParityBackend] { [try sqlite(), try await postgres()] }
}

func paritySHA(_ n: Int) -> String { String(format: "%064x", n + 1) }

/// Strings that must survive both backends as they are.
let hostileStrings = ["O'Brien", "'; DROP TABLE jobs; --", "Robert\"); DROP TABLE users;--", "back\\slash $1 $$ ?",
                      "Zoë 数学 🎓", "50% _under_ %", "\u{00C4}rger \u{0301}combining", "tab\tnew\nline"]

/// The parity fixture: ~30 lessons of varied subjects, classes, teachers, dates and sources, some
/// unattributed; a timetable; accounts, sessions, audit entries and settings.
enum ParityFixture {
    static let subjects: [String?] = ["Math", "math", "Physik", "数学", nil, "Biology"]
    static let titles: [String?] = ["Fractions 50% Quiz", "under_score day", "Mixed CASE Title", "Übung Ünïcode", nil,
                                    "'; DROP TABLE jobs; --", "plain", "ärger Äpfel", "L11 review", "100%_done"]
    static let classes = ["7A", "7b", "8A", "10C", "Ä-Klasse", "7a"]
    static let base = 1_788_000_000.0 // 2026-08-29 UTC

    static func summary(_ i: Int) -> ResultSummary {
        // Dyadic fractions: sums and means are exact in doubles, whatever order a backend adds them in.
        ResultSummary(durationSeconds: 2400 + Double(i) * 0.5, teacherRatio: Double((i * 7) % 65) / 64,
                      studentRatio: Double(i % 16) / 32, multiRatio: 0.0625, silenceRatio: 0.125,
                      rt: i % 4 == 3 ? nil : Double((i * 5) % 33) / 32, ch: i % 5 == 4 ? nil : Double(i % 8) / 16,
                      mode: ["lecture", "practice", "dialogue", "mixed"][i % 4],
                      medianWaitSeconds: i % 3 == 0 ? nil : Double(i % 9) / 4, questionCount: (i * 3) % 11,
                      turnExchanges: i % 13, findingsCount: (i * 2) % 5, slideChanges: i % 6, microLessons: i % 3,
                      language: i % 2 == 0 ? "zh" : "en", lessonTitle: titles[i % titles.count],
                      teacher: i % 4 == 0 ? nil : ["Frau Müller", "Mr. O'Brien", "zoë", "王老师"][i % 4],
                      subject: subjects[i % subjects.count], school: i % 7 == 0 ? nil : ["S1", "S2", "S3"][i % 3],
                      reportDir: "/reports/\(i)", warnings: i % 6 == 5 ? ["truncated-recording"] : [])
    }

    static func path(_ i: Int) -> String {
        ["/rec/S1/room\(i % 4)/lesson_\(i).mp4", "/rec/S2/Raum \(i)/Stunde%\(i).mkv", "/rec/O'Brien/\(i).mp4"][i % 3]
    }

    static func createdAt(_ i: Int) -> Date {
        // Some on the same second, some crossing UTC midnight, one rounding up to the next second (SQLite's
        // datetime rounds to the millisecond first).
        let offsets: [Double] = [0, 3600.25, 86_399.5, 86_400, 90_000.75, 172_799.9996, 259_200]
        return Date(timeIntervalSince1970: base + offsets[i % offsets.count] + Double(i / offsets.count) * 86_400)
    }

    static func attribution(_ i: Int) -> Attribution? {
        switch i % 6 {
        case 0: return nil
        case 1: return Attribution(school: "S1", room: "R\(i % 3)", teacherID: "T1", subject: "Math", className: classes[i % classes.count],
                                   recordedAt: "2026-09-0\(1 + i % 9) 08:\(10 + i % 50):00", slotID: 1, source: .timetable)
        case 2: return Attribution(school: "S2", room: "Raum 1", teacherID: "T2", subject: nil, className: classes[(i + 1) % classes.count],
                                   recordedAt: "2026-09-0\(1 + i % 9) 10:00:00", slotID: nil, source: .plan)
        case 3: return Attribution(school: "S1", teacherID: "T9-unknown", subject: "数学", className: "7A",
                                   recordedAt: "2026-09-03 08:00:00", source: .manual)
        case 4: return Attribution(school: "S3", room: "R4", recordedAt: "2026-08-31 23:59:59", source: .unmatched)
        default: return Attribution(school: nil, teacherID: "T3", subject: "Physik", className: "Ä-Klasse",
                                    recordedAt: nil, source: .manual)
        }
    }

    static let now = Date(timeIntervalSince1970: base + 30 * 86_400)

    static func slot(_ term: String, _ n: Int, teacher: String, name: String, school: String, weekday: Int?, date: String?) -> TimetableSlot {
        TimetableSlot(term: term, school: school, room: "R\(n % 3)", weekday: weekday, date: date, startMinute: 480 + n * 50,
                      endMinute: 525 + n * 50, teacherID: teacher, teacherName: name, subject: ["Math", "数学", "Physik"][n % 3],
                      className: classes[n % classes.count], line: n + 2)
    }

    /// Seeds `b`; returns the job ids in seeding order.
    static func seed(_ b: ParityBackend) async throws -> [Int64] {
        let c = b.catalog
        // Two terms, imported in turn; the first imported again later (ids continue, its slots replaced).
        try await c.replaceTerms([("2026秋", [
            slot("2026秋", 0, teacher: "T1", name: "Frau Müller", school: "S1", weekday: 1, date: nil),
            slot("2026秋", 1, teacher: "T2", name: "Mr. O'Brien", school: "S2", weekday: 2, date: nil),
            slot("2026秋", 2, teacher: "T3", name: "zoë", school: "S1", weekday: nil, date: "2026-09-03"),
        ])], now: Date(timeIntervalSince1970: base))
        try await c.replaceTerms([("2027春", [
            slot("2027春", 3, teacher: "T4", name: "王老师", school: "S3", weekday: 5, date: nil),
            slot("2027春", 4, teacher: "T1", name: "Frau Müller-Lüdenscheidt", school: "S1", weekday: 3, date: nil),
        ])], now: Date(timeIntervalSince1970: base + 10))
        var ids: [Int64] = []
        for i in 0..<30 {
            let id = try await b.seedLesson(i, path(i), summary(i), createdAt(i))
            ids.append(id)
            if let a = attribution(i) { try await c.setAttribution(jobID: id, a) }
        }
        ids.append(try await b.seedQueued(30, "/rec/queued.mp4"))
        // Re-import of the first term in one call with a new one: the lessons' slot ids of that term are cleared.
        try await c.replaceTerms([
            ("2026秋", [slot("2026秋", 5, teacher: "T2", name: "Mr. O'Brien", school: "S2", weekday: 4, date: nil),
                       slot("2026秋", 6, teacher: "T5", name: "'; DROP TABLE teachers; --", school: "S2", weekday: nil, date: "2026-10-01")]),
            ("2027夏", [slot("2027夏", 7, teacher: "T5", name: "Last Name Wins", school: "S3", weekday: 7, date: nil)]),
        ], now: Date(timeIntervalSince1970: base + 20))

        let t0 = Date(timeIntervalSince1970: base + 100)
        let admin = try await c.addUser(name: "admin", role: .districtAdmin, passwordHash: "$2b$12$hash", teacherID: nil, school: nil, now: t0)
        let t1 = try await c.addUser(name: "müller", role: .teacher, passwordHash: nil, teacherID: "T1", school: "S1", now: t0)
        _ = try await c.addUser(name: "Zed", role: .schoolAdmin, passwordHash: "h", teacherID: nil, school: "S2", now: t0)
        // An update of an existing name (role, hash, teacher, school), then new accounts.
        _ = try await c.addUser(name: "admin", role: .schoolAdmin, passwordHash: "$2b$12$new", teacherID: "T2", school: "S2", now: t0)
        _ = try await c.addUser(name: "a-second-T1", role: .teacher, passwordHash: nil, teacherID: "T1", school: nil, now: t0)
        _ = try await c.addUser(name: "O'Brien", role: .teacher, passwordHash: nil, teacherID: "T2", school: nil, now: t0)

        try await c.createSession(tokenHash: paritySHA(1000), userID: admin.id, csrf: "csrf-a", expiresAt: now.addingTimeInterval(3600), now: now)
        try await c.createSession(tokenHash: paritySHA(1001), userID: t1.id, csrf: "csrf-t", expiresAt: now.addingTimeInterval(-1), now: now.addingTimeInterval(-7200))
        try await c.createSession(tokenHash: paritySHA(1002), userID: t1.id, csrf: "csrf-gone", expiresAt: now.addingTimeInterval(60), now: now)
        try await c.deleteSession(tokenHash: paritySHA(1002))

        for k in 0..<12 {
            try await c.audit(user: k % 2 == 0 ? "admin" : "müller", action: ["sign-in", "export", "assign"][k % 3],
                              detail: k % 4 == 0 ? "" : "job \(k) '; --", ip: k % 5 == 0 ? "" : "10.0.0.\(k)",
                              now: Date(timeIntervalSince1970: base + 200 + Double(k / 2)))
        }
        try await c.setSetting("attribution.pathPattern", "/rec/{school}/{room}/*")
        try await c.setSetting("attribution.pathPattern", "/rec/{school}/{room}/{file}")
        try await c.setSetting("empty", "")
        return ids
    }

    /// The queries compared: every filter, every sort key both ways, text with `%`, `_`, case, non-ASCII letters.
    static var queries: [LessonQuery] {
        var out: [LessonQuery] = [LessonQuery()]
        for key in LessonQuery.SortKey.allCases {
            for asc in [true, false] { out.append(LessonQuery(sort: key, ascending: asc)) }
        }
        out += [
            LessonQuery(teacherID: "T1"), LessonQuery(teacherID: "T9-unknown"), LessonQuery(teacherID: "nobody"),
            LessonQuery(school: "S1"), LessonQuery(school: "S2", sort: .subject, ascending: true), LessonQuery(school: "S3"),
            LessonQuery(subject: "Math"), LessonQuery(subject: "math"), LessonQuery(subject: "数学"), LessonQuery(subject: "Physik"),
            LessonQuery(className: "7A"), LessonQuery(className: "7a"), LessonQuery(className: "Ä-Klasse"),
            LessonQuery(fromDate: "2026-09-01"), LessonQuery(toDate: "2026-08-31"),
            LessonQuery(fromDate: "2026-08-30", toDate: "2026-09-03", sort: .rt, ascending: true),
            LessonQuery(fromDate: "2026-09-09", toDate: "2026-09-01"),
            LessonQuery(text: ""), LessonQuery(text: "%"), LessonQuery(text: "_"), LessonQuery(text: "%_"),
            LessonQuery(text: "50%"), LessonQuery(text: "math"), LessonQuery(text: "MATH"), LessonQuery(text: "mIxEd"),
            LessonQuery(text: "ü"), LessonQuery(text: "Ü"), LessonQuery(text: "ä"), LessonQuery(text: "Ä"),
            LessonQuery(text: "o'b"), LessonQuery(text: "'; drop"), LessonQuery(text: "7B"), LessonQuery(text: "lesson_1"),
            LessonQuery(text: "müller"), LessonQuery(text: "王"), LessonQuery(text: "room"), LessonQuery(text: "zzz-none"),
            LessonQuery(teacherID: "T1", school: "S1", subject: "Math", text: "lesson", sort: .findings, ascending: true),
            LessonQuery(school: "S1", className: "7A", text: "e", fromDate: "2026-09-01", toDate: "2026-09-30",
                        sort: .className, ascending: false),
        ]
        return out
    }
}

/// Everything a backend answers for the fixture, labelled, each value printed in full (a `Double`'s
/// description round-trips, so equal text is equal values).
func paritySnapshot(_ c: any PortalCatalog, ids: [Int64]) async throws -> [(String, String)] {
    var out: [(String, String)] = []
    func add<T>(_ label: String, _ value: T) { out.append((label, String(reflecting: value))) }
    let now = ParityFixture.now
    for (n, q) in ParityFixture.queries.enumerated() {
        let label = "query \(n) \(q)"
        add("\(label) page all", try await c.lessonsPage(q, limit: 1000, offset: 0))
        for (limit, offset) in [(7, 0), (7, 7), (7, 28), (5, 100), (0, 0), (3, -4)] {
            add("\(label) page \(limit)@\(offset)", try await c.lessonsPage(q, limit: limit, offset: offset))
        }
        var pages: [[LessonRow]] = []
        try await c.forEachLesson(q, pageSize: 4) { pages.append($0) }
        add("\(label) forEachLesson", pages)
        add("\(label) facets", try await c.lessonFacets(q))
        add("\(label) groups subject", try await c.lessonGroups(q, groupBy: "subject"))
        add("\(label) groups class", try await c.lessonGroups(q, groupBy: "class"))
        add("\(label) groups teacher", try await c.lessonGroups(q, groupBy: "teacher"))
        add("\(label) groups grade", try await c.lessonGroups(q, groupBy: "grade"))
    }
    for (teacher, school, job) in [(nil, nil, nil), ("T1", nil, nil), (nil, "S2", nil), (nil, nil, ids[3]), ("T2", "S2", nil),
                                   (nil, nil, Int64(9999)), (nil, "S1", ids[1])] as [(String?, String?, Int64?)] {
        add("lessons \(String(describing: teacher)) \(String(describing: school)) \(String(describing: job))",
            try await c.lessons(teacherID: teacher, school: school, jobID: job))
    }
    add("users", try await c.users())
    add("userCount", try await c.userCount())
    for name in ["admin", "müller", "O'Brien", "nobody", "ADMIN"] { add("user \(name)", try await c.user(named: name)) }
    for t in ["T1", "T2", "T9", ""] { add("user teacher \(t)", try await c.user(teacherID: t)) }
    for k in [1000, 1001, 1002, 1003] {
        add("session \(k) now", try await c.session(tokenHash: paritySHA(k), now: now))
        add("session \(k) before", try await c.session(tokenHash: paritySHA(k), now: now.addingTimeInterval(-3600)))
    }
    for limit in [1000, 5, 0, -1] { add("auditLog \(limit)", try await c.auditLog(limit: limit)) }
    add("timetableSlots", try await c.timetableSlots())
    add("teachers", try await c.teachers().map { [$0.id, $0.name, $0.school] })
    for id in ids { add("attribution \(id)", try await c.attribution(jobID: id)) }
    add("unmatched", try await c.allUnmatchedLessons(pageSize: 3))
    add("unmatched S1 after 5", try await c.unmatchedLessons(school: "S1", afterID: 5, limit: 2))
    add("unmatched none", try await c.unmatchedLessons(school: "no such school", afterID: 0, limit: 10))
    var done: [String] = []
    try await c.forEachDoneJob(pageSize: 7) { done.append("\($0.id) \($0.path) \($0.reportDir)") }
    add("doneJobs", done)
    add("doneJobs after 10", try await c.doneJobs(afterID: 10, limit: 4).map { "\($0.id) \($0.path) \($0.reportDir)" })
    for key in ["attribution.pathPattern", "empty", "missing"] { add("setting \(key)", try await c.setting(key)) }
    return out
}

@Suite("PortalCatalog: SQLite and PostgreSQL give the same answers", .serialized)
struct PortalCatalogParityTests {
    @Test("parity: every PortalCatalog call on the same seeded data")
    func parity() async throws {
        let backends = try await ParityBackend.both()
        defer { Task { for b in backends { await b.close() } } }
        var ids: [[Int64]] = []
        for b in backends { ids.append(try await ParityFixture.seed(b)) }
        #expect(ids[0] == ids[1])
        let sqlite = try await paritySnapshot(backends[0].catalog, ids: ids[0])
        let postgres = try await paritySnapshot(backends[1].catalog, ids: ids[1])
        #expect(sqlite.count == postgres.count)
        var differing = 0
        for (a, b) in zip(sqlite, postgres) {
            #expect(a.0 == b.0)
            if a.1 != b.1 {
                differing += 1
                Issue.record("\(a.0):\nsqlite:   \(a.1)\npostgres: \(b.1)")
            }
        }
        #expect(differing == 0)

        // The comparison is not vacuous: the fixture exercises what it claims to (checked on both).
        for b in backends {
            let c = b.catalog
            func total(_ q: LessonQuery) async throws -> Int { try await c.lessonsPage(q, limit: 1, offset: 0).total }
            #expect(try await total(LessonQuery()) == 30, "\(b.name)")
            #expect(try await total(LessonQuery(text: "%")) == 14, "\(b.name): titles or paths with a percent sign")
            #expect(try await total(LessonQuery(text: "_")) > 0, "\(b.name)")
            #expect(try await total(LessonQuery(text: "_")) < 30, "\(b.name): _ is not a wildcard")
            let upper = try await total(LessonQuery(text: "TITLE")), lower = try await total(LessonQuery(text: "tItLe"))
            #expect(upper == lower && upper > 0, "\(b.name)")
            #expect(try await total(LessonQuery(text: "mixed case")) == 3, "\(b.name): ASCII case folded")
            // SQLite's lower folds ASCII letters only: "Ü" does not find "ü" (nor the reverse).
            #expect(try await total(LessonQuery(text: "übung")) == 0, "\(b.name)")
            #expect(try await total(LessonQuery(text: "Übung")) == 3, "\(b.name)")
            #expect(try await c.timetableSlots().map(\.term) == ["2026秋", "2026秋", "2027夏", "2027春", "2027春"], "\(b.name)")
            #expect(try await c.teachers().first { $0.id == "T5" }?.name == "Last Name Wins", "\(b.name)")
            // The update of "admin" took id 4 on both (SQLite's AUTOINCREMENT and PostgreSQL's sequence alike).
            #expect(try await c.users().map(\.id) == [6, 3, 5, 1, 2], "\(b.name): O'Brien, Zed, a-second-T1, admin, müller")
            #expect(try await c.user(named: "admin") == UserRow(id: 1, name: "admin", role: .schoolAdmin, passwordHash: "$2b$12$new",
                                                                 teacherID: "T2", school: "S2"), "\(b.name)")
            #expect(try await c.user(teacherID: "T1")?.name == "müller", "\(b.name): the lowest id")
            #expect(try await c.session(tokenHash: paritySHA(1000), now: ParityFixture.now)?.csrf == "csrf-a", "\(b.name)")
            #expect(try await c.auditLog(limit: 3).map(\.detail) == ["job 11 '; --", "job 10 '; --", "job 9 '; --"], "\(b.name)")
            #expect(try await c.lessonGroups(LessonQuery(), groupBy: "class").map(\.lessons).reduce(0, +) == 30, "\(b.name)")
            #expect(try await c.allUnmatchedLessons(pageSize: 4).count == 10, "\(b.name): 5 never attributed, 5 unmatched")
            #expect(try await c.doneJobs(afterID: 0, limit: 1000).count == 30, "\(b.name): not the queued job")
        }
    }

    @Test("an expired session is not returned, and creating a session deletes expired ones")
    func expiredSession() async throws {
        let backends = try await ParityBackend.both()
        defer { Task { for b in backends { await b.close() } } }
        for b in backends {
            let c = b.catalog
            let t = Date(timeIntervalSince1970: 1_800_000_000)
            let u = try await c.addUser(name: "t", role: .teacher, passwordHash: nil, teacherID: "T1", school: nil, now: t)
            try await c.createSession(tokenHash: paritySHA(1), userID: u.id, csrf: "c1", expiresAt: t.addingTimeInterval(10), now: t)
            #expect(try await c.session(tokenHash: paritySHA(1), now: t.addingTimeInterval(9))?.user == u, "\(b.name)")
            #expect(try await c.session(tokenHash: paritySHA(1), now: t.addingTimeInterval(10)) == nil, "\(b.name): expires_at is not live")
            #expect(try await c.session(tokenHash: paritySHA(1), now: t.addingTimeInterval(11)) == nil, "\(b.name)")
            // A new session after expiry deletes the old row: not even an earlier clock finds it then.
            try await c.createSession(tokenHash: paritySHA(2), userID: u.id, csrf: "c2", expiresAt: t.addingTimeInterval(100),
                                      now: t.addingTimeInterval(11))
            #expect(try await c.session(tokenHash: paritySHA(1), now: t) == nil, "\(b.name): deleted")
            #expect(try await c.session(tokenHash: paritySHA(2), now: t.addingTimeInterval(50))?.csrf == "c2", "\(b.name)")
            try await c.deleteSession(tokenHash: paritySHA(2))
            #expect(try await c.session(tokenHash: paritySHA(2), now: t.addingTimeInterval(50)) == nil, "\(b.name)")
        }
    }

    @Test("setAttribution and attribution on a missing job throw noSuchJob on both")
    func noSuchJob() async throws {
        let backends = try await ParityBackend.both()
        defer { Task { for b in backends { await b.close() } } }
        for b in backends {
            let id = try await b.seedLesson(0, "/rec/one.mp4", ParityFixture.summary(0), Date(timeIntervalSince1970: 1_800_000_000))
            #expect(try await b.catalog.attribution(jobID: id) == nil, "\(b.name): none before any")
            await #expect(throws: CatalogError.noSuchJob(id: id + 100), "\(b.name)") {
                try await b.catalog.setAttribution(jobID: id + 100, Attribution(school: "S1", source: .manual))
            }
            await #expect(throws: CatalogError.noSuchJob(id: id + 100), "\(b.name)") {
                _ = try await b.catalog.attribution(jobID: id + 100)
            }
            await #expect(throws: CatalogError.noSuchJob(id: -1), "\(b.name)") {
                try await b.catalog.setAttribution(jobID: -1, Attribution(source: .unmatched))
            }
        }
    }

    @Test("hostile strings (quotes, '; DROP TABLE, backslashes, unicode) round-trip on both")
    func hostileStringsRoundTrip() async throws {
        let backends = try await ParityBackend.both()
        defer { Task { for b in backends { await b.close() } } }
        var answers: [[String]] = []
        for b in backends {
            let c = b.catalog
            let t = Date(timeIntervalSince1970: 1_800_000_000.125)
            var jobIDs: [Int64] = []
            for (n, s) in hostileStrings.enumerated() {
                var summary = ParityFixture.summary(n)
                summary.lessonTitle = s
                summary.teacher = s
                summary.subject = s
                summary.school = s
                let id = try await b.seedLesson(n, "/rec/\(s)/\(n).mp4", summary, t)
                jobIDs.append(id)
                let a = Attribution(school: s, room: s, teacherID: "T\(n)", subject: s, className: s, recordedAt: "2026-09-01 08:00:0\(n)",
                                    slotID: Int64(n), source: .manual)
                try await c.setAttribution(jobID: id, a)
                #expect(try await c.attribution(jobID: id) == a, "\(b.name) \(s)")
                let user = try await c.addUser(name: s, role: .schoolAdmin, passwordHash: s, teacherID: s, school: s, now: t)
                #expect(try await c.user(named: s) == user, "\(b.name) \(s)")
                #expect(user.passwordHash == s && user.teacherID == s && user.school == s, "\(b.name) \(s)")
                try await c.audit(user: s, action: s, detail: s, ip: s, now: t)
                try await c.setSetting(s, s)
                #expect(try await c.setting(s) == s, "\(b.name) \(s)")
                let page = try await c.lessonsPage(LessonQuery(school: s, subject: s, className: s, text: s), limit: 10, offset: 0)
                #expect(page.rows.map(\.jobID) == [id], "\(b.name) \(s)")
                #expect(page.rows.first?.summary.lessonTitle == s, "\(b.name) \(s)")
            }
            try await c.replaceTerms([(hostileStrings[1], hostileStrings.enumerated().map { n, s in
                TimetableSlot(term: hostileStrings[1], school: s, room: s, weekday: 1 + n % 7, date: nil, startMinute: 60 * n,
                              endMinute: 60 * n + 45, teacherID: "T\(n)", teacherName: s, subject: s, className: s, line: n)
            })], now: t)
            let slots = try await c.timetableSlots()
            #expect(slots.map(\.teacherName) == hostileStrings, "\(b.name)")
            #expect(slots.map(\.room) == hostileStrings, "\(b.name)")
            #expect(try await c.teachers().map(\.name) == hostileStrings, "\(b.name)")
            let log = try await c.auditLog(limit: 100)
            #expect(log.map(\.detail) == hostileStrings.reversed(), "\(b.name)")
            #expect(try await c.userCount() == hostileStrings.count, "\(b.name): the tables are still there")
            #expect(try await c.lessons(teacherID: nil, school: nil, jobID: nil).count == hostileStrings.count, "\(b.name)")
            answers.append([String(reflecting: try await c.users()), String(reflecting: log), String(reflecting: slots),
                            String(reflecting: try await c.lessonsPage(LessonQuery(sort: .subject, ascending: true), limit: 100, offset: 0))])
        }
        #expect(answers[0] == answers[1])
    }
}
