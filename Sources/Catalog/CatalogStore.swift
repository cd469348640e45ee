public import Foundation
public import MediaCore
internal import GRDB

/// The SQLite catalog of recordings, jobs and results (docs/ARCHITECTURE.md §1).
///
/// One `CatalogStore` per database file for the life of the process (it owns a WAL-mode pool, so
/// readers such as `lessonlens jobs list` never block the watcher's writes). Every state change is one
/// write transaction guarded by the job's current state and lease owner, so the same calls can be
/// implemented on PostgreSQL with `SELECT … FOR UPDATE SKIP LOCKED` when several machines share a queue.
///
/// Job state machine: `queued → running → done | failed | queued (transient failure, lease expiry,
/// clean shutdown)`, `failed → queued` (`retry`), `duplicate` is written terminal.
public final class CatalogStore: Sendable {
    /// The database file.
    public let path: String
    /// Claims a job may get before a transient failure (or a worker dying on it) becomes `failed`.
    public let maxAttempts: Int
    /// Times a job's process may be killed from outside during its analysis before the job fails as one
    /// that probably makes the kernel kill the worker (out of memory). A restart loop or random kills hit
    /// a given job a few times at most; a file that itself causes the kill is hit every time.
    /// `jobs retry` starts the count again.
    public static let maxInterruptions = 10
    /// A `DatabasePool` (WAL) for read-write use; a read-only `DatabaseQueue` for `readOnly` stores.
    let pool: any DatabaseWriter
    /// Whether this store was opened read-only (`jobs list`, `export`).
    public let isReadOnly: Bool
    /// The private folder holding a copy of a read-only catalog whose WAL could not be read in place
    /// (removed with the store).
    let readOnlyCopy: String?

    /// Opens (creating folders and file as needed) and migrates the catalog at `path`.
    /// - Parameter maxAttempts: claims per job before it is failed for good (default 4: three retries
    ///   ride out a network share hiccup without looping forever on a file that crashes the worker).
    /// - Parameter create: false for read-only uses (`jobs list`, `export`): a missing file is then
    ///   `CatalogError.notFound` instead of a new empty catalog.
    /// - Parameter readOnly: open without write access (`jobs list`, `export`), so a catalog on
    ///   read-only media (a DVD, a read-only share or bind mount) can be read. Implies `create: false`.
    /// - Throws: `CatalogError.database` or `.notFound` naming the file.
    public init(path: String, maxAttempts: Int = 4, create: Bool = true, readOnly: Bool = false) throws {
        self.path = path
        self.maxAttempts = max(1, maxAttempts)
        self.isReadOnly = readOnly
        if (readOnly || !create) && !FileManager.default.fileExists(atPath: path) { throw CatalogError.notFound(path: path) }
        if readOnly {
            (self.pool, self.readOnlyCopy) = try Self.openReadOnly(path: path)
            return
        }
        self.readOnlyCopy = nil
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw CatalogError.database(path: path, operation: "create folder", reason: "\(error.localizedDescription)")
            }
        }
        var config = Configuration()
        config.label = "lessonlens-catalog"
        // Another process (a second watcher, `jobs retry`) may hold the write lock briefly; wait rather
        // than fail. 10 s is far above any of our transactions (milliseconds).
        config.busyMode = .timeout(10)
        config.foreignKeysEnabled = true
        // WAL + synchronous=NORMAL: a commit survives a process crash (kill -9); only an OS crash or
        // power cut may lose the last commits, never corrupt the file. Saves an fsync per transaction.
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        // Two processes opening a new file at once (two watchers, or `watch` starting next to `analyze`)
        // race: one may meet SQLITE_BUSY while the other switches the file to WAL, or find the tables
        // created between its migration check and its migration ("already exists"). Both settle once
        // the other process is done: retry for up to 10 s, and accept a migration error when the
        // schema turns out complete.
        let migrator = Self.migrator
        let deadline = Date().addingTimeInterval(10)
        while true {
            do {
                let pool = try DatabasePool(path: path, configuration: config)
                do {
                    try migrator.migrate(pool)
                } catch {
                    if (try? pool.read { try migrator.hasCompletedMigrations($0) }) != true { throw error }
                }
                self.pool = pool
                return
            } catch let e as DatabaseError where [.SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_ERROR].contains(e.resultCode)
                && Date() < deadline {
                Thread.sleep(forTimeInterval: 0.05)
            } catch {
                throw CatalogError.database(path: path, operation: "open", reason: Self.reason(error))
            }
        }
    }

    deinit {
        if let readOnlyCopy { try? FileManager.default.removeItem(atPath: readOnlyCopy) }
    }

    /// A read-only connection. SQLite reads a WAL database only if it can open (or create) the `-shm`
    /// file next to it; on a read-only folder without one (the normal state after a clean close) that
    /// fails, so there the file is opened `immutable` (nobody can be writing it on read-only media).
    /// `immutable` ignores the `-wal` file, though: a catalog copied or snapshotted while a watcher ran
    /// keeps its last commits there. Then the database and its WAL are copied into a private temporary
    /// folder and read from there (SQLite replays the WAL on open), returned for removal with the store.
    static func openReadOnly(path: String) throws -> (DatabaseQueue, copy: String?) {
        let folder = (path as NSString).deletingLastPathComponent
        let writableFolder = access(folder.isEmpty ? "." : folder, W_OK) == 0
        let shmExists = FileManager.default.fileExists(atPath: path + "-shm")
        if writableFolder || shmExists { return (try openReadOnlyInPlace(path: path, immutable: false), nil) }
        let walSize = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? NSNumber)?.int64Value ?? 0
        if walSize == 0 { return (try openReadOnlyInPlace(path: path, immutable: true), nil) }
        var template = Array((NSTemporaryDirectory() + "/lessonlens-catalog-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw CatalogError.database(path: path, operation: "open read-only", reason: "cannot make a temporary copy of its WAL: \(String(cString: strerror(errno)))")
        }
        let copy = String(cString: made)
        do {
            let name = (path as NSString).lastPathComponent
            try FileManager.default.copyItem(atPath: path, toPath: copy + "/" + name)
            try FileManager.default.copyItem(atPath: path + "-wal", toPath: copy + "/" + name + "-wal")
            // The copy's folder is writable: SQLite makes its -shm there and replays the WAL.
            return (try openReadOnlyInPlace(path: copy + "/" + name, immutable: false), copy)
        } catch {
            try? FileManager.default.removeItem(atPath: copy)
            if let e = error as? CatalogError { throw e }
            throw CatalogError.database(path: path, operation: "open read-only", reason: "cannot make a temporary copy of its WAL: \(Self.reason(error))")
        }
    }

    /// Opens `path` read-only, as a WAL database or (`immutable`) as a file nobody can be writing.
    static func openReadOnlyInPlace(path: String, immutable: Bool) throws -> DatabaseQueue {
        var config = Configuration()
        config.label = "lessonlens-catalog-readonly"
        config.readonly = true
        config.busyMode = .timeout(10)
        do {
            let queue = try DatabaseQueue(path: immutable ? immutableURI(path) : path, configuration: config)
            // Opening is lazy about the WAL index: touch the schema now so errors surface here.
            _ = try queue.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM sqlite_master") }
            return queue
        } catch {
            throw CatalogError.database(path: path, operation: "open read-only", reason: Self.reason(error))
        }
    }

    /// `file:` URI with `immutable=1` (the system SQLite is built with URI support, SQLITE_USE_URI).
    static func immutableURI(_ path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "?#%")
        let encoded = absolute.addingPercentEncoding(withAllowedCharacters: allowed) ?? absolute
        return "file://\(encoded)?immutable=1"
    }

    // MARK: - Recordings

    /// Records a content (by SHA-256) and the path it was seen at; returns the content's row, with
    /// `isNew` telling whether the bytes were never seen before.
    @discardableResult
    public func upsertRecording(path: String, size: Int64, mtime: Date, sha256: String, now: Date = Date()) throws -> RecordingRow {
        try write("record '\(path)'") { db in try Self.upsertRecording(db, path: path, size: size, mtime: mtime, sha256: sha256, now: now) }
    }

    /// Whether this exact path, size and modification time was already enqueued (so the watcher can
    /// skip hashing it again after a restart).
    public func isKnown(path: String, size: Int64, mtime: Date) throws -> Bool {
        try read("look up '\(path)'") { db in
            try Bool.fetchOne(db, sql: """
                SELECT EXISTS (SELECT 1 FROM recording_paths WHERE path = ? AND size = ? AND mtime = ?)
                """, arguments: [path, size, mtime.timeIntervalSince1970]) ?? false
        }
    }

    /// Size and modification time `path` had when the content `recordingID` was last seen there (when it
    /// was hashed), or nil: the analysis of a job trusts the job's hash for a file still looking like that.
    public func seenSignature(recordingID: Int64, path: String) throws -> (size: Int64, mtime: Date)? {
        try read("look up '\(path)'") { db in
            try Row.fetchOne(db, sql: "SELECT size, mtime FROM recording_paths WHERE recording_id = ? AND path = ?",
                             arguments: [recordingID, path]).map { row in
                (size: row["size"], mtime: Date(timeIntervalSince1970: row["mtime"]))
            }
        }
    }

    // MARK: - Jobs

    /// Records the file and queues a job for it unless its bytes are already queued, running or done
    /// (then a terminal `duplicate` row points to that job) or this very path already has a job.
    public func enqueue(path: String, sha256: String, size: Int64, mtime: Date, pipeline: String,
                        parameters: [String: ParameterValue], now: Date = Date()) throws -> EnqueueOutcome {
        let parametersJSON = Self.json(parameters)
        return try write("enqueue '\(path)'") { db in
            let recording = try Self.upsertRecording(db, path: path, size: size, mtime: mtime, sha256: sha256, now: now)
            if let same = try Self.fetchJob(db, where: "jobs.recording_id = ? AND jobs.path = ? ORDER BY jobs.id DESC LIMIT 1",
                                            [recording.id, path]) {
                return .alreadyKnown(same)
            }
            if let live = try Self.fetchJob(db, where: "jobs.recording_id = ? AND jobs.state IN ('queued','running','done') LIMIT 1",
                                            [recording.id]) {
                try db.execute(sql: """
                    INSERT INTO jobs (recording_id, path, state, pipeline, parameters, created_at, finished_at, duplicate_of)
                    VALUES (?, ?, 'duplicate', ?, ?, ?, ?, ?)
                    """, arguments: [recording.id, path, pipeline, parametersJSON, now.timeIntervalSince1970,
                                     now.timeIntervalSince1970, live.id])
                let dup = try Self.fetchJob(db, id: db.lastInsertedRowID)
                return .duplicate(recorded: dup, original: live)
            }
            try db.execute(sql: """
                INSERT INTO jobs (recording_id, path, state, pipeline, parameters, created_at)
                VALUES (?, ?, 'queued', ?, ?, ?)
                """, arguments: [recording.id, path, pipeline, parametersJSON, now.timeIntervalSince1970])
            return .queued(try Self.fetchJob(db, id: db.lastInsertedRowID))
        }
    }

    /// A later version of the file at `path` was enqueued as job `jobID`: earlier versions' jobs at the same
    /// path that are queued or done become `failed` with the reason "superseded …" (their result rows are
    /// removed), so a recording uploaded in pauses leaves one result, not one per partial upload. Returns
    /// the superseded jobs as they were (their `reportDir` tells the caller which folders to remove).
    /// Running jobs are left to finish or fail on their own (their lease is someone else's).
    @discardableResult
    public func supersedeEarlierVersions(path: String, by jobID: Int64, now: Date = Date()) throws -> [JobRow] {
        try write("supersede earlier versions of '\(path)'") { db in
            let newer = try Self.fetchJob(db, id: jobID)
            let earlier = try Row.fetchAll(db, sql: """
                SELECT \(Self.jobColumns) FROM jobs JOIN recordings r ON r.id = jobs.recording_id
                WHERE jobs.path = ? AND jobs.id < ? AND jobs.recording_id <> ? AND jobs.state IN ('queued','done')
                ORDER BY jobs.id
                """, arguments: [path, jobID, newer.recordingID]).map(Self.jobRow)
            for job in earlier {
                try db.execute(sql: "DELETE FROM results WHERE job_id = ?", arguments: [job.id])
                try db.execute(sql: """
                    UPDATE jobs SET state = 'failed', error = ?, finished_at = ?, lease_owner = NULL, lease_expires_at = NULL,
                        next_attempt_at = NULL
                    WHERE id = ?
                    """, arguments: ["superseded: the file changed after this version was taken (job \(jobID) has the later version)",
                                     now.timeIntervalSince1970, job.id])
            }
            return earlier
        }
    }

    /// Whether some `done` job's report is the folder `reportDir`.
    public func hasDoneJob(reportDir: String) throws -> Bool {
        try read("look up report '\(reportDir)'") { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM jobs WHERE state = 'done' AND report_dir = ?)",
                              arguments: [reportDir]) ?? false
        }
    }

    /// Atomically takes the oldest claimable `queued` job (its backoff time reached), marks it `running`
    /// under `worker` with a lease of `leaseSeconds`, and counts the attempt. Nil when none is claimable.
    ///
    /// On PostgreSQL the same is `UPDATE … WHERE id = (SELECT id … FOR UPDATE SKIP LOCKED LIMIT 1)`.
    public func claimNextJob(worker: String, leaseSeconds: Double, now: Date = Date()) throws -> JobRow? {
        try write("claim a job for '\(worker)'") { db in
            let t = now.timeIntervalSince1970
            guard let id = try Int64.fetchOne(db, sql: """
                SELECT id FROM jobs WHERE state = 'queued' AND (next_attempt_at IS NULL OR next_attempt_at <= ?)
                ORDER BY id LIMIT 1
                """, arguments: [t]) else { return nil }
            try db.execute(sql: """
                UPDATE jobs SET state = 'running', lease_owner = ?, lease_expires_at = ?, attempts = attempts + 1,
                    started_at = ?, next_attempt_at = NULL
                WHERE id = ? AND state = 'queued'
                """, arguments: [worker, t + leaseSeconds, t, id])
            guard db.changesCount == 1 else { return nil }
            return try Self.fetchJob(db, id: id)
        }
    }

    /// Extends the lease of a running job. Throws `CatalogError.leaseLost` if `worker` no longer holds it
    /// (then the worker must abandon the job: someone else may be running it).
    public func heartbeat(jobID: Int64, worker: String, leaseSeconds: Double, now: Date = Date()) throws {
        try write("renew lease of job \(jobID)") { db in
            try db.execute(sql: """
                UPDATE jobs SET lease_expires_at = ? WHERE id = ? AND state = 'running' AND lease_owner = ?
                """, arguments: [now.timeIntervalSince1970 + leaseSeconds, jobID, worker])
            if db.changesCount != 1 { throw CatalogError.leaseLost(id: jobID, worker: worker) }
        }
    }

    /// Marks a running job `done` and stores its result row, in one transaction. Throws
    /// `CatalogError.leaseLost` (and writes nothing) if `worker` no longer holds the job, so a job whose
    /// lease was taken over is never counted done twice.
    public func complete(jobID: Int64, worker: String, reportDir: String, summary: ResultSummary, now: Date = Date()) throws {
        // Strict, as before: a second completion is refused (the queue API's `completeOnce` answers it instead).
        if try completeOnce(jobID: jobID, worker: worker, reportDir: reportDir, summary: summary, now: now) == .alreadyCompleted {
            throw CatalogError.leaseLost(id: jobID, worker: worker)
        }
    }

    /// `complete`, idempotent for the worker that committed: repeated after its first reply was lost, it
    /// answers `.alreadyCompleted` and writes nothing.
    public func completeOnce(jobID: Int64, worker: String, reportDir: String, summary: ResultSummary,
                             now: Date = Date()) throws -> CompletionOutcome {
        try write("complete job \(jobID)") { db in
            let t = now.timeIntervalSince1970
            try db.execute(sql: """
                UPDATE jobs SET state = 'done', finished_at = ?, report_dir = ?, error = NULL,
                    lease_owner = NULL, lease_expires_at = NULL, completed_by = ?
                WHERE id = ? AND state = 'running' AND lease_owner = ?
                """, arguments: [t, reportDir, worker, jobID, worker])
            if db.changesCount != 1 {
                let job = try Self.fetchJob(db, id: jobID)
                if job.state == .done, job.completedBy == worker { return .alreadyCompleted }
                throw CatalogError.leaseLost(id: jobID, worker: worker)
            }
            try Self.insertResult(db, jobID: jobID, summary: summary, reportDir: reportDir, time: t)
            return .completed
        }
    }

    /// Gives one running job of `worker` back to the queue untouched (clean shutdown: the attempt is
    /// given back). Returns whether it changed.
    @discardableResult
    public func release(jobID: Int64, worker: String, now: Date = Date()) throws -> Bool {
        try write("release job \(jobID) of '\(worker)'") { db in
            try self.recover(db, where: "id = ? AND lease_owner = ?", [jobID, worker],
                             why: "worker '\(worker)' shut down", countsAsAttempt: false, now: now) == 1
        }
    }

    /// Records a failed attempt. A transient failure goes back to `queued` (claimable from `retryAt`,
    /// default: exponential backoff) until `maxAttempts` claims were made; otherwise the job is `failed`
    /// with `error` as its reason. Returns the job's new state.
    @discardableResult
    public func fail(jobID: Int64, worker: String, error: String, transient: Bool, retryAt: Date? = nil,
                     now: Date = Date()) throws -> JobState {
        try write("record failure of job \(jobID)") { db in
            let job = try Self.fetchJob(db, id: jobID)
            guard job.state == .running, job.leaseOwner == worker else {
                throw CatalogError.leaseLost(id: jobID, worker: worker)
            }
            let t = now.timeIntervalSince1970
            if transient && job.attempts < maxAttempts {
                let at = retryAt ?? now.addingTimeInterval(Self.backoffSeconds(attempt: job.attempts))
                try db.execute(sql: """
                    UPDATE jobs SET state = 'queued', error = ?, next_attempt_at = ?, lease_owner = NULL,
                        lease_expires_at = NULL
                    WHERE id = ?
                    """, arguments: [error, at.timeIntervalSince1970, jobID])
                return .queued
            }
            let reason = transient ? "\(error) (gave up after \(job.attempts) attempts)" : error
            try db.execute(sql: """
                UPDATE jobs SET state = 'failed', error = ?, finished_at = ?, lease_owner = NULL, lease_expires_at = NULL
                WHERE id = ?
                """, arguments: [reason, t, jobID])
            return .failed
        }
    }

    /// Default retry delay after the `attempt`-th failed claim: 30 s doubling per attempt, capped at 1 h
    /// (long enough for a network share to come back, short enough to catch up the same day).
    public static func backoffSeconds(attempt: Int) -> Double {
        min(30 * pow(2, Double(max(0, attempt - 1))), 3600)
    }

    /// Crash recovery: running jobs whose lease ran out before `now` go back to `queued` (or to `failed`
    /// if they already used `maxAttempts` claims: a file that kills its worker must not loop forever).
    /// Returns how many jobs changed.
    @discardableResult
    public func requeueExpiredLeases(now: Date = Date()) throws -> Int {
        try write("requeue expired leases") { db in
            try self.recover(db, where: "lease_expires_at < ?", [now.timeIntervalSince1970],
                             why: "its worker stopped renewing the lease", countsAsAttempt: true, now: now)
        }
    }

    /// Puts the running jobs of `worker` back to `queued`. On a clean shutdown (`countsAsAttempt`
    /// false) the attempt is given back; for a worker known to have died (its process is gone) it counts,
    /// as with an expired lease. Returns how many jobs changed.
    @discardableResult
    public func requeueRunning(worker: String, countsAsAttempt: Bool = false, now: Date = Date()) throws -> Int {
        try write("requeue jobs of '\(worker)'") { db in
            try self.recover(db, where: "lease_owner = ?", [worker],
                             why: countsAsAttempt ? "worker '\(worker)' died" : "worker '\(worker)' shut down",
                             countsAsAttempt: countsAsAttempt, now: now)
        }
    }

    /// Puts one running job of `worker` back to `queued`, after its process died. `analysisCrashed`: the
    /// analysis itself crashed (the attempt counts, and after `maxAttempts` the job fails as one that
    /// crashes the analyser); otherwise the process was killed from outside and the attempt is given back.
    /// Returns whether the job changed.
    @discardableResult
    public func requeueAfterDeath(jobID: Int64, worker: String, analysisCrashed: Bool, now: Date = Date()) throws -> Bool {
        try write("requeue job \(jobID) of '\(worker)'") { db in
            try self.recover(db, where: "id = ? AND lease_owner = ?", [jobID, worker],
                             why: analysisCrashed ? "the analysis crashed" : "worker '\(worker)' was stopped",
                             countsAsAttempt: analysisCrashed, countsAsInterruption: !analysisCrashed, now: now) == 1
        }
    }

    /// Requeues (fresh attempt count) failed jobs whose only reason was that their worker's process died
    /// `maxAttempts` times: before crash markers (`Watcher`), a watcher killed repeatedly (kill -9, restarts)
    /// failed valid recordings that way. Jobs failed because the analysis itself crashed say so and stay
    /// failed. Returns how many jobs were requeued.
    @discardableResult
    public func reviveJobsFailedByKilledWorkers() throws -> Int {
        try write("requeue jobs failed by killed workers") { db in
            try db.execute(sql: """
                UPDATE jobs SET state = 'queued', attempts = 0, next_attempt_at = NULL, finished_at = NULL,
                    error = 'requeued: earlier failure was the watcher being stopped, not the analysis'
                WHERE state = 'failed' AND error LIKE 'worker ''%'' died on each of % attempts; the file may crash the analyser'
                    AND NOT EXISTS (SELECT 1 FROM jobs live WHERE live.recording_id = jobs.recording_id
                                    AND live.state IN ('queued','running','done'))
                """)
            return db.changesCount
        }
    }

    /// Moves a `failed` job back to `queued` with a fresh attempt count. Throws `invalidTransition` for
    /// any other state, or when another job of the same content is already live.
    @discardableResult
    public func retry(id: Int64) throws -> JobRow {
        try write("retry job \(id)") { db in
            let job = try Self.fetchJob(db, id: id)
            guard job.state == .failed else { throw CatalogError.invalidTransition(id: id, from: job.state, operation: "retry") }
            if try Self.fetchJob(db, where: "jobs.recording_id = ? AND jobs.state IN ('queued','running','done') LIMIT 1",
                                 [job.recordingID]) != nil {
                throw CatalogError.invalidTransition(id: id, from: job.state, operation: "retry (its content already has a live job)")
            }
            try db.execute(sql: """
                UPDATE jobs SET state = 'queued', attempts = 0, interruptions = 0, error = NULL, next_attempt_at = NULL, finished_at = NULL
                WHERE id = ?
                """, arguments: [id])
            return try Self.fetchJob(db, id: id)
        }
    }

    // MARK: - Queries

    /// Jobs, oldest first, optionally of one state.
    public func jobs(state: JobState? = nil, limit: Int? = nil) throws -> [JobRow] {
        try read("list jobs") { db in
            var sql = "SELECT \(Self.jobColumns) FROM jobs JOIN recordings r ON r.id = jobs.recording_id"
            var args: StatementArguments = []
            if let state { sql += " WHERE jobs.state = ?"; args += [state.rawValue] }
            sql += " ORDER BY jobs.id"
            if let limit { sql += " LIMIT ?"; args += [limit] }
            return try Row.fetchAll(db, sql: sql, arguments: args).map(Self.jobRow)
        }
    }

    /// One job; throws `CatalogError.noSuchJob`.
    public func job(id: Int64) throws -> JobRow {
        try read("read job \(id)") { db in try Self.fetchJob(db, id: id) }
    }

    /// Number of jobs per state (states with no job are absent).
    public func counts() throws -> [JobState: Int] {
        try read("count jobs") { db in
            var out: [JobState: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM jobs GROUP BY state") {
                if let s = JobState(rawValue: row["state"]) { out[s] = row["n"] }
            }
            return out
        }
    }

    /// Earliest `next_attempt_at` among queued jobs still waiting on backoff (so workers know how long to sleep).
    public func nextRetryTime() throws -> Date? {
        try read("read retry times") { db in
            try Double.fetchOne(db, sql: "SELECT MIN(next_attempt_at) FROM jobs WHERE state = 'queued'").map {
                Date(timeIntervalSince1970: $0)
            }
        }
    }

    /// Result rows of analysed lessons, oldest first, optionally those created at or after `since`.
    public func results(since: Date? = nil) throws -> [ResultRow] {
        try read("list results") { db in
            var sql = """
                SELECT res.*, j.path AS job_path, r.sha256 AS sha256, j.pipeline AS pipeline
                FROM results res JOIN jobs j ON j.id = res.job_id JOIN recordings r ON r.id = j.recording_id
                """
            var args: StatementArguments = []
            if let since { sql += " WHERE res.created_at >= ?"; args += [since.timeIntervalSince1970] }
            sql += " ORDER BY res.created_at, res.job_id"
            return try Row.fetchAll(db, sql: sql, arguments: args).map { row in
                ResultRow(jobID: row["job_id"], path: row["job_path"], sha256: row["sha256"], pipeline: row["pipeline"],
                          createdAt: Date(timeIntervalSince1970: row["created_at"]),
                          summary: ResultSummary(row: row))
            }
        }
    }
}

// MARK: - Internals

extension CatalogStore {
    static let jobColumns = """
        jobs.id, jobs.recording_id, jobs.path, r.sha256, jobs.state, jobs.attempts, jobs.error, jobs.pipeline,
        jobs.parameters, jobs.created_at, jobs.started_at, jobs.finished_at, jobs.lease_owner, jobs.lease_expires_at,
        jobs.next_attempt_at, jobs.report_dir, jobs.duplicate_of, jobs.completed_by
        """

    static func jobRow(_ row: Row) -> JobRow {
        func date(_ key: String) -> Date? { (row[key] as Double?).map { Date(timeIntervalSince1970: $0) } }
        return JobRow(id: row["id"], recordingID: row["recording_id"], path: row["path"], sha256: row["sha256"],
                      state: JobState(rawValue: row["state"]) ?? .failed, attempts: row["attempts"], error: row["error"],
                      pipeline: row["pipeline"], parametersJSON: row["parameters"],
                      createdAt: date("created_at") ?? Date(timeIntervalSince1970: 0), startedAt: date("started_at"),
                      finishedAt: date("finished_at"), leaseOwner: row["lease_owner"],
                      leaseExpiresAt: date("lease_expires_at"), nextAttemptAt: date("next_attempt_at"),
                      reportDir: row["report_dir"], duplicateOf: row["duplicate_of"], completedBy: row["completed_by"])
    }

    static func fetchJob(_ db: Database, where clause: String, _ arguments: StatementArguments) throws -> JobRow? {
        try Row.fetchOne(db, sql: """
            SELECT \(jobColumns) FROM jobs JOIN recordings r ON r.id = jobs.recording_id WHERE \(clause)
            """, arguments: arguments).map(jobRow)
    }

    static func fetchJob(_ db: Database, id: Int64) throws -> JobRow {
        guard let job = try fetchJob(db, where: "jobs.id = ?", [id]) else { throw CatalogError.noSuchJob(id: id) }
        return job
    }

    static func upsertRecording(_ db: Database, path: String, size: Int64, mtime: Date, sha256: String, now: Date) throws -> RecordingRow {
        let t = now.timeIntervalSince1970
        var isNew = false
        if try Int64.fetchOne(db, sql: "SELECT id FROM recordings WHERE sha256 = ?", arguments: [sha256]) == nil {
            try db.execute(sql: "INSERT INTO recordings (path, size, mtime, sha256, created_at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [path, size, mtime.timeIntervalSince1970, sha256, t])
            isNew = true
        }
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM recordings WHERE sha256 = ?", arguments: [sha256]) else {
            throw CatalogError.database(path: path, operation: "record", reason: "recording row vanished")
        }
        let id: Int64 = row["id"]
        try db.execute(sql: """
            INSERT INTO recording_paths (recording_id, path, size, mtime, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (recording_id, path) DO UPDATE SET size = excluded.size, mtime = excluded.mtime,
                last_seen = excluded.last_seen
            """, arguments: [id, path, size, mtime.timeIntervalSince1970, t, t])
        return RecordingRow(id: id, path: row["path"], size: row["size"], mtime: Date(timeIntervalSince1970: row["mtime"]),
                            sha256: row["sha256"], isNew: isNew)
    }

    func recover(_ db: Database, where clause: String, _ arguments: StatementArguments, why: String,
                 countsAsAttempt: Bool, countsAsInterruption: Bool = false, now: Date) throws -> Int {
        let stuck = try Row.fetchAll(db, sql: "SELECT id, attempts, interruptions FROM jobs WHERE state = 'running' AND \(clause)",
                                     arguments: arguments)
        for row in stuck {
            let id: Int64 = row["id"]
            let attempts: Int = row["attempts"]
            let interruptions: Int = row["interruptions"] + (countsAsInterruption ? 1 : 0)
            if countsAsInterruption && interruptions >= Self.maxInterruptions {
                try db.execute(sql: """
                    UPDATE jobs SET state = 'failed', error = ?, finished_at = ?, lease_owner = NULL, lease_expires_at = NULL,
                        interruptions = ?
                    WHERE id = ?
                    """, arguments: ["the worker was killed during each of \(interruptions) analyses of this file "
                                     + "(by the kernel's out-of-memory killer?); `lessonlens jobs retry \(id)` tries again",
                                     now.timeIntervalSince1970, interruptions, id])
            } else if countsAsAttempt && attempts >= maxAttempts {
                try db.execute(sql: """
                    UPDATE jobs SET state = 'failed', error = ?, finished_at = ?, lease_owner = NULL, lease_expires_at = NULL
                    WHERE id = ?
                    """, arguments: ["\(why) on each of \(attempts) attempts; the file may crash the analyser",
                                     now.timeIntervalSince1970, id])
            } else {
                try db.execute(sql: """
                    UPDATE jobs SET state = 'queued', error = ?, lease_owner = NULL, lease_expires_at = NULL,
                        next_attempt_at = NULL, attempts = ?, interruptions = ?
                    WHERE id = ?
                    """, arguments: ["requeued: \(why)", countsAsAttempt ? attempts : max(0, attempts - 1), interruptions, id])
            }
        }
        return stuck.count
    }

    static func json(_ parameters: [String: ParameterValue]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(parameters) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    static func reason(_ error: any Error) -> String {
        if let e = error as? DatabaseError {
            return "\(e.message ?? "SQLite error") (SQLite code \(e.resultCode.rawValue))"
        }
        return "\(error)"
    }

    func write<T>(_ operation: String, _ body: (Database) throws -> T) throws -> T {
        do { return try pool.write(body) } catch let e as CatalogError { throw e } catch {
            throw CatalogError.database(path: path, operation: operation, reason: Self.reason(error))
        }
    }

    func read<T>(_ operation: String, _ body: (Database) throws -> T) throws -> T {
        do { return try pool.read(body) } catch let e as CatalogError { throw e } catch {
            throw CatalogError.database(path: path, operation: operation, reason: Self.reason(error))
        }
    }
}

extension ResultSummary {
    /// A result row's summary columns (`results` joined as `res`, the names `results(since:)` and the portal's
    /// lesson list select).
    init(row: Row) {
        self.init(durationSeconds: row["duration"], teacherRatio: row["teacher_ratio"],
                  studentRatio: row["student_ratio"], multiRatio: row["multi_ratio"],
                  silenceRatio: row["silence_ratio"], rt: row["rt"], ch: row["ch"], mode: row["mode"],
                  medianWaitSeconds: row["median_wait"], questionCount: row["question_count"],
                  turnExchanges: row["turn_exchanges"], findingsCount: row["findings_count"],
                  slideChanges: row["slide_changes"], microLessons: row["micro_lessons"],
                  language: row["language"], lessonTitle: row["lesson_title"], teacher: row["teacher"],
                  subject: row["subject"], school: row["school"], reportDir: row["report_dir"],
                  warnings: (row["warnings"] as String?).map { $0.split(separator: ",").map(String.init) })
    }
}
