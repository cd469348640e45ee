import Catalog
import CatalogPostgres
import Foundation
import MediaCore
import Pipeline
import Testing
import TestSupport

/// One server for the suite; each test gets its own database.
/// The server is stopped and its folder removed when the test process exits.
let sharedCluster: Result<PostgresCluster, any Error> = Result {
    let cluster = try PostgresCluster()
    atexit { if case .success(let c) = sharedCluster { c.remove() } }
    return cluster
}

func summary(_ dir: String) -> ResultSummary {
    ResultSummary(durationSeconds: 60, teacherRatio: 0.5, studentRatio: 0.3, multiRatio: 0.1, silenceRatio: 0.1, rt: 0.6,
                  ch: 0.2, mode: "mixed", medianWaitSeconds: 2, questionCount: 3, turnExchanges: 4, findingsCount: 1,
                  slideChanges: 2, microLessons: 1, language: "en", reportDir: dir, warnings: [])
}

func sha(_ n: Int) -> String { String(repeating: String(format: "%02x", n % 256), count: 32) }

enum Backend: String, CaseIterable, CustomTestStringConvertible {
    case sqlite, postgres
    var testDescription: String { rawValue }

    func open(retryBase: Double = 30) async throws -> (any JobQueue, cleanup: () -> Void) {
        switch self {
        case .sqlite:
            let dir = try TempFolder("queue")
            let store = try CatalogStore(path: dir.path("catalog.sqlite"))
            return (SQLiteJobQueue(store: store, retryBaseSeconds: retryBase), { dir.remove() })
        case .postgres:
            let url = try sharedCluster.get().createDatabase("q")
            return (try await PostgresJobQueue(url: url, retryBaseSeconds: retryBase), {})
        }
    }
}

@Suite("JobQueue on SQLite and PostgreSQL", .serialized)
struct JobQueueTests {
    @Test("enqueue: one live job per content, same path known, other path duplicate", arguments: Backend.allCases)
    func enqueueDuplicates(backend: Backend) async throws {
        let (q, cleanup) = try await backend.open()
        defer { cleanup() }
        let t = Date(timeIntervalSince1970: 1_700_000_000)
        let first = try await q.enqueue(path: "/r/a.mp4", sha256: sha(1), size: 10, mtime: t, pipeline: "standard", parameters: [:])
        guard case .queued(let job) = first else { Issue.record("expected queued, got \(first)"); return }
        #expect(try await q.isKnown(path: "/r/a.mp4", size: 10, mtime: t))
        #expect(try await !q.isKnown(path: "/r/a.mp4", size: 11, mtime: t))
        let again = try await q.enqueue(path: "/r/a.mp4", sha256: sha(1), size: 10, mtime: t, pipeline: "standard", parameters: [:])
        #expect(again == .alreadyKnown(job))
        let copy = try await q.enqueue(path: "/r/copy.mp4", sha256: sha(1), size: 10, mtime: t, pipeline: "standard", parameters: [:])
        guard case .duplicate(let dup, let original) = copy else { Issue.record("expected duplicate, got \(copy)"); return }
        #expect(original.id == job.id)
        #expect(dup.state == .duplicate && dup.duplicateOf == job.id)
        #expect(try await q.counts() == [.queued: 1, .duplicate: 1])
        await q.close()
    }

    @Test("claim, heartbeat, complete once; a lost lease can neither renew nor complete", arguments: Backend.allCases)
    func leaseLifecycle(backend: Backend) async throws {
        let (q, cleanup) = try await backend.open()
        defer { cleanup() }
        _ = try await q.enqueue(path: "/r/b.mp4", sha256: sha(2), size: 10, mtime: Date(), pipeline: "standard", parameters: [:])
        let job = try #require(try await q.claimNextJob(worker: "hostA:1:x:w0", leaseSeconds: 30))
        #expect(job.state == .running && job.attempts == 1 && job.host == "hostA")
        #expect(try await q.claimNextJob(worker: "hostB:1:x:w0", leaseSeconds: 30) == nil)
        try await q.heartbeat(jobID: job.id, worker: "hostA:1:x:w0", leaseSeconds: 30)
        await #expect(throws: CatalogError.leaseLost(id: job.id, worker: "hostB:1:x:w0")) {
            try await q.heartbeat(jobID: job.id, worker: "hostB:1:x:w0", leaseSeconds: 30)
        }
        await #expect(throws: CatalogError.leaseLost(id: job.id, worker: "hostB:1:x:w0")) {
            try await q.complete(jobID: job.id, worker: "hostB:1:x:w0", reportDir: "/o/b", summary: summary("/o/b"))
        }
        #expect(try await q.complete(jobID: job.id, worker: "hostA:1:x:w0", reportDir: "/o/b", summary: summary("/o/b")) == .completed)
        // Repeated (the first reply lost): answered, nothing written twice.
        #expect(try await q.complete(jobID: job.id, worker: "hostA:1:x:w0", reportDir: "/o/b", summary: summary("/o/b")) == .alreadyCompleted)
        let done = try await q.job(id: job.id)
        #expect(done.state == .done && done.completedBy == "hostA:1:x:w0" && done.host == "hostA")
        let results = try await q.results(since: nil)
        #expect(results.count == 1 && results.first?.jobID == job.id && results.first?.summary == summary("/o/b"))
        #expect(try await q.hasDoneJob(reportDir: "/o/b"))
        await q.close()
    }

    @Test("an expired lease is requeued with its attempt counted, then failed after maxAttempts", arguments: Backend.allCases)
    func expiredLeases(backend: Backend) async throws {
        let (q, cleanup) = try await backend.open(retryBase: 0)
        defer { cleanup() }
        _ = try await q.enqueue(path: "/r/c.mp4", sha256: sha(3), size: 10, mtime: Date(), pipeline: "standard", parameters: [:])
        for attempt in 1...q.maxAttempts {
            let job = try #require(try await q.claimNextJob(worker: "dead:\(attempt):x:w0", leaseSeconds: 0.05))
            #expect(job.attempts == attempt)
            try await Task.sleep(for: .milliseconds(120))
            #expect(try await q.requeueExpiredLeases() == 1)
            // The worker that lost it cannot complete it.
            await #expect(throws: CatalogError.self) {
                try await q.complete(jobID: job.id, worker: "dead:\(attempt):x:w0", reportDir: "/o/c", summary: summary("/o/c"))
            }
        }
        let jobs = try await q.jobs(state: nil, limit: nil)
        #expect(jobs.count == 1 && jobs[0].state == .failed)
        #expect(try await q.results(since: nil).isEmpty)
        await q.close()
    }

    @Test("fail: transient retried after its backoff, permanent failed; release gives the attempt back", arguments: Backend.allCases)
    func failAndRelease(backend: Backend) async throws {
        let (q, cleanup) = try await backend.open()
        defer { cleanup() }
        _ = try await q.enqueue(path: "/r/d.mp4", sha256: sha(4), size: 10, mtime: Date(), pipeline: "standard", parameters: [:])
        let job = try #require(try await q.claimNextJob(worker: "h:1:x:w0", leaseSeconds: 30))
        #expect(try await q.fail(jobID: job.id, worker: "h:1:x:w0", error: "cannot read", transient: true, retryDelaySeconds: 0.3) == .queued)
        #expect(try await q.claimNextJob(worker: "h:1:x:w0", leaseSeconds: 30) == nil)   // backing off
        try await Task.sleep(for: .milliseconds(400))
        let again = try #require(try await q.claimNextJob(worker: "h2:1:x:w0", leaseSeconds: 30))
        #expect(again.id == job.id && again.attempts == 2)
        #expect(try await q.release(jobID: job.id, worker: "h2:1:x:w0"))
        let third = try #require(try await q.claimNextJob(worker: "h3:1:x:w0", leaseSeconds: 30))
        #expect(third.attempts == 2)
        #expect(try await q.fail(jobID: job.id, worker: "h3:1:x:w0", error: "bad media", transient: false, retryDelaySeconds: nil) == .failed)
        #expect(try await q.job(id: job.id).state == .failed)
        #expect(try await q.retry(id: job.id).state == .queued)
        await q.close()
    }

    @Test("concurrent claimers never take the same job", arguments: Backend.allCases)
    func concurrentClaims(backend: Backend) async throws {
        let (q, cleanup) = try await backend.open()
        defer { cleanup() }
        for i in 0..<60 {
            _ = try await q.enqueue(path: "/r/\(i).mp4", sha256: sha(100 + i) + "", size: 10, mtime: Date(), pipeline: "standard", parameters: [:])
        }
        let claimed = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for w in 0..<6 {
                group.addTask {
                    var mine: [Int64] = []
                    while let job = try await q.claimNextJob(worker: "h:\(w):x:w0", leaseSeconds: 30) {
                        _ = try await q.complete(jobID: job.id, worker: "h:\(w):x:w0", reportDir: "/o/\(job.id)", summary: summary("/o/\(job.id)"))
                        mine.append(job.id)
                    }
                    return mine
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(claimed.count == 60 && Set(claimed).count == 60)
        #expect(try await q.results(since: nil).count == 60)
        await q.close()
    }
}

@Suite("PostgreSQL queue: migrations, concurrency, reconnects", .serialized)
struct PostgresQueueTests {
    @Test("the migrations have the SQLite catalog's names and run once under concurrent starters")
    func migrations() async throws {
        let url = try sharedCluster.get().createDatabase("m")
        let queues = try await withThrowingTaskGroup(of: PostgresJobQueue.self) { group in
            for _ in 0..<4 { group.addTask { try await PostgresJobQueue(url: url) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(PostgresJobQueue.migrationNames == ["v1-recordings-jobs-results", "v2-results-warnings", "v3-jobs-interruptions",
                                                    "v4-attribution-accounts", "v5-jobs-completed-by", "v6-jobs-grade"])
        #expect(PostgresJobQueue.migrationNames == CatalogStore.migrationNames)
        #expect(try await queues[0].appliedMigrations() == PostgresJobQueue.migrationNames)
        for q in queues { await q.close() }
    }

    @Test("two ingesters enqueue the same file at once: one job")
    func twoIngesters() async throws {
        let url = try sharedCluster.get().createDatabase("i")
        let a = try await PostgresJobQueue(url: url), b = try await PostgresJobQueue(url: url)
        let outcomes = try await withThrowingTaskGroup(of: EnqueueOutcome.self) { group in
            for q in [a, b, a, b] {
                group.addTask { try await q.enqueue(path: "/r/same.mp4", sha256: sha(7), size: 5, mtime: Date(timeIntervalSince1970: 5),
                                                    pipeline: "standard", parameters: [:]) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.filter { if case .queued = $0 { return true } else { return false } }.count == 1)
        #expect(try await a.counts() == [.queued: 1])
        await a.close(); await b.close()
    }

    @Test("a terminated connection and a server restart: the next calls reconnect")
    func reconnects() async throws {
        // A cluster of its own: its restart must not break the other suites' connections.
        let cluster = try PostgresCluster()
        defer { cluster.remove() }
        let url = try cluster.createDatabase("r")
        let q = try await PostgresJobQueue(url: url)
        _ = try await q.enqueue(path: "/r/e.mp4", sha256: sha(8), size: 5, mtime: Date(), pipeline: "standard", parameters: [:])
        let db = String(url.split(separator: "/").last!)
        try cluster.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(db)'")
        let job = try #require(try await q.claimNextJob(worker: "h:1:x:w0", leaseSeconds: 30))
        try cluster.stop(mode: "fast")
        try cluster.start()
        let started = Date()
        try await q.heartbeat(jobID: job.id, worker: "h:1:x:w0", leaseSeconds: 30)
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(try await q.complete(jobID: job.id, worker: "h:1:x:w0", reportDir: "/o/e", summary: summary("/o/e")) == .completed)
        await q.close()
    }
}
