import Foundation
import TestSupport
import Testing

/// End-to-end tests of `lessonlens watch` as a process: SIGTERM and kill -9 followed by a restart.
/// They run the built binary (`swift build` first); without it they are skipped with a message.
/// Tiny generated WAV files keep them fast with the real pipeline (`--pipeline audio-only`).
@Suite(.serialized, .ownThread, .tags(.media, .slow)) struct WatchProcessTests {
    static let binary = TestEnvironment.lessonlensBinary
    static var hasBinary: Bool { FileManager.default.isExecutableFile(atPath: binary) }

    struct Box {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("lessonlens-watchproc-\(UUID().uuidString)")
        var input: String { root.appendingPathComponent("in").path }
        var output: String { root.appendingPathComponent("out").path }

        init(files: Int) throws {
            try FileManager.default.createDirectory(atPath: input, withIntermediateDirectories: true)
            for i in 0..<files {
                // Hostile names on purpose: the watcher must never pass them to a shell.
                let name = i % 3 == 0 ? "课 \(i) $(touch pwned) 'q'.wav" : "lesson \(i).wav"
                try MediaGenerator.sineWAV(frequency: 200 + Double(i) * 10, seconds: 2).write(to: URL(fileURLWithPath: input + "/" + name))
            }
        }

        func launch(_ args: [String]) throws -> Process {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: WatchProcessTests.binary)
            p.arguments = ["watch", input, "--out", output, "--pipeline", "audio-only", "--debounce", "0.2"] + args
            p.currentDirectoryURL = root
            p.standardOutput = FileHandle.nullDevice
            // Kept for diagnosis: the watcher's log of this run.
            _ = FileManager.default.createFile(atPath: root.appendingPathComponent("watch-\(args.count).log").path, contents: nil)
            p.standardError = try FileHandle(forWritingTo: root.appendingPathComponent("watch-\(args.count).log"))
            try p.run()
            return p
        }

        /// `jobs list --json` parsed.
        func jobs() throws -> [[String: Any]] {
            let r = try LessonLens.run(["jobs", "list", "--json", "--out", output], binary: WatchProcessTests.binary)
            guard r.status == 0 else { return [] }
            return (try JSONSerialization.jsonObject(with: r.data) as? [[String: Any]]) ?? []
        }

        /// Rows of `export --format csv` (header excluded).
        func exportedRows() throws -> Int {
            let r = try LessonLens.run(["export", "--format", "csv", "--catalog", output + "/catalog.sqlite"],
                                             binary: WatchProcessTests.binary)
            // Count job ids at line starts: quoted names may hold no newline here, so lines are rows.
            return r.stdout.split(separator: "\r\n").count - 1
        }

        /// Polls every 0.1 s, holding no thread (TestSupport's `Wait`).
        func waitFor(_ what: String, seconds: Double = 120, _ condition: () throws -> Bool) async throws {
            if try await !Wait.until(seconds: seconds, poll: 0.1, condition) { Issue.record("timed out waiting for \(what)") }
        }

        func cleanup() {
            // Keep the folder of a failed run for diagnosis.
            if Test.current != nil, TestEnvironment.keepTestFolders { return }
            try? FileManager.default.removeItem(at: root)
        }
    }

    static func waitExit(_ p: Process, seconds: Double) async -> Bool { await p.exited(within: seconds) }

    /// kill -9 while jobs run, then restart: every file ends in exactly one terminal state and every
    /// done job has exactly one result row.
    @Test(.enabled(if: hasBinary, "build the binary first: swift build (looked beside the test bundle, then .build/debug/lessonlens)"))
    func killNineThenRestartIsExactlyOnce() async throws {
        let files = 8
        let box = try Box(files: files)
        defer { box.cleanup() }
        let first = try box.launch(["--workers", "2"])
        try await box.waitFor("a running or finished job") {
            try box.jobs().contains { ($0["state"] as? String) != "queued" }
        }
        kill(first.processIdentifier, SIGKILL)
        #expect(await Self.waitExit(first, seconds: 10))

        let second = try box.launch(["--workers", "2", "--once"])
        #expect(await Self.waitExit(second, seconds: 300), "restarted watcher did not finish")
        #expect(second.terminationStatus == 0)
        let jobs = try box.jobs()
        let states = jobs.compactMap { $0["state"] as? String }
        #expect(jobs.count == files, "one job per file")
        #expect(Set(jobs.compactMap { $0["file"] as? String }).count == files)
        #expect(states.allSatisfy { ["done", "failed", "duplicate"].contains($0) }, "\(states)")
        #expect(try box.exportedRows() == states.filter { $0 == "done" }.count)
        #expect(!FileManager.default.fileExists(atPath: box.root.appendingPathComponent("pwned").path))
        #expect(!FileManager.default.fileExists(atPath: box.input + "/pwned"))
    }

    /// SIGTERM: exits 0; with a grace period the running job finishes, with none it is requeued.
    @Test(.enabled(if: hasBinary, "build the binary first: swift build (looked beside the test bundle, then .build/debug/lessonlens)"),
          arguments: [30.0, 0.0])
    func sigtermStopsCleanly(grace: Double) async throws {
        let box = try Box(files: 2)
        defer { box.cleanup() }
        let p = try box.launch(["--workers", "1", "--grace", String(grace)])
        try await box.waitFor("a job") { !(try box.jobs().isEmpty) }
        kill(p.processIdentifier, SIGTERM)
        #expect(await Self.waitExit(p, seconds: 60))
        #expect(p.terminationReason == .exit && p.terminationStatus == 0)
        let states = try box.jobs().compactMap { $0["state"] as? String }
        #expect(!states.contains("running"), "\(states)")
    }

    /// Several processes creating the same new catalog at once all succeed (WAL switch and migration
    /// race between processes).
    @Test(.enabled(if: hasBinary, "build the binary first: swift build (looked beside the test bundle, then .build/debug/lessonlens)"))
    func concurrentProcessesShareANewCatalog() async throws {
        for _ in 0..<3 {
            let box = try Box(files: 0)
            defer { box.cleanup() }
            let procs = try (0..<6).map { _ in try box.launch(["--once"]) }
            for p in procs {
                #expect(await Self.waitExit(p, seconds: 60))
                #expect(p.terminationStatus == 0)
            }
        }
    }

    /// Soak (opt-in): `LESSONLENS_SOAK=1000 swift test --filter soak`. Drops N files (2 % bad, 4 %
    /// duplicate content, written as `.part` then renamed) into a running `watch --workers 2` in batches
    /// of 100, waits until every file has a terminal job, sends SIGTERM, and checks each file ended in
    /// exactly one terminal state. Prints the throughput.
    @Test(.enabled(if: hasBinary && TestEnvironment.variable("LESSONLENS_SOAK") != nil))
    func soak() async throws {
        let n = Int(TestEnvironment.variable("LESSONLENS_SOAK") ?? "") ?? 1000
        let box = try Box(files: 0)
        defer { box.cleanup() }
        let p = try box.launch(["--workers", "2", "--debounce", "1", "--rescan", "5"])
        let start = Date()
        var expected: [String: String] = [:]
        for i in 0..<n {
            let name: String
            let data: Data
            if i % 50 == 7 {
                name = "坏 \(i).wav"; data = Data("BAD \(i)".utf8); expected[name] = "failed-or-done"
            } else if i % 25 == 3 {
                name = "dup $(echo \(i)).wav"; data = MediaGenerator.sineWAV(frequency: 200 + Double(i - 1), seconds: 0.5)
                expected[name] = "any"
            } else {
                name = "lesson \(i) 'x'.wav"; data = MediaGenerator.sineWAV(frequency: 200 + Double(i), seconds: 0.5)
                expected[name] = "any"
            }
            let final = box.input + "/" + name
            try data.write(to: URL(fileURLWithPath: final + ".part"))
            try FileManager.default.moveItem(atPath: final + ".part", toPath: final)
            if i % 100 == 99 { try await Wait.sleep(0.5) }
        }
        let dropped = Date()
        try await box.waitFor("all files terminal", seconds: 3600) {
            let jobs = try box.jobs()
            return jobs.count >= n && jobs.allSatisfy { ["done", "failed", "duplicate"].contains($0["state"] as? String ?? "") }
        }
        let end = Date()
        kill(p.processIdentifier, SIGTERM)
        #expect(await Self.waitExit(p, seconds: 60) && p.terminationStatus == 0)
        let jobs = try box.jobs()
        var perFile: [String: Int] = [:]
        for j in jobs { perFile[((j["file"] as? String ?? "") as NSString).lastPathComponent, default: 0] += 1 }
        #expect(perFile.count == n && perFile.values.allSatisfy { $0 == 1 }, "every file exactly one job")
        var states: [String: Int] = [:]
        for j in jobs { states[j["state"] as? String ?? "?", default: 0] += 1 }
        #expect(try box.exportedRows() == states["done", default: 0])
        let wall = end.timeIntervalSince(start)
        print("soak: \(n) files, states \(states), dropped in \(String(format: "%.1f", dropped.timeIntervalSince(start))) s, "
              + "all terminal after \(String(format: "%.1f", wall)) s (\(String(format: "%.1f", Double(n) / wall)) files/s)")
    }
}

/// Exit codes and messages of watch/jobs/export errors (docs/ARCHITECTURE.md §5).
@Suite(.tags(.media, .slow)) struct CatalogCommandErrorTests {
    func run(_ args: [String], in dir: URL) throws -> ToolResult {
        try LessonLens.run(args, cwd: dir, binary: WatchProcessTests.binary)
    }

    @Test(.enabled(if: WatchProcessTests.hasBinary, "build the binary first: swift build"))
    func errors() throws {
        let dir = try TempFolder("cmderr").url
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("in"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }

        var r = try run(["jobs", "list", "--out", "nowhere"], in: dir)
        #expect(r.status == 66 && r.stderr.contains("no catalog at 'nowhere/catalog.sqlite'"))

        try "parameters:\n  video.sampleFPS: 2\n".write(to: dir.appendingPathComponent("p.yml"), atomically: true, encoding: .utf8)
        r = try run(["watch", "in", "--pipeline", "p.yml", "--once"], in: dir)
        #expect(r.status == 64 && r.stderr.contains("'video.sampleFPS'") && r.stderr.contains("p.yml")
                && r.stderr.contains("video.sampleFps"))

        r = try run(["watch", "missing-folder", "--once"], in: dir)
        #expect(r.status == 66 && r.stderr.contains("missing-folder"))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("lessonlens-out").path))

        r = try run(["watch", "in", "--workers", "0"], in: dir)
        #expect(r.status == 64 && r.stderr.contains("--workers"))

        // An empty folder gives an empty catalog; then: unknown job, bad date.
        r = try run(["watch", "in", "--once", "--debounce", "0"], in: dir)
        #expect(r.status == 0)
        r = try run(["jobs", "retry", "999"], in: dir)
        #expect(r.status == 64 && r.stderr.contains("no job with id 999"))
        r = try run(["jobs", "list", "--json"], in: dir)
        #expect(r.status == 0 && r.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[\n\n]"
                || r.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[]")
        r = try run(["export", "--format", "csv", "--since", "soon"], in: dir)
        #expect(r.status == 64 && r.stderr.contains("--since 'soon'"))
        r = try run(["export", "--format", "csv"], in: dir)
        #expect(r.status == 0 && r.stdout.hasPrefix("job_id,file,path,sha256"))
    }
}
