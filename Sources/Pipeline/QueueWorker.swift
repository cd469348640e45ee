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
    /// Seconds before the first claim again after the queue was found empty; each further empty claim
    /// doubles the pause up to `maxPollSeconds`, and a claimed job resets it.
    public var pollSeconds: Double = 0.25
    /// Longest pause between claims of an idle lane. Why 2 s: an idle lane then costs the database at most
    /// 0.5 claims a second (1,000 idle lanes: ~500 claims/s, which one PostgreSQL serves with room to spare,
    /// where a fixed 0.25 s poll would be 4,000/s), and a job enqueued into an idle fleet starts within 2 s,
    /// nothing beside an analysis that takes minutes.
    public var maxPollSeconds: Double = 2
    /// Report folder (shared storage).
    public var outDir: String
    /// The pipeline of jobs whose recorded parameters no longer validate.
    public var config: PipelineConfig
    /// Test/benchmark stand-in for the analysis (`--stub-sleep MS`): checks the file is readable, sleeps
    /// this many milliseconds and writes a small `report.json`. Nil: the real analysis.
    public var stubSleepMilliseconds: Int?
    /// Exit once no job is queued or running (batch runs, tests).
    public var exitWhenIdle = false
    /// Seconds between metrics log lines (and rewrites of `metricsFile`); 0: none.
    public var metricsIntervalSeconds: Double = 60
    /// Prometheus text exposition file, rewritten atomically every `metricsIntervalSeconds` and at exit
    /// (node_exporter's textfile collector scrapes it). Nil: none.
    public var metricsFile: String?

    public init(outDir: String, config: PipelineConfig) {
        self.outDir = outDir
        self.config = config
    }
}

/// The worker role: claims jobs from a shared queue (`JobQueue`, PostgreSQL or SQLite), runs each under
/// a lease renewed by a heartbeat task (a lost lease cancels the work), commits the result, and only
/// then publishes the report folder (publish-after-commit, the stub and the real pipeline alike): the
/// report is written to a hidden staging folder `.<id>.partial-job<N>-h<host>-<pid>-<n>` and renamed into place
/// after `complete` returns, so a worker whose commit fails or whose lease was lost leaves no report folder
/// that looks complete, and a job whose result is committed is published by that one worker only.
/// The analyses run on threads of their own (`ThreadPoolExecutor`), never on Swift's cooperative pool,
/// which stays free for heartbeats, claims, metrics and signals.
/// `stop()` stops claiming (running jobs finish); `stop(immediately: true)` also gives them back.
public actor QueueWorker {
    let queue: any JobQueue
    let options: QueueWorkerOptions
    let logger = Logger(label: "lessonlens.worker")
    let threads: ThreadPoolExecutor
    /// `host:pid:token`; lanes are `<identity>:w<N>`.
    public nonisolated let identity: String
    var stopping = false
    var exitWhenIdle: Bool
    var done = 0, failed = 0, abandoned = 0, released = 0
    /// Running jobs: their lane and the task of their analysis (for `stop(immediately:)`).
    var running: [Int64: (worker: String, work: Task<Staged, any Error>)] = [:]
    /// Jobs given back by `stop(immediately:)` while their analysis was still running.
    var givenBack: Set<Int64> = []
    var metrics = WorkerMetrics()
    /// When this process last asked the queue to requeue expired leases (one ask per third of a lease for all
    /// lanes, not one per claim: with many idle lanes that UPDATE would otherwise be most of the queue's load).
    var lastRequeue: ContinuousClock.Instant?

    init(queue: any JobQueue, options: QueueWorkerOptions) {
        self.queue = queue
        self.options = options
        exitWhenIdle = options.exitWhenIdle
        threads = ThreadPoolExecutor(threads: max(1, options.workers), name: "lessonlens-worker")
        let token = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        identity = "\(ProcessInfo.processInfo.hostName):\(getpid()):\(token)"
    }

    /// Opens the queue at `catalog` (`postgres://…` or a SQLite file) for a worker.
    public static func open(catalog: String, options: QueueWorkerOptions, retryBaseSeconds: Double) async throws -> QueueWorker {
        QueueWorker(queue: try await SharedCatalog.openQueue(catalog, retryBaseSeconds: retryBaseSeconds), options: options)
    }

    /// Stops claiming; running jobs finish. `immediately`: running jobs are also cancelled and given back to
    /// the queue at once (`queued`, the attempt not counted); their analyses' staged folders are removed.
    /// Returns how many jobs were given back.
    @discardableResult
    public func stop(immediately: Bool = false) async -> Int {
        stopping = true
        guard immediately else { return 0 }
        // Released first, cancelled after: a cancelled analysis ends its lane, and the last lane to end
        // closes the queue, which would fail a release still to come.
        var count = 0
        let jobs = running.filter { !givenBack.contains($0.key) }
        for (jobID, entry) in jobs {
            givenBack.insert(jobID)
            if (try? await queue.release(jobID: jobID, worker: entry.worker)) == true {
                count += 1
                released += 1
                logger.info("job given back to the queue", metadata: ["job": "\(jobID)"])
            }
        }
        for entry in jobs.values { entry.work.cancel() }
        return count
    }

    /// From now on the lanes end once nothing is queued or running (`watch --once` after its last enqueue).
    public func finishWhenIdle() { exitWhenIdle = true }

    /// Runs until `stop()` (or idle with `exitWhenIdle`); returns "N done, N failed, N abandoned, N released".
    public func run() async -> String {
        try? FileManager.default.createDirectory(atPath: options.outDir, withIntermediateDirectories: true)
        logger.info("worker started", metadata: ["catalog": "\(queue.location)", "identity": "\(identity)", "workers": "\(options.workers)"])
        let reporter = Task { await self.reportMetrics() }
        await withTaskGroup(of: Void.self) { group in
            for lane in 0..<max(1, options.workers) {
                group.addTask { await self.lane("\(self.identity):w\(lane)") }
            }
        }
        reporter.cancel()
        await recoverStaged()
        await writeMetricsFileNow()
        await queue.close()
        threads.shutdown()
        return summary
    }

    /// "N done, N failed, N abandoned, N released" (this process).
    public var summary: String { "\(done) done, \(failed) failed, \(abandoned) abandoned, \(released) released" }

    /// A worker killed between its commit and the rename leaves a done job with its report staged
    /// (`.<id>.partial-job<N>-h<host>-<pid>-…`): a staged folder of a dead process whose job is done and
    /// whose report folder is missing is published; other dead staged folders are removed. Whether the
    /// process is dead is known only on its own host (its pid); a folder of another host sharing the output
    /// folder is judged only once it is older than two leases (a live worker renames within moments of its
    /// commit, and its job would be running again if its lease had been taken over).
    func recoverStaged() async {
        let outDir = URL(fileURLWithPath: options.outDir).standardizedFileURL.path
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: outDir) else { return }
        for name in names where name.hasPrefix(".") && name.contains(".partial-job") {
            let parts = name.components(separatedBy: ".partial-job")
            let fields = parts.last?.split(separator: "-") ?? []
            guard parts.count == 2, fields.count >= 3, let jobID = Int64(fields[0]), fields[1].hasPrefix("h"),
                  let pid = Int32(fields[2]) else { continue }
            let staged = outDir + "/" + name
            if String(fields[1].dropFirst()) == QueueWorker.hostToken {
                if pid == getpid() || kill(pid, 0) == 0 || errno != ESRCH { continue }
            } else {
                let modified = (try? FileManager.default.attributesOfItem(atPath: staged)[.modificationDate] as? Date) ?? Date()
                if Date().timeIntervalSince(modified) < 2 * options.leaseSeconds { continue }
            }
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

    /// Whether a lane should ask the queue to requeue expired leases now (at most once per third of a lease
    /// per process; a lease that expired is taken back at most `leaseSeconds / 3` late).
    func requeueIsDue() -> Bool {
        let now = ContinuousClock.now
        if let last = lastRequeue, now - last < .seconds(max(0.05, options.leaseSeconds / 3)) { return false }
        lastRequeue = now
        return true
    }

    /// The pause after `emptyClaims` empty claims in a row: `pollSeconds` doubled per empty claim, at most
    /// `maxPollSeconds`, times a jitter in [0.75, 1.25) so idle lanes of many hosts do not poll in step.
    nonisolated static func idlePause(emptyClaims: Int, poll: Double, max maxPoll: Double, jitter: Double) -> Double {
        let base = min(poll * pow(2, Double(min(max(emptyClaims - 1, 0), 30))), Swift.max(poll, maxPoll))
        return base * (0.75 + 0.5 * min(max(jitter, 0), 1))
    }

    func lane(_ worker: String) async {
        var failures = 0
        var emptyClaims = 0
        await recoverStaged()
        while !stopping {
            let job: JobRow?
            do {
                if requeueIsDue() { _ = try? await queue.requeueExpiredLeases() }
                let asked = ContinuousClock.now
                job = try await queue.claimNextJob(worker: worker, leaseSeconds: options.leaseSeconds)
                if job != nil { metrics.claimSeconds.add(WorkerMetrics.seconds(since: asked)) }
                failures = 0
            } catch {
                failures += 1
                logger.error("cannot claim a job", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(min(options.pollSeconds * pow(2, Double(failures)), 10)))
                continue
            }
            guard let job else {
                if exitWhenIdle, let c = try? await queue.counts(), (c[.queued] ?? 0) == 0, (c[.running] ?? 0) == 0 { return }
                emptyClaims += 1
                let pause = Self.idlePause(emptyClaims: emptyClaims, poll: options.pollSeconds, max: options.maxPollSeconds,
                                           jitter: Double.random(in: 0..<1))
                try? await Task.sleep(for: .seconds(pause))
                continue
            }
            emptyClaims = 0
            if stopping {
                // Signalled while the claim was under way: give it back untouched.
                if (try? await queue.release(jobID: job.id, worker: worker)) == true { released += 1 }
                return
            }
            await process(job, worker: worker)
        }
    }

    func process(_ job: JobRow, worker: String) async {
        let (opts, queue) = (options, self.queue)
        let started = ContinuousClock.now
        let work = Task(executorPreference: threads) { try await QueueWorker.analyse(job, options: opts) }
        running[job.id] = (worker, work)
        defer { running[job.id] = nil; givenBack.remove(job.id) }
        let lost = LostFlag()
        let lease = LeaseClock(seconds: opts.leaseSeconds, from: started)
        let heartbeat = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(opts.leaseSeconds / 3))
                if Task.isCancelled { return }
                let sent = ContinuousClock.now
                do {
                    try await queue.heartbeat(jobID: job.id, worker: worker, leaseSeconds: opts.leaseSeconds)
                    lease.renewed(at: sent)
                } catch CatalogError.leaseLost {
                    lost.set()
                    work.cancel()
                    return
                } catch {
                    // Unreachable catalog: try again while the lease lasts (`expiry` below ends the work after).
                }
            }
        }
        // A worker cut off from the catalog cannot renew, and a call to it can hang for a minute (its
        // deadline, per try): once the lease has run out by this worker's clock another host may have
        // requeued and claimed the job, so the analysis is stopped then, instead of running on to a commit
        // that would be refused (or, a catalog that never answers again, hanging on to the job's resources).
        let expiry = Task {
            while !Task.isCancelled {
                let left = lease.remaining
                if left <= 0 {
                    lost.set()
                    work.cancel()
                    self.logger.warning("lease ran out without a renewal (catalog unreachable): analysis stopped",
                                        metadata: ["job": "\(job.id)"])
                    return
                }
                try? await Task.sleep(for: .seconds(left))
            }
        }
        let result = await work.result
        heartbeat.cancel()
        expiry.cancel()
        if lost.isSet || givenBack.contains(job.id) {
            if case .success(let staged) = result, let dir = staged.staging { try? FileManager.default.removeItem(atPath: dir) }
            if lost.isSet {
                abandoned += 1
                logger.warning("lease lost: job abandoned", metadata: ["job": "\(job.id)"])
            }
            return
        }
        switch result {
        case .success(let staged):
            let committing = ContinuousClock.now
            do {
                _ = try await queue.complete(jobID: job.id, worker: worker, reportDir: staged.reportDir, summary: staged.summary)
            } catch {
                var leaseLost = false
                if let e = error as? CatalogError, case .leaseLost = e { leaseLost = true }
                var committed = false
                if !leaseLost {
                    // A refusal and a reply lost on the way (the commit may have gone through) look alike here:
                    // the job's row says which. Unreadable too (the catalog is unreachable): the staged folder
                    // stays for `recoverStaged` (this host's next start, or another host's after two leases),
                    // which publishes it if the commit went through and removes it otherwise; the lease
                    // expires and the job is retried if it did not.
                    guard let row = try? await queue.job(id: job.id) else {
                        abandoned += 1
                        logger.error("outcome of the commit unknown (catalog unreachable); staged report kept for recovery",
                                     metadata: ["job": "\(job.id)", "staged": "\(staged.staging ?? "-")", "error": "\(error)"])
                        return
                    }
                    committed = row.state == .done && row.completedBy == worker && row.reportDir == staged.reportDir
                    if committed {
                        // On to the publish below, as for a commit that answered.
                        logger.warning("the commit went through though its reply was lost", metadata: ["job": "\(job.id)"])
                    }
                }
                if !committed {
                    // Not committed (lease lost, or the catalog refused): nothing is published; the staged folder goes.
                    if let staging = staged.staging { try? FileManager.default.removeItem(atPath: staging) }
                    logger.error("cannot record outcome; report not published", metadata: ["job": "\(job.id)", "error": "\(error)"])
                    if leaseLost { abandoned += 1; return }
                    let state = try? await queue.fail(jobID: job.id, worker: worker, error: "cannot record the result: \(error)",
                                                      transient: true, retryDelaySeconds: nil)
                    if state == .failed { failed += 1 }
                    return
                }
            }
            metrics.completeSeconds.add(WorkerMetrics.seconds(since: committing))
            if let staging = staged.staging {
                do {
                    try QueueWorker.publish(staging, at: staged.reportDir, job: job, worker: worker, outDir: opts.outDir)
                } catch {
                    logger.error("result committed but the report could not be renamed into place; the next start publishes it",
                                 metadata: ["job": "\(job.id)", "staged": "\(staging)", "error": "\(error)"])
                }
            }
            await attribute(job, reportDir: staged.reportDir)
            done += 1
            let seconds = WorkerMetrics.seconds(since: started)
            metrics.jobSeconds.add(seconds)
            logger.info("done", metadata: ["job": "\(job.id)", "seconds": "\(String(format: "%.3f", seconds))"])
        case .failure(let error):
            let failure = AnalysisFailure(error, file: job.path)
            if error is CancellationError, stopping {
                if (try? await queue.release(jobID: job.id, worker: worker)) == true { released += 1 }
                return
            }
            let state = try? await queue.fail(jobID: job.id, worker: worker, error: failure.message, transient: failure.transient,
                                              retryDelaySeconds: nil)
            if state == .failed { failed += 1 }
            logger.warning("job failed", metadata: ["job": "\(job.id)", "error": "\(failure.message)", "state": "\(state?.rawValue ?? "?")"])
        }
    }

    /// Who taught the lesson (issue 11), as the watcher does after its commit; never fails the job.
    /// On the worker's threads: reading and decoding report.json stays off the cooperative pool.
    func attribute(_ job: JobRow, reportDir: String) async {
        guard let catalog = queue as? any PortalCatalog else { return }
        await Task(executorPreference: threads) {
            await Attributor.attributeQuietly(catalog, jobID: job.id, path: job.path, reportDir: reportDir)
        }.value
    }

    struct Staged: Sendable {
        var reportDir: String
        var summary: ResultSummary
        /// Folder to rename to `reportDir` once the result is committed (nil: already in place).
        var staging: String?
    }

    /// `job<N>-h<host>-<pid>-<random>`: the staging folder's suffix, which `recoverStaged` reads back.
    static func stagingSuffix(_ job: JobRow) -> String {
        "job\(job.id)-h\(hostToken)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    }

    /// This host in a file name: 8 hex digits of the FNV-1a hash of its name (a host name may hold '-' and
    /// is not needed in full: it only tells this host's folders from others').
    static let hostToken: String = {
        var h: UInt32 = 2_166_136_261
        for b in ProcessInfo.processInfo.hostName.utf8 { h = (h ^ UInt32(b)) &* 16_777_619 }
        return String(format: "%08x", h)
    }()

    @concurrent
    static func analyse(_ job: JobRow, options: QueueWorkerOptions) async throws -> Staged {
        // Shared storage: a path this host cannot read fails the job, transiently (another host may).
        guard Watcher.withUsablePath(job.path, { access($0, R_OK) }) == 0 else {
            throw PipelineError.cannotWrite(path: job.path, reason: "this host cannot read the recording: \(String(cString: strerror(errno)))")
        }
        let outDir = URL(fileURLWithPath: options.outDir).standardizedFileURL.path
        guard let ms = options.stubSleepMilliseconds else {
            let r = try await analyzeForQueue(job: job, outDir: outDir, config: options.config, stagingSuffix: stagingSuffix(job))
            return Staged(reportDir: r.reportDir, summary: r.summary, staging: r.stagedDir)
        }
        if ms > 0 { try await Task.sleep(for: .milliseconds(ms)) }
        let id = String(job.sha256.prefix(16))
        let final = outDir + "/" + id
        let staging = outDir + "/.\(id).partial-\(stagingSuffix(job))"
        try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        let json = "{\"pipeline\": \"stub-sleep\", \"job\": \(job.id), \"sha256\": \"\(job.sha256)\"}\n"
        try Data(json.utf8).write(to: URL(fileURLWithPath: staging + "/report.json"))
        let summary = ResultSummary(durationSeconds: 0, teacherRatio: 0, studentRatio: 0, multiRatio: 0, silenceRatio: 1, rt: nil,
                                    ch: nil, mode: nil, medianWaitSeconds: nil, questionCount: 0, turnExchanges: 0, findingsCount: 0,
                                    slideChanges: 0, microLessons: 0, language: "en", reportDir: final)
        return Staged(reportDir: final, summary: summary, staging: staging)
    }

    /// Renames the staged folder into place after the commit (an older report of the same content is set
    /// aside first and removed after, as `analyze` does) and notes it in `<out>/.published` (one line per
    /// publish: job, folder, worker), which the tests read.
    static func publish(_ staging: String, at final: String, job: JobRow, worker: String, outDir: String) throws {
        try AnalyzePipeline.publish(staging, at: final, commit: {})
        let line = "\(job.id)\t\(final)\t\(worker)\n"
        let fd = Glibc.open(outDir + "/.published", O_WRONLY | O_APPEND | O_CREAT, 0o644)
        if fd >= 0 { _ = line.withCString { write(fd, $0, strlen($0)) }; close(fd) }
    }
}

/// A job's lease as its worker knows it: it ends `seconds` after the claim, then after the sending of the last
/// renewal that succeeded (the server counts from when it ran the statement, a little later: this end is the
/// earlier, safe one).
final class LeaseClock: @unchecked Sendable {
    private let lock = NSLock()
    private let seconds: Double
    private var renewedAt: ContinuousClock.Instant
    init(seconds: Double, from start: ContinuousClock.Instant) { self.seconds = seconds; renewedAt = start }
    func renewed(at instant: ContinuousClock.Instant) { lock.lock(); renewedAt = max(renewedAt, instant); lock.unlock() }
    /// Seconds until the lease runs out (0 or less: it has).
    var remaining: Double {
        lock.lock(); defer { lock.unlock() }
        return seconds - WorkerMetrics.seconds(since: renewedAt)
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
