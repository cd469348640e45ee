import Catalog
import Foundation
import MediaCore
import Portal
import Testing
import TestSupport

/// Every route of the portal against the access rule, on a real server on loopback.
@Suite(.serialized) struct PortalAccessTests {
    /// The routes that name one lesson (`{id}` is replaced): each must answer another teacher's lesson
    /// exactly as it answers an id that does not exist.
    static let lessonRoutes = ["/lessons/{id}", "/lessons/{id}/files/report.html", "/lessons/{id}/files/report.json",
                               "/lessons/{id}/recording", "/api/v1/lessons/{id}"]
    /// Routes that list lessons: another teacher's lesson never appears.
    static let listRoutes = ["/lessons", "/lessons?sort=talk&order=asc", "/trends", "/api/v1/lessons", "/api/v1/trends",
                             "/lessons?q=Bob", "/api/v1/lessons?per_page=500"]

    @Test func withoutAccountsServeRefusesToStart() async throws {
        let f = try PortalFixture("noaccounts", accounts: false)
        defer { f.remove() }
        await #expect(throws: PortalError.noAccounts(catalog: f.catalogPath)) { _ = try await f.start() }
        #expect(PortalError.noAccounts(catalog: "x").exitCode.rawValue == 78)
        #expect(PortalError.noAccounts(catalog: "x").message.contains("lessonlens users add"))
    }

    @Test(arguments: lessonRoutes)
    func anotherTeachersLessonIsNotFound(route: String) async throws {
        let f = try PortalFixture("other")
        defer { f.remove() }
        let portal = try await f.start()
        defer { Task { await portal.stop() } }
        let bob = HTTPTestClient(port: portal.port)
        try await bob.signIn("bob")
        let own = try await bob.get(route.replacingOccurrences(of: "{id}", with: "\(f.ids["bob"]!)"))
        #expect(own.status == 200, "\(route) own lesson")
        let other = try await bob.get(route.replacingOccurrences(of: "{id}", with: "\(f.ids["alice"]!)"))
        let missing = try await bob.get(route.replacingOccurrences(of: "{id}", with: "999999"))
        #expect(other.status == 404, "\(route) another teacher's lesson")
        #expect(missing.status == 404)
        #expect(other.text == missing.text, "\(route): another teacher's lesson must look like a missing one")
        #expect(!other.text.contains("alert"))
        // Another school's lesson for a school administrator; everything for the district.
        let carol = HTTPTestClient(port: portal.port)
        try await carol.signIn("carol")
        #expect(try await carol.get(route.replacingOccurrences(of: "{id}", with: "\(f.ids["other"]!)")).status == 404)
        let dave = HTTPTestClient(port: portal.port)
        try await dave.signIn("dave")
        let daveSees = try await dave.get(route.replacingOccurrences(of: "{id}", with: "\(f.ids["bob"]!)"))
        #expect(daveSees.status == 200)
        // Signed out: the sign-in page (pages) or 401 (API), never the lesson.
        let anon = HTTPTestClient(port: portal.port)
        let a = try await anon.get(route.replacingOccurrences(of: "{id}", with: "\(f.ids["bob"]!)"))
        #expect(a.status == (route.hasPrefix("/api/") ? 401 : 303))
        if a.status == 303 { #expect(a.header("Location") == "/login") }
        await portal.stop()
    }

    @Test(arguments: listRoutes)
    func listsShowOnlyWhatTheRoleMaySee(route: String) async throws {
        let f = try PortalFixture("lists")
        defer { f.remove() }
        let portal = try await f.start()
        let marker: (Int64) -> String = { id in route.hasPrefix("/api/") ? "\"id\":\(id)," : "/lessons/\(id)" }
        for (user, visible) in [("alice", ["alice", "outside"]), ("bob", ["bob"]), ("carol", ["alice", "bob", "outside"]),
                                ("dave", ["alice", "bob", "other", "outside"])] {
            let c = HTTPTestClient(port: portal.port)
            try await c.signIn(user)
            let r = try await c.get(route)
            #expect(r.status == 200, "\(user) \(route)")
            for (name, id) in f.ids {
                let expected = visible.contains(name) && !(route.contains("q=Bob") && name != "bob")
                #expect(r.text.contains(marker(id)) == expected, "\(user) \(route) lesson \(name)")
            }
        }
        let anon = try await HTTPTestClient(port: portal.port).get(route)
        #expect(anon.status == (route.hasPrefix("/api/") ? 401 : 303))
        await portal.stop()
    }

    @Test func schoolViewAndExportAreForAdministratorsOnly() async throws {
        let f = try PortalFixture("school")
        defer { f.remove() }
        let portal = try await f.start()
        let alice = HTTPTestClient(port: portal.port)
        try await alice.signIn("alice")
        #expect(try await alice.get("/school").status == 404)
        let aliceCSRF = try await alice.csrf()
        #expect(try await alice.post("/school/export.csv", form: ["csrf": aliceCSRF]).status == 404)

        let carol = HTTPTestClient(port: portal.port)
        try await carol.signIn("carol")
        let school = try await carol.get("/school")
        #expect(school.status == 200)
        #expect(school.text.contains("物理") && school.text.contains("数学") && !school.text.contains("HYPERLINK"))
        // Per grade (read from 高二(3)班 / 高一(1)班), and per teacher (not per subject, an earlier bug).
        let byGrade = try #require(school.text.components(separatedBy: "id=\"by-grade\"").last?.components(separatedBy: "</table>").first)
        #expect(byGrade.contains("<th>高一</th><td>1</td>") && byGrade.contains("<th>高二</th><td>2</td>"), "\(byGrade)")
        let byTeacher = try #require(school.text.components(separatedBy: "id=\"by-teacher\"").last?.components(separatedBy: "</table>").first)
        #expect(byTeacher.contains("T1") && byTeacher.contains("T2") && !byTeacher.contains("物理"), "\(byTeacher)")
        #expect(try await carol.post("/school/export.csv", form: [:]).status == 403)  // no CSRF token
        let csv = try await carol.post("/school/export.csv", form: ["csrf": try await carol.csrf()])
        #expect(csv.status == 200)
        #expect(csv.header("Content-Type")?.hasPrefix("text/csv") == true)
        let lines = csv.text.split(separator: "\n")
        #expect(lines.count == 4)  // header + S1's three lessons
        #expect(!csv.text.contains("Other school"))
        #expect(csv.text.contains("\"<script>alert(\"\"x\"\")</script>&'Ohm\""))
        #expect(try f.catalog.auditLog().contains { $0.action == "export" && $0.userName == "carol" })

        let dave = HTTPTestClient(port: portal.port)
        try await dave.signIn("dave")
        let all = try await dave.post("/school/export.csv", form: ["csrf": try await dave.csrf()])
        #expect(all.text.split(separator: "\n").count == 5)
        // A formula in a timetable cell is defused for spreadsheets.
        #expect(all.text.contains("\"'=HYPERLINK(\"\"x\"\")\""))
        let page = try await dave.get("/school")
        #expect(page.text.contains("=HYPERLINK(&quot;x&quot;)"))
        await portal.stop()
    }

    @Test(arguments: [
        "/lessons/{id}/files/../lesson-2/report.html", "/lessons/{id}/files/%2e%2e/inside.txt", "/lessons/{id}/files/..%2finside.txt",
        "/lessons/{id}/files/..%2F..%2Fsecret.txt", "/lessons/{id}/files//etc/passwd", "/lessons/{id}/files/%2Fetc%2Fpasswd",
        "/lessons/{id}/files/link-out", "/lessons/{id}/files/clips/link-dir/report.html", "/lessons/{id}/files/.hidden",
        "/lessons/{id}/files/clips/../report.html", "/lessons/{id}/files/./report.html", "/lessons/{id}/files/clips",
        "/lessons/{id}/files/", "/lessons/{id}/files/report.html%00.mp4", "/lessons/{id}/files/..\\inside.txt",
        "/lessons/{outside}/files/report.html",
    ])
    func noPathLeavesTheReportFolder(route: String) async throws {
        let f = try PortalFixture("paths")
        defer { f.remove() }
        let portal = try await f.start()
        let alice = HTTPTestClient(port: portal.port)
        try await alice.signIn("alice")
        let path = route.replacingOccurrences(of: "{id}", with: "\(f.ids["alice"]!)")
            .replacingOccurrences(of: "{outside}", with: "\(f.ids["outside"]!)")
        let r = try await alice.get(path)
        #expect(r.status == 404 || (path.contains("\\") && r.status == 400), "\(path) → \(r.status)")
        #expect(!r.text.contains("top secret") && !r.text.contains("inside out") && !r.text.contains("report of lesson 2"))
        #expect(try await alice.get("/lessons/\(f.ids["alice"]!)/files/report.html").status == 200)
        await portal.stop()
    }
}
