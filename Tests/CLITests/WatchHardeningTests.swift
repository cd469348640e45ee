import Foundation
import TestSupport
import Testing

/// Issue 14 end to end with the built binary: plans and FIFOs in a watched folder, temporary folders
/// of killed runs, a catalog on read-only media, a full output disk, a watcher killed repeatedly.
/// `LESSONLENS_TEST_BINARY` runs them against another build (e.g. main's, to see them fail before the fix).
@Suite(.serialized, .ownThread, .tags(.media, .slow)) struct WatchHardeningTests {
    static let binary = TestEnvironment.lessonlensBinary
    static var hasBinary: Bool { FileManager.default.isExecutableFile(atPath: binary) }

    static func run(_ args: [String]) throws -> ToolResult {
        try LessonLens.run(args, binary: binary)
    }

    static func jobs(out: String) throws -> [[String: Any]] {
        let r = try run(["jobs", "list", "--json", "--out", out])
        guard r.status == 0 else { throw CocoaError(.fileReadUnknown) }
        return (try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]]) ?? []
    }

    /// 14: a plan next to its recording is read with it, not queued as a job; a FIFO gets a log line and
    /// does not block `--once`.
    @Test(.enabled(if: hasBinary, "build the binary first: swift build"), .timeLimit(.minutes(3)))
    func plansAndFIFOsInTheWatchedFolder() throws {
        let dir = try TempFolder("cli").url
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in").path, out = dir.appendingPathComponent("out").path
        try FileManager.default.createDirectory(atPath: input, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: TestEnvironment.sample("lesson-audio.m4a"), toPath: input + "/lesson.m4a")
        try "title: Photosynthesis\nknowledgePoints:\n  - title: Light\n".write(toFile: input + "/lesson.plan.yml", atomically: true, encoding: .utf8)
        #expect(mkfifo(input + "/camera.mp4", 0o644) == 0)
        let r = try Self.run(["watch", input, "--out", out, "--once", "--debounce", "0", "--pipeline", "audio-only"])
        #expect(r.status == 0, "\(r.stderr)")
        let jobs = try Self.jobs(out: out)
        #expect(jobs.map { ($0["file"] as? String).map { ($0 as NSString).lastPathComponent } ?? "" } == ["lesson.m4a"])
        #expect(jobs.first?["state"] as? String == "done")
        #expect(r.stderr.contains("FIFO"), "a log line for the FIFO: \(r.stderr)")
    }

    /// 8: `analyze` start removes the hidden temporary folders a killed analysis left (dead pid in the name).
    @Test(.enabled(if: hasBinary, "build the binary first: swift build"), .timeLimit(.minutes(3)))
    func analyzeRemovesTemporaryFoldersOfKilledRuns() throws {
        let dir = try TempFolder("cli").url
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out").path
        let dead = try Tool.deadPid()
        let stale = [out + "/.0123456789abcdef.partial-\(dead)-12345", out + "/0123456789abcdef.old-\(dead)-6789"]
        for s in stale { try FileManager.default.createDirectory(atPath: s, withIntermediateDirectories: true) }
        try FileManager.default.createDirectory(atPath: out + "/0123456789abcdef", withIntermediateDirectories: true)
        let r = try Self.run(["analyze", TestEnvironment.sample("lesson-audio.m4a"), "--out", out, "--pipeline", "audio-only"])
        #expect(r.status == 0, "\(r.stderr)")
        for s in stale { #expect(!FileManager.default.fileExists(atPath: s), "\(s) left behind") }
    }

    /// 11: `jobs list` and `export` read a catalog on a read-only bind mount.
    @Test(.enabled(if: hasBinary, "build the binary first: swift build"), .timeLimit(.minutes(3)))
    func readOnlyCatalog() throws {
        try TestEnvironment.requireRoot()
        let dir = try TempFolder("cli").url
        let ro = dir.appendingPathComponent("ro").path, out = dir.appendingPathComponent("out").path
        defer { _ = try? Tool.shell("umount '\(ro)'"); try? FileManager.default.removeItem(at: dir) }
        let a = try Self.run(["analyze", TestEnvironment.sample("lesson-audio.m4a"), "--out", out, "--pipeline", "audio-only"])
        #expect(a.status == 0, "\(a.stderr)")
        try FileManager.default.createDirectory(atPath: ro, withIntermediateDirectories: true)
        #expect(try Tool.shell("mount --bind '\(out)' '\(ro)' && mount -o remount,ro,bind '\(ro)'") == 0)
        let list = try Self.run(["jobs", "list", "--json", "--out", ro])
        #expect(list.status == 0, "jobs list: \(list.stderr)")
        #expect(list.stdout.contains("\"done\""))
        let export = try Self.run(["export", "--catalog", ro + "/catalog.sqlite"])
        #expect(export.status == 0, "export: \(export.stderr)")
        #expect(export.stdout.split(whereSeparator: \.isNewline).count == 2, "header + one row")
    }

    /// 9: with about 1 MB free, `analyze` fails (exit 74) saying how much it needs, leaves no report
    /// folder, and records the failure; before, it exited 0 with a clip silently missing.
    @Test(.enabled(if: hasBinary, "build the binary first: swift build"), .timeLimit(.minutes(3)))
    func analyzeOnAFullDisk() throws {
        try TestEnvironment.requireRoot()
        let dir = try TempFolder("cli").url
        let out = dir.appendingPathComponent("out").path
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        defer { _ = try? Tool.shell("umount '\(out)'"); try? FileManager.default.removeItem(at: dir) }
        #expect(try Tool.shell("mount -t tmpfs -o size=2m tmpfs '\(out)' && head -c 1000000 /dev/zero > '\(out)/filler'") == 0)
        let catalog = dir.appendingPathComponent("catalog.sqlite").path
        let r = try Self.run(["analyze", TestEnvironment.sample("lesson-en-dialogue.mp4"), "--out", out, "--catalog", catalog])
        #expect(r.status == 74, "exit \(r.status): \(r.stderr)")
        #expect(r.stderr.contains("not enough free space"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).sorted() == ["filler"])
    }

    /// 7: a watcher killed with -9 while analysing, five times over, leaves the recording `done`, not
    /// "failed … may crash the analyser".
    @Test(.enabled(if: hasBinary, "build the binary first: swift build"), .timeLimit(.minutes(5)))
    func repeatedKillNineDoesNotFailARecording() async throws {
        let dir = try TempFolder("cli").url
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in").path, out = dir.appendingPathComponent("out").path
        try FileManager.default.createDirectory(atPath: input, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: TestEnvironment.sample("lesson-en-dialogue.mp4"), toPath: input + "/lesson.mp4")
        for round in 0..<5 {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: Self.binary)
            p.arguments = ["watch", input, "--out", out, "--debounce", "0"]
            p.standardError = FileHandle.nullDevice
            try p.run()
            let deadline = Date().addingTimeInterval(60)
            var running = false
            while Date() < deadline, !running {
                try await Wait.sleep(0.05)
                running = ((try? Self.jobs(out: out)) ?? []).contains { $0["state"] as? String == "running" }
            }
            #expect(running, "round \(round): the job never started")
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
        }
        let r = try Self.run(["watch", input, "--out", out, "--debounce", "0", "--once"])
        #expect(r.status == 0, "\(r.stderr)")
        let jobs = try Self.jobs(out: out)
        #expect(jobs.count == 1)
        #expect(jobs.first?["state"] as? String == "done", "\(jobs)")
    }
}
