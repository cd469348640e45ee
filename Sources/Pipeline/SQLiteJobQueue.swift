public import Catalog
public import Foundation
public import MediaCore

/// The embedded SQLite catalog (`CatalogStore`) as a `JobQueue`: each call is the store's own
/// synchronous method (no behaviour change), run on the catalog's threads (`AsyncCatalog`) so it never
/// blocks a cooperative thread.
public struct SQLiteJobQueue: JobQueue {
    let catalog: AsyncCatalog
    /// First retry delay of a transient failure, doubled per attempt (nil: the store's 30 s backoff).
    let retryBaseSeconds: Double?

    public init(store: CatalogStore, retryBaseSeconds: Double? = nil) {
        catalog = AsyncCatalog(store: store)
        self.retryBaseSeconds = retryBaseSeconds
    }

    public var location: String { catalog.store.path }
    public var maxAttempts: Int { catalog.store.maxAttempts }

    public func isKnown(path: String, size: Int64, mtime: Date) async throws -> Bool {
        try await catalog { try $0.isKnown(path: path, size: size, mtime: mtime) }
    }

    public func enqueue(path: String, sha256: String, size: Int64, mtime: Date, pipeline: String,
                        parameters: [String: ParameterValue]) async throws -> EnqueueOutcome {
        try await catalog { try $0.enqueue(path: path, sha256: sha256, size: size, mtime: mtime, pipeline: pipeline, parameters: parameters) }
    }

    public func supersedeEarlierVersions(path: String, by jobID: Int64) async throws -> [JobRow] {
        try await catalog { try $0.supersedeEarlierVersions(path: path, by: jobID) }
    }

    public func hasDoneJob(reportDir: String) async throws -> Bool {
        try await catalog { try $0.hasDoneJob(reportDir: reportDir) }
    }

    public func claimNextJob(worker: String, leaseSeconds: Double) async throws -> JobRow? {
        try await catalog { try $0.claimNextJob(worker: worker, leaseSeconds: leaseSeconds) }
    }

    public func heartbeat(jobID: Int64, worker: String, leaseSeconds: Double) async throws {
        try await catalog { try $0.heartbeat(jobID: jobID, worker: worker, leaseSeconds: leaseSeconds) }
    }

    public func complete(jobID: Int64, worker: String, reportDir: String, summary: ResultSummary) async throws -> CompletionOutcome {
        try await catalog { try $0.completeOnce(jobID: jobID, worker: worker, reportDir: reportDir, summary: summary) }
    }

    public func fail(jobID: Int64, worker: String, error: String, transient: Bool, retryDelaySeconds: Double?) async throws -> JobState {
        let base = retryBaseSeconds
        return try await catalog { store in
            let attempts = try store.job(id: jobID).attempts
            let delay = retryDelaySeconds ?? base.map { min($0 * pow(2, Double(max(0, attempts - 1))), 3600) }
            return try store.fail(jobID: jobID, worker: worker, error: error, transient: transient,
                                  retryAt: delay.map { Date().addingTimeInterval($0) })
        }
    }

    public func release(jobID: Int64, worker: String) async throws -> Bool {
        try await catalog { try $0.release(jobID: jobID, worker: worker) }
    }

    public func requeueExpiredLeases() async throws -> Int {
        try await catalog { try $0.requeueExpiredLeases() }
    }

    public func retry(id: Int64) async throws -> JobRow {
        try await catalog { try $0.retry(id: id) }
    }

    public func jobs(state: JobState?, limit: Int?) async throws -> [JobRow] {
        try await catalog { try $0.jobs(state: state, limit: limit) }
    }

    public func job(id: Int64) async throws -> JobRow {
        try await catalog { try $0.job(id: id) }
    }

    public func counts() async throws -> [JobState: Int] {
        try await catalog { try $0.counts() }
    }

    public func results(since: Date?) async throws -> [ResultRow] {
        try await catalog { try $0.results(since: since) }
    }

    public func close() async { catalog.shutdown() }
}
