import Catalog
import Foundation
import MediaCore
import Portal
import TestSupport

/// A throw-away output folder and catalog with lessons of three teachers in two schools, four accounts
/// and a running portal on a free loopback port.
///
/// Lessons: 1 alice (T1, school S1; hostile title; report.html, report.json, a clip, a symlink out of the
/// folder, a recording), 2 bob (T2, S1), 3 T3 in S2, 4 alice but its report folder lies outside the output
/// folder. Accounts (bcrypt cost 4): alice, bob (teachers), carol (school-admin S1), dave (district-admin).
struct PortalFixture {
    static let hostileTitle = "<script>alert(\"x\")</script>&'Ohm"
    static let clipBytes = 10_000
    let temp: TempFolder
    let out: String
    let catalogPath: String
    let catalog: CatalogStore
    var ids: [String: Int64] = [:]

    init(_ label: String, accounts: Bool = true) throws {
        temp = try TempFolder("portal-\(label)")
        out = temp.path("out")
        catalogPath = temp.path("out/catalog.sqlite")
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: temp.path("recordings"), withIntermediateDirectories: true)
        catalog = try CatalogStore(path: catalogPath)
        try Data("top secret\n".utf8).write(to: URL(fileURLWithPath: temp.path("secret.txt")))
        try Data("inside out, outside the report\n".utf8).write(to: URL(fileURLWithPath: temp.path("out/inside.txt")))

        ids["alice"] = try addLesson(1, title: Self.hostileTitle, teacher: "T1", school: "S1", subject: "物理", className: "高二(3)班",
                                     date: "2026-09-01 08:00:00", dir: temp.path("out/lesson-1"), recording: true)
        ids["bob"] = try addLesson(2, title: "Bob's lesson", teacher: "T2", school: "S1", subject: "数学", className: "高一(1)班",
                                   date: "2026-09-02 09:00:00", dir: temp.path("out/lesson-2"), recording: true)
        ids["other"] = try addLesson(3, title: "Other school", teacher: "T3", school: "S2", subject: "=HYPERLINK(\"x\")", className: "七(2)班",
                                     date: "2026-09-03 10:00:00", dir: temp.path("out/lesson-3"), recording: false)
        ids["outside"] = try addLesson(4, title: "Folder outside", teacher: "T1", school: "S1", subject: "物理", className: "高二(3)班",
                                       date: "2026-09-04 08:00:00", dir: temp.path("elsewhere"), recording: false)
        // Lesson 1's folder: a clip, a symlink to a file outside the output folder, a hidden file.
        let dir1 = temp.path("out/lesson-1")
        try FileManager.default.createDirectory(atPath: dir1 + "/clips", withIntermediateDirectories: true)
        try Data((0..<Self.clipBytes).map { UInt8($0 % 251) }).write(to: URL(fileURLWithPath: dir1 + "/clips/01-intro.mp4"))
        try FileManager.default.createSymbolicLink(atPath: dir1 + "/link-out", withDestinationPath: temp.path("secret.txt"))
        try FileManager.default.createSymbolicLink(atPath: dir1 + "/clips/link-dir", withDestinationPath: temp.path("out/lesson-2"))
        try Data("hidden".utf8).write(to: URL(fileURLWithPath: dir1 + "/.hidden"))
        let report: [String: Any] = [
            "findings": [["code": "teacher-dominated", "severity": "warning", "message": "Teacher talk " + Self.hostileTitle,
                          "values": [String: Double](), "moments": [["start": 12.5, "end": 30], ["start": 61, "end": 70]]]],
            "microLessons": [["index": 1, "start": 0, "end": 60, "title": "Intro <b>", "clip": "clips/01-intro.mp4"],
                             ["index": 2, "start": 60, "end": 90, "title": "Escape", "clip": "../../secret.txt"]],
        ]
        let json = String(decoding: try JSONSerialization.data(withJSONObject: report), as: UTF8.self)
        try Data(json.utf8).write(to: URL(fileURLWithPath: dir1 + "/report.json"))

        if accounts {
            for (name, role, teacher, school) in [("alice", "teacher", "T1", nil), ("bob", "teacher", "T2", nil),
                                                  ("carol", "school-admin", nil, "S1"), ("dave", "district-admin", nil, nil)] as [(String, String, String?, String?)] {
                try PortalAccounts.add(catalog: catalogPath, name: name, role: role, password: Self.password(name),
                                       teacherID: teacher, school: school, cost: 4)
            }
        }
    }

    static func password(_ name: String) -> String { "pw-\(name)-0123456789" }

    func addLesson(_ n: Int, title: String, teacher: String, school: String, subject: String, className: String,
                   date: String, dir: String, recording: Bool) throws -> Int64 {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Data("<!DOCTYPE html><title>report \(n)</title><p>report of lesson \(n)</p>".utf8)
            .write(to: URL(fileURLWithPath: dir + "/report.html"))
        try Data("{\"findings\":[],\"microLessons\":[]}".utf8).write(to: URL(fileURLWithPath: dir + "/report.json"))
        let recordingPath = temp.path("recordings/lesson-\(n).mp4")
        if recording { try Data(repeating: UInt8(n), count: 5000).write(to: URL(fileURLWithPath: recordingPath)) }
        let summary = ResultSummary(durationSeconds: 2400, teacherRatio: 0.5 + Double(n) / 20, studentRatio: 0.3, multiRatio: 0.05,
                                    silenceRatio: 0.1, rt: 0.6, ch: 0.3 + Double(n) / 20, mode: "mixed", medianWaitSeconds: 2.0 + Double(n),
                                    questionCount: 3 + n, turnExchanges: 10, findingsCount: n, slideChanges: 4, microLessons: 2,
                                    language: "zh", lessonTitle: title, teacher: nil, subject: subject, school: school, reportDir: dir)
        let job = try catalog.recordAnalysis(path: recordingPath, sha256: String(format: "%064x", n), size: 5000, mtime: Date(),
                                             pipeline: "default", parameters: [:], reportDir: dir, summary: summary, startedAt: Date())
        try catalog.setAttribution(jobID: job.id, Attribution(school: school, room: "R\(n)", teacherID: teacher, subject: subject,
                                                              className: className, recordedAt: date, source: .manual))
        return job.id
    }

    func start(secureCookies: Bool = false) async throws -> RunningPortal {
        try await PortalServer.start(PortalConfiguration(catalogPath: catalogPath, outputFolder: out, host: "127.0.0.1", port: 0,
                                                   secureCookies: secureCookies))
    }

    func remove() { temp.remove() }
}

extension HTTPTestClient {
    /// Signs in through the form (GET for the CSRF cookie, then POST); returns the POST's answer.
    @discardableResult
    func signIn(_ user: String, password: String? = nil) async throws -> HTTPReply {
        _ = try await get("/login")
        let csrf = cookies["ll_login"] ?? ""
        return try await post("/login", form: ["csrf": csrf, "user": user, "password": password ?? PortalFixture.password(user)])
    }

    /// The CSRF token of the signed-in session, read from a page's sign-out form.
    func csrf() async throws -> String {
        let page = try await get("/lessons").text
        guard let r = page.range(of: "name=\"csrf\" value=\"") else { return "" }
        return String(page[r.upperBound...].prefix { $0 != "\"" })
    }
}
