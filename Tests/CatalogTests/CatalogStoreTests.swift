import Foundation
import MediaCore
import Testing
@testable import Catalog

/// A fresh catalog in its own temp folder.
func makeStore(maxAttempts: Int = 3) throws -> (CatalogStore, URL) {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("catalog-\(UUID().uuidString)")
    let store = try CatalogStore(path: dir.appendingPathComponent("sub/catalog.sqlite").path, maxAttempts: maxAttempts)
    return (store, dir)
}

func sha(_ n: Int) -> String { SHA256.hexDigest(of: Array("content \(n)".utf8)) }

let t0 = Date(timeIntervalSince1970: 1_800_000_000)

func summary(_ dir: String) -> ResultSummary {
    ResultSummary(durationSeconds: 60, teacherRatio: 0.5, studentRatio: 0.3, multiRatio: 0.1, silenceRatio: 0.2,
                  rt: 0.6, ch: 0.3, mode: "mixed", medianWaitSeconds: nil, questionCount: 2, turnExchanges: 3,
                  findingsCount: 1, slideChanges: 4, microLessons: 2, language: "zh", lessonTitle: "光合作用",
                  reportDir: dir)
}

@discardableResult
func enqueue(_ store: CatalogStore, _ path: String, _ n: Int, at: Date = t0) throws -> EnqueueOutcome {
    try store.enqueue(path: path, sha256: sha(n), size: Int64(n), mtime: t0, pipeline: "standard",
                      parameters: ["st.intervalSeconds": .number(30)], now: at)
}

@Suite struct CatalogStoreTests {
    @Test func reopenKeepsDataAndMigrationsAreIdempotent() throws {
        let (store, dir) = try makeStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        try enqueue(store, "/in/a.mp4", 1)
        let again = try CatalogStore(path: store.path)
        #expect(try again.jobs().count == 1)
        #expect(try again.jobs()[0].parametersJSON == #"{"st.intervalSeconds":30}"#)
    }

    @Test func happyPathStateMachine() throws {
        let (store, dir) = try makeStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        let job = try enqueue(store, "/in/a.mp4", 1).job
        #expect(job.state == .queued && job.attempts == 0)
        let claimed = try #require(try store.claimNextJob(worker: "w1", leaseSeconds: 60, now: t0))
        #expect(claimed.id == job.id && claimed.state == .running && claimed.attempts == 1 && claimed.leaseOwner == "w1")
        #expect(try store.claimNextJob(worker: "w2", leaseSeconds: 60, now: t0) == nil)
        try store.heartbeat(jobID: job.id, worker: "w1", leaseSeconds: 60, now: t0.addingTimeInterval(30))
        #expect(try store.job(id: job.id).leaseExpiresAt == t0.addingTimeInterval(90))
        #expect(throws: CatalogError.leaseLost(id: job.id, worker: "w2")) {
            try store.heartbeat(jobID: job.id, worker: "w2", leaseSeconds: 60)
        }
        try store.complete(jobID: job.id, worker: "w1", reportDir: "/out/x", summary: summary("/out/x"), now: t0)
        let done = try store.job(id: job.id)
        #expect(done.state == .done && done.reportDir == "/out/x" && done.leaseOwner == nil)
        let results = try store.results()
        #expect(results.count == 1 && results[0].summary.lessonTitle == "光合作用" && results[0].sha256 == sha(1))
        #expect(results[0].summary == summary("/out/x"))
        // Completing twice is refused and writes no second result.
        #expect(throws: CatalogError.self) {
            try store.complete(jobID: job.id, worker: "w1", reportDir: "/out/x", summary: summary("/out/x"))
        }
        #expect(try store.results().count == 1)
        #expect(try store.results(since: t0.addingTimeInterval(1)).isEmpty)
    }

    @Test func claimsAreOldestFirstAndExclusive() throws {
        let (store, dir) = try makeStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        for n in 1...5 { try enqueue(store, "/in/\(n).mp4", n) }
        var seen: [Int64] = []
        while let j = try store.claimNextJob(worker: "w\(seen.count % 2)", leaseSeconds: 60, now: t0) { seen.append(j.id) }
        #expect(seen == seen.sorted() && Set(seen).count == 5)
    }

    @Test func concurrentClaimersNeverShareAJob() async throws {
        let (store, dir) = try makeStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        for n in 1...60 { try enqueue(store, "/in/\(n).mp4", n) }
        let claimed = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for w in 0..<4 {
                group.addTask {
                    var mine: [Int64] = []
                    while let j = try store.claimNextJob(worker: "w\(w)", leaseSeconds: 60) { mine.append(j.id) }
                    return mine
                }
            }
            var all: [Int64] = []
            for try await ids in group { all += ids }
            return all
        }
        #expect(claimed.count == 60 && Set(claimed).count == 60)
    }

    @Test func duplicatesAndAlreadyKnownPaths() throws {
        let (store, dir) = try makeStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        guard case .queued(let original) = try enqueue(store, "/in/a.mp4", 1) else { Issue.record("not queued"); return }
        // Same bytes under another name: a terminal duplicate row pointing at the original.
        guard case .duplicate(let dup, let orig) = try enqueue(store, "/in/copy of a.mp4", 1) else {
            Issue.record("not duplicate"); return
        }
        #expect(orig.id == original.id && dup.state == .duplicate && dup.duplicateOf == original.id)
        // The same path seen again (rescan, restart): nothing new.
        #expect(try enqueue(store, "/in/a.mp4", 1) == .alreadyKnown(original))
        #expect(try enqueue(store, "/in/copy of a.mp4", 1) == .alreadyKnown(dup))
        #expect(try store.isKnown(path: "/in/a.mp4", size: 1, mtime: t0))
        #expect(try !store.isKnown(path: "/in/a.mp4", size: 2, mtime: t0))
        // Same path, new content (re-recorded): a new job.
        guard case .queued = try enqueue(store, "/in/a.mp4", 2) else { Issue.record("new content not queued"); return }
        #expect(try store.jobs().count == 3)
        #expect(try store.counts() == [.queued: 2, .duplicate: 1])
        // Duplicate of something already done is still a duplicate.
        let j = try #require(try store.claimNextJob(worker: "w", leaseSeconds: 60, now: t0))
        try store.complete(jobID: j.id, worker: "w", reportDir: "/r", summary: summary("/r"))
        guard case .duplicate = try enqueue(store, "/elsewhere/a.mp4", 1) else { Issue.record("not duplicate"); return }
    }

    @Test func transientFailuresRetryWithBackoffThenFail() throws {
        let (store, dir) = try makeStore(maxAttempts: 3)
        defer { try? FileManager.default.removeItem(at: dir) }
        let id = try enqueue(store, "/in/a.mp4", 1).job.id
        var now = t0
        for attempt in 1...3 {
            let j = try #require(try store.claimNextJob(worker: "w", leaseSeconds: 60, now: now))
            #expect(j.attempts == attempt)
            let state = try store.fail(jobID: id, worker: "w", error: "EIO reading", transient: true, now: now)
            if attempt < 3 {
                #expect(state == .queued)
                let wait = CatalogStore.backoffSeconds(attempt: attempt)
                // Not claimable before the backoff time, claimable at it.
                #expect(try store.claimNextJob(worker: "w", leaseSeconds: 60, now: now.addingTimeInterval(wait - 1)) == nil)
                #expect(try store.nextRetryTime() == now.addingTimeInterval(wait))
                now = now.addingTimeInterval(wait)
            } else {
                #expect(state == .failed)
            }
        }
        let failed = try store.job(id: id)
        #expect(failed.state == .failed && failed.error?.contains("gave up after 3 attempts") == true)
        #expect(CatalogStore.backoffSeconds(attempt: 1) == 30 && CatalogStore.backoffSeconds(attempt: 2) == 60)
        #expect(CatalogStore.backoffSeconds(attempt: 100) == 3600)
    }

    @Test func permanentFailureAndRetry() throws {
        let (store, dir) = try makeStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        let id = try enqueue(store, "/in/bad.mp4", 1).job.id
        _ = try store.claimNextJob(worker: "w", leaseSeconds: 60, now: t0)
        #expect(try store.fail(jobID: id, worker: "w", error: "cannot decode: Invalid data", transient: false) == .failed)
        #expect(try store.job(id: id).error == "cannot decode: Invalid data")
        // A copy of failed bytes under a new name is analysed again (a new chance), not a duplicate.
        guard case .queued(let copy) = try enqueue(store, "/in/bad copy.mp4", 1) else { Issue.record("copy not queued"); return }
        // While the copy is live, the original cannot be retried (one live job per content).
        #expect(throws: CatalogError.self) { try store.retry(id: id) }
        _ = try store.claimNextJob(worker: "w", leaseSeconds: 60, now: t0)
        try store.fail(jobID: copy.id, worker: "w", error: "bad", transient: false)
        let retried = try store.retry(id: id)
        #expect(retried.state == .queued && retried.attempts == 0 && retried.error == nil)
        #expect(throws: CatalogError.invalidTransition(id: id, from: .queued, operation: "retry")) { try store.retry(id: id) }
        #expect(throws: CatalogError.noSuchJob(id: 999)) { try store.job(id: 999) }
    }

    /// `lessonlens analyze` records its failures: one failed row per failing path (attempts counted), and a
    /// later success of the same bytes is a done job of its own.
    @Test func failedBatchAnalysesAreRecorded() throws {
        let (store, dir) = try makeStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = try store.recordFailedAnalysis(path: "/in/x.mp4", sha256: sha(7), size: 7, mtime: t0, pipeline: "standard",
                                                   parameters: [:], error: "cannot read 'x.mp4': truncated", startedAt: t0, now: t0)
        #expect(first.state == .failed && first.attempts == 1 && first.error == "cannot read 'x.mp4': truncated")
        let again = try store.recordFailedAnalysis(path: "/in/x.mp4", sha256: sha(7), size: 7, mtime: t0, pipeline: "quick",
                                                   parameters: [:], error: "still truncated", startedAt: t0, now: t0)
        #expect(again.id == first.id && again.attempts == 2 && again.error == "still truncated")
        #expect(try store.jobs(state: .failed).count == 1)
        let done = try store.recordAnalysis(path: "/in/x.mp4", sha256: sha(7), size: 7, mtime: t0, pipeline: "standard",
                                            parameters: [:], reportDir: "/out/x", summary: summary("/out/x"), startedAt: t0, now: t0)
        #expect(done.state == .done && done.id != first.id)
        #expect(try store.jobs().count == 2)
    }

    /// Worker A claims and vanishes (kill -9); after its lease expires the job is requeued, B does it,
    /// and A's late completion is refused: exactly one result.
    @Test func crashRecoveryIsExactlyOnce() throws {
        let (store, dir) = try makeStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        let id = try enqueue(store, "/in/a.mp4", 1).job.id
        _ = try #require(try store.claimNextJob(worker: "A", leaseSeconds: 10, now: t0))
        #expect(try store.requeueExpiredLeases(now: t0.addingTimeInterval(5)) == 0)
        #expect(try store.requeueExpiredLeases(now: t0.addingTimeInterval(11)) == 1)
        let requeued = try store.job(id: id)
        #expect(requeued.state == .queued && requeued.error?.contains("lease") == true)
        let b = try #require(try store.claimNextJob(worker: "B", leaseSeconds: 10, now: t0.addingTimeInterval(12)))
        #expect(b.attempts == 2)
        #expect(throws: CatalogError.leaseLost(id: id, worker: "A")) {
            try store.complete(jobID: id, worker: "A", reportDir: "/a", summary: summary("/a"))
        }
        try store.complete(jobID: id, worker: "B", reportDir: "/b", summary: summary("/b"))
        #expect(try store.results().map(\.jobID) == [id])
        #expect(try store.job(id: id).state == .done)
    }

    /// A file that kills its worker every time ends `failed` instead of looping.
    @Test func poisonFileFailsAfterMaxAttempts() throws {
        let (store, dir) = try makeStore(maxAttempts: 2)
        defer { try? FileManager.default.removeItem(at: dir) }
        let id = try enqueue(store, "/in/poison.mp4", 1).job.id
        var now = t0
        for _ in 0..<2 {
            _ = try #require(try store.claimNextJob(worker: "A", leaseSeconds: 10, now: now))
            now = now.addingTimeInterval(20)
            #expect(try store.requeueExpiredLeases(now: now) == 1)
        }
        let job = try store.job(id: id)
        #expect(job.state == .failed && job.error?.contains("crash") == true)
    }

    /// A worker killed from outside (no crash marker) gives the attempt back, but a file during whose
    /// analysis the worker is killed every time (the OOM killer) ends `failed` after `maxInterruptions`
    /// instead of looping forever; `retry` brings it back with a fresh count. Before: queued forever.
    @Test func fileThatGetsItsWorkerKilledEveryTimeFailsAfterMaxInterruptions() throws {
        let (store, dir) = try makeStore(maxAttempts: 2)
        defer { try? FileManager.default.removeItem(at: dir) }
        let id = try enqueue(store, "/in/huge.mp4", 1).job.id
        for n in 1...CatalogStore.maxInterruptions {
            let job = try #require(try store.claimNextJob(worker: "A:\(n)", leaseSeconds: 60, now: t0), "claim \(n)")
            #expect(job.id == id && job.attempts == 1, "attempts are given back each time")
            #expect(try store.requeueAfterDeath(jobID: id, worker: "A:\(n)", analysisCrashed: false, now: t0))
            #expect(try store.job(id: id).state == (n < CatalogStore.maxInterruptions ? .queued : .failed))
        }
        let failed = try store.job(id: id)
        #expect(failed.error?.contains("killed during each of \(CatalogStore.maxInterruptions) analyses") == true, "\(failed.error ?? "")")
        #expect(try store.retry(id: id).state == .queued)
        _ = try #require(try store.claimNextJob(worker: "B", leaseSeconds: 60, now: t0))
        #expect(try store.requeueAfterDeath(jobID: id, worker: "B", analysisCrashed: false, now: t0))
        #expect(try store.job(id: id).state == .queued, "retry started the count again")
    }

    @Test func cleanShutdownGivesTheAttemptBack() throws {
        let (store, dir) = try makeStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        for n in 1...3 { try enqueue(store, "/in/\(n).mp4", n) }
        _ = try store.claimNextJob(worker: "A", leaseSeconds: 60, now: t0)
        _ = try store.claimNextJob(worker: "A", leaseSeconds: 60, now: t0)
        _ = try store.claimNextJob(worker: "B", leaseSeconds: 60, now: t0)
        #expect(try store.requeueRunning(worker: "A") == 2)
        #expect(try store.jobs(state: .queued).allSatisfy { $0.attempts == 0 })
        #expect(try store.jobs(state: .running).map(\.leaseOwner) == ["B"])
        #expect(try store.jobs(limit: 2).count == 2)
    }

    @Test func databaseErrorsNameTheFile() throws {
        do {
            _ = try CatalogStore(path: "/proc/lessonlens-cannot/catalog.sqlite")
            Issue.record("expected an error")
        } catch let e as CatalogError {
            #expect(e.message.contains("/proc/lessonlens-cannot/catalog.sqlite"))
        }
    }
}

@Suite struct CatalogOpenTests {
    /// Several openers of a brand-new file at once (as `watch` starting while `jobs list` runs) all
    /// succeed: the WAL switch can be busy, and the open retries.
    @Test func concurrentOpenOfNewFile() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("open-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("catalog.sqlite").path
        let opened = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<6 { group.addTask { _ = try CatalogStore(path: path); return 1 } }
            return try await group.reduce(0, +)
        }
        #expect(opened == 6)
    }

    @Test func readOnlyOpenDoesNotCreate() {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("none-\(UUID().uuidString)/c.sqlite").path
        #expect(throws: CatalogError.notFound(path: path)) { try CatalogStore(path: path, create: false) }
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(CatalogError.notFound(path: path).exitCode == .inputMissing)
    }
}
