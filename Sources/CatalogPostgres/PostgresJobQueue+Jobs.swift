public import Catalog
public import Foundation
import Logging
public import MediaCore
import PostgresNIO

/// The server's clock in seconds since 1970, as every time column holds it.
let nowSQL = "EXTRACT(EPOCH FROM clock_timestamp())::float8"

extension PostgresJobQueue {
    static let jobSelect = """
        SELECT jobs.id, jobs.recording_id, jobs.path, r.sha256, jobs.state, jobs.attempts, jobs.error, jobs.pipeline,
            jobs.parameters, jobs.created_at, jobs.started_at, jobs.finished_at, jobs.lease_owner, jobs.lease_expires_at,
            jobs.next_attempt_at, jobs.report_dir, jobs.duplicate_of, jobs.completed_by
        FROM jobs JOIN recordings r ON r.id = jobs.recording_id
        """

    static func rows(_ c: PostgresConnection, _ q: PostgresQuery, _ logger: Logger) async throws -> [PostgresRow] {
        var out: [PostgresRow] = []
        for try await row in try await c.query(q, logger: logger) { out.append(row) }
        return out
    }

    static func jobRow(_ row: PostgresRow) throws -> JobRow {
        let r = row.makeRandomAccess()
        func date(_ name: String) throws -> Date? { try r[name].decode(Double?.self).map { Date(timeIntervalSince1970: $0) } }
        return JobRow(id: try r["id"].decode(Int64.self), recordingID: try r["recording_id"].decode(Int64.self),
                      path: try r["path"].decode(String.self), sha256: try r["sha256"].decode(String.self),
                      state: JobState(rawValue: try r["state"].decode(String.self)) ?? .failed,
                      attempts: try r["attempts"].decode(Int.self), error: try r["error"].decode(String?.self),
                      pipeline: try r["pipeline"].decode(String.self), parametersJSON: try r["parameters"].decode(String.self),
                      createdAt: try date("created_at") ?? Date(timeIntervalSince1970: 0), startedAt: try date("started_at"),
                      finishedAt: try date("finished_at"), leaseOwner: try r["lease_owner"].decode(String?.self),
                      leaseExpiresAt: try date("lease_expires_at"), nextAttemptAt: try date("next_attempt_at"),
                      reportDir: try r["report_dir"].decode(String?.self), duplicateOf: try r["duplicate_of"].decode(Int64?.self),
                      completedBy: try r["completed_by"].decode(String?.self))
    }

    static func fetchJob(_ c: PostgresConnection, id: Int64, _ logger: Logger) async throws -> JobRow {
        guard let row = try await rows(c, "\(unescaped: jobSelect) WHERE jobs.id = \(id)", logger).first else {
            throw CatalogError.noSuchJob(id: id)
        }
        return try jobRow(row)
    }

    static func json(_ parameters: [String: ParameterValue]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(parameters) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    // MARK: - Recordings and enqueueing

    public func isKnown(path: String, size: Int64, mtime: Date) async throws -> Bool {
        let (logger, m) = (self.logger, mtime.timeIntervalSince1970)
        return try await call("look up '\(path)'") { c in
            try await !Self.rows(c, "SELECT 1 FROM recording_paths WHERE path = \(path) AND size = \(size) AND mtime = \(m) LIMIT 1",
                                 logger).isEmpty
        }
    }

    public func enqueue(path: String, sha256: String, size: Int64, mtime: Date, pipeline: String,
                        parameters: [String: ParameterValue]) async throws -> EnqueueOutcome {
        let (logger, m, parametersJSON) = (self.logger, mtime.timeIntervalSince1970, Self.json(parameters))
        return try await call("enqueue '\(path)'") { c in
            try await Self.transaction(c, logger: logger) { c in
                // Two ingesters seeing the same bytes queue them once: enqueues of one content take turns.
                try await c.query("SELECT pg_advisory_xact_lock(12, hashtext(\(sha256)))", logger: logger)
                let recordingID = try await Self.upsertRecording(c, path: path, size: size, mtime: m, sha256: sha256, logger)
                if let same = try await Self.rows(c, """
                    \(unescaped: Self.jobSelect) WHERE jobs.recording_id = \(recordingID) AND jobs.path = \(path)
                    ORDER BY jobs.id DESC LIMIT 1
                    """, logger).first {
                    return .alreadyKnown(try Self.jobRow(same))
                }
                if let liveRow = try await Self.rows(c, """
                    \(unescaped: Self.jobSelect) WHERE jobs.recording_id = \(recordingID)
                    AND jobs.state IN ('queued','running','done') LIMIT 1
                    """, logger).first {
                    let live = try Self.jobRow(liveRow)
                    let id = try await Self.rows(c, """
                        INSERT INTO jobs (recording_id, path, state, pipeline, parameters, created_at, finished_at, duplicate_of)
                        VALUES (\(recordingID), \(path), 'duplicate', \(pipeline), \(parametersJSON), \(unescaped: nowSQL),
                                \(unescaped: nowSQL), \(live.id)) RETURNING id
                        """, logger)[0].decode(Int64.self)
                    return .duplicate(recorded: try await Self.fetchJob(c, id: id, logger), original: live)
                }
                let id = try await Self.rows(c, """
                    INSERT INTO jobs (recording_id, path, state, pipeline, parameters, created_at)
                    VALUES (\(recordingID), \(path), 'queued', \(pipeline), \(parametersJSON), \(unescaped: nowSQL)) RETURNING id
                    """, logger)[0].decode(Int64.self)
                return .queued(try await Self.fetchJob(c, id: id, logger))
            }
        }
    }

    static func upsertRecording(_ c: PostgresConnection, path: String, size: Int64, mtime: Double, sha256: String,
                                _ logger: Logger) async throws -> Int64 {
        try await c.query("""
            INSERT INTO recordings (path, size, mtime, sha256, created_at) VALUES (\(path), \(size), \(mtime), \(sha256), \(unescaped: nowSQL))
            ON CONFLICT (sha256) DO NOTHING
            """, logger: logger)
        let id = try await rows(c, "SELECT id FROM recordings WHERE sha256 = \(sha256)", logger)[0].decode(Int64.self)
        try await c.query("""
            INSERT INTO recording_paths (recording_id, path, size, mtime, first_seen, last_seen)
            VALUES (\(id), \(path), \(size), \(mtime), \(unescaped: nowSQL), \(unescaped: nowSQL))
            ON CONFLICT (recording_id, path) DO UPDATE SET size = excluded.size, mtime = excluded.mtime, last_seen = excluded.last_seen
            """, logger: logger)
        return id
    }

    public func supersedeEarlierVersions(path: String, by jobID: Int64) async throws -> [JobRow] {
        let logger = self.logger
        return try await call("supersede earlier versions of '\(path)'") { c in
            try await Self.transaction(c, logger: logger) { c in
                let newer = try await Self.fetchJob(c, id: jobID, logger)
                let earlier = try await Self.rows(c, """
                    \(unescaped: Self.jobSelect) WHERE jobs.path = \(path) AND jobs.id < \(jobID)
                    AND jobs.recording_id <> \(newer.recordingID) AND jobs.state IN ('queued','done') ORDER BY jobs.id FOR UPDATE OF jobs
                    """, logger).map(Self.jobRow)
                let reason = "superseded: the file changed after this version was taken (job \(jobID) has the later version)"
                for job in earlier {
                    try await c.query("DELETE FROM results WHERE job_id = \(job.id)", logger: logger)
                    try await c.query("""
                        UPDATE jobs SET state = 'failed', error = \(reason), finished_at = \(unescaped: nowSQL), lease_owner = NULL,
                            lease_expires_at = NULL, next_attempt_at = NULL WHERE id = \(job.id)
                        """, logger: logger)
                }
                return earlier
            }
        }
    }

    public func hasDoneJob(reportDir: String) async throws -> Bool {
        let logger = self.logger
        return try await call("look up report '\(reportDir)'") { c in
            try await !Self.rows(c, "SELECT 1 FROM jobs WHERE state = 'done' AND report_dir = \(reportDir) LIMIT 1", logger).isEmpty
        }
    }

    // MARK: - Leases

    public func claimNextJob(worker: String, leaseSeconds: Double) async throws -> JobRow? {
        let logger = self.logger
        // Repeated after a broken connection: a claim that committed but whose reply was lost leaves a
        // running job nobody renews; its lease expires and it is requeued (one attempt, bounded by `maxAttempts`).
        return try await call("claim a job for '\(worker)'") { c in
            guard let row = try await Self.rows(c, """
                WITH next AS (
                    SELECT id FROM jobs WHERE state = 'queued' AND (next_attempt_at IS NULL OR next_attempt_at <= \(unescaped: nowSQL))
                    ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
                UPDATE jobs SET state = 'running', lease_owner = \(worker), lease_expires_at = \(unescaped: nowSQL) + \(leaseSeconds),
                    attempts = attempts + 1, started_at = \(unescaped: nowSQL), next_attempt_at = NULL
                FROM next WHERE jobs.id = next.id RETURNING jobs.id
                """, logger).first else { return nil }
            return try await Self.fetchJob(c, id: try row.decode(Int64.self), logger)
        }
    }

    public func heartbeat(jobID: Int64, worker: String, leaseSeconds: Double) async throws {
        let logger = self.logger
        let renewed = try await call("renew lease of job \(jobID)") { c in
            try await !Self.rows(c, """
                UPDATE jobs SET lease_expires_at = \(unescaped: nowSQL) + \(leaseSeconds)
                WHERE id = \(jobID) AND state = 'running' AND lease_owner = \(worker) RETURNING id
                """, logger).isEmpty
        }
        if !renewed { throw CatalogError.leaseLost(id: jobID, worker: worker) }
    }

    public func complete(jobID: Int64, worker: String, reportDir: String, summary s: ResultSummary) async throws -> CompletionOutcome {
        let logger = self.logger
        let warnings = (s.warnings ?? []).joined(separator: ",")
        // Safe to repeat after a broken connection: a commit whose reply was lost is found by `completed_by`.
        return try await call("complete job \(jobID)") { c in
            try await Self.transaction(c, logger: logger) { c in
                let took = try await Self.rows(c, """
                    UPDATE jobs SET state = 'done', finished_at = \(unescaped: nowSQL), report_dir = \(reportDir), error = NULL,
                        lease_owner = NULL, lease_expires_at = NULL, completed_by = \(worker)
                    WHERE id = \(jobID) AND state = 'running' AND lease_owner = \(worker) RETURNING id
                    """, logger)
                if took.isEmpty {
                    let job = try await Self.fetchJob(c, id: jobID, logger)
                    if job.state == .done, job.completedBy == worker { return .alreadyCompleted }
                    throw CatalogError.leaseLost(id: jobID, worker: worker)
                }
                try await c.query("""
                    INSERT INTO results (job_id, duration, teacher_ratio, student_ratio, multi_ratio, silence_ratio, rt, ch,
                        mode, median_wait, question_count, turn_exchanges, findings_count, slide_changes, micro_lessons,
                        language, lesson_title, teacher, subject, school, report_dir, created_at, warnings)
                    VALUES (\(jobID), \(s.durationSeconds), \(s.teacherRatio), \(s.studentRatio), \(s.multiRatio), \(s.silenceRatio),
                        \(s.rt), \(s.ch), \(s.mode), \(s.medianWaitSeconds), \(s.questionCount), \(s.turnExchanges),
                        \(s.findingsCount), \(s.slideChanges), \(s.microLessons), \(s.language), \(s.lessonTitle), \(s.teacher),
                        \(s.subject), \(s.school), \(reportDir), \(unescaped: nowSQL), \(warnings))
                    """, logger: logger)
                return .completed
            }
        }
    }

    public func fail(jobID: Int64, worker: String, error: String, transient: Bool, retryDelaySeconds: Double?) async throws -> JobState {
        let (logger, maxAttempts, base) = (self.logger, self.maxAttempts, self.retryBaseSeconds)
        return try await call("record failure of job \(jobID)") { c in
            try await Self.transaction(c, logger: logger) { c in
                guard let row = try await Self.rows(c, """
                    SELECT attempts FROM jobs WHERE id = \(jobID) AND state = 'running' AND lease_owner = \(worker) FOR UPDATE
                    """, logger).first else {
                    let job = try await Self.fetchJob(c, id: jobID, logger)
                    // Repeated after a lost reply: the first call already recorded it.
                    if job.leaseOwner == nil, job.error?.hasPrefix(error) == true, job.state == .queued || job.state == .failed {
                        return job.state
                    }
                    throw CatalogError.leaseLost(id: jobID, worker: worker)
                }
                let attempts = try row.decode(Int.self)
                if transient && attempts < maxAttempts {
                    let delay = retryDelaySeconds ?? Self.backoff(base: base, attempt: attempts)
                    try await c.query("""
                        UPDATE jobs SET state = 'queued', error = \(error), next_attempt_at = \(unescaped: nowSQL) + \(delay),
                            lease_owner = NULL, lease_expires_at = NULL WHERE id = \(jobID)
                        """, logger: logger)
                    return .queued
                }
                let reason = transient ? "\(error) (gave up after \(attempts) attempts)" : error
                try await c.query("""
                    UPDATE jobs SET state = 'failed', error = \(reason), finished_at = \(unescaped: nowSQL), lease_owner = NULL,
                        lease_expires_at = NULL WHERE id = \(jobID)
                    """, logger: logger)
                return .failed
            }
        }
    }

    /// `base` seconds doubling per attempt, capped at 1 h (as the SQLite catalog's `backoffSeconds`).
    static func backoff(base: Double, attempt: Int) -> Double {
        min(base * pow(2, Double(max(0, attempt - 1))), 3600)
    }

    public func release(jobID: Int64, worker: String) async throws -> Bool {
        let logger = self.logger
        let why = "requeued: worker '\(worker)' shut down"
        return try await call("release job \(jobID)") { c in
            try await !Self.rows(c, """
                UPDATE jobs SET state = 'queued', error = \(why), lease_owner = NULL, lease_expires_at = NULL,
                    next_attempt_at = NULL, attempts = GREATEST(attempts - 1, 0)
                WHERE id = \(jobID) AND state = 'running' AND lease_owner = \(worker) RETURNING id
                """, logger).isEmpty
        }
    }

    public func requeueExpiredLeases() async throws -> Int {
        let (logger, maxAttempts, base) = (self.logger, self.maxAttempts, self.retryBaseSeconds)
        return try await call("requeue expired leases") { c in
            // One statement: the rows it changes are locked by it, so two sweepers never requeue a job twice.
            try await Self.rows(c, """
                UPDATE jobs SET
                    state = CASE WHEN attempts >= \(maxAttempts) THEN 'failed' ELSE 'queued' END,
                    error = CASE WHEN attempts >= \(maxAttempts)
                        THEN 'its worker stopped renewing the lease on each of ' || attempts || ' attempts; the file may crash the analyser'
                        ELSE 'requeued: its worker stopped renewing the lease (' || COALESCE(lease_owner, '?') || ')' END,
                    finished_at = CASE WHEN attempts >= \(maxAttempts) THEN \(unescaped: nowSQL) ELSE NULL END,
                    next_attempt_at = CASE WHEN attempts >= \(maxAttempts) THEN NULL
                        ELSE \(unescaped: nowSQL) + LEAST(\(base) * power(2, GREATEST(attempts - 1, 0)), 3600) END,
                    lease_owner = NULL, lease_expires_at = NULL
                WHERE state = 'running' AND lease_expires_at < \(unescaped: nowSQL) RETURNING id
                """, logger).count
        }
    }

    public func retry(id: Int64) async throws -> JobRow {
        let logger = self.logger
        return try await call("retry job \(id)") { c in
            try await Self.transaction(c, logger: logger) { c in
                let job = try await Self.fetchJob(c, id: id, logger)
                guard job.state == .failed else { throw CatalogError.invalidTransition(id: id, from: job.state, operation: "retry") }
                if try await !Self.rows(c, """
                    SELECT 1 FROM jobs WHERE recording_id = \(job.recordingID) AND state IN ('queued','running','done') LIMIT 1
                    """, logger).isEmpty {
                    throw CatalogError.invalidTransition(id: id, from: job.state, operation: "retry (its content already has a live job)")
                }
                try await c.query("""
                    UPDATE jobs SET state = 'queued', attempts = 0, interruptions = 0, error = NULL, next_attempt_at = NULL,
                        finished_at = NULL WHERE id = \(id)
                    """, logger: logger)
                return try await Self.fetchJob(c, id: id, logger)
            }
        }
    }

    // MARK: - Queries

    public func jobs(state: JobState?, limit: Int?) async throws -> [JobRow] {
        let logger = self.logger
        return try await call("list jobs") { c in
            var q: PostgresQuery = "\(unescaped: Self.jobSelect)"
            if let state { q = "\(unescaped: Self.jobSelect) WHERE jobs.state = \(state.rawValue)" }
            q.sql += " ORDER BY jobs.id"
            if let limit { q.sql += " LIMIT \(max(1, limit))" }
            return try await Self.rows(c, q, logger).map(Self.jobRow)
        }
    }

    public func job(id: Int64) async throws -> JobRow {
        let logger = self.logger
        return try await call("read job \(id)") { c in try await Self.fetchJob(c, id: id, logger) }
    }

    public func counts() async throws -> [JobState: Int] {
        let logger = self.logger
        return try await call("count jobs") { c in
            var out: [JobState: Int] = [:]
            for row in try await Self.rows(c, "SELECT state, COUNT(*) FROM jobs GROUP BY state", logger) {
                let (state, n) = try row.decode((String, Int).self)
                if let s = JobState(rawValue: state) { out[s] = n }
            }
            return out
        }
    }

    public func results(since: Date?) async throws -> [ResultRow] {
        let logger = self.logger
        let t = since?.timeIntervalSince1970 ?? -Double.greatestFiniteMagnitude
        return try await call("list results") { c in
            try await Self.rows(c, """
                SELECT res.*, j.path AS job_path, r.sha256 AS sha256, j.pipeline AS pipeline
                FROM results res JOIN jobs j ON j.id = res.job_id JOIN recordings r ON r.id = j.recording_id
                WHERE res.created_at >= \(t) ORDER BY res.created_at, res.job_id
                """, logger).map { row in
                let r = row.makeRandomAccess()
                func v<T: PostgresDecodable>(_ name: String, _: T.Type = T.self) throws -> T { try r[name].decode(T.self) }
                return ResultRow(
                    jobID: try v("job_id"), path: try v("job_path"), sha256: try v("sha256"), pipeline: try v("pipeline"),
                    createdAt: Date(timeIntervalSince1970: try v("created_at")), summary: try Self.resultSummary(r))
            }
        }
    }
}
