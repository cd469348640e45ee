import Catalog
import Foundation
import MediaCore
import TestSupport
import Testing
@testable import Pipeline

/// A temp folder with `in/` (watched) and `out/`, and a catalog.
struct Sandbox {
    let root: URL
    var input: String { root.appendingPathComponent("in").path }
    var output: String { root.appendingPathComponent("out").path }
    let store: CatalogStore

    init(maxAttempts: Int = 3) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("watch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: root.appendingPathComponent("in").path, withIntermediateDirectories: true)
        store = try CatalogStore(path: root.appendingPathComponent("out/catalog.sqlite").path, maxAttempts: maxAttempts)
    }

    func write(_ name: String, _ content: String) throws {
        let url = URL(fileURLWithPath: input).appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(content.utf8).write(to: url)
    }

    func options(workers: Int = 2) throws -> WatcherOptions {
        var o = WatcherOptions(directory: input, pipeline: try PipelineConfig.builtin(name: "quick"))
        o.workers = workers
        // Short times so tests run in well under a second of waiting; the logic is the same.
        o.debounceSeconds = 0.3
        o.rescanSeconds = 0.5
        o.leaseSeconds = 5
        o.pollSeconds = 0.05
        o.retryBaseSeconds = 0.05
        o.shutdownGraceSeconds = 10
        o.excludedPaths = [output]
        o.exitWhenIdle = true
        return o
    }

    func cleanup() { try? FileManager.default.removeItem(at: root) }
}

/// Records what the fake analysis saw.
actor CallLog {
    var calls: [(path: String, size: Int64)] = []
    func add(_ path: String, _ size: Int64) { calls.append((path, size)) }
    var paths: [String] { calls.map(\.path) }
}

func fakeSummary(_ dir: String) -> ResultSummary {
    ResultSummary(durationSeconds: 1, teacherRatio: 0.5, studentRatio: 0.2, multiRatio: 0, silenceRatio: 0.3, rt: 0.5,
                  ch: 0.2, mode: "mixed", medianWaitSeconds: 2, questionCount: 1, turnExchanges: 1, findingsCount: 0,
                  slideChanges: 0, microLessons: 1, language: "zh", reportDir: dir)
}

/// A fake analysis: files whose content starts with BAD are bad media; others succeed.
func fakeAnalyzer(_ log: CallLog, outDir: String) -> JobAnalyzer {
    { job in
        let size = FileSignature.of(path: job.path)?.size ?? -1
        await log.add(job.path, size)
        let head = (try? String(contentsOfFile: job.path, encoding: .utf8))?.prefix(3)
        if head == "BAD" { throw SimpleError(.badMedia, "cannot decode '\(job.path)': Invalid data (fake)") }
        return ("\(outDir)/\(job.id)", fakeSummary("\(outDir)/\(job.id)"))
    }
}

/// Runs the watcher until idle, with a safety stop so a bug cannot hang the test run.
@discardableResult
func runUntilIdle(_ watcher: Watcher) async throws -> WatcherStats {
    let guardTask = Task {
        try await Task.sleep(for: .seconds(120))
        Issue.record("watcher did not become idle")
        await watcher.stop(immediately: true)
    }
    defer { guardTask.cancel() }
    return try await watcher.run()
}

@Suite struct DebounceTests {
    /// Symbolic: one character per 1 s tick, the character is the file size ('.' = absent);
    /// returns the tick at which the file is taken with a 3 s debounce.
    func readyTick(_ script: String) -> Int? {
        var t = DebounceTracker(stableSeconds: 3)
        let t0 = Date(timeIntervalSince1970: 0)
        for (i, c) in script.enumerated() {
            let now = t0.addingTimeInterval(Double(i))
            let sig = c == "." ? nil : FileSignature(size: Int64(String(c))!, mtime: t0)
            t.observe(path: "f", signature: sig, now: now)
            if !t.takeReady(now: now).isEmpty { return i }
        }
        return nil
    }

    @Test func stabilityRule() {
        #expect(readyTick("1111") == 3)
        #expect(readyTick("1223333") == 6)
        #expect(readyTick("11.1111") == 6)      // vanished and came back: the clock restarts
        #expect(readyTick("12121212") == nil)   // still growing
        #expect(readyTick("111") == nil)
        #expect(readyTick("....") == nil)
    }

    @Test func mtimeChangeAlsoResets() {
        var t = DebounceTracker(stableSeconds: 2)
        let d = Date(timeIntervalSince1970: 0)
        t.observe(path: "f", signature: FileSignature(size: 5, mtime: d), now: d)
        t.observe(path: "f", signature: FileSignature(size: 5, mtime: d.addingTimeInterval(1)), now: d.addingTimeInterval(1))
        #expect(t.takeReady(now: d.addingTimeInterval(2)).isEmpty)
        #expect(t.takeReady(now: d.addingTimeInterval(3)).map(\.path) == ["f"])
        #expect(t.pendingPaths.isEmpty)
    }

    @Test(arguments: [
        ("lesson.mp4", true), ("第一课 光合作用.mp4", true), ("a b'c\"$(rm -rf x).mp4", true),
        (".hidden.mp4", false), ("lesson.mp4.part", false), ("x.TMP", false), ("dl.crdownload", false),
        ("notes.txt~", false), ("a.partial", false), ("", false),
    ])
    func filter(name: String, expected: Bool) {
        #expect(WatchFilter.isCandidate(name: name) == expected)
    }

    @Test func failureClassification() {
        #expect(JobFailure.classify(SimpleError(.badMedia, "x")).transient == false)
        #expect(JobFailure.classify(SimpleError(.inputMissing, "x")).transient == false)
        #expect(JobFailure.classify(SimpleError(.ioError, "x")).transient == true)
        #expect(JobFailure.classify(SimpleError(.cannotCreateOutput, "x")).transient == true)
        #expect(JobFailure.classify(CancellationError()).transient == true)
        #expect(JobFailure.classify(SimpleError(.badMedia, "cannot decode")).message == "cannot decode")
        // Writing the report: a file-system failure may pass (retried), a bug building it would repeat (not).
        #expect(JobFailure.classify(PipelineError.reportWriteFailed(file: "a.mp4", outDir: "/out", reason: "No space left on device")).transient)
        #expect(!JobFailure.classify(PipelineError.reportBuildFailed(file: "a.mp4", reason: "invalid value")).transient)
        #expect(PipelineError.reportBuildFailed(file: "a.mp4", reason: "x").exitCode == .internalError)
        // A bad report.json is a data error of its own, not bad media.
        #expect(PipelineError.notAReport(jsonPath: "r/report.json", reason: "x") != PipelineError.reportMissing(jsonPath: "r/report.json", folder: "r"))
    }
}

@Suite(.serialized) struct WatcherTests {
    @Test func duplicatesBadFilesHiddenAndTemporary() async throws {
        let box = try Sandbox()
        defer { box.cleanup() }
        try box.write("lesson 1.mp4", "same bytes")
        try box.write("sub/copy of lesson 1.mp4", "same bytes")
        try box.write("broken.mp4", "BAD data")
        try box.write(".hidden.mp4", "hidden")
        try box.write("upload.mp4.part", "partial")
        let log = CallLog()
        let watcher = Watcher(store: box.store, options: try box.options(), analyze: fakeAnalyzer(log, outDir: box.output))
        let stats = try await runUntilIdle(watcher)
        let jobs = try box.store.jobs()
        #expect(jobs.count == 3)
        #expect(stats.done == 1 && stats.duplicates == 1 && stats.failed == 1)
        let broken = try #require(jobs.first { $0.path.hasSuffix("broken.mp4") })
        #expect(broken.state == .failed && broken.error?.contains("Invalid data") == true && broken.attempts == 1)
        let dup = try #require(jobs.first { $0.state == .duplicate })
        #expect(try box.store.job(id: dup.duplicateOf!).state == .done)
        // The duplicate was never analysed: two analyses (one good, one bad).
        #expect(await log.calls.count == 2)
        #expect(try box.store.results().count == 1)

        // A restart sees the same files and does nothing new.
        let again = Watcher(store: box.store, options: try box.options(), analyze: fakeAnalyzer(log, outDir: box.output))
        let stats2 = try await runUntilIdle(again)
        #expect(stats2.enqueued == 0 && stats2.duplicates == 0 && stats2.done == 0)
        #expect(try box.store.jobs().count == 3)
        #expect(await log.calls.count == 2)
    }

    @Test func hostileNames() async throws {
        let box = try Sandbox()
        defer { box.cleanup() }
        let names = ["with space.mp4", "第一课 光合作用.mp4", "quote'single.mp4", "quote\"double.mp4", "$(touch pwned).mp4",
                     "back`tick`.mp4", "semi;colon&amp.mp4", "new\nline.mp4", "<script>&.mp4", "-dash.mp4"]
        for (i, n) in names.enumerated() { try box.write(n, "content \(i)") }
        let log = CallLog()
        let watcher = Watcher(store: box.store, options: try box.options(), analyze: fakeAnalyzer(log, outDir: box.output))
        try await runUntilIdle(watcher)
        let jobs = try box.store.jobs()
        #expect(Set(jobs.map { ($0.path as NSString).lastPathComponent }) == Set(names))
        #expect(jobs.allSatisfy { $0.state == .done })
        #expect(!FileManager.default.fileExists(atPath: box.input + "/pwned"))
        #expect(!FileManager.default.fileExists(atPath: "pwned"))
    }

    @Test func transientFailureIsRetried() async throws {
        let box = try Sandbox()
        defer { box.cleanup() }
        try box.write("flaky.mp4", "ok")
        let attempts = CallLog()
        let watcher = Watcher(store: box.store, options: try box.options()) { job in
            await attempts.add(job.path, 0)
            if await attempts.calls.count < 3 { throw SimpleError(.ioError, "read error on network share") }
            return ("/r", fakeSummary("/r"))
        }
        let stats = try await runUntilIdle(watcher)
        let job = try #require(try box.store.jobs().first)
        #expect(job.state == .done && job.attempts == 3 && stats.retried == 2)
    }

    @Test func transientFailuresGiveUpAfterMaxAttempts() async throws {
        let box = try Sandbox(maxAttempts: 2)
        defer { box.cleanup() }
        try box.write("gone.mp4", "ok")
        let watcher = Watcher(store: box.store, options: try box.options()) { _ in
            throw SimpleError(.ioError, "disk unplugged")
        }
        try await runUntilIdle(watcher)
        let job = try #require(try box.store.jobs().first)
        #expect(job.state == .failed && job.attempts == 2 && job.error?.contains("disk unplugged") == true)
    }

    /// A file that keeps growing is not taken until it has been stable: the analysis sees its final size.
    @Test func slowWritesAreTakenOnlyWhenStable() async throws {
        let box = try Sandbox()
        defer { box.cleanup() }
        let path = box.input + "/growing.mp4"
        try Data("x".utf8).write(to: URL(fileURLWithPath: path))
        var options = try box.options()
        // Writes come every 0.1 s; a 1 s debounce leaves a 10x margin on a loaded machine.
        options.debounceSeconds = 1
        let log = CallLog()
        let watcher = Watcher(store: box.store, options: options, analyze: fakeAnalyzer(log, outDir: box.output))
        // The writer is a thread of its own, not a task: a task's writes could be held up for longer than the
        // debounce while other tests keep the concurrency pool busy, and the file would look finished.
        let writerDone = WriterDone()
        Thread {
            if let h = FileHandle(forWritingAtPath: path) {
                for _ in 0..<20 {
                    usleep(100_000)
                    h.seekToEndOfFile()
                    h.write(Data(repeating: 0x41, count: 1000))
                }
                h.closeFile()
            }
            writerDone.set()
        }.start()
        try await runUntilIdle(watcher)
        #expect(try await Wait.until(seconds: 30) { writerDone.value })
        #expect(await log.calls.map(\.size) == [20_001])
        #expect(try box.store.jobs().count == 1)
    }

    /// Worker A of a process that was killed (-9) holds a job; the next watcher requeues it and does it
    /// exactly once. Covers both a dead local process (found by pid) and an expired lease elsewhere.
    @Test func crashRecoveryExactlyOnce() async throws {
        let box = try Sandbox()
        defer { box.cleanup() }
        try box.write("a.mp4", "A")
        try box.write("b.mp4", "B")
        let opts = try box.options()
        let params = opts.pipeline.parameters
        for name in ["a.mp4", "b.mp4"] {
            let p = box.input + "/" + name
            let sig = try #require(FileSignature.of(path: p))
            _ = try box.store.enqueue(path: p, sha256: try SHA256.hexDigest(ofFileAt: p), size: sig.size, mtime: sig.mtime,
                                      pipeline: "quick", parameters: params)
        }
        let host = ProcessInfo.processInfo.hostName
        // A dead process on this host (pid beyond pid_max), lease still valid for an hour.
        _ = try #require(try box.store.claimNextJob(worker: "\(host):99999999:dead:w0", leaseSeconds: 3600))
        // A process on another machine whose lease ran out.
        _ = try #require(try box.store.claimNextJob(worker: "elsewhere:42:x:w0", leaseSeconds: -1))
        let log = CallLog()
        let watcher = Watcher(store: box.store, options: opts, analyze: fakeAnalyzer(log, outDir: box.output))
        let stats = try await runUntilIdle(watcher)
        #expect(stats.requeued == 2)
        let jobs = try box.store.jobs()
        #expect(jobs.count == 2 && jobs.allSatisfy { $0.state == .done })
        // The dead local process left no crash marker (it was killed, the analysis did not crash): its
        // attempt is given back (issue 14.7). The expired foreign lease counts, as before.
        #expect(jobs.map(\.attempts).sorted() == [1, 2])
        #expect(try box.store.results().map(\.jobID).sorted() == jobs.map(\.id).sorted())
        #expect(await log.calls.count == 2)
    }

    /// A live lease of another machine is left alone.
    @Test func liveForeignLeaseIsNotStolen() async throws {
        let box = try Sandbox()
        defer { box.cleanup() }
        let sha = SHA256.hexDigest(of: Array("x".utf8))
        _ = try box.store.enqueue(path: "/elsewhere/x.mp4", sha256: sha, size: 1, mtime: Date(), pipeline: "quick", parameters: [:])
        _ = try box.store.claimNextJob(worker: "otherhost:1:t:w0", leaseSeconds: 3600)
        var opts = try box.options()
        opts.exitWhenIdle = false
        let watcher = Watcher(store: box.store, options: opts) { _ in ("/r", fakeSummary("/r")) }
        let run = Task { try await watcher.run() }
        // Let it start, recover and tick a few times.
        try await Task.sleep(for: .milliseconds(500))
        await watcher.stop()
        _ = try await run.value
        #expect(try box.store.jobs().first?.state == .running)
    }

    /// stop() with no grace requeues the running job and gives the attempt back; with grace it finishes.
    @Test func shutdownRequeuesOrFinishes() async throws {
        for grace in [0.0, 30.0] {
            let box = try Sandbox()
            defer { box.cleanup() }
            try box.write("long.mp4", "long lesson")
            var opts = try box.options(workers: 1)
            opts.exitWhenIdle = false
            opts.shutdownGraceSeconds = grace
            let started = CallLog()
            let watcher = Watcher(store: box.store, options: opts) { job in
                await started.add(job.path, 0)
                // Stands in for a long analysis that ignores cancellation.
                try? await Task.sleep(for: .seconds(1))
                return ("/r", fakeSummary("/r"))
            }
            let run = Task { try await watcher.run() }
            while await started.calls.isEmpty { try await Task.sleep(for: .milliseconds(20)) }
            await watcher.stop()
            let stats = try await run.value
            let job = try #require(try box.store.jobs().first)
            if grace == 0 {
                #expect(job.state == .queued && job.attempts == 0 && stats.requeued == 1)
            } else {
                #expect(job.state == .done && stats.done == 1)
            }
        }
    }

    /// The output folder inside the watched folder is never taken as input.
    @Test func outputInsideWatchedFolderIsIgnored() async throws {
        let box = try Sandbox()
        defer { box.cleanup() }
        try box.write("lesson.mp4", "L")
        try box.write("reports/old/report.json", "{}")
        var opts = try box.options()
        opts.excludedPaths = [box.input + "/reports"]
        let watcher = Watcher(store: box.store, options: opts) { job in ("/r", fakeSummary("/r")) }
        try await runUntilIdle(watcher)
        #expect(try box.store.jobs().map { ($0.path as NSString).lastPathComponent } == ["lesson.mp4"])
    }

    /// 200 files dropped at once (some duplicate content, some bad) with 2 workers: every file ends in
    /// exactly one terminal state, every done job has exactly one result, nothing analysed twice.
    @Test func twoHundredFilesAtOnce() async throws {
        let box = try Sandbox()
        defer { box.cleanup() }
        var expectBad = 0, expectDup = 0
        for i in 0..<200 {
            let content: String
            if i % 20 == 7 { content = "BAD \(i)"; expectBad += 1 }
            else if i % 10 == 3 { content = "content \(i - 1)"; expectDup += 1 }   // same bytes as file i-1
            else { content = "content \(i)" }
            try box.write(String(format: "lesson-%03d.mp4", i), content)
        }
        let log = CallLog()
        let watcher = Watcher(store: box.store, options: try box.options(), analyze: fakeAnalyzer(log, outDir: box.output))
        try await runUntilIdle(watcher)
        let jobs = try box.store.jobs()
        #expect(jobs.count == 200)
        #expect(Set(jobs.map(\.path)).count == 200)
        #expect(jobs.allSatisfy { $0.state.isTerminal })
        #expect(jobs.filter { $0.state == .failed }.count == expectBad)
        #expect(jobs.filter { $0.state == .duplicate }.count == expectDup)
        let done = jobs.filter { $0.state == .done }
        #expect(done.count == 200 - expectBad - expectDup)
        #expect(try box.store.results().map(\.jobID).sorted() == done.map(\.id))
        let analysed = await log.paths
        #expect(analysed.count == Set(analysed).count && analysed.count == done.count + expectBad)
    }

    /// An analysis that blocks its thread for several lease lengths keeps its lease (renewed from the
    /// lease thread), so the periodic expired-lease sweep does not requeue it: analysed once, one attempt.
    @Test func blockingAnalysisKeepsItsLease() async throws {
        let box = try Sandbox()
        defer { box.cleanup() }
        try box.write("long.mp4", "L")
        var opts = try box.options(workers: 1)
        opts.leaseSeconds = 0.6
        let log = CallLog()
        let watcher = Watcher(store: box.store, options: opts) { job in
            await log.add(job.path, 0)
            blockThread(seconds: 2)  // blocking on purpose, like a long decode
            return ("/r", fakeSummary("/r"))
        }
        try await runUntilIdle(watcher)
        let job = try #require(try box.store.jobs().first)
        #expect(job.state == .done && job.attempts == 1)
        #expect(await log.calls.count == 1)
    }

    /// Batch mode over a list of files: no folder watching, events for a progress display, and a
    /// second run over the same files reports them as already known.
    @Test func batchOverFilesWithEvents() async throws {
        let box = try Sandbox()
        defer { box.cleanup() }
        try box.write("a.mp4", "A")
        try box.write("b.mp4", "A")
        try box.write("bad.mp4", "BAD")
        try box.write("not listed.mp4", "N")
        let files = ["a.mp4", "b.mp4", "bad.mp4", "missing.mp4"].map { box.input + "/" + $0 }
        let events = EventLog()
        var opts = WatcherOptions.batch(files: files, pipeline: try PipelineConfig.builtin(name: "quick"), workers: 2)
        opts.pollSeconds = 0.05
        opts.onEvent = { e in events.add(e) }
        let log = CallLog()
        let stats = try await runUntilIdle(Watcher(store: box.store, options: opts, analyze: fakeAnalyzer(log, outDir: box.output)))
        #expect(stats.done == 1 && stats.duplicates == 1 && stats.failed == 1)
        #expect(try box.store.jobs().count == 3)  // the unlisted file was not taken
        let kinds = events.kinds
        #expect(kinds.filter { $0 == "queued" }.count == 2 && kinds.contains("duplicate") && kinds.contains("skipped"))
        #expect(kinds.filter { $0 == "started" }.count == 2 && kinds.filter { $0 == "finished" }.count == 2)

        let again = EventLog()
        opts.onEvent = { e in again.add(e) }
        try await runUntilIdle(Watcher(store: box.store, options: opts, analyze: fakeAnalyzer(log, outDir: box.output)))
        #expect(again.kinds.filter { $0 == "alreadyKnown" }.count == 3)
        #expect(await log.calls.count == 2)
    }
}

/// Collects event kinds synchronously (the callback must not hop to a task: counts would race).
final class EventLog: @unchecked Sendable {
    // @unchecked: `_kinds` is guarded by `lock`.
    private let lock = NSLock()
    private var _kinds: [String] = []
    var kinds: [String] { lock.lock(); defer { lock.unlock() }; return _kinds }
    func add(_ e: WatcherEvent) {
        lock.lock(); defer { lock.unlock() }
        var kinds: [String] = []
        defer { _kinds += kinds }
        switch e {
        case .queued: kinds.append("queued")
        case .duplicate: kinds.append("duplicate")
        case .alreadyKnown: kinds.append("alreadyKnown")
        case .skipped: kinds.append("skipped")
        case .started: kinds.append("started")
        case .finished: kinds.append("finished")
        }
    }
}

/// Set once by a writer thread.
final class WriterDone: @unchecked Sendable {
    private let lock = NSLock()
    private var done = false
    var value: Bool { lock.withLock { done } }
    func set() { lock.withLock { done = true } }
}

/// Blocks the calling thread (not a suspension): stands in for CPU-bound analysis.
func blockThread(seconds: Double) { usleep(useconds_t(seconds * 1_000_000)) }
