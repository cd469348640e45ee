public import Catalog
import Foundation
public import Logging
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
    /// Report folder (`--out`): at start, temporary folders that killed analyses left there are removed.
    public var outputDirectory: String?
    /// Check that a quiet file is a finished recording (container structure, no writer holding it open)
    /// before taking it (`UploadCompleteness`).
    public var checkCompleteness: Bool = true
    /// Seconds a file may look unfinished (cut container, no writer) without changing before it is taken
    /// anyway: a recorder that died mid-file leaves a truncated but analysable recording.
    public var incompleteGiveUpSeconds: Double = 600
    /// Longest pause between attempts to reach a failing catalog (disk full, locked), doubling from `pollSeconds`.
    public var catalogBackoffMaxSeconds: Double = 30
    /// With `exitWhenIdle`: give up (throw) once the catalog has failed this many times in a row.
    public var catalogFailuresBeforeGivingUp: Int = 8
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
    /// Jobs whose lease was lost while they ran (another worker took them over): their analysis was
    /// stopped and nothing of it recorded.
    public var abandoned = 0
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
    /// Files found unfinished (by structure or an open writer), with the signature they had and since when.
    private var unfinished: [String: (signature: FileSignature, since: Date, reason: String)] = [:]
    /// Paths of FIFOs, devices and sockets already logged, so each is reported once.
    private var reportedSpecial: Set<String> = []
    /// Consecutive catalog failures of claims, and when workers may try again.
    private var catalogFailures = 0
    private var catalogRetryAt = Date.distantPast
    private var catalogFatal: (any Error)?
    /// Threads of the hashing (one: reads are sequential; a multi-GB file must not hold a cooperative thread).
    private var hashing: ThreadPoolExecutor?

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
            throw PipelineError.noSuchFolder(path: root)
        }
        try recover()
        CrashGuard.install(catalogPath: store.path)
        let leases = LeaseKeeper(store: store, leaseSeconds: options.leaseSeconds)
        leases.start()
        defer { leases.stop() }
        let inotify = batch == nil ? InotifyMonitor() : nil
        inotify?.watch(folder: root)
        inotify?.start()
        defer { inotify?.stop() }
        if inotify == nil && batch == nil { logger.warning("inotify unavailable: relying on rescans every \(options.rescanSeconds) s") }

        let workerCount = max(1, options.workers)
        // Analyses run on threads of their own, one per worker, never on the cooperative pool: scanning,
        // leases, signals and catalog calls stay responsive however long the analyses take.
        let analysis = ThreadPoolExecutor(threads: workerCount, name: "lessonlens-analysis")
        let hashing = ThreadPoolExecutor(threads: 1, name: "lessonlens-hash")
        self.hashing = hashing
        defer { analysis.shutdown(); hashing.shutdown(); self.hashing = nil }
        var workers: [Task<Void, Never>] = []
        for n in 0..<workerCount {
            let name = "\(identity):w\(n)"
            workers.append(Task { await self.workerLoop(name: name, leases: leases, executor: analysis) })
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
            if catalogFatal != nil { stopping = true; if graceDeadline == nil { graceDeadline = Date() }; break }
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
        if let catalogFatal { throw catalogFatal }
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
        guard let listing = Watcher.listNames(folder: folder) else { return }
        // A name that is not valid UTF-8 goes the same way under its escaped form (WatcherByteNames.swift).
        let names = listing.names + listing.invalid.map(Watcher.escaped)
        for name in names.sorted() where !name.hasPrefix(".") {
            let path = folder + "/" + name
            if isExcluded(path) { continue }
            // stat(2), never a blocking open(2): opening a FIFO blocks until someone writes to it.
            var st = stat()
            guard Watcher.withUsablePath(path, { stat($0, &st) }) == 0 else { continue }
            switch st.st_mode & S_IFMT {
            case S_IFDIR:
                inotify?.watch(folder: path)
                scan(folder: path, inotify: inotify, now: now)
            case S_IFREG:
                consider(path: path, now: now)
            default:
                reportSpecial(path: path, mode: st.st_mode)
            }
        }
    }

    /// The names in `folder` as `readdir(3)` returns them: valid UTF-8 ones as strings, the others as bytes
    /// (Foundation's listing decodes them lossily, and the decoded name then names no file).
    static func listNames(folder: String) -> (names: [String], invalid: [[UInt8]])? {
        guard let dir = Watcher.withUsablePath(folder, { opendir($0) }) else { return nil }
        defer { closedir(dir) }
        var names: [String] = []
        var invalid: [[UInt8]] = []
        while let entry = readdir(dir) {
            let bytes: [UInt8] = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix { $0 != 0 }) }
            if bytes == [UInt8(ascii: ".")] || bytes == [UInt8(ascii: "."), UInt8(ascii: ".")] { continue }
            if let name = String(validating: bytes, as: UTF8.self) { names.append(name) } else { invalid.append(bytes) }
        }
        return (names, invalid)
    }

    /// Bytes of a file name with the non-UTF-8 ones as `\xNN` (the decodable parts kept as they are).
    public static func escaped(_ bytes: [UInt8]) -> String {
        var out = ""
        var i = 0
        while i < bytes.count {
            // The longest valid UTF-8 scalar starting here (1 to 4 bytes), else one escaped byte.
            var took = false
            for len in 1...4 where i + len <= bytes.count {
                if let s = String(validating: bytes[i..<(i + len)], as: UTF8.self), s.unicodeScalars.count == 1 {
                    out += s == "\\" ? "\\\\" : s
                    i += len
                    took = true
                    break
                }
            }
            if !took { out += String(format: "\\x%02X", bytes[i]); i += 1 }
        }
        return out
    }

    /// A FIFO, device or socket is never a recording (and opening a FIFO would block): logged once, skipped.
    private func reportSpecial(path: String, mode: mode_t) {
        let name = (path as NSString).lastPathComponent
        guard WatchFilter.isCandidate(name: name), !isExcluded(path), reportedSpecial.insert(path).inserted else { return }
        let kind: String
        switch mode & S_IFMT {
        case S_IFIFO: kind = "a FIFO (named pipe)"
        case S_IFCHR: kind = "a character device"
        case S_IFBLK: kind = "a block device"
        case S_IFSOCK: kind = "a socket"
        default: kind = "not a regular file"
        }
        let reason = "\(kind), not a recording: skipped"
        emit(.skipped(path: path, reason: reason))
        logger.warning("skipping file", metadata: ["file": "\(String(reflecting: path))", "reason": "\(reason)"])
    }

    private func consider(path: String, now: Date) {
        let name = (path as NSString).lastPathComponent
        guard WatchFilter.isCandidate(name: name), !isExcluded(path) else { return }
        var st = stat()
        if Watcher.withUsablePath(path, { stat($0, &st) }) == 0, st.st_mode & S_IFMT != S_IFREG, st.st_mode & S_IFMT != S_IFDIR {
            reportSpecial(path: path, mode: st.st_mode)
            return
        }
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
            if options.files == nil, options.checkCompleteness, !isFinished(path: path, signature: signature) { return }
            let sha = try await Watcher.hash(path: path, on: hashing)
            // Changed while hashing (a writer paused longer than the debounce): watch it again.
            guard FileSignature.of(path: path) == signature else {
                tracker.observe(path: path, signature: FileSignature.of(path: path), now: Date())
                return
            }
            let outcome = try store.enqueue(path: path, sha256: sha, size: signature.size, mtime: signature.mtime,
                                            pipeline: options.pipeline.name, parameters: options.pipeline.parameters)
            settled[path] = signature
            unfinished[path] = nil
            if case .alreadyKnown = outcome {} else { supersedeEarlierVersions(of: path, by: outcome.job) }
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
        } catch let error as CatalogError {
            // The catalog failed (disk full, locked): the file is fine, so keep it pending and try later;
            // `--once` gives up (exit 74) after repeated failures rather than exiting as if all were done.
            noteCatalogFailure(error)
            tracker.postpone(path: path, signature: signature, now: catalogRetryAt)
            emit(.skipped(path: path, reason: "\(error)"))
            logger.warning("cannot take file", metadata: ["file": "\(String(reflecting: path))", "error": "\(error)"])
        } catch {
            // Unreadable now (permissions, vanished): forget it; the next rescan sees it again if it is back.
            emit(.skipped(path: path, reason: "\(error)"))
            logger.warning("cannot take file", metadata: ["file": "\(String(reflecting: path))", "error": "\(error)"])
        }
    }

    /// Whether a quiet file is a finished recording; if not, it is looked at again after another debounce
    /// period (and taken anyway once it has looked unfinished, unchanged and unwritten for
    /// `incompleteGiveUpSeconds`).
    private func isFinished(path: String, signature: FileSignature) -> Bool {
        let now = Date()
        let writer = UploadCompleteness.openWriter(path: path)
        let structure = UploadCompleteness.containerReason(path: path, size: signature.size)
        guard let reason = writer.map({ "still open for writing by process \($0)" }) ?? structure else {
            unfinished[path] = nil
            return true
        }
        var since = now
        if let earlier = unfinished[path], earlier.signature == signature { since = earlier.since }
        // `--once` processes what is there: a cut file nobody is writing is taken after a short wait.
        let giveUp = options.exitWhenIdle ? min(options.incompleteGiveUpSeconds, max(3 * options.debounceSeconds, 5))
                                          : options.incompleteGiveUpSeconds
        if writer == nil, now.timeIntervalSince(since) >= giveUp {
            logger.warning("taking a file that still looks unfinished: it has not changed for a long time",
                           metadata: ["file": "\(String(reflecting: path))", "reason": "\(reason)"])
            unfinished[path] = nil
            return true
        }
        if unfinished[path]?.reason != reason {
            logger.info("not finished yet, waiting", metadata: ["file": "\(String(reflecting: path))", "reason": "\(reason)"])
        }
        unfinished[path] = (signature, since, reason)
        // Looked at again after the debounce, and at most once a second (the writer check lists /proc).
        tracker.postpone(path: path, signature: signature, now: now.addingTimeInterval(max(0, 1 - options.debounceSeconds)))
        return false
    }

    /// A new version of `path` was enqueued: earlier versions' results (partial uploads) are superseded and
    /// their report folders removed, so one recording does not leave one report per piece.
    private func supersedeEarlierVersions(of path: String, by job: JobRow) {
        do {
            for old in try store.supersedeEarlierVersions(path: path, by: job.id) {
                logger.warning("superseded by a later version of the file",
                               metadata: ["job": "\(old.id)", "by": "\(job.id)", "file": "\(String(reflecting: path))"])
                if let dir = old.reportDir, old.state == .done, (try? store.hasDoneJob(reportDir: dir)) == false {
                    try? FileManager.default.removeItem(atPath: dir)
                }
            }
        } catch {
            logger.error("cannot supersede earlier versions", metadata: ["file": "\(String(reflecting: path))", "error": "\(error)"])
        }
    }

    /// SHA-256 of the file, on the hashing thread (on the caller's executor when there is none).
    private static func hash(path: String, on executor: ThreadPoolExecutor?) async throws -> String {
        try await withTaskExecutorPreference(executor) {
            try Watcher.withUsablePath(path) { try SHA256.hexDigest(ofFileAt: $0) }
        }
    }

    private func emit(_ event: WatcherEvent) { options.onEvent?(event) }

    // MARK: - Workers

    func recover() throws {
        // Jobs of a dead process on this host can be requeued at once (no need to wait for the lease);
        // that attempt counts, so a file that crashes the analyser cannot loop forever.
        let host = ProcessInfo.processInfo.hostName
        var deadPids: Set<pid_t> = []
        for job in try store.jobs(state: .running) {
            guard let owner = job.leaseOwner else { continue }
            let parts = owner.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count >= 4, parts[0] == host, let pid = Int32(parts[1]) else { continue }
            let sameProcessEarlierRun = pid == getpid() && !owner.hasPrefix(identity + ":")
            if sameProcessEarlierRun || (kill(pid, 0) != 0 && errno == ESRCH) {
                // Only a crash of the analysis counts against the recording (CrashGuard); a watcher that
                // was killed (kill -9, OOM, power cut) gives the attempt back.
                let crashed = CrashGuard.crashedJobs(catalogPath: store.path, pid: pid).contains(job.id)
                if try store.requeueAfterDeath(jobID: job.id, worker: owner, analysisCrashed: crashed) { stats.requeued += 1 }
                if crashed { logger.warning("the analysis crashed on this file", metadata: ["job": "\(job.id)", "file": "\(String(reflecting: job.path))"]) }
                deadPids.insert(pid)
            }
        }
        for pid in deadPids { CrashGuard.removeMarker(catalogPath: store.path, pid: pid) }
        stats.requeued += try store.requeueExpiredLeases()
        if stats.requeued > 0 { logger.warning("recovered \(stats.requeued) job(s) left running by a stopped process") }
        if let revived = try? store.reviveJobsFailedByKilledWorkers(), revived > 0 {
            stats.requeued += revived
            logger.warning("requeued \(revived) job(s) failed only because their watcher was killed repeatedly")
        }
        if let out = options.outputDirectory {
            let r = OutputFolder.recoverTemporaries(in: out)
            for path in r.removed { logger.warning("removed a temporary folder left by a stopped analysis", metadata: ["folder": "\(String(reflecting: path))"]) }
            for path in r.restored { logger.warning("restored a report a stopped analysis was replacing", metadata: ["folder": "\(String(reflecting: path))"]) }
        }
    }

    private func isCatalogIdle() -> Bool {
        guard let counts = try? store.counts() else { return false }
        return (counts[.queued] ?? 0) == 0 && (counts[.running] ?? 0) == 0
    }

    private func claim(worker: String) -> JobRow? {
        guard !stopping, Date() >= catalogRetryAt else { return nil }
        do {
            let job = try store.claimNextJob(worker: worker, leaseSeconds: options.leaseSeconds)
            if catalogFailures > 0 { logger.info("the catalog works again") }
            catalogFailures = 0
            if let job {
                activeJobs += 1
                emit(.started(job, worker: worker))
            }
            return job
        } catch {
            // Disk full or locked by another process: back off (doubling, capped) instead of hammering it;
            // in batch mode give up after a while so `--once` ends (exit 74) instead of spinning.
            let delay = noteCatalogFailure(error)
            logger.error("cannot claim a job", metadata: ["error": "\(error)", "retryInSeconds": "\(delay)"])
            return nil
        }
    }

    /// Counts a catalog failure and sets when to try again; returns the delay in seconds.
    @discardableResult
    private func noteCatalogFailure(_ error: any Error) -> Double {
        catalogFailures += 1
        let delay = min(options.pollSeconds * pow(2, Double(catalogFailures)), options.catalogBackoffMaxSeconds)
        catalogRetryAt = Date().addingTimeInterval(delay)
        if options.exitWhenIdle, catalogFailures >= options.catalogFailuresBeforeGivingUp, catalogFatal == nil {
            catalogFatal = error
        }
        return delay
    }

    private func finished(_ job: JobRow, worker: String, result: Result<(reportDir: String, summary: ResultSummary), any Error>,
                          leases: LeaseKeeper) {
        activeJobs -= 1
        leases.release(jobID: job.id)
        let file = String(reflecting: job.path)
        do {
            switch result {
            case .success(let r):
                do {
                    // The real analysis already completed the job as its last step (`analyzeForWatcher` with a
                    // store: row and folder together); fakes and other analyzers leave it to us.
                    let current = try store.job(id: job.id)
                    if !(current.state == .done && current.reportDir == r.reportDir) {
                        try store.complete(jobID: job.id, worker: worker, reportDir: r.reportDir, summary: r.summary)
                    }
                } catch {
                    // No row, no report: a folder that looks complete without its catalog row would be
                    // lost to `jobs`/`export` yet look done to a teacher. The job is retried later.
                    if (try? store.hasDoneJob(reportDir: r.reportDir)) == false { try? FileManager.default.removeItem(atPath: r.reportDir) }
                    if case CatalogError.leaseLost = error { throw error }
                    let message = "cannot record the result in the catalog: \(error)"
                    _ = try? store.fail(jobID: job.id, worker: worker, error: message, transient: true,
                                        retryAt: Date().addingTimeInterval(options.retryBaseSeconds))
                    stats.retried += 1
                    emit(.finished(job, state: .queued, error: message))
                    logger.error("cannot record outcome; report removed, will retry", metadata: ["job": "\(job.id)", "error": "\(error)"])
                    return
                }
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

    private func workerLoop(name: String, leases: LeaseKeeper, executor: ThreadPoolExecutor) async {
        while !Task.isCancelled {
            guard let job = claim(worker: name) else {
                if stopping { return }
                try? await Task.sleep(for: .seconds(options.pollSeconds))
                continue
            }
            leases.hold(jobID: job.id, worker: name)
            let slot = CrashGuard.begin(jobID: job.id)
            let run = await Watcher.analyse(job, with: analyze, on: executor, leases: leases)
            CrashGuard.end(slot: slot)
            if Task.isCancelled { return }  // grace period over: run() requeues it
            switch run {
            case .finished(let result):
                finished(job, worker: name, result: result, leases: leases)
            case .leaseLost:
                activeJobs -= 1
                leases.release(jobID: job.id)
                stats.abandoned += 1
                logger.warning("lease lost: another worker took the job over; this analysis was stopped and nothing of it recorded",
                               metadata: ["job": "\(job.id)", "file": "\(String(reflecting: job.path))"])
            }
        }
    }

    enum JobRun {
        case finished(Result<(reportDir: String, summary: ResultSummary), any Error>)
        /// The lease was found lost while the analysis ran: it was cancelled.
        case leaseLost
    }

    /// Runs `analyze(job)` on `executor`; a lost lease (found by the lease thread: the job was requeued
    /// and may run elsewhere) cancels the analysis, which stops at its next check (every 64 packets while
    /// decoding, between stages after) instead of running on to fail at the end. Cancelling the worker
    /// (grace period over) cancels the analysis too.
    static func analyse(_ job: JobRow, with analyze: @escaping JobAnalyzer, on executor: ThreadPoolExecutor,
                        leases: LeaseKeeper) async -> JobRun {
        let analysis = Task(executorPreference: executor) { try await analyze(job) }
        leases.whenLost(jobID: job.id) { analysis.cancel() }
        let result = await withTaskCancellationHandler { await analysis.result } onCancel: { analysis.cancel() }
        // Once the lease is lost, whatever the analysis ended with belongs to nobody.
        return leases.isLost(jobID: job.id) ? .leaseLost : .finished(result)
    }

    static func absolute(_ path: String) -> String {
        let p = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var s = (p as NSString).standardizingPath
        while s.count > 1 && s.hasSuffix("/") { s.removeLast() }
        return s
    }
}
