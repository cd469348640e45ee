public import Foundation
public import MediaCore

/// The job queue as the ingesters and the workers use it (issue 12), one API over two backends: the
/// embedded SQLite catalog (`CatalogStore`, wrapped by `Pipeline`'s SQLite queue) and the PostgreSQL
/// catalog many worker hosts share (`CatalogPostgres.PostgresJobQueue`). Both keep the same named,
/// append-only migrations and the same constraints: one live job per content hash, terminal states,
/// a result exactly once per job.
///
/// Lease protocol: `claimNextJob` marks a queued job `running` under a worker name and a lease;
/// `heartbeat` renews it and throws `CatalogError.leaseLost` once the worker no longer holds it (the
/// worker must then stop the work it guards); `complete` stores the result only under the lease and is
/// idempotent for the worker that committed it (a reply lost with a dropped connection is answered
/// `.alreadyCompleted` when the call is repeated); `fail` counts the attempt and backs off;
/// `requeueExpiredLeases` puts the jobs of dead workers back (bounded by `maxAttempts`).
public protocol JobQueue: Sendable {
    /// Where the queue lives, for messages (a file path or `postgres://user@host:port/db`, no password).
    var location: String { get }
    /// Claims a job may get before a transient failure (or its worker dying) fails it for good.
    var maxAttempts: Int { get }

    /// Whether this exact path, size and modification time was already enqueued.
    func isKnown(path: String, size: Int64, mtime: Date) async throws -> Bool
    /// Records the file and queues a job unless its bytes are already live (then a `duplicate` row) or
    /// this path already has a job with this content (`alreadyKnown`).
    func enqueue(path: String, sha256: String, size: Int64, mtime: Date, pipeline: String,
                 parameters: [String: ParameterValue]) async throws -> EnqueueOutcome
    /// Earlier versions of the file at `path` (queued or done) become `failed` "superseded"; returns them.
    func supersedeEarlierVersions(path: String, by jobID: Int64) async throws -> [JobRow]
    /// Whether some `done` job's report is the folder `reportDir`.
    func hasDoneJob(reportDir: String) async throws -> Bool

    /// Takes the oldest claimable queued job under `worker` with a lease of `leaseSeconds`; nil if none.
    func claimNextJob(worker: String, leaseSeconds: Double) async throws -> JobRow?
    /// Renews the lease; throws `CatalogError.leaseLost` when `worker` no longer holds the job.
    func heartbeat(jobID: Int64, worker: String, leaseSeconds: Double) async throws
    /// Marks the job `done` with its result row, once. Throws `CatalogError.leaseLost` (writing nothing)
    /// when `worker` does not hold the job and did not complete it before.
    func complete(jobID: Int64, worker: String, reportDir: String, summary: ResultSummary) async throws -> CompletionOutcome
    /// Records a failed attempt: transient ones go back to `queued` after `retryDelaySeconds` (nil: the
    /// backend's exponential backoff) until `maxAttempts`; returns the new state.
    func fail(jobID: Int64, worker: String, error: String, transient: Bool, retryDelaySeconds: Double?) async throws -> JobState
    /// Gives a running job back untouched (clean shutdown): `queued`, the attempt given back.
    func release(jobID: Int64, worker: String) async throws -> Bool
    /// Running jobs whose lease ran out go back to `queued` (or `failed` after `maxAttempts`). Returns how many.
    func requeueExpiredLeases() async throws -> Int
    /// Moves a `failed` job back to `queued` with a fresh attempt count.
    func retry(id: Int64) async throws -> JobRow

    /// Jobs, oldest first, optionally of one state.
    func jobs(state: JobState?, limit: Int?) async throws -> [JobRow]
    /// One job; throws `CatalogError.noSuchJob`.
    func job(id: Int64) async throws -> JobRow
    /// Jobs per state (states with none absent).
    func counts() async throws -> [JobState: Int]
    /// Result rows, oldest first, optionally created at or after `since`.
    func results(since: Date?) async throws -> [ResultRow]
    /// Closes connections; the queue is not used afterwards.
    func close() async
}

/// What `JobQueue.complete` did.
public enum CompletionOutcome: Sendable, Equatable {
    /// This call committed the result.
    case completed
    /// The same worker had committed it already (the first reply was lost): nothing written again.
    case alreadyCompleted
}

extension JobRow {
    /// The host of the worker holding the job (`host:pid:token:wN` lease owners), or that completed it.
    public var host: String? {
        guard let owner = leaseOwner ?? completedBy else { return nil }
        return owner.split(separator: ":", maxSplits: 1).first.map(String.init)
    }
}
