import Catalog
import CatalogPostgres
import Foundation
import MediaCore
import Pipeline
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// `lessonlens serve --catalog postgres://…` (issues 11/12): the portal on the shared PostgreSQL catalog, as
/// a real process. Two teachers' lessons are seeded through the queue (enqueue, claim, complete) and the
/// catalog's attribution; the accounts come from `lessonlens users add --catalog postgres://…`. A teacher
/// who signs in sees only her lesson; the other teacher's lesson id answers 404, as a missing one does.
/// Needs `PostgresJobQueue: PortalCatalog` (branch pgcat).
@Suite("Portal on PostgreSQL", .serialized, .ownThread, .tags(.slow))
struct ServePostgresTests {
    static func password(_ name: String) -> String { "pw-\(name)-0123456789" }

    /// Seeds lesson `n` of `teacher`: a report folder under `out`, a done job with its result, and the attribution.
    static func seedLesson(_ queue: PostgresJobQueue, n: Int, teacher: String, title: String, out: String) async throws -> Int64 {
        let dir = out + "/lesson-\(n)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Data("<!DOCTYPE html><title>report \(n)</title><p>report of lesson \(n)</p>".utf8)
            .write(to: URL(fileURLWithPath: dir + "/report.html"))
        try Data("{\"findings\":[],\"microLessons\":[]}".utf8).write(to: URL(fileURLWithPath: dir + "/report.json"))
        let outcome = try await queue.enqueue(path: "/recordings/lesson-\(n).mp4", sha256: String(format: "%064x", n), size: 5000,
                                              mtime: Date(), pipeline: "default", parameters: [:])
        guard case .queued(let queued) = outcome else { throw ToolError("lesson \(n) was not queued: \(outcome)") }
        let worker = "test:1:x:w0"
        let job = try #require(try await queue.claimNextJob(worker: worker, leaseSeconds: 60))
        #expect(job.id == queued.id)
        let summary = ResultSummary(durationSeconds: 2400, teacherRatio: 0.6, studentRatio: 0.3, multiRatio: 0.05, silenceRatio: 0.05,
                                    rt: 0.6, ch: 0.4, mode: "mixed", medianWaitSeconds: 2.5, questionCount: 4, turnExchanges: 10,
                                    findingsCount: 1, slideChanges: 4, microLessons: 2, language: "zh", lessonTitle: title,
                                    teacher: nil, subject: "物理", school: "S1", reportDir: dir)
        _ = try await queue.complete(jobID: job.id, worker: worker, reportDir: dir, summary: summary)
        try await queue.setAttribution(jobID: job.id, Attribution(school: "S1", room: "R\(n)", teacherID: teacher, subject: "物理",
                                                                  className: "高二(3)班", recordedAt: "2026-09-0\(n) 08:00:00",
                                                                  source: .manual))
        return job.id
    }

    /// `curl` (on a thread of its own) with a cookie jar: the status and the body.
    static func curl(_ jar: String, _ url: String, form: [String: String]? = nil) async throws -> (status: Int, body: String) {
        var args = ["-s", "-c", jar, "-b", jar, "-w", "\n%{http_code}", "--max-time", "20", url]
        for (k, v) in form ?? [:] { args += ["--data-urlencode", "\(k)=\(v)"] }
        let arguments = args
        let r = try await QueueProcess.offPool { try Tool.run("/usr/bin/curl", arguments) }
        let text = r.stdout
        let cut = text.lastIndex(of: "\n") ?? text.endIndex
        return (Int(text[cut...].trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0, String(text[..<cut]))
    }

    /// Signs `user` in through the form (GET for the CSRF cookie and field, then POST).
    static func signIn(_ jar: String, port: Int, user: String) async throws -> Int {
        let page = try await curl(jar, "http://127.0.0.1:\(port)/login")
        guard let r = page.body.range(of: "name=\"csrf\" value=\"") else { return 0 }
        let csrf = String(page.body[r.upperBound...].prefix { $0 != "\"" })
        return try await curl(jar, "http://127.0.0.1:\(port)/login", form: ["csrf": csrf, "user": user, "password": password(user)]).status
    }

    @Test("serve on postgres://: a teacher sees only her lessons; another teacher's lesson id is 404")
    func teacherSeesOnlyHerLessons() async throws {
        let cluster = try await QueueProcess.offPool { try PostgresCluster() }
        let url = try await QueueProcess.offPool { try cluster.createDatabase("serve") }
        let dir = try TempFolder("serve-pg")
        defer { cluster.remove(); dir.remove() }
        let out = dir.path("out")
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)

        let queue = try await PostgresJobQueue(url: url)
        let alices = try await Self.seedLesson(queue, n: 1, teacher: "T1", title: "Alice's lesson", out: out)
        let bobs = try await Self.seedLesson(queue, n: 2, teacher: "T2", title: "Bob's lesson", out: out)
        await queue.close()

        // The accounts, through the command line on the same URL.
        let noAccounts = try QueueProcess.start(["serve", "--catalog", url, "--out", out, "--listen", "127.0.0.1:0"],
                                                log: dir.path("none.log"))
        #expect(try await QueueProcess.exited(noAccounts, within: 60))
        #expect(noAccounts.terminationStatus == 78, "no accounts: exit 78")
        #expect(QueueProcess.log(dir.path("none.log")).contains("lessonlens users add"))
        for (name, teacher) in [("alice", "T1"), ("bob", "T2")] {
            let pw = dir.path("pw-\(name)")
            try Data((Self.password(name) + "\n").utf8).write(to: URL(fileURLWithPath: pw))
            let add = try await QueueProcess.offPool {
                try LessonLens.run(["users", "add", name, "--role", "teacher", "--teacher-id", teacher, "--password-file", pw, "--catalog", url])
            }
            #expect(add.status == 0 && add.stdout == "user \(name): teacher teacher-id \(teacher)\n", "\(add.stderr)")
        }
        let list = try await QueueProcess.offPool { try LessonLens.run(["users", "list", "--catalog", url]) }
        #expect(list.stdout == "alice\tteacher\tT1\t-\nbob\tteacher\tT2\t-\n", "\(list.stderr)")
        #expect(try await QueueProcess.offPool { try LessonLens.run(["timetable", "unmatched", "--catalog", url]) }.status == 0)

        let log = dir.path("serve.log")
        let serve = try QueueProcess.start(["serve", "--catalog", url, "--out", out, "--listen", "127.0.0.1:0"], log: log)
        defer { if serve.isRunning { kill(serve.processIdentifier, SIGKILL) } }
        #expect(try await QueueProcess.eventually(within: 60) { QueueProcess.log(log).contains("serving http://") }, "\(QueueProcess.log(log))")
        let line = QueueProcess.log(log)
        let portText = try #require(line.range(of: "serving http://127.0.0.1:").map { line[$0.upperBound...].prefix { $0.isNumber } })
        let port = try #require(Int(portText))
        #expect(!line.contains("password"), "the catalog is shown without a password")

        let jar = dir.path("alice.jar")
        #expect(try await Self.signIn(jar, port: port, user: "alice") == 303)
        let lessons = try await Self.curl(jar, "http://127.0.0.1:\(port)/lessons?lang=en")
        #expect(lessons.status == 200)
        #expect(lessons.body.contains("Alice&#39;s lesson") || lessons.body.contains("Alice's lesson"))
        #expect(!lessons.body.contains("Bob"), "another teacher's lesson is not listed")
        #expect(try await Self.curl(jar, "http://127.0.0.1:\(port)/lessons/\(alices)").status == 200)
        #expect(try await Self.curl(jar, "http://127.0.0.1:\(port)/lessons/\(bobs)").status == 404)
        #expect(try await Self.curl(jar, "http://127.0.0.1:\(port)/lessons/\(bobs)/files/report.html").status == 404)
        #expect(try await Self.curl(jar, "http://127.0.0.1:\(port)/lessons/999999").status == 404)
        let api = try await Self.curl(jar, "http://127.0.0.1:\(port)/api/v1/lessons")
        #expect(api.status == 200 && api.body.contains("\"total\":1"), "\(api.body)")
        // Bob signs in too and sees his lesson, not hers.
        let bobJar = dir.path("bob.jar")
        #expect(try await Self.signIn(bobJar, port: port, user: "bob") == 303)
        #expect(try await Self.curl(bobJar, "http://127.0.0.1:\(port)/lessons/\(bobs)").status == 200)
        #expect(try await Self.curl(bobJar, "http://127.0.0.1:\(port)/lessons/\(alices)").status == 404)

        kill(serve.processIdentifier, SIGTERM)
        #expect(try await QueueProcess.exited(serve, within: 30), "serve did not stop on SIGTERM")
        #expect(serve.terminationStatus == 0)
        let db = QueueProcess.database(of: url)
        #expect(try await QueueProcess.sql(cluster, "SELECT COUNT(*) FROM audit_log WHERE action = 'sign-in' AND user_name = 'alice'",
                                           database: db) == "1")
    }

    @Test("worker on postgres://: the completed lesson is attributed to its timetable slot (timetable import on the URL)")
    func workerAttributesOnPostgres() async throws {
        let cluster = try await QueueProcess.offPool { try PostgresCluster() }
        let url = try await QueueProcess.offPool { try cluster.createDatabase("attr") }
        let dir = try TempFolder("worker-attr-pg")
        defer { cluster.remove(); dir.remove() }
        let recording = dir.path("inbox/S1/R1/20260907-080000.m4a")
        try await QueueProcess.offPool {
            try FileManager.default.createDirectory(atPath: dir.path("inbox/S1/R1"), withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: TestEnvironment.sample("lesson-lapel.m4a"), toPath: recording)
        }
        let csv = dir.path("timetable.csv")
        try ("school,room,weekday,date,start,end,teacher_id,teacher_name,subject,class,term\n"
            + "S1,R1,1,,08:00,08:45,T1,Ann,Physics,7A,t1\n").write(toFile: csv, atomically: true, encoding: .utf8)
        let imported = try await QueueProcess.offPool { try LessonLens.run(["timetable", "import", csv, "--catalog", url]) }
        #expect(imported.status == 0 && imported.stdout.hasPrefix("term t1: 1 slots imported\n"), "\(imported.stderr)")
        let ingest = try QueueProcess.start(["watch", dir.path("inbox"), "--enqueue-only", "--once", "--debounce", "0", "--pipeline", "quick", "--catalog", url],
                                            log: dir.path("ingest.log"))
        #expect(try await QueueProcess.exited(ingest, within: 60), "the ingester did not finish")
        let worker = try QueueProcess.start(["worker", "--catalog", url, "--out", dir.path("out"), "--pipeline", "quick", "--once"],
                                            log: dir.path("worker.log"))
        #expect(try await QueueProcess.exited(worker, within: 600), "\(QueueProcess.log(dir.path("worker.log")))")
        let db = QueueProcess.database(of: url)
        #expect(try await QueueProcess.sql(cluster, "SELECT state FROM jobs", database: db) == "done")
        let unmatched = try await QueueProcess.offPool { try LessonLens.run(["timetable", "unmatched", "--catalog", url]) }
        #expect(unmatched.status == 0 && unmatched.stdout.isEmpty, "\(unmatched.stdout)\(unmatched.stderr)")
        let catalog = try await PortalCatalogHandle.open(url, create: false)
        let job = try #require(try await catalog.portal.doneJobs(afterID: 0, limit: 1).first)
        let a = try await catalog.portal.attribution(jobID: job.id)
        await catalog.close()
        #expect(a?.source == .timetable && a?.teacherID == "T1" && a?.className == "7A", "\(String(describing: a))")
    }
}
