@testable import Catalog
import Foundation
import MediaCore
import TestSupport
import Testing
@testable import Pipeline

/// Issue 14: files, uploads, restarts and full disks that must not make a wrong or missing result.
@Suite(.serialized, .tags(.media, .slow)) struct WatcherHardeningTests {
    static func sample(_ name: String) -> String { TestEnvironment.sample(name) }

    /// Collects skipped events with their reasons.
    final class Skips: @unchecked Sendable {
        // @unchecked: `_items` is guarded by `lock`.
        private let lock = NSLock()
        private var _items: [(String, String)] = []
        var items: [(path: String, reason: String)] { lock.lock(); defer { lock.unlock() }; return _items.map { ($0.0, $0.1) } }
        func add(_ e: WatcherEvent) {
            guard case .skipped(let path, let reason) = e else { return }
            lock.lock(); _items.append((path, reason)); lock.unlock()
        }
    }

    // MARK: - 14: plans and FIFOs

    @Test func planFilesAreNotJobsAndFIFOsAreSkippedWithAReason() async throws {
        let box = try Sandbox()
        defer { box.cleanup() }
        try box.write("lesson.mp4", "A lesson")
        try box.write("lesson.plan.yml", "title: Photosynthesis\n")
        try box.write("other.plan.yaml", "title: X\n")
        try box.write("third.PLAN.json", "{\"title\": \"Y\"}")
        #expect(mkfifo(box.input + "/pipe.mp4", 0o644) == 0)
        let skips = Skips()
        var opts = try box.options()
        opts.onEvent = { skips.add($0) }
        let log = CallLog()
        let watcher = Watcher(store: box.store, options: opts, analyze: fakeAnalyzer(log, outDir: box.output))
        try await runUntilIdle(watcher)
        let jobs = try box.store.jobs()
        #expect(jobs.map { ($0.path as NSString).lastPathComponent } == ["lesson.mp4"])
        let fifo = skips.items.filter { $0.path.hasSuffix("pipe.mp4") }
        #expect(fifo.count == 1, "one log line for the FIFO, not one per rescan")
        #expect(fifo.first?.reason.contains("FIFO") == true)
    }

    @Test(arguments: [("a.plan.yml", false), ("a.plan.yaml", false), ("a.PLAN.JSON", false), ("plan.mp4", true),
                      ("a.plan.mp4", true)])
    func planNames(name: String, expected: Bool) {
        #expect(WatchFilter.isCandidate(name: name) == expected)
    }

    // MARK: - 12: names that are not UTF-8

    /// A GBK name (课堂.mp4) and a Latin-1 name (café.mp4), also inside a folder whose own name is GBK:
    /// each is debounced, hashed, queued and analysed like any recording, under its escaped name, and
    /// every read of it reaches the file by its bytes. Before: no job and no log line (then: a failed job
    /// asking for a rename).
    @Test func nonUTF8NamesAreQueuedAndAnalysedUnderTheirEscapedNames() async throws {
        let box = try Sandbox()
        defer { box.cleanup() }
        try box.write("ok.mp4", "fine")
        let gbk: [UInt8] = [0xBF, 0xCE, 0xCC, 0xC3]
        let folder = Array(box.input.utf8) + [UInt8(ascii: "/")] + gbk
        #expect((folder + [0]).withUnsafeBufferPointer { $0.withMemoryRebound(to: CChar.self) { mkdir($0.baseAddress!, 0o755) } } == 0)
        let files: [[UInt8]] = [Array(box.input.utf8) + Array("/".utf8) + gbk + Array(".mp4".utf8),
                                Array(box.input.utf8) + Array("/caf".utf8) + [0xE9] + Array(".mp4".utf8),
                                folder + Array("/caf".utf8) + [0xE9] + Array(".mp4".utf8)]
        for (i, path) in files.enumerated() {
            let fd = (path + [0]).withUnsafeBufferPointer { $0.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_CREAT | O_WRONLY, 0o644) } }
            #expect(fd >= 0)
            let body = Array("content \(i)".utf8)
            _ = body.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
        }
        let opts = try box.options()
        let log = CallLog()
        let stats = try await runUntilIdle(Watcher(store: box.store, options: opts, analyze: fakeAnalyzer(log, outDir: box.output)))
        let done = try box.store.jobs(state: .done)
        let shown = Set(done.map { String($0.path.dropFirst(box.input.count + 1)) })
        #expect(shown == ["ok.mp4", "\\xBF\\xCE\\xCC\\xC3.mp4", "caf\\xE9.mp4", "\\xBF\\xCE\\xCC\\xC3/caf\\xE9.mp4"])
        #expect(try box.store.jobs(state: .failed).isEmpty)
        #expect(stats.done == 4)
        // The analyser saw each file's real size through its escaped name (9 bytes: "content N").
        let sizes = await log.calls.filter { $0.path.contains("\\x") }.map(\.size)
        #expect(sizes == [9, 9, 9])
        #expect(Watcher.escaped(Array("a\\b é".utf8) + [0xFF]) == "a\\\\b é\\xFF")
        #expect(Watcher.unescape("a\\\\b é\\xFF") == Array("a\\b é".utf8) + [0xFF])
        #expect(Watcher.unescape("plain.mp4") == nil)
    }

    // MARK: - 8: temporary folders of killed runs

    @Test func temporaryFoldersOfDeadProcessesAreRecovered() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("recover-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let dead = try Tool.deadPid()
        let me = getpid()
        let fm = FileManager.default
        for name in [".aaaa.partial-\(dead)-1", ".bbbb.partial-\(me)-2", "cccc", "cccc.old-\(dead)-3",
                     "dddd.old-\(dead)-4", "eeee.old-\(me)-5", ".ffff.partial-x-1"] {
            try fm.createDirectory(atPath: out + "/" + name, withIntermediateDirectories: true)
        }
        let r = OutputFolder.recoverTemporaries(in: out)
        let left = try fm.contentsOfDirectory(atPath: out).sorted()
        // Dead owner: partial removed; old removed when the report exists, else restored as the report.
        // Live owner (this process) and names that are not ours: kept.
        #expect(left == [".bbbb.partial-\(me)-2", ".ffff.partial-x-1", "cccc", "dddd", "eeee.old-\(me)-5"])
        #expect(r.removed.count == 2 && r.restored == [out + "/dddd"])
    }

    @Test func watcherStartRemovesTemporaryFolders() async throws {
        let box = try Sandbox()
        defer { box.cleanup() }
        let dead = try Tool.deadPid()
        try FileManager.default.createDirectory(atPath: box.output + "/.0123456789abcdef.partial-\(dead)-77",
                                                withIntermediateDirectories: true)
        var opts = try box.options()
        opts.outputDirectory = box.output
        let watcher = Watcher(store: box.store, options: opts, analyze: fakeAnalyzer(CallLog(), outDir: box.output))
        try await runUntilIdle(watcher)
        #expect(!FileManager.default.fileExists(atPath: box.output + "/.0123456789abcdef.partial-\(dead)-77"))
    }

    // MARK: - 7: crash-loop guard

    func enqueueOne(_ box: Sandbox, _ name: String = "a.mp4") throws -> JobRow {
        try box.write(name, "content of \(name)")
        let p = box.input + "/" + name
        let sig = try #require(FileSignature.of(path: p))
        return try box.store.enqueue(path: p, sha256: try SHA256.hexDigest(ofFileAt: p), size: sig.size, mtime: sig.mtime,
                                     pipeline: "quick", parameters: try box.options().pipeline.parameters).job
    }

    /// A watcher killed (-9) five times while analysing the same valid recording: the recording is not
    /// failed as "may crash the analyser"; the next run analyses it.
    @Test func killedWatcherDoesNotCountAgainstTheRecording() async throws {
        let box = try Sandbox(maxAttempts: 3)
        defer { box.cleanup() }
        let job = try enqueueOne(box)
        let host = ProcessInfo.processInfo.hostName
        let watcher = Watcher(store: box.store, options: try box.options(), analyze: fakeAnalyzer(CallLog(), outDir: box.output))
        for round in 0..<5 {
            let dead = try Tool.deadPid()
            _ = try #require(try box.store.claimNextJob(worker: "\(host):\(dead):tok\(round):w0", leaseSeconds: 3600))
            try await watcher.recover()
            let now = try box.store.job(id: job.id)
            #expect(now.state == .queued, "round \(round): \(now.state) \(now.error ?? "")")
        }
        let log = CallLog()
        let again = Watcher(store: box.store, options: try box.options(), analyze: fakeAnalyzer(log, outDir: box.output))
        try await runUntilIdle(again)
        #expect(try box.store.job(id: job.id).state == .done)
    }

    /// When the analysis itself crashed (the crash handler listed the job), attempts count and the job
    /// ends failed with that reason.
    @Test func crashedAnalysisCountsAndFailsAfterMaxAttempts() async throws {
        let box = try Sandbox(maxAttempts: 3)
        defer { box.cleanup() }
        let job = try enqueueOne(box)
        let host = ProcessInfo.processInfo.hostName
        let watcher = Watcher(store: box.store, options: try box.options(), analyze: fakeAnalyzer(CallLog(), outDir: box.output))
        for round in 0..<3 {
            let dead = try Tool.deadPid()
            _ = try #require(try box.store.claimNextJob(worker: "\(host):\(dead):tok\(round):w0", leaseSeconds: 3600))
            let marker = CrashGuard.markerFile(catalogPath: box.store.path, pid: dead)
            try Data("\(job.id)\n".utf8).write(to: URL(fileURLWithPath: marker))
            try await watcher.recover()
            #expect(!FileManager.default.fileExists(atPath: marker))
        }
        let failed = try box.store.job(id: job.id)
        #expect(failed.state == .failed)
        #expect(failed.error?.contains("the analysis crashed") == true)
    }

    /// Jobs an older watcher failed only because it was killed repeatedly come back at the next start.
    @Test func jobsFailedByKilledWatchersAreRevived() async throws {
        let box = try Sandbox(maxAttempts: 1)
        defer { box.cleanup() }
        let job = try enqueueOne(box)
        _ = try #require(try box.store.claimNextJob(worker: "elsewhere:1:x:w0", leaseSeconds: 3600))
        try box.store.requeueRunning(worker: "elsewhere:1:x:w0", countsAsAttempt: true)
        let failed = try box.store.job(id: job.id)
        #expect(failed.state == .failed && failed.error?.contains("may crash the analyser") == true)
        let log = CallLog()
        let watcher = Watcher(store: box.store, options: try box.options(), analyze: fakeAnalyzer(log, outDir: box.output))
        try await runUntilIdle(watcher)
        #expect(try box.store.job(id: job.id).state == .done)
    }

    // MARK: - 5: pausing uploads

    /// Writes `source` to `target` in `pieces` with `pauseSeconds` between them, from a separate process.
    /// `holdOpen`: one open file descriptor for the whole upload (a recorder); else each piece is appended
    /// by its own `dd` (an uploader that reconnects).
    static func slowWriter(source: String, target: String, pieces: Int, pauseSeconds: Double, holdOpen: Bool) throws -> Process {
        let size = try #require(FileSignature.of(path: source)).size
        let piece = (size + Int64(pieces) - 1) / Int64(pieces)
        var script = holdOpen ? "exec 3>\"$2\"\n" : ": > \"$2\"\n"
        for i in 0..<pieces {
            let dd = "dd if=\"$1\" bs=\(piece) skip=\(i) count=1 status=none"
            script += holdOpen ? "\(dd) >&3\n" : "\(dd) >> \"$2\"\n"
            if i < pieces - 1 { script += "sleep \(pauseSeconds)\n" }
        }
        if holdOpen { script += "exec 3>&-\n" }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", script, "writer", source, target]
        try p.run()
        return p
    }

    @Test(arguments: [("lesson-zh-lecture.mp4", false), ("lesson-audio.m4a", false), ("lesson-practice.ts", false),
                      ("lesson-audio.m4a", true)])
    func uploadWithPausesLongerThanTheDebounceIsTakenOnce(sample: String, holdOpen: Bool) async throws {
        let box = try Sandbox()
        defer { box.cleanup() }
        var opts = try box.options()
        opts.exitWhenIdle = false
        opts.debounceSeconds = 0.3
        let log = CallLog()
        let watcher = Watcher(store: box.store, options: opts, analyze: fakeAnalyzer(log, outDir: box.output))
        let run = Task { try await watcher.run() }
        let target = box.input + "/" + sample
        // Pauses of 1 s, more than three times the debounce: each pause alone would look like a finished file.
        let writer = try Self.slowWriter(source: Self.sample(sample), target: target, pieces: 7, pauseSeconds: 1,
                                         holdOpen: holdOpen)
        #expect(await writer.exited(within: 60), "the writer did not finish")
        #expect(writer.terminationStatus == 0)
        let full = try #require(FileSignature.of(path: Self.sample(sample))).size
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, try box.store.jobs().filter({ $0.state == .done }).isEmpty {
            try await Task.sleep(for: .milliseconds(100))
        }
        try await Task.sleep(for: .seconds(1))
        await watcher.stop(immediately: true)
        _ = try await run.value
        let calls = await log.calls
        #expect(calls.map(\.size) == [full], "analysed sizes \(calls.map(\.size)) of \(full)")
        #expect(try box.store.jobs().map(\.state) == [.done])
    }

    @Test func openWriterMeansNotFinished() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("writer-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/rec.mkv"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "exec 3>\"$1\"; echo data >&3; sleep 3", "writer", file]
        try p.run()
        defer { p.terminate(); p.waitUntilExit() }
        let deadline = Date().addingTimeInterval(5)
        while (FileSignature.of(path: file)?.size ?? 0) == 0, Date() < deadline { usleep(20_000) }
        #expect(UploadCompleteness.openWriter(path: file) == p.processIdentifier)
        #expect(UploadCompleteness.incompleteReason(path: file, size: 5)?.contains("open for writing") == true)
    }

    @Test func containerChecks() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cont-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for name in ["lesson-zh-lecture.mp4", "lesson-audio.m4a", "lesson-practice.ts"] {
            let data = try Data(contentsOf: URL(fileURLWithPath: Self.sample(name)))
            #expect(UploadCompleteness.containerReason(path: Self.sample(name), size: Int64(data.count)) == nil, "\(name) complete")
            let cut = dir + "/" + name
            try data.prefix(data.count - 100).write(to: URL(fileURLWithPath: cut))
            #expect(UploadCompleteness.containerReason(path: cut, size: Int64(data.count - 100)) != nil, "\(name) cut")
        }
        // Not the container its name says: left to the analysis to call bad media.
        try Data("not media".utf8).write(to: URL(fileURLWithPath: dir + "/bad.mp4"))
        #expect(UploadCompleteness.containerReason(path: dir + "/bad.mp4", size: 9) == nil)
    }

    /// A later version of the same path supersedes the earlier result instead of standing beside it.
    @Test func laterVersionSupersedesTheEarlierResult() async throws {
        let box = try Sandbox()
        defer { box.cleanup() }
        try box.write("rec.mkv", "first part")
        let analyzer: JobAnalyzer = { job in
            let dir = box.output + "/\(job.sha256.prefix(16))"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            return (dir, fakeSummary(dir))
        }
        try await runUntilIdle(Watcher(store: box.store, options: try box.options(), analyze: analyzer))
        let first = try #require(try box.store.jobs().first)
        #expect(first.state == .done)
        try box.write("rec.mkv", "first part, second part")
        try await runUntilIdle(Watcher(store: box.store, options: try box.options(), analyze: analyzer))
        let jobs = try box.store.jobs()
        #expect(jobs.map(\.state) == [.failed, .done])
        #expect(jobs[0].error?.hasPrefix("superseded") == true)
        #expect(!FileManager.default.fileExists(atPath: try #require(first.reportDir)))
        #expect(try box.store.results().map(\.jobID) == [jobs[1].id])
    }

    // MARK: - 6: replaced during analysis

    /// Another recording renamed over the path while the first is analysed: the job fails with that
    /// reason (transient: the new file is taken again) instead of giving A's report with B's clips.
    @Test func fileReplacedDuringTheAnalysisFailsTheJob() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("replace-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let a = dir + "/lesson.mp4", b = dir + "/other.mp4"
        try FileManager.default.copyItem(atPath: Self.sample("lesson-en-dialogue.mp4"), toPath: a)
        try FileManager.default.copyItem(atPath: Self.sample("lesson-zh-lecture.mp4"), toPath: b)
        let request = AnalyzeRequest(path: a, outDir: dir + "/out", config: try PipelineConfig.builtin(name: "standard"))
        var replaced = false
        do {
            _ = try AnalyzePipeline.run(request) { p in
                if p.stage == "cutting clips" && !replaced { replaced = rename(b, a) == 0 }
            }
            Issue.record("the analysis finished although its file was replaced (replaced: \(replaced))")
        } catch let e as PipelineError {
            guard case .fileChanged = e else { Issue.record("expected fileChanged, got \(e)"); return }
            #expect(e.exitCode == .ioError)
            #expect(e.message.contains("replaced or changed during the analysis"))
            #expect(JobFailure.classify(e).transient)
        }
        #expect(replaced)
        let left = (try? FileManager.default.contentsOfDirectory(atPath: dir + "/out")) ?? []
        #expect(left.isEmpty, "no report folder: \(left)")
    }

    // MARK: - 10: report and catalog agree

    @Test func failedCommitRemovesTheNewReportAndRestoresTheOld() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("publish-\(UUID().uuidString)").path
        let fm = FileManager.default
        defer { try? fm.removeItem(atPath: out) }
        try fm.createDirectory(atPath: out + "/id", withIntermediateDirectories: true)
        try Data("old".utf8).write(to: URL(fileURLWithPath: out + "/id/report.json"))
        try fm.createDirectory(atPath: out + "/.id.partial-1-1", withIntermediateDirectories: true)
        try Data("new".utf8).write(to: URL(fileURLWithPath: out + "/.id.partial-1-1/report.json"))
        #expect(throws: SimpleError.self) {
            try AnalyzePipeline.publish(out + "/.id.partial-1-1", at: out + "/id") { throw SimpleError(.ioError, "database is locked") }
        }
        #expect(try String(contentsOfFile: out + "/id/report.json", encoding: .utf8) == "old")
        #expect(try fm.contentsOfDirectory(atPath: out) == ["id"])
        // Without an older report: neither folder nor row.
        try fm.removeItem(atPath: out + "/id")
        try fm.createDirectory(atPath: out + "/.id.partial-1-2", withIntermediateDirectories: true)
        #expect(throws: SimpleError.self) {
            try AnalyzePipeline.publish(out + "/.id.partial-1-2", at: out + "/id") { throw SimpleError(.ioError, "disk full") }
        }
        #expect(try fm.contentsOfDirectory(atPath: out).isEmpty)
    }

    /// The watcher cannot record `done` (the catalog is locked by another process for longer than the busy
    /// timeout): the report folder does not stay behind looking complete; the job is retried.
    @Test func watcherRemovesTheReportWhenTheCatalogWriteFails() async throws {
        let box = try Sandbox()
        defer { box.cleanup() }
        try box.write("a.mkv", "content")
        let dir = box.output + "/report-a"
        let locker = Locker(path: box.store.path)
        let analyzer: JobAnalyzer = { _ in
            if locker.used { locker.dirExistedOnRetry = FileManager.default.fileExists(atPath: dir) }
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try Data("{}".utf8).write(to: URL(fileURLWithPath: dir + "/report.json"))
            if !locker.used { try locker.lock(seconds: 12) }  // the first attempt meets a locked catalog
            return (dir, fakeSummary(dir))
        }
        var opts = try box.options()
        opts.workers = 1
        try await runUntilIdle(Watcher(store: box.store, options: opts, analyze: analyzer))
        let job = try #require(try box.store.jobs().first)
        #expect(job.state == .done && job.attempts == 2)
        #expect(locker.dirExistedOnRetry == false, "the report of the attempt whose row failed was removed")
        #expect(FileManager.default.fileExists(atPath: dir))
        locker.finish()
    }

    /// Holds an exclusive lock on a SQLite file from another process (python3's sqlite3).
    final class Locker: @unchecked Sendable {
        // @unchecked: `process` is set once from the single analysis call.
        let path: String
        var process: Process?
        var dirExistedOnRetry: Bool?
        var used: Bool { process != nil }
        init(path: String) { self.path = path }
        func lock(seconds: Double) throws {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            p.arguments = ["-c", """
                import sqlite3, sys, time
                c = sqlite3.connect(sys.argv[1], isolation_level=None)
                c.execute('BEGIN EXCLUSIVE')
                print('locked', flush=True)
                time.sleep(float(sys.argv[2]))
                """, path, "\(seconds)"]
            let out = Pipe()
            p.standardOutput = out
            try p.run()
            process = p
            _ = out.fileHandleForReading.availableData  // wait for "locked"
        }
        func finish() { process?.terminate(); process?.waitUntilExit() }
    }
}


/// Tests that need root (mounts). CI runs as root; elsewhere they fail with that reason, not skip.
@Suite(.serialized, .tags(.media, .slow)) struct StorageRootTests {
    /// A 2 MB tmpfs at a fresh folder; `leaveFree` bytes are left free by a filler file.
    static func smallDisk(leaveFree: Int64) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tmpfs-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Tool.shell("mount -t tmpfs -o size=2m tmpfs '\(dir)'")
        let free = try #require(OutputFolder.freeBytes(at: dir))
        if free > leaveFree {
            try Tool.shell("head -c \(free - leaveFree) /dev/zero > '\(dir)/filler' || true")
        }
        return dir
    }

    static func unmount(_ dir: String) {
        _ = try? Tool.shell("umount '\(dir)'")
        try? FileManager.default.removeItem(atPath: dir)
    }


    /// With too little free space the watcher's analysis fails at once with how much it needs (a transient
    /// I/O error: it is retried), instead of analysing and dropping clips.
    @Test func analysisRefusesToStartWithoutRoomForClips() async throws {
        try TestEnvironment.requireRoot()
        let out = try Self.smallDisk(leaveFree: 600_000)
        defer { Self.unmount(out) }
        let sample = WatcherHardeningTests.sample("lesson-audio.m4a")
        let job = JobRow(id: 1, recordingID: 1, path: sample, sha256: String(repeating: "0", count: 64), state: .running,
                         attempts: 1, error: nil, pipeline: "standard", parametersJSON: "{}", createdAt: Date(),
                         startedAt: nil, finishedAt: nil, leaseOwner: nil, leaseExpiresAt: nil, nextAttemptAt: nil,
                         reportDir: nil, duplicateOf: nil)
        do {
            _ = try await analyzeForWatcher(job: job, outDir: out, config: try PipelineConfig.builtin(name: "audio-only"))
            Issue.record("the analysis ran with 0.6 MB free")
        } catch let e as PipelineError {
            guard case .notEnoughSpace = e else { Issue.record("expected notEnoughSpace, got \(e)"); return }
            #expect(e.exitCode == .ioError)
            #expect(e.message.contains("not enough free space"))
            #expect(JobFailure.classify(e).transient)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: out) == ["filler"])
    }

    /// `--once` with a catalog that cannot be written (its disk is full): the watcher backs off and then
    /// stops with the catalog's error instead of running (and logging) forever.
    @Test func onceFinishesWhenTheCatalogCannotBeWritten() async throws {
        try TestEnvironment.requireRoot()
        let disk = try Self.smallDisk(leaveFree: 1_500_000)
        defer { Self.unmount(disk) }
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("in-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: input, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: input) }
        try Data("a recording".utf8).write(to: URL(fileURLWithPath: input + "/a.mkv"))
        let store = try CatalogStore(path: disk + "/catalog.sqlite")
        let sig = try #require(FileSignature.of(path: input + "/a.mkv"))
        _ = try store.enqueue(path: input + "/a.mkv", sha256: try SHA256.hexDigest(ofFileAt: input + "/a.mkv"), size: sig.size,
                              mtime: sig.mtime, pipeline: "quick", parameters: [:])
        try Data("another recording".utf8).write(to: URL(fileURLWithPath: input + "/b.mkv"))
        // Fill the disk: the claim's UPDATE now meets SQLITE_FULL (the state the issue saw).
        try Tool.shell("head -c 3000000 /dev/zero > '\(disk)/filler2' 2>/dev/null")
        var opts = WatcherOptions(directory: input, pipeline: try PipelineConfig.builtin(name: "quick"))
        opts.debounceSeconds = 0.1
        opts.pollSeconds = 0.05
        opts.catalogBackoffMaxSeconds = 0.4
        opts.exitWhenIdle = true
        let watcher = Watcher(store: store, options: opts, analyze: fakeAnalyzer(CallLog(), outDir: disk))
        let started = Date()
        let guardTask = Task {
            try await Task.sleep(for: .seconds(60))
            Issue.record("watch --once did not finish")
            await watcher.stop(immediately: true)
        }
        defer { guardTask.cancel() }
        await #expect(throws: CatalogError.self) { try await watcher.run() }
        #expect(Date().timeIntervalSince(started) < 30)
    }

    /// `jobs list` and `export` read a catalog on a read-only mount (no -shm file, folder not writable).
    @Test func catalogOnReadOnlyMountCanBeRead() throws {
        try TestEnvironment.requireRoot()
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("ro-\(UUID().uuidString)").path
        let rw = base + "/rw", ro = base + "/ro"
        try FileManager.default.createDirectory(atPath: rw, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: ro, withIntermediateDirectories: true)
        defer { _ = try? Tool.shell("umount '\(ro)'"); try? FileManager.default.removeItem(atPath: base) }
        do {
            let store = try CatalogStore(path: rw + "/catalog.sqlite")
            _ = try store.enqueue(path: "/x/a.mp4", sha256: String(repeating: "a", count: 64), size: 1, mtime: Date(),
                                  pipeline: "quick", parameters: [:])
        }
        #expect(!FileManager.default.fileExists(atPath: rw + "/catalog.sqlite-shm"), "closed cleanly")
        #expect(try Tool.shell("mount --bind '\(rw)' '\(ro)' && mount -o remount,ro,bind '\(ro)'") == 0)
        let store = try CatalogStore(path: ro + "/catalog.sqlite", readOnly: true)
        #expect(try store.jobs().map(\.path) == ["/x/a.mp4"])
        #expect(try store.results().isEmpty)
        #expect(throws: CatalogError.self) { try store.retry(id: 1) }
    }

    /// A catalog copied while a watcher ran (its last commits still in `-wal`, no `-shm`), on a read-only
    /// mount: `immutable` alone would ignore the WAL and show nothing (here: not even the tables).
    @Test func readOnlyCatalogWithPendingWALShowsItsLastCommits() throws {
        try TestEnvironment.requireRoot()
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("rowal-\(UUID().uuidString)").path
        let live = base + "/live", rw = base + "/rw", ro = base + "/ro"
        for d in [live, rw, ro] { try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) }
        defer { _ = try? Tool.shell("umount '\(ro)'"); try? FileManager.default.removeItem(atPath: base) }
        let store = try CatalogStore(path: live + "/catalog.sqlite")
        _ = try store.enqueue(path: "/x/a.mp4", sha256: String(repeating: "a", count: 64), size: 1, mtime: Date(),
                              pipeline: "quick", parameters: [:])
        // A snapshot while the store is open: the database file and its WAL, not the shared-memory index.
        try FileManager.default.copyItem(atPath: live + "/catalog.sqlite", toPath: rw + "/catalog.sqlite")
        try FileManager.default.copyItem(atPath: live + "/catalog.sqlite-wal", toPath: rw + "/catalog.sqlite-wal")
        let walSize = try FileManager.default.attributesOfItem(atPath: rw + "/catalog.sqlite-wal")[.size] as? Int ?? 0
        #expect(walSize > 0, "the commits are in the WAL")
        #expect(try Tool.shell("mount --bind '\(rw)' '\(ro)' && mount -o remount,ro,bind '\(ro)'") == 0)
        var copy: String?
        do {
            let reader = try CatalogStore(path: ro + "/catalog.sqlite", readOnly: true)
            #expect(try reader.jobs().map(\.path) == ["/x/a.mp4"])
            copy = reader.readOnlyCopy
            #expect(copy != nil)
        }
        if let copy { #expect(!FileManager.default.fileExists(atPath: copy), "the private copy goes with the store") }
    }
}
