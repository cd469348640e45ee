import Catalog
import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// `lessonlens timetable …`, `users` and `serve` on one SQLite catalog through the built binary: the commands
/// open it as the portal's catalog (`PortalCatalog`, the path a `postgres://` catalog takes too), the
/// timetable commands' assignment shows in the running portal.
@Suite(.serialized, .ownThread) struct ServeTimetableCommandTests {
    @Test func timetableCommandsThenServeOnTheSameCatalog() async throws {
        let f = try PortalFixture("serve-timetable")
        defer { f.remove() }
        let other = try #require(f.ids["other"]), alice = try #require(f.ids["alice"])
        try f.catalog.setAttribution(jobID: other, Attribution(school: "S2", source: .unmatched))
        let catalog = f.catalogPath

        let unmatched = try LessonLens.run(["timetable", "unmatched", "--catalog", catalog])
        #expect(unmatched.status == 0 && unmatched.stdout.hasPrefix("\(other)\t"), "\(unmatched.stdout)\(unmatched.stderr)")
        let csv = f.temp.path("timetable.csv")
        try ("school,room,weekday,date,start,end,teacher_id,teacher_name,subject,class,term\n"
            + "S2,R3,1,,08:00,08:45,T3,Cy,Art,7B,t1\n").write(toFile: csv, atomically: true, encoding: .utf8)
        let imported = try LessonLens.run(["timetable", "import", csv, "--catalog", catalog])
        #expect(imported.status == 0, "\(imported.stderr)")
        // The fixture's report.json is no analysis report: the unmatched lesson stays unmatched, assignments stay.
        #expect(imported.stdout == "term t1: 1 slots imported\nlessons: 0 matched to the timetable, 0 from plans, 3 assigned, 1 unmatched\n")
        let noTeacher = try LessonLens.run(["timetable", "assign", "\(other)", "T9", "--catalog", catalog])
        #expect(noTeacher.status == 64 && noTeacher.stderr.contains("no teacher 'T9'"))
        let assigned = try LessonLens.run(["timetable", "assign", "\(other)", "T3", "--catalog", catalog])
        #expect(assigned.status == 0 && assigned.stdout == "lesson \(other) assigned to Cy (T3)\n", "\(assigned.stderr)")
        #expect(try LessonLens.run(["timetable", "unmatched", "--catalog", catalog]).stdout == "")
        let again = try LessonLens.run(["timetable", "attribute", "--catalog", catalog])
        #expect(again.stdout == "lessons: 0 matched to the timetable, 0 from plans, 4 assigned, 0 unmatched\n", "\(again.stderr)")
        let missing = try LessonLens.run(["timetable", "unmatched", "--catalog", f.temp.path("none.sqlite")])
        #expect(missing.status != 0 && !FileManager.default.fileExists(atPath: f.temp.path("none.sqlite")))

        let pw = f.temp.path("cy.pw")
        try Data("pw-cy-0123456789\n".utf8).write(to: URL(fileURLWithPath: pw))
        let add = try LessonLens.run(["users", "add", "cy", "--role", "teacher", "--teacher-id", "T3", "--password-file", pw, "--catalog", catalog])
        #expect(add.status == 0 && add.stdout == "user cy: teacher teacher-id T3\n", "\(add.stderr)")

        let log = f.temp.path("serve.log")
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        let serve = Process()
        serve.executableURL = URL(fileURLWithPath: TestEnvironment.lessonlensBinary)
        serve.arguments = ["serve", "--catalog", catalog, "--out", f.out, "--listen", "127.0.0.1:0"]
        serve.standardInput = FileHandle.nullDevice
        serve.standardOutput = handle
        serve.standardError = handle
        try serve.run()
        defer { if serve.isRunning { kill(serve.processIdentifier, SIGKILL) } }
        let text = { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }
        #expect(try await Wait.until(seconds: 60) { text().contains("serving http://") }, "\(text())")
        #expect(text().contains("(catalog \(catalog), reports under \(f.out))"))
        let port = try #require(text().range(of: "serving http://127.0.0.1:").flatMap { Int(text()[$0.upperBound...].prefix { $0.isNumber }) })

        let c = HTTPTestClient(port: port)
        let signIn = try await c.post("/login", form: ["csrf": "", "user": "cy", "password": "x"])
        #expect(signIn.status == 403, "no CSRF cookie")
        _ = try await c.get("/login")
        let ok = try await c.post("/login", form: ["csrf": c.cookies["ll_login"] ?? "", "user": "cy", "password": "pw-cy-0123456789"])
        #expect(ok.status == 303)
        #expect(try await c.get("/lessons/\(other)").status == 200, "the assigned lesson is hers")
        #expect(try await c.get("/lessons/\(alice)").status == 404)
        let api = try await c.get("/api/v1/lessons")
        #expect(api.status == 200 && api.text.contains("\"total\":1"), "\(api.text)")

        kill(serve.processIdentifier, SIGTERM)
        #expect(await serve.exited(within: 30), "serve did not stop on SIGTERM")
        #expect(serve.terminationStatus == 0)
        try handle.close()
    }
}
