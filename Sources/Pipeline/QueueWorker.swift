import Catalog
import CatalogPostgres
public import Foundation
import Logging
import MediaCore
#if canImport(Glibc)
import Glibc
#endif

/// Settings of `lessonlens worker` (issue 12).
public struct QueueWorkerOptions: Sendable {
    /// Jobs run at once by this process.
    public var workers = 1
    /// Seconds a claimed job's lease lasts; renewed every third of it.
    public var leaseSeconds: Double = 60
    /// Seconds between claims while the queue is empty.
    public var pollSeconds: Double = 0.25
    /// Report folder (shared storage).
    public var outDir: String
    /// The pipeline of jobs whose recorded parameters no longer validate.
    public var config: PipelineConfig
    /// Test/benchmark stand-in for the analysis (`--stub-sleep MS`): checks the file is readable, sleeps
    /// this many milliseconds and writes a small `report.json`. Nil: the real analysis.
    public var stubSleepMilliseconds: Int?
    /// Exit once no job is queued or running (batch runs, tests).
    public var exitWhenIdle = false

    public init(outDir: String, config: PipelineConfig) {
        self.outDir = outDir
        self.config = config
    }
}

/// The worker role: claims jobs from a shared queue (`JobQueue`, PostgreSQL or SQLite), runs each under
/// a lease renewed by a heartbeat task (a lost lease cancels the work), commits the result, and only
/// then publishes the report folder (stub pipeline; the real one publishes right before its commit and
/// removes nothing another owner wrote). `stop()` stops claiming; running jobs finish.
public actor QueueWorker {
    let queue: any JobQueue
    let options: QueueWorkerOptions
    let logger = Logger(label: "lessonlens.worker")
    /// `host:pid:token`; lanes are `<identity>:w<N>`.
    public nonisolated let identity: String
    var stopping = false
    var done = 0, failed = 0, abandoned = 0

    init(queue: any JobQueue, options: QueueWorkerOptions) {
        self.queue = queue
        self.options = options
        let token = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        identity = "\(ProcessInfo.processInfo.hostName):\(getpid()):\(token)"
    }

    /// Opens the queue at `catalog` (`postgres://…` or a SQLite file) for a worker.
    public static func open(catalog: String, options: QueueWorkerOptions, retryBaseSeconds: Double) async throws -> QueueWorker {
        QueueWorker(queue: try await SharedCatalog.openQueue(catalog, retryBaseSeconds: retryBaseSeconds), options: options)
    }

    public func stop() { stopping = true }

    /// Runs until `stop()` (or idle with `exitWhenIdle`); returns "N done, N failed, N abandoned".
    public func run() async -> String {
        try? FileManager.default.createDirectory(atPath: options.outDir, withIntermediateDirectories: true)
        logger.info("worker started", metadata: ["catalog": "\(queue.location)", "identity": "\(identity)", "workers": "\(options.workers)"])
        let metrics = Task { await self.logMetrics() }
        await withTaskGroup(of: Void.self) { group in
            for lane in 0..<max(1, options.workers) {
                group.addTask { await self.lane("\(self.identity):w\(lane)") }
            }
        }
        metrics.cancel()
        await recoverStaged()
        await queue.close()
        return "\(done) done, \(failed) failed, \(abandoned) abandoned"
    }

    /// A worker killed between its commit and the rename leaves a done job with its report staged
    /// (`.<id>.partial-job<N>-<pid>-…`): a staged folder of a dead process (on this host) whose job is
    /// done and whose report folder is missing is published; other dead staged folders are removed.
    func recoverStaged() async {
        let outDir = URL(fileURLWithPath: options.outDir).standardizedFileURL.path
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: outDir) else { return }
        for name in names where name.hasPrefix(".") && name.contains(".partial-job") {
            let parts = name.components(separatedBy: ".partial-job")
            let fields = parts.last?.split(separator: "-") ?? []
            guard parts.count == 2, fields.count >= 2, let jobID = Int64(fields[0]), let pid = Int32(fields[1]) else { continue }
            if pid == getpid() || kill(pid, 0) == 0 || errno != ESRCH { continue }
            let staged = outDir + "/" + name
            let final = outDir + "/" + String(parts[0].dropFirst())
            if let job = try? await queue.job(id: jobID), job.state == .done, job.reportDir == final,
               !FileManager.default.fileExists(atPath: final) {
                try? QueueWorker.publish(staged, at: final, job: job, worker: job.completedBy ?? "?", outDir: outDir)
                logger.warning("published the report of a worker killed after its commit", metadata: ["job": "\(jobID)"])
            } else if (try? await queue.job(id: jobID))?.state != .running {
                try? FileManager.default.removeItem(atPath: staged)
            }
        }
    }

    /// Periodic log line: jobs per state (queue depth = queued).
    func logMetrics() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(10))
            if let counts = try? await queue.counts() {
                logger.info("queue", metadata: Dictionary(uniqueKeysWithValues: JobState.allCases.map { ($0.rawValue, "\(counts[$0] ?? 0)") })
                    .merging(["thisProcessDone": "\(done)", "thisProcessFailed": "\(failed)"]) { a, _ in a })
            }
        }
    }

    func lane(_ worker: String) async {
        var failures = 0
        await recoverStaged()
        while !stopping {
            let job: JobRow?
            do {
                _ = try? await queue.requeueExpiredLeases()
                job = try await queue.claimNextJob(worker: worker, leaseSeconds: options.leaseSeconds)
                failures = 0
            } catch {
                failures += 1
                logger.error("cannot claim a job", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(min(options.pollSeconds * pow(2, Double(failures)), 10)))
                continue
            }
            guard let job else {
                if options.exitWhenIdle, let c = try? await queue.counts(), (c[.queued] ?? 0) == 0, (c[.running] ?? 0) == 0 { return }
                try? await Task.sleep(for: .seconds(options.pollSeconds))
                continue
            }
            await process(job, worker: worker)
        }
    }

    func process(_ job: JobRow, worker: String) async {
        let (opts, queue) = (options, self.queue)
        let started = Date()
        let work = Task { try await QueueWorker.analyse(job, options: opts) }
        let lost = LostFlag()
        let heartbeat = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(opts.leaseSeconds / 3))
                if Task.isCancelled { return }
                do {
                    try await queue.heartbeat(jobID: job.id, worker: worker, leaseSeconds: opts.leaseSeconds)
                } catch CatalogError.leaseLost {
                    lost.set()
                    work.cancel()
                    return
                } catch {
                    // Unreachable catalog: try again; the lease has two thirds of its time left.
                }
            }
        }
        let result = await work.result
        heartbeat.cancel()
        if lost.isSet {
            abandoned += 1
            if case .success(let staged) = result, let dir = staged.staging { try? FileManager.default.removeItem(atPath: dir) }
            logger.warning("lease lost: job abandoned", metadata: ["job": "\(job.id)"])
            return
        }
        switch result {
        case .success(let staged):
            do {
                _ = try await queue.complete(jobID: job.id, worker: worker, reportDir: staged.reportDir, summary: staged.summary)
                if let staging = staged.staging { try QueueWorker.publish(staging, at: staged.reportDir, job: job, worker: worker, outDir: opts.outDir) }
                done += 1
                logger.info("done", metadata: ["job": "\(job.id)", "seconds": "\(String(format: "%.3f", Date().timeIntervalSince(started)))"])
            } catch {
                if let staging = staged.staging { try? FileManager.default.removeItem(atPath: staging) }
                logger.error("cannot record outcome", metadata: ["job": "\(job.id)", "error": "\(error)"])
            }
        case .failure(let error):
            let failure = AnalysisFailure(error, file: job.path)
            if error is CancellationError, stopping {
                _ = try? await queue.release(jobID: job.id, worker: worker)
                return
            }
            let state = try? await queue.fail(jobID: job.id, worker: worker, error: failure.message, transient: failure.transient,
                                              retryDelaySeconds: nil)
            if state == .failed { failed += 1 }
            logger.warning("job failed", metadata: ["job": "\(job.id)", "error": "\(failure.message)", "state": "\(state?.rawValue ?? "?")"])
        }
    }

    struct Staged: Sendable {
        var reportDir: String
        var summary: ResultSummary
        /// Folder to rename to `reportDir` once the result is committed (nil: already in place).
        var staging: String?
    }

    static func analyse(_ job: JobRow, options: QueueWorkerOptions) async throws -> Staged {
        // Shared storage: a path this host cannot read fails the job, transiently (another host may).
        guard Watcher.withUsablePath(job.path, { access($0, R_OK) }) == 0 else {
            throw PipelineError.cannotWrite(path: job.path, reason: "this host cannot read the recording: \(String(cString: strerror(errno)))")
        }
        let outDir = URL(fileURLWithPath: options.outDir).standardizedFileURL.path
        guard let ms = options.stubSleepMilliseconds else {
            let r = try await analyzeForWatcher(job: job, outDir: outDir, config: options.config)
            return Staged(reportDir: r.reportDir, summary: r.summary, staging: nil)
        }
        try await Task.sleep(for: .milliseconds(ms))
        let id = String(job.sha256.prefix(16))
        let final = outDir + "/" + id
        let staging = outDir + "/.\(id).partial-job\(job.id)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        let json = "{\"pipeline\": \"stub-sleep\", \"job\": \(job.id), \"sha256\": \"\(job.sha256)\"}\n"
        try Data(json.utf8).write(to: URL(fileURLWithPath: staging + "/report.json"))
        let summary = ResultSummary(durationSeconds: 0, teacherRatio: 0, studentRatio: 0, multiRatio: 0, silenceRatio: 1, rt: nil,
                                    ch: nil, mode: nil, medianWaitSeconds: nil, questionCount: 0, turnExchanges: 0, findingsCount: 0,
                                    slideChanges: 0, microLessons: 0, language: "en", reportDir: final)
        return Staged(reportDir: final, summary: summary, staging: staging)
    }

    /// Renames the staged folder into place after the commit and notes it in `<out>/.published`
    /// (one line per publish: job, folder, worker), which the fault tests read.
    static func publish(_ staging: String, at final: String, job: JobRow, worker: String, outDir: String) throws {
        if FileManager.default.fileExists(atPath: final) { try FileManager.default.removeItem(atPath: final) }
        try FileManager.default.moveItem(atPath: staging, toPath: final)
        let line = "\(job.id)\t\(final)\t\(worker)\n"
        let fd = Glibc.open(outDir + "/.published", O_WRONLY | O_APPEND | O_CREAT, 0o644)
        if fd >= 0 { _ = line.withCString { write(fd, $0, strlen($0)) }; close(fd) }
    }
}

final class LostFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.lock(); value = true; lock.unlock() }
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
}

/// The catalog by location for the queue roles and the shared listings: `postgres://…` or a SQLite file.
public enum SharedCatalog {
    static func openQueue(_ location: String, retryBaseSeconds: Double = 30) async throws -> any JobQueue {
        if PostgresJobQueue.isPostgresURL(location) {
            return try await PostgresJobQueue(url: location, retryBaseSeconds: retryBaseSeconds)
        }
        return SQLiteJobQueue(store: try CatalogStore(path: location), retryBaseSeconds: retryBaseSeconds)
    }

    /// Whether `location` names a PostgreSQL catalog.
    public static func isPostgres(_ location: String) -> Bool { PostgresJobQueue.isPostgresURL(location) }

    /// `jobs list` on a shared catalog: with a HOST column (the host holding or having completed each job).
    public static func jobsListing(_ location: String, state: String?, limit: Int?, json: Bool) async throws -> String {
        let queue = try await openQueue(location)
        defer { Task { await queue.close() } }
        let jobs = try await queue.jobs(state: state.flatMap(JobState.init(rawValue:)), limit: limit)
        if json { return try CatalogExport.jobsJSON(jobs) }
        var lines = ["ID\tSTATE\tTRIES\tFILE\tERROR\tHOST"]
        for j in jobs {
            lines.append("\(j.id)\t\(j.state.rawValue)\t\(j.attempts)\t\(String(reflecting: j.path))\t\(j.error.map { String(reflecting: $0) } ?? "")\t\(j.host ?? "")")
        }
        return lines.joined(separator: "\n")
    }

    /// `export --format csv` on a shared catalog.
    public static func resultsCSV(_ location: String, since: Date?) async throws -> String {
        let queue = try await openQueue(location)
        defer { Task { await queue.close() } }
        return CatalogExport.csv(try await queue.results(since: since))
    }

    /// Enqueues `files` (the ingester's hash-and-enqueue step, one pass): returns one line per file.
    public static func enqueue(_ location: String, files: [String], config: PipelineConfig) async throws -> [String] {
        let queue = try await openQueue(location)
        var lines: [String] = []
        for path in files {
            let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
            guard let sig = FileSignature.of(path: absolute) else { lines.append("skipped \(absolute): no such file"); continue }
            let sha = try Watcher.withUsablePath(absolute) { try SHA256.hexDigest(ofFileAt: $0) }
            let outcome = try await queue.enqueue(path: absolute, sha256: sha, size: sig.size, mtime: sig.mtime,
                                                  pipeline: config.name, parameters: config.parameters)
            switch outcome {
            case .queued(let j): lines.append("queued \(j.id) \(absolute)")
            case .duplicate(let j, let o): lines.append("duplicate \(j.id) of \(o.id) \(absolute)")
            case .alreadyKnown(let j): lines.append("known \(j.id) \(absolute)")
            }
        }
        await queue.close()
        return lines
    }
}
