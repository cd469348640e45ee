import Catalog
import Foundation
import MediaCore
@testable import Pipeline
import TestSupport
import Testing

/// A queue whose `complete` commits and then loses its reply (the network cut just after the server's
/// COMMIT), and whose reads can be made to fail as well (the catalog unreachable for longer).
struct LostCommitReplyQueue: JobQueue {
    let inner: SQLiteJobQueue
    let readsFail: Bool
    var location: String { inner.location }
    var maxAttempts: Int { inner.maxAttempts }
    struct Unreachable: Error {}
    func isKnown(path: String, size: Int64, mtime: Date) async throws -> Bool { try await inner.isKnown(path: path, size: size, mtime: mtime) }
    func enqueue(path: String, sha256: String, size: Int64, mtime: Date, pipeline: String,
                 parameters: [String: ParameterValue]) async throws -> EnqueueOutcome {
        try await inner.enqueue(path: path, sha256: sha256, size: size, mtime: mtime, pipeline: pipeline, parameters: parameters)
    }
    func supersedeEarlierVersions(path: String, by jobID: Int64) async throws -> [JobRow] { try await inner.supersedeEarlierVersions(path: path, by: jobID) }
    func hasDoneJob(reportDir: String) async throws -> Bool { try await inner.hasDoneJob(reportDir: reportDir) }
    func claimNextJob(worker: String, leaseSeconds: Double) async throws -> JobRow? { try await inner.claimNextJob(worker: worker, leaseSeconds: leaseSeconds) }
    func heartbeat(jobID: Int64, worker: String, leaseSeconds: Double) async throws { try await inner.heartbeat(jobID: jobID, worker: worker, leaseSeconds: leaseSeconds) }
    func complete(jobID: Int64, worker: String, reportDir: String, summary: ResultSummary) async throws -> CompletionOutcome {
        _ = try await inner.complete(jobID: jobID, worker: worker, reportDir: reportDir, summary: summary)
        throw CatalogError.database(path: location, operation: "complete", reason: "no answer within the call deadline")
    }
    func fail(jobID: Int64, worker: String, error: String, transient: Bool, retryDelaySeconds: Double?) async throws -> JobState {
        if readsFail { throw Unreachable() }
        return try await inner.fail(jobID: jobID, worker: worker, error: error, transient: transient, retryDelaySeconds: retryDelaySeconds)
    }
    func release(jobID: Int64, worker: String) async throws -> Bool { try await inner.release(jobID: jobID, worker: worker) }
    func requeueExpiredLeases() async throws -> Int { try await inner.requeueExpiredLeases() }
    func retry(id: Int64) async throws -> JobRow { try await inner.retry(id: id) }
    func jobs(state: JobState?, limit: Int?) async throws -> [JobRow] { try await inner.jobs(state: state, limit: limit) }
    func job(id: Int64) async throws -> JobRow {
        if readsFail { throw Unreachable() }
        return try await inner.job(id: id)
    }
    func counts() async throws -> [JobState: Int] { try await inner.counts() }
    func results(since: Date?) async throws -> [ResultRow] { try await inner.results(since: since) }
    func close() async { await inner.close() }
}

/// issue 12: a commit whose reply is lost. Before, the worker deleted its staged report whatever the
/// outcome, so a job the server had committed was left done without a report folder.
@Suite struct LostCommitReplyTests {
    func run(readsFail: Bool) async throws -> (summary: String, out: String, dir: TempFolder, store: CatalogStore) {
        let dir = try TempFolder("lost-reply")
        let store = try CatalogStore(path: dir.path("catalog.sqlite"))
        let inner = SQLiteJobQueue(store: store)
        let rec = dir.path("a.mp4")
        try Data("a recording".utf8).write(to: URL(fileURLWithPath: rec))
        _ = try await inner.enqueue(path: rec, sha256: String(repeating: "ab", count: 32), size: 11, mtime: Date(), pipeline: "quick", parameters: [:])
        let out = dir.path("out")
        var opts = QueueWorkerOptions(outDir: out, config: try PipelineConfig.builtin(name: "quick"))
        opts.exitWhenIdle = true
        opts.stubSleepMilliseconds = 0
        opts.metricsIntervalSeconds = 0
        opts.leaseSeconds = 60
        let summary = await QueueWorker(queue: LostCommitReplyQueue(inner: inner, readsFail: readsFail), options: opts).run()
        return (summary, out, dir, store)
    }

    func entries(_ out: String) -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []).sorted() }

    @Test("the job's row shows the commit went through: the report is published and the job counted done")
    func replyLostCommitDone() async throws {
        let r = try await run(readsFail: false)
        defer { r.dir.remove() }
        let job = try #require(try r.store.jobs(state: .done).first)
        #expect(r.summary.hasPrefix("1 done"), "\(r.summary)")
        #expect(FileManager.default.fileExists(atPath: job.reportDir! + "/report.json"))
        #expect(!entries(r.out).contains { $0.contains(".partial-job") }, "\(entries(r.out))")
    }

    @Test("the catalog stays unreachable: the staged report is kept for recovery, nothing published, no failure recorded")
    func replyLostCatalogGone() async throws {
        let r = try await run(readsFail: true)
        defer { r.dir.remove() }
        let job = try #require(try r.store.jobs(state: .done).first)
        #expect(!FileManager.default.fileExists(atPath: job.reportDir!))
        #expect(entries(r.out).contains { $0.contains(".partial-job\(job.id)-") }, "\(entries(r.out))")
        #expect(r.summary.contains("1 abandoned"), "\(r.summary)")
    }
}
