import Foundation
import Testing

/// End-to-end tests of `lessonlens watch` as a process: SIGTERM and kill -9 followed by a restart.
/// They run the built binary (`swift build` first); without it they are skipped with a message.
/// Tiny generated WAV files keep them fast with the real pipeline (`--pipeline audio-only`); with the
/// catalog branch's stub, `LESSONLENS_STUB_DELAY` makes each job slow enough to be caught mid-run.
@Suite(.serialized) struct WatchProcessTests {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let binary = repoRoot.appendingPathComponent(".build/debug/lessonlens").path
    static var hasBinary: Bool { FileManager.default.isExecutableFile(atPath: binary) }

    struct Box {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("watchproc-\(UUID().uuidString)")
        var input: String { root.appendingPathComponent("in").path }
        var output: String { root.appendingPathComponent("out").path }

        init(files: Int) throws {
            try FileManager.default.createDirectory(atPath: input, withIntermediateDirectories: true)
            for i in 0..<files {
                // Hostile names on purpose: the watcher must never pass them to a shell.
                let name = i % 3 == 0 ? "课 \(i) $(touch pwned) 'q'.wav" : "lesson \(i).wav"
                try Self.wav(frequency: 200 + Double(i) * 10, seconds: 2).write(to: URL(fileURLWithPath: input + "/" + name))
            }
        }

        /// 16 kHz mono 16-bit PCM sine.
        static func wav(frequency: Double, seconds: Double) -> Data {
            let rate = 16_000
            let n = Int(Double(rate) * seconds)
            var d = Data()
            func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
            func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
            d.append(contentsOf: Array("RIFF".utf8)); u32(UInt32(36 + n * 2)); d.append(contentsOf: Array("WAVEfmt ".utf8))
            u32(16); u16(1); u16(1); u32(UInt32(rate)); u32(UInt32(rate * 2)); u16(2); u16(16)
            d.append(contentsOf: Array("data".utf8)); u32(UInt32(n * 2))
            for k in 0..<n {
                let s = Int16(8000 * sin(2 * Double.pi * frequency * Double(k) / Double(rate)))
                u16(UInt16(bitPattern: s))
            }
            return d
        }

        func launch(_ args: [String], delay: Double) throws -> Process {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: WatchProcessTests.binary)
            p.arguments = ["watch", input, "--out", output, "--pipeline", "audio-only", "--debounce", "0.2"] + args
            var env = ProcessInfo.processInfo.environment
            env["LESSONLENS_STUB_DELAY"] = String(delay)
            p.environment = env
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
            let p = Process()
            p.executableURL = URL(fileURLWithPath: WatchProcessTests.binary)
            p.arguments = ["jobs", "list", "--json", "--out", output]
            let pipe = Pipe()
            p.standardOutput = pipe
            p.standardError = FileHandle.nullDevice
            try p.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            guard p.terminationStatus == 0 else { return [] }
            return (try JSONSerialization.jsonObject(with: data) as? [[String: Any]]) ?? []
        }

        /// Rows of `export --format csv` (header excluded).
        func exportedRows() throws -> Int {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: WatchProcessTests.binary)
            p.arguments = ["export", "--format", "csv", "--catalog", output + "/catalog.sqlite"]
            let pipe = Pipe()
            p.standardOutput = pipe
            try p.run()
            let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            // Count job ids at line starts: quoted names may hold no newline here, so lines are rows.
            return text.split(separator: "\r\n").count - 1
        }

        func waitFor(_ what: String, seconds: Double = 120, _ condition: () throws -> Bool) throws {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if try condition() { return }
                Thread.sleep(forTimeInterval: 0.1)
            }
            Issue.record("timed out waiting for \(what)")
        }

        func cleanup() {
            // Keep the folder of a failed run for diagnosis.
            if Test.current.map({ _ in true }) == true, ProcessInfo.processInfo.environment["LESSONLENS_KEEP_TEST_DIRS"] == "1" { return }
            try? FileManager.default.removeItem(at: root)
        }
    }

    static func waitExit(_ p: Process, seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while p.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        return !p.isRunning
    }

    /// kill -9 while jobs run, then restart: every file ends in exactly one terminal state and every
    /// done job has exactly one result row.
    @Test(.enabled(if: hasBinary, "build the binary first: swift build (looked for .build/debug/lessonlens)"))
    func killNineThenRestartIsExactlyOnce() throws {
        let files = 8
        let box = try Box(files: files)
        defer { box.cleanup() }
        let first = try box.launch(["--workers", "2"], delay: 1.5)
        try box.waitFor("a running or finished job") {
            try box.jobs().contains { ($0["state"] as? String) != "queued" }
        }
        kill(first.processIdentifier, SIGKILL)
        #expect(Self.waitExit(first, seconds: 10))

        let second = try box.launch(["--workers", "2", "--once"], delay: 0.2)
        #expect(Self.waitExit(second, seconds: 300), "restarted watcher did not finish")
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
    @Test(.enabled(if: hasBinary, "build the binary first: swift build (looked for .build/debug/lessonlens)"),
          arguments: [30.0, 0.0])
    func sigtermStopsCleanly(grace: Double) throws {
        let box = try Box(files: 2)
        defer { box.cleanup() }
        let p = try box.launch(["--workers", "1", "--grace", String(grace)], delay: 3)
        try box.waitFor("a job") { !(try box.jobs().isEmpty) }
        kill(p.processIdentifier, SIGTERM)
        #expect(Self.waitExit(p, seconds: 60))
        #expect(p.terminationReason == .exit && p.terminationStatus == 0)
        let states = try box.jobs().compactMap { $0["state"] as? String }
        #expect(!states.contains("running"), "\(states)")
    }

    /// Several processes creating the same new catalog at once all succeed (WAL switch and migration
    /// race between processes).
    @Test(.enabled(if: hasBinary, "build the binary first: swift build (looked for .build/debug/lessonlens)"))
    func concurrentProcessesShareANewCatalog() throws {
        for _ in 0..<3 {
            let box = try Box(files: 0)
            defer { box.cleanup() }
            let procs = try (0..<6).map { _ in try box.launch(["--once"], delay: 0) }
            for p in procs {
                #expect(Self.waitExit(p, seconds: 60))
                #expect(p.terminationStatus == 0)
            }
        }
    }

    /// Soak (opt-in): `LESSONLENS_SOAK=1000 swift test --filter soak`. Drops N files (2 % bad, 4 %
    /// duplicate content, written as `.part` then renamed) into a running `watch --workers 2` in batches
    /// of 100, waits until every file has a terminal job, sends SIGTERM, and checks each file ended in
    /// exactly one terminal state. Prints the throughput.
    @Test(.enabled(if: hasBinary && ProcessInfo.processInfo.environment["LESSONLENS_SOAK"] != nil))
    func soak() throws {
        let n = Int(ProcessInfo.processInfo.environment["LESSONLENS_SOAK"] ?? "") ?? 1000
        let box = try Box(files: 0)
        defer { box.cleanup() }
        let p = try box.launch(["--workers", "2", "--debounce", "1", "--rescan", "5"], delay: 0)
        let start = Date()
        var expected: [String: String] = [:]
        for i in 0..<n {
            let name: String
            let data: Data
            if i % 50 == 7 {
                name = "坏 \(i).wav"; data = Data("BAD \(i)".utf8); expected[name] = "failed-or-done"
            } else if i % 25 == 3 {
                name = "dup $(echo \(i)).wav"; data = Box.wav(frequency: 200 + Double(i - 1), seconds: 0.5)
                expected[name] = "any"
            } else {
                name = "lesson \(i) 'x'.wav"; data = Box.wav(frequency: 200 + Double(i), seconds: 0.5)
                expected[name] = "any"
            }
            let final = box.input + "/" + name
            try data.write(to: URL(fileURLWithPath: final + ".part"))
            try FileManager.default.moveItem(atPath: final + ".part", toPath: final)
            if i % 100 == 99 { Thread.sleep(forTimeInterval: 0.5) }
        }
        let dropped = Date()
        try box.waitFor("all files terminal", seconds: 3600) {
            let jobs = try box.jobs()
            return jobs.count >= n && jobs.allSatisfy { ["done", "failed", "duplicate"].contains($0["state"] as? String ?? "") }
        }
        let end = Date()
        kill(p.processIdentifier, SIGTERM)
        #expect(Self.waitExit(p, seconds: 60) && p.terminationStatus == 0)
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
@Suite struct CatalogCommandErrorTests {
    func run(_ args: [String], in dir: URL) throws -> (status: Int32, stderr: String, stdout: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: WatchProcessTests.binary)
        p.arguments = args
        p.currentDirectoryURL = dir
        let err = Pipe(), out = Pipe()
        p.standardError = err
        p.standardOutput = out
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: e, as: UTF8.self), String(decoding: o, as: UTF8.self))
    }

    @Test(.enabled(if: WatchProcessTests.hasBinary, "build the binary first: swift build"))
    func errors() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cmderr-\(UUID().uuidString)")
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
