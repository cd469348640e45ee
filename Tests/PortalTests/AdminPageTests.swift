import Catalog
import Foundation
import MediaCore
import Portal
import Testing

/// The administrators' timetable pages: import a CSV, see the unmatched lessons, assign one. The import and
/// the assignment are `lessonlens serve`'s (the timetable code, tested in PipelineTests and by
/// `ServeCommandTests` through the binary); here a recording stand-in checks what the portal hands it and
/// who may reach it.
@Suite struct AdminPageTests {
    final class Recorder: TimetableAdministration, @unchecked Sendable {
        private let lock = NSLock()
        private var _imports: [(csv: String, school: String?)] = []
        private var _assigned: [(Int64, String)] = []
        let catalog: CatalogStore
        init(catalog: CatalogStore) { self.catalog = catalog }
        var imports: [(csv: String, school: String?)] { lock.withLock { _imports } }
        var assigned: [(Int64, String)] { lock.withLock { _assigned } }
        func importTimetable(csv: String, school: String?) throws -> [String] {
            lock.withLock { _imports.append((csv, school)) }
            if csv.contains("BAD") { throw TimetableRefusal(["line 2: bad cell <script>alert(1)</script>"]) }
            return ["term 2026秋: 1 slots imported"]
        }
        func assign(jobID: Int64, teacherID: String) throws -> String {
            lock.withLock { _assigned.append((jobID, teacherID)) }
            try catalog.setAttribution(jobID: jobID, Attribution(school: "S1", teacherID: teacherID, source: .manual))
            return "lesson \(jobID) assigned to \(teacherID)"
        }
    }

    /// The fixture, with lesson "outside" unmatched in school S1 and lesson "other" unmatched in S2, and
    /// timetable teachers T1, T2 (S1) and T3 (S2).
    func start(_ f: PortalFixture) async throws -> (RunningPortal, Recorder) {
        for (key, school) in [("outside", "S1"), ("other", "S2")] {
            try f.catalog.setAttribution(jobID: try #require(f.ids[key]), Attribution(school: school, source: .unmatched))
        }
        let slot = { (school: String, teacher: String) in
            TimetableSlot(term: "2026秋", school: school, room: "R1", weekday: 1, date: nil, startMinute: 480, endMinute: 525,
                          teacherID: teacher, teacherName: "老师 " + teacher, subject: "物理", className: "高二(3)班", line: 2)
        }
        try f.catalog.replaceTerms([("2026秋", [slot("S1", "T1"), slot("S1", "T2"), slot("S2", "T3")])])
        let recorder = Recorder(catalog: f.catalog)
        var config = PortalConfiguration(catalogPath: f.catalogPath, outputFolder: f.out, host: "127.0.0.1", port: 0)
        config.timetable = recorder
        return (try await PortalServer.start(config), recorder)
    }

    @Test func aSchoolAdministratorImportsHerSchoolsTimetableAndAssignsHerLessons() async throws {
        let f = try PortalFixture("admin")
        defer { f.remove() }
        let (portal, recorder) = try await start(f)
        defer { Task { await portal.stop() } }
        let c = HTTPTestClient(port: portal.port)
        try await c.signIn("carol")
        let page = try await c.get("/admin/timetable")
        #expect(page.status == 200)
        let outside = try #require(f.ids["outside"]), other = try #require(f.ids["other"])
        #expect(page.text.contains("name=\"job\" value=\"\(outside)\""), "her school's unmatched lesson")
        #expect(!page.text.contains("name=\"job\" value=\"\(other)\""), "not another school's")
        #expect(page.text.contains("value=\"T1\"") && !page.text.contains("value=\"T3\""), "her school's teachers only")

        let csrf = try await c.csrf()
        let ok = try await c.post("/admin/timetable", form: ["csrf": csrf, "csv": "school,room,…\nS1,R1,…"])
        #expect(ok.status == 200 && ok.text.contains("1 slots imported"))
        #expect(recorder.imports.last?.school == "S1", "a school administrator's import is limited to her school")
        let bad = try await c.post("/admin/timetable", form: ["csrf": csrf, "csv": "BAD"])
        #expect(bad.status == 422 && bad.text.contains("&lt;script&gt;") && !bad.text.contains("<script>alert"))
        #expect(try await c.post("/admin/timetable", form: ["csrf": "forged", "csv": "x"]).status == 403)
        #expect(recorder.imports.count == 2, "the forged form reached nothing")

        // Assign: her school's lesson to her school's teacher; another school's lesson or teacher is not found.
        #expect(try await c.post("/admin/assign", form: ["csrf": csrf, "job": "\(other)", "teacher": "T1"]).status == 404)
        #expect(try await c.post("/admin/assign", form: ["csrf": csrf, "job": "\(outside)", "teacher": "T3"]).status == 404)
        #expect(try await c.post("/admin/assign", form: ["csrf": "forged", "job": "\(outside)", "teacher": "T2"]).status == 403)
        let assigned = try await c.post("/admin/assign", form: ["csrf": csrf, "job": "\(outside)", "teacher": "T2"])
        #expect(assigned.status == 200 && assigned.text.contains("assigned to T2"))
        #expect(recorder.assigned.map { "\($0.0) \($0.1)" } == ["\(outside) T2"])
        let audit = try f.catalog.auditLog().filter { (e: AuditEntry) -> Bool in e.userName == "carol" }.map(\.action)
        #expect(audit.contains("timetable-import") && audit.contains("assign"))
    }

    @Test func aDistrictAdministratorSeesEveryUnmatchedLessonAndImportsAnySchool() async throws {
        let f = try PortalFixture("admin-district")
        defer { f.remove() }
        let (portal, recorder) = try await start(f)
        defer { Task { await portal.stop() } }
        let c = HTTPTestClient(port: portal.port)
        try await c.signIn("dave")
        let page = try await c.get("/admin/timetable").text
        let outside = try #require(f.ids["outside"]), other = try #require(f.ids["other"])
        #expect(page.contains("name=\"job\" value=\"\(outside)\""))
        #expect(page.contains("name=\"job\" value=\"\(other)\""))
        _ = try await c.post("/admin/timetable", form: ["csrf": try await c.csrf(), "csv": "x"])
        #expect(recorder.imports.count == 1 && recorder.imports[0].school == nil)
    }

    @Test(arguments: ["GET /admin/timetable", "POST /admin/timetable", "POST /admin/assign"])
    func teachersAndStrangersCannotReachThem(route: String) async throws {
        let f = try PortalFixture("admin-refused")
        defer { f.remove() }
        let (portal, recorder) = try await start(f)
        defer { Task { await portal.stop() } }
        let parts = route.split(separator: " ").map(String.init)
        let teacher = HTTPTestClient(port: portal.port)
        try await teacher.signIn("alice")
        let csrf = try await teacher.csrf()
        let form = ["csrf": csrf, "csv": "x", "job": "\(try #require(f.ids["outside"]))", "teacher": "T1"]
        let asTeacher = parts[0] == "GET" ? try await teacher.get(parts[1]) : try await teacher.post(parts[1], form: form)
        #expect(asTeacher.status == 404)
        let stranger = HTTPTestClient(port: portal.port)
        let anon = parts[0] == "GET" ? try await stranger.get(parts[1]) : try await stranger.post(parts[1], form: form)
        #expect(anon.status == 303 || anon.status == 403, "status \(anon.status)")
        #expect(recorder.imports.isEmpty && recorder.assigned.isEmpty)
    }

    @Test func aTimetableLargerThanTheLimitIsRefusedUnread() async throws {
        let f = try PortalFixture("admin-large")
        defer { f.remove() }
        let (portal, recorder) = try await start(f)
        defer { Task { await portal.stop() } }
        let c = HTTPTestClient(port: portal.port)
        try await c.signIn("carol")
        let csrf = try await c.csrf()
        // 1 MB of CSV (1.6 MB form-encoded): above the other forms' 64 KiB, within the timetable page's 2 MiB.
        let rows = String(repeating: "S1,R1,1,,08:00,08:45,T1,x,y,z,t\n", count: 1_000_000 / 33)
        let r = try await c.post("/admin/timetable", form: ["csrf": csrf, "csv": rows])
        #expect(r.status == 200)
        #expect(recorder.imports.count == 1 && recorder.imports[0].csv.utf8.count == rows.utf8.count)
        // 3 MiB declared: refused before the body is read.
        let body = Data("csrf=\(csrf)&csv=x".utf8)
        let big = try await c.send("POST", "/admin/timetable", headers: ["Content-Type": "application/x-www-form-urlencoded",
                                                                          "Content-Length": "\(3 << 20)"], body: body)
        #expect(big.status == 413)
        #expect(recorder.imports.count == 1)
    }
}
