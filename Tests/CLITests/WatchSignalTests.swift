import Foundation
import TestSupport
import Testing

/// `watch --workers 2` answers SIGTERM at once while two analyses run (issue 13, item 2). Before, the two
/// analyses held both threads of Swift's cooperative pool on a 2-core machine, the task that stops the
/// watcher could not run, and a fallback handler requeued and called `exit(0)` only after the grace
/// period plus 2 s. Now the analyses run on threads of their own and the signal is served by a task.
@Suite(.serialized, .ownThread) struct WatchSignalTests {
    @Test func sigtermWithTwoAnalysesRunningStopsWithinOneSecond() async throws {
        let dir = try TempFolder("cli").url
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in").path
        let output = dir.appendingPathComponent("out").path
        try FileManager.default.createDirectory(atPath: input, withIntermediateDirectories: true)
        // Two distinct 8-minute lessons with video: each analysis takes many seconds on this machine.
        for name in ["a", "b"] {
            let r = try LessonLens.run(["-nostdin", "-v", "error", "-y", "-stream_loop", "2", "-i", TestEnvironment.sample("lesson-en-dialogue.mp4"),
                                               "-c", "copy", "-metadata", "comment=\(name)", input + "/\(name).mp4"], binary: "/usr/bin/ffmpeg")
            #expect(r.status == 0, "ffmpeg: \(r.stderr)")
        }
        let log = dir.appendingPathComponent("watch.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: TestEnvironment.lessonlensBinary)
        p.arguments = ["watch", input, "--out", output, "--workers", "2", "--debounce", "0", "--grace", "0"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = try FileHandle(forWritingTo: log)
        try p.run()
        defer { if p.isRunning { p.terminate() } }

        // Wait until both jobs are running, then a little more so both analyses are decoding.
        let deadline = Date().addingTimeInterval(120)
        var running = 0
        while Date() < deadline {
            running = try Self.jobStates(output).filter { $0 == "running" }.count
            if running == 2 { break }
            try await Wait.sleep(0.2)
        }
        try #require(running == 2, "both analyses running; log: \(Self.text(log))")
        try await Wait.sleep(1.5)
        #expect(try Self.jobStates(output).filter { $0 == "running" }.count == 2, "still analysing when the signal comes")

        let sent = Date()
        kill(p.processIdentifier, SIGTERM)
        // Polled on this thread (≤ 10 s), not with a task sleep: the time to the exit is what is measured, and
        // a task's wake-up can lag on a loaded pool.
        while p.isRunning && Date().timeIntervalSince(sent) < 10 { usleep(20_000) }
        let took = Date().timeIntervalSince(sent)
        #expect(!p.isRunning)
        #expect(took < 1.0, "stopped \(String(format: "%.2f", took)) s after SIGTERM; log: \(Self.text(log))")
        #expect(p.terminationStatus == 0)
        // Nothing was lost: both jobs went back to the queue for the next start.
        #expect(try Self.jobStates(output).sorted() == ["queued", "queued"], "log: \(Self.text(log))")
        #expect(Self.text(log).contains("stopping"))
    }

    static func jobStates(_ output: String) throws -> [String] {
        let r = try LessonLens.run(["jobs", "list", "--json", "--out", output])
        guard r.status == 0, let jobs = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]] else { return [] }
        return jobs.compactMap { $0["state"] as? String }
    }

    static func text(_ url: URL) -> String { (try? String(contentsOf: url, encoding: .utf8)) ?? "" }
}
