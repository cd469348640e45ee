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
///   have been stable for `debounceSeconds`; hidden and temporary names are ignored (`WatchFilter`). The
///   scanner runs in a task of its own (`ScannerLoop`) and streams the ready files to the enqueuer.
/// - Each file is hashed (SHA-256) and enqueued in the catalog; bytes already queued or analysed are
///   recorded as `duplicate` and not analysed again.
/// - `workers` lanes of the shared `AnalysisRunner` claim jobs under leases renewed from a dedicated
///   thread, call `analyze`, and record `done` with the result row, or `failed`/requeued by
///   `JobFailure.classify`.
/// - Every catalog call is awaited on the catalog's own threads (`AsyncCatalog`): none blocks a
///   cooperative thread or holds this actor.
/// - On start, jobs left `running` by a dead process of this host, or whose lease expired, are requeued
///   (kill -9 safe: done means the result row exists, and `complete` refuses a lost lease).
/// - `stop()` stops claiming; running jobs get `shutdownGraceSeconds`, then are requeued.
///
/// File names are only ever passed to system calls and SQLite bindings, never to a shell.
public actor Watcher {
    public let store: CatalogStore
    /// The store's async face: every catalog call of the watcher goes through it.
    nonisolated let catalog: AsyncCatalog
    public let options: WatcherOptions
    let analyze: JobAnalyzer
    let logger: Logger
    /// `host:pid:token`; workers are `<identity>:w<N>`. The random token tells a previous process
    /// apart from this one when the pid is reused (a container's pid 1).
    public nonisolated let identity: String
    let root: String
    /// Inotify, rescans and debounce: which files are ready to be queued (WatcherScanner.swift); runs in
    /// `ScannerLoop` while `run()` runs.
    let scanner: FolderScanner
    /// Quiet files found not finished yet, and since when (the enqueuer's completeness check).
    var unfinished: UnfinishedFiles
    var stopping = false
    var graceDeadline: Date?
    var stats = WatcherStats()
    var activeJobs = 0
    /// Consecutive catalog failures of claims, and when workers may try again.
    var catalogFailures = 0
    var catalogRetryAt = Date.distantPast
    var catalogFatal: (any Error)?
    /// Threads of the hashing (one: reads are sequential; a multi-GB file must not hold a cooperative thread).
    var hashing: ThreadPoolExecutor?

    public init(store: CatalogStore, options: WatcherOptions, logger: Logger = Logger(label: "lessonlens.watch"),
                analyze: @escaping JobAnalyzer) {
        self.store = store
        self.catalog = AsyncCatalog(store: store)
        self.options = options
        self.analyze = analyze
        self.logger = logger
        self.root = Watcher.absolute(options.directory)
        self.scanner = FolderScanner(root: Watcher.absolute(options.directory), options: options, logger: logger)
        self.unfinished = UnfinishedFiles(options: options, logger: logger)
        let host = ProcessInfo.processInfo.hostName
        let token = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        self.identity = "\(host):\(getpid()):\(token)"
    }

    deinit { catalog.shutdown() }

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
        try await recover()
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
        let runner = AnalysisRunner(lanes: workerCount)
        let hashing = ThreadPoolExecutor(threads: 1, name: "lessonlens-hash")
        self.hashing = hashing
        defer { runner.shutdown(); hashing.shutdown(); self.hashing = nil }
        let lanes = Task { await runner.run(Lanes(watcher: self, leases: leases)) }
        logger.info("watching", metadata: ["folder": "\(String(reflecting: root))", "workers": "\(workerCount)"])

        // The scanner streams ready files to the enqueuer; the enqueuer's answers go back to it.
        let scan = ScannerLoop(scanner: scanner, inotify: inotify, rescans: batch == nil, rescanSeconds: options.rescanSeconds,
                               debounceSeconds: options.debounceSeconds)
        let scanning = Task { await scan.run() }
        for path in batch ?? [] {
            if let sig = FileSignature.of(path: path) {
                let file = ReadyFile(path: path, signature: sig)
                await scan.answer(await take(file), for: file)
            } else {
                emit(.skipped(path: path, reason: "no such file"))
            }
        }
        let enqueuer = Task { await self.enqueue(from: scan) }
        var nextLeaseSweep = Date().addingTimeInterval(options.leaseSeconds)
        while !stopping {
            let now = Date()
            if now >= nextLeaseSweep {
                // Other machines or processes sharing the catalog may have died holding leases.
                if let n = try? await catalog({ try $0.requeueExpiredLeases() }), n > 0 {
                    stats.requeued += n
                    logger.warning("requeued \(n) job(s) whose lease expired")
                }
                nextLeaseSweep = now.addingTimeInterval(options.leaseSeconds)
            }
            if catalogFatal != nil { stopping = true; if graceDeadline == nil { graceDeadline = Date() }; break }
            if options.exitWhenIdle, await scan.isIdle, activeJobs == 0, await isCatalogIdle() {
                stopping = true
                if graceDeadline == nil { graceDeadline = Date() }
                break
            }
            try? await Task.sleep(for: .seconds(scan.tickSeconds))
        }
        // No more files: the enqueuer finishes the file it holds, if any.
        scanning.cancel()
        await scanning.value
        await enqueuer.value

        // Drain: wait for running jobs until the grace deadline, then requeue what is left.
        while activeJobs > 0, Date() < (graceDeadline ?? Date()) {
            try? await Task.sleep(for: .milliseconds(50))
        }
        if activeJobs > 0 {
            logger.warning("grace period over: requeueing \(activeJobs) running job(s)")
            lanes.cancel()
            for n in 0..<workerCount {
                let worker = workerName(n)
                stats.requeued += (try? await catalog { try $0.requeueRunning(worker: worker) }) ?? 0
            }
        } else {
            await lanes.value
        }
        logger.info("stopped", metadata: ["done": "\(stats.done)", "failed": "\(stats.failed)",
                                          "duplicates": "\(stats.duplicates)"])
        if let catalogFatal { throw catalogFatal }
        return stats
    }

    /// The name worker lane `n` claims jobs under.
    nonisolated func workerName(_ n: Int) -> String { "\(identity):w\(n)" }

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

    func emit(_ event: WatcherEvent) { options.onEvent?(event) }

    static func absolute(_ path: String) -> String {
        let p = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var s = (p as NSString).standardizingPath
        while s.count > 1 && s.hasSuffix("/") { s.removeLast() }
        return s
    }
}
