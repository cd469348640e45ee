import Catalog
import Foundation
import Logging
import MediaCore

/// Analyses one claimed job; returns the report folder and the summary to store.
public typealias JobAnalyzer = @Sendable (JobRow) async throws -> (reportDir: String, summary: ResultSummary)

/// Settings of `Watcher`. Defaults suit a recording server; tests shorten the times.
public struct WatcherOptions: Sendable {
    /// Folder to watch (recursively).
    public var directory: String
    /// Workers analysing at once (one file per core is the efficient choice, FIELD-NOTES).
    public var workers: Int = 1
    /// Seconds a file's size and mtime must stay unchanged before it is taken.
    public var debounceSeconds: Double = 5
    /// Seconds between full rescans of the folder (inotify is only a hint; this catches everything).
    public var rescanSeconds: Double = 30
    /// Seconds a claimed job's lease lasts; renewed every third of it.
    public var leaseSeconds: Double = 60
    /// Seconds an idle worker waits before looking for a claimable job again (one indexed SQLite
    /// read; 0.25 s keeps short jobs from queueing behind the poll at negligible cost).
    public var pollSeconds: Double = 0.25
    /// First retry delay after a transient failure, doubled per attempt, capped at 1 h.
    public var retryBaseSeconds: Double = 30
    /// Seconds running jobs get to finish after `stop()`; then they are requeued.
    public var shutdownGraceSeconds: Double = 30
    /// Paths never taken (the output folder, the catalog file): a prefix match on whole components.
    public var excludedPaths: [String] = []
    /// Pipeline recorded with each job.
    public var pipeline: PipelineConfig
    /// Stop once every job is terminal and no file is pending (batch mode, tests); false = run until stopped.
    public var exitWhenIdle: Bool = false
    /// Batch mode: take exactly these files (no folder watching, no debounce) and exit once nothing is
    /// left to do. `directory` is then ignored.
    public var files: [String]?
    /// Called for each job event (progress display); on the watcher's executor, so keep it quick.
    public var onEvent: (@Sendable (WatcherEvent) -> Void)?

    public init(directory: String, pipeline: PipelineConfig) {
        self.directory = directory
        self.pipeline = pipeline
    }

    /// Options for a batch over `files`: same workers and retries, exits when done.
    public static func batch(files: [String], pipeline: PipelineConfig, workers: Int) -> WatcherOptions {
        var o = WatcherOptions(directory: "", pipeline: pipeline)
        o.files = files
        o.workers = workers
        o.debounceSeconds = 0
        o.exitWhenIdle = true
        return o
    }
}

/// Progress of the watcher, for displays and structured logs.
public enum WatcherEvent: Sendable {
    /// A file became a queued job.
    case queued(JobRow)
    /// A file's bytes were already queued or analysed under `original`.
    case duplicate(JobRow, original: JobRow)
    /// The file (same path, same content) already had a job, e.g. from an earlier run.
    case alreadyKnown(JobRow)
    /// A file could not be taken (unreadable, vanished); it will be looked at again on the next rescan.
    case skipped(path: String, reason: String)
    /// A worker started a job.
    case started(JobRow, worker: String)
    /// A job reached `done`, `failed`, or was requeued for a retry (`state` says which).
    case finished(JobRow, state: JobState, error: String?)
}

/// What one run of the watcher did.
public struct WatcherStats: Sendable, Equatable {
    public var enqueued = 0
    public var duplicates = 0
    public var done = 0
    public var failed = 0
    public var retried = 0
    /// Jobs put back to `queued` at start (crash recovery) or at shutdown.
    public var requeued = 0
}

/// Watches a folder for finished recordings and analyses each distinct content once.
///
/// - Files are noticed by inotify plus a periodic rescan, and taken only once their size and mtime
///   have been stable for `debounceSeconds`; hidden and temporary names are ignored (`WatchFilter`).
/// - Each file is hashed (SHA-256) and enqueued in the catalog; bytes already queued or analysed are
///   recorded as `duplicate` and not analysed again.
/// - `workers` tasks claim jobs under leases renewed from a dedicated thread, call `analyze`, and
///   record `done` with the result row, or `failed`/requeued by `JobFailure.classify`.
/// - On start, jobs left `running` by a dead process of this host, or whose lease expired, are requeued
///   (kill -9 safe: done means the result row exists, and `complete` refuses a lost lease).
/// - `stop()` stops claiming; running jobs get `shutdownGraceSeconds`, then are requeued.
///
/// File names are only ever passed to system calls and SQLite bindings, never to a shell.
public actor Watcher {
    public let store: CatalogStore
    public let options: WatcherOptions
    private let analyze: JobAnalyzer
    private let logger: Logger
    /// `host:pid:token`; workers are `<identity>:w<N>`. The random token tells a previous process
    /// apart from this one when the pid is reused (a container's pid 1).
    public nonisolated let identity: String
    private let root: String
    private var tracker: DebounceTracker
    /// Files already enqueued (or found known) this run, with the signature they had, so rescans
    /// neither re-hash them nor ask the catalog again.
    private var settled: [String: FileSignature] = [:]
    private var stopping = false
    private var graceDeadline: Date?
    private var stats = WatcherStats()
    private var activeJobs = 0

    public init(store: CatalogStore, options: WatcherOptions, logger: Logger = Logger(label: "lessonlens.watch"),
                analyze: @escaping JobAnalyzer) {
        self.store = store
        self.options = options
        self.analyze = analyze
        self.logger = logger
        self.tracker = DebounceTracker(stableSeconds: options.debounceSeconds)
        self.root = Watcher.absolute(options.directory)
        let host = ProcessInfo.processInfo.hostName
        let token = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        self.identity = "\(host):\(getpid()):\(token)"
    }

    /// Asks the watcher to stop: no new claims; running jobs get the grace period (or none if
    /// `immediately`, e.g. a second Ctrl-C) and are then requeued. `run()` returns afterwards.
    public func stop(immediately: Bool = false) {
        if !stopping { logger.info("stopping: finishing running jobs", metadata: ["running": "\(activeJobs)"]) }
        stopping = true
        let grace = immediately ? 0 : options.shutdownGraceSeconds
        let deadline = Date().addingTimeInterval(grace)
        if graceDeadline == nil || deadline < graceDeadline! { graceDeadline = deadline }
    }

    /// Counters of this run so far.
    public var currentStats: WatcherStats { stats }

    /// Runs until `stop()` (or, with `exitWhenIdle`, until nothing is left to do). Throws only if the
    /// folder cannot be read at start or the catalog fails during recovery.
    @discardableResult
    public func run() async throws -> WatcherStats {
        var isDir: ObjCBool = false
        let batch = options.files?.map(Watcher.absolute)
        guard batch != nil || (FileManager.default.fileExists(atPath: root, isDirectory: &isDir) && isDir.boolValue) else {
            throw SimpleError(.inputMissing, "cannot watch '\(root)': no such folder")
        }
        try recover()
        let leases = LeaseKeeper(store: store, leaseSeconds: options.leaseSeconds)
        leases.start()
        defer { leases.stop() }
        let inotify = batch == nil ? InotifyMonitor() : nil
        inotify?.watch(folder: root)
        inotify?.start()
        defer { inotify?.stop() }
        if inotify == nil && batch == nil { logger.warning("inotify unavailable: relying on rescans every \(options.rescanSeconds) s") }

        let workerCount = max(1, options.workers)
        var workers: [Task<Void, Never>] = []
        for n in 0..<workerCount {
            let name = "\(identity):w\(n)"
            workers.append(Task { await self.workerLoop(name: name, leases: leases) })
        }
        logger.info("watching", metadata: ["folder": "\(String(reflecting: root))", "workers": "\(workerCount)"])

        // Scanner: ticks often enough to honour the debounce promptly, never busier than 10 per second.
        let tick = min(max(options.debounceSeconds / 3, 0.1), 1)
        var nextRescan = batch == nil ? Date() : Date.distantFuture
        for path in batch ?? [] {
            if let sig = FileSignature.of(path: path) {
                await take(path: path, signature: sig)
            } else {
                emit(.skipped(path: path, reason: "no such file"))
            }
        }
        var nextLeaseSweep = Date().addingTimeInterval(options.leaseSeconds)
        while !stopping {
            let now = Date()
            var rescan = now >= nextRescan
            if let events = inotify?.drain() {
                if events.rescan { rescan = true }
                for path in events.paths { consider(path: path, now: now) }
            }
            if rescan {
                scan(folder: root, inotify: inotify, now: now)
                nextRescan = now.addingTimeInterval(options.rescanSeconds)
            }
            for path in tracker.pendingPaths { tracker.observe(path: path, signature: FileSignature.of(path: path), now: now) }
            for ready in tracker.takeReady(now: now) { await take(path: ready.path, signature: ready.signature) }
            if now >= nextLeaseSweep {
                // Other machines or processes sharing the catalog may have died holding leases.
                if let n = try? store.requeueExpiredLeases(), n > 0 {
                    stats.requeued += n
                    logger.warning("requeued \(n) job(s) whose lease expired")
                }
                nextLeaseSweep = now.addingTimeInterval(options.leaseSeconds)
            }
            if options.exitWhenIdle, tracker.pendingPaths.isEmpty, activeJobs == 0, isCatalogIdle() {
                stopping = true
                if graceDeadline == nil { graceDeadline = Date() }
                break
            }
            try? await Task.sleep(for: .seconds(tick))
        }

        // Drain: wait for running jobs until the grace deadline, then requeue what is left.
        while activeJobs > 0, Date() < (graceDeadline ?? Date()) {
            try? await Task.sleep(for: .milliseconds(50))
        }
        if activeJobs > 0 {
            logger.warning("grace period over: requeueing \(activeJobs) running job(s)")
            for w in workers { w.cancel() }
            for n in 0..<workerCount {
                stats.requeued += (try? store.requeueRunning(worker: "\(identity):w\(n)")) ?? 0
            }
        } else {
            for w in workers { await w.value }
        }
        logger.info("stopped", metadata: ["done": "\(stats.done)", "failed": "\(stats.failed)",
                                          "duplicates": "\(stats.duplicates)"])
        return stats
    }

    // MARK: - Scanning

    private func isExcluded(_ path: String) -> Bool {
        options.excludedPaths.contains { ex in
            let ex = Watcher.absolute(ex)
            return path == ex || path.hasPrefix(ex.hasSuffix("/") ? ex : ex + "/")
        }
    }

    /// Lists `folder` recursively (skipping hidden folders and excluded paths), watching each subfolder.
    private func scan(folder: String, inotify: InotifyMonitor?, now: Date) {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: folder) else { return }
        for name in names.sorted() where !name.hasPrefix(".") {
            let path = folder + "/" + name
            if isExcluded(path) { continue }
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDir) else { continue }
            if isDir.boolValue {
                inotify?.watch(folder: path)
                scan(folder: path, inotify: inotify, now: now)
            } else {
                consider(path: path, now: now)
            }
        }
    }

    private func consider(path: String, now: Date) {
        let name = (path as NSString).lastPathComponent
        guard WatchFilter.isCandidate(name: name), !isExcluded(path) else { return }
        let sig = FileSignature.of(path: path)
        if let sig, settled[path] == sig { return }
        tracker.observe(path: path, signature: sig, now: now)
    }

    /// A stable file: skip if known, else hash and enqueue.
    private func take(path: String, signature: FileSignature) async {
        do {
            if options.files == nil, try store.isKnown(path: path, size: signature.size, mtime: signature.mtime) {
                settled[path] = signature
                return
            }
            let sha = try await Watcher.hashOffPool(path: path)
            // Changed while hashing (a writer paused longer than the debounce): watch it again.
            guard FileSignature.of(path: path) == signature else {
                tracker.observe(path: path, signature: FileSignature.of(path: path), now: Date())
                return
            }
            let outcome = try store.enqueue(path: path, sha256: sha, size: signature.size, mtime: signature.mtime,
                                            pipeline: options.pipeline.name, parameters: options.pipeline.parameters)
            settled[path] = signature
            switch outcome {
            case .queued(let job):
                emit(.queued(job))
                stats.enqueued += 1
                logger.info("queued", metadata: ["job": "\(job.id)", "file": "\(String(reflecting: path))"])
            case .duplicate(let dup, let original):
                emit(.duplicate(dup, original: original))
                stats.duplicates += 1
                logger.info("duplicate content, not analysed again",
                            metadata: ["job": "\(dup.id)", "of": "\(original.id)", "file": "\(String(reflecting: path))"])
            case .alreadyKnown(let job):
                emit(.alreadyKnown(job))
            }
        } catch {
            // Unreadable now (permissions, vanished): forget it; the next rescan sees it again if it is back.
            emit(.skipped(path: path, reason: "\(error)"))
            logger.warning("cannot take file", metadata: ["file": "\(String(reflecting: path))", "error": "\(error)"])
        }
    }

    /// SHA-256 on a plain thread so multi-GB hashing does not hold a cooperative thread.
    private static func hashOffPool(path: String) async throws -> String {
        try await withCheckedThrowingContinuation { (cont: CheckedContinuation<String, any Error>) in
            DispatchQueue.global(qos: .utility).async {
                cont.resume(with: Result { try SHA256.hexDigest(ofFileAt: path) })
            }
        }
    }

    private func emit(_ event: WatcherEvent) { options.onEvent?(event) }

    // MARK: - Workers

    private func recover() throws {
        // Jobs of a dead process on this host can be requeued at once (no need to wait for the lease);
        // that attempt counts, so a file that crashes the analyser cannot loop forever.
        let host = ProcessInfo.processInfo.hostName
        for job in try store.jobs(state: .running) {
            guard let owner = job.leaseOwner else { continue }
            let parts = owner.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count >= 4, parts[0] == host, let pid = Int32(parts[1]) else { continue }
            let sameProcessEarlierRun = pid == getpid() && !owner.hasPrefix(identity + ":")
            if sameProcessEarlierRun || (kill(pid, 0) != 0 && errno == ESRCH) {
                stats.requeued += try store.requeueRunning(worker: owner, countsAsAttempt: true)
            }
        }
        stats.requeued += try store.requeueExpiredLeases()
        if stats.requeued > 0 { logger.warning("recovered \(stats.requeued) job(s) left running by a stopped process") }
    }

    private func isCatalogIdle() -> Bool {
        guard let counts = try? store.counts() else { return false }
        return (counts[.queued] ?? 0) == 0 && (counts[.running] ?? 0) == 0
    }

    private func claim(worker: String) -> JobRow? {
        guard !stopping else { return nil }
        do {
            let job = try store.claimNextJob(worker: worker, leaseSeconds: options.leaseSeconds)
            if let job {
                activeJobs += 1
                emit(.started(job, worker: worker))
            }
            return job
        } catch {
            logger.error("cannot claim a job", metadata: ["error": "\(error)"])
            return nil
        }
    }

    private func finished(_ job: JobRow, worker: String, result: Result<(reportDir: String, summary: ResultSummary), any Error>,
                          leases: LeaseKeeper) {
        activeJobs -= 1
        leases.release(jobID: job.id)
        let file = String(reflecting: job.path)
        do {
            switch result {
            case .success(let r):
                try store.complete(jobID: job.id, worker: worker, reportDir: r.reportDir, summary: r.summary)
                stats.done += 1
                emit(.finished(job, state: .done, error: nil))
                logger.info("done", metadata: ["job": "\(job.id)", "file": "\(file)", "report": "\(r.reportDir)"])
            case .failure(let error):
                let (transient, message) = JobFailure.classify(error)
                let delay = min(options.retryBaseSeconds * pow(2, Double(max(0, job.attempts - 1))), 3600)
                let state = try store.fail(jobID: job.id, worker: worker, error: message, transient: transient,
                                           retryAt: Date().addingTimeInterval(delay))
                emit(.finished(job, state: state, error: message))
                if state == .failed {
                    stats.failed += 1
                    logger.error("failed", metadata: ["job": "\(job.id)", "file": "\(file)", "error": "\(message)"])
                } else {
                    stats.retried += 1
                    logger.warning("will retry", metadata: ["job": "\(job.id)", "file": "\(file)", "error": "\(message)",
                                                            "inSeconds": "\(delay)"])
                }
            }
        } catch {
            // Most likely the lease was lost (this process was too slow and another took over): the
            // other owner's outcome stands, ours is dropped, so the job is still done at most once.
            logger.error("cannot record outcome", metadata: ["job": "\(job.id)", "error": "\(error)"])
        }
    }

    private func workerLoop(name: String, leases: LeaseKeeper) async {
        while !Task.isCancelled {
            guard let job = claim(worker: name) else {
                if stopping { return }
                try? await Task.sleep(for: .seconds(options.pollSeconds))
                continue
            }
            leases.hold(jobID: job.id, worker: name)
            let result: Result<(reportDir: String, summary: ResultSummary), any Error>
            do {
                result = .success(try await analyze(job))
            } catch {
                result = .failure(error)
            }
            if Task.isCancelled { return }  // grace period over: run() requeues it
            finished(job, worker: name, result: result, leases: leases)
        }
    }

    static func absolute(_ path: String) -> String {
        let p = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var s = (p as NSString).standardizingPath
        while s.count > 1 && s.hasSuffix("/") { s.removeLast() }
        return s
    }
}
