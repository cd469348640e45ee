import Foundation
import Portal
import Testing
import TestSupport

/// Headless Chromium through Selenium (Tests/Browser/portal_test.py) against a real portal on loopback.
/// Fails, never skips, when python3-selenium, chromium or chromedriver is missing (`make deps` installs them).
@Suite(.serialized) struct BrowserTests {
    final class AccessLog: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []
        func append(_ s: String) { lock.withLock { lines.append(s) } }
        var all: [String] { lock.withLock { lines } }
    }

    @Test(.timeLimit(.minutes(3))) func teacherInTheBrowser() async throws {
        let f = try PortalFixture("browser")
        defer { f.remove() }
        // Real media for the browser to play: a 4 s clip and a 20 s recording.
        try FileManager.default.removeItem(atPath: f.temp.path("out/lesson-1/clips/01-intro.mp4"))
        try MediaGenerator.testVideo(seconds: 4, output: f.temp.path("out/lesson-1/clips/01-intro.mp4"))
        try FileManager.default.removeItem(atPath: f.temp.path("recordings/lesson-1.mp4"))
        try MediaGenerator.testVideo(seconds: 20, output: f.temp.path("recordings/lesson-1.mp4"))
        let log = AccessLog()
        let portal = try await PortalServer.start(PortalConfiguration(catalogPath: f.catalogPath, outputFolder: f.out, port: 0,
                                                                accessLog: { log.append($0) }))
        let passwordFile = f.temp.path("alice.pw")
        try Data((PortalFixture.password("alice") + "\n").utf8).write(to: URL(fileURLWithPath: passwordFile))
        let shots = FileManager.default.temporaryDirectory.appendingPathComponent("lessonlens-portal-screenshots").path
        try FileManager.default.createDirectory(atPath: shots, withIntermediateDirectories: true)
        let script = TestEnvironment.repoRoot.appendingPathComponent("Tests/Browser/portal_test.py").path
        let args = [script, "--url", "http://127.0.0.1:\(portal.port)", "--user", "alice", "--password-file", passwordFile,
                    "--own", "\(f.ids["alice"]!),\(f.ids["outside"]!)", "--other", "\(f.ids["bob"]!)", "--screenshots", shots]
        // The browser waits on the server, whose handlers need the cooperative pool: run it on a thread.
        let result: ToolResult = try await withCheckedThrowingContinuation { cont in
            Thread { cont.resume(with: Result { try Tool.run("/usr/bin/env", ["python3"] + args) }) }.start()
        }
        await portal.stop()
        #expect(result.status == 0, "portal_test.py failed:\n\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("browser test: all steps passed"))
        let ranged = log.all.filter { $0.contains("/files/clips/01-intro.mp4 206") }
        #expect(!ranged.isEmpty, "no 206 for the clip in the access log:\n\(log.all.joined(separator: "\n"))")
        #expect(log.all.contains { $0.contains("/recording 206") })
    }
}
