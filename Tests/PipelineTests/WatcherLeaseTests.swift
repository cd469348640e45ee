import Catalog
import Foundation
import TestSupport
import Testing
@testable import Pipeline

/// A job whose lease is lost while it runs (the job was requeued and another worker claimed it: this
/// process was paused, or the database was unreachable for a lease period) is abandoned: its analysis is
/// cancelled at once and nothing of it is recorded (issue 13, item 2). Before, `LeaseKeeper.isLost` was
/// never consulted: the analysis ran on to its end and then failed to record.
@Suite(.ownThread) struct WatcherLeaseTests {
    /// What the fake analysis saw, recorded synchronously from its own thread (an actor hop would wait
    /// for the cooperative pool, which other tests may be keeping busy).
    final class Seen: @unchecked Sendable {
        private let lock = NSLock()
        private var _started = false, _cancelledAt: Date?, _finished = false
        var started: Bool { lock.withLock { _started } }
        var cancelledAt: Date? { lock.withLock { _cancelledAt } }
        var finishedNormally: Bool { lock.withLock { _finished } }
        func start() { lock.withLock { _started = true } }
        func cancel() { lock.withLock { _cancelledAt = Date() } }
        func finish() { lock.withLock { _finished = true } }
    }

    @Test func aJobWhoseLeaseWasLostIsAbandoned() async throws {
        let box = try Sandbox()
        defer { box.cleanup() }
        try box.write("long.mp4", "a long lesson")
        var opts = try box.options(workers: 1)
        opts.exitWhenIdle = false
        // Renewed every 1 s: the loss is found within 1 s. (1.5 s let the lease lapse before the test looked, when
        // the queue fault test's worker processes loaded both cores.)
        opts.leaseSeconds = 3
        let seen = Seen()
        // A fake analysis that runs for 60 s unless cancelled, checking as the real one does.
        let watcher = Watcher(store: box.store, options: opts) { job in
            seen.start()
            let end = Date().addingTimeInterval(60)
            while Date() < end {
                if Task.isCancelled { seen.cancel(); throw CancellationError() }
                usleep(20_000)  // busy like a decode loop, on the analysis thread
            }
            seen.finish()
            return ("\(box.output)/\(job.id)", fakeSummary("\(box.output)/\(job.id)"))
        }
        let run = Task(executorPreference: OwnThread.current) { try await watcher.run() }
        defer { run.cancel() }
        try await Self.waitFor("the analysis to start") { seen.started }
        let job = try #require(try box.store.jobs(state: .running).first)

        // Another worker takes the job over: its lease is treated as expired and the job claimed anew.
        #expect(try box.store.requeueExpiredLeases(now: Date().addingTimeInterval(3600)) == 1)
        let thief = try #require(try box.store.claimNextJob(worker: "other-host:1:x:w0", leaseSeconds: 3600))
        #expect(thief.id == job.id)
        let stolenAt = Date()

        try await Self.waitFor("the analysis to be cancelled") { seen.cancelledAt != nil }
        let reaction = (seen.cancelledAt ?? .distantFuture).timeIntervalSince(stolenAt)
        #expect(reaction < 4, "cancelled \(reaction) s after the lease was taken")
        try await Self.waitFor("the job to be counted abandoned") { await watcher.currentStats.abandoned == 1 }
        #expect(seen.finishedNormally == false)
        // Nothing of the abandoned run was recorded: the job is the other worker's, untouched.
        let now = try box.store.job(id: job.id)
        #expect(now.state == .running && now.leaseOwner == "other-host:1:x:w0")
        #expect(try box.store.results().isEmpty)
        let stats = await watcher.currentStats
        #expect(stats.done == 0 && stats.failed == 0)
        await watcher.stop(immediately: true)
        _ = try await run.value
        #expect(try box.store.job(id: job.id).leaseOwner == "other-host:1:x:w0", "shutdown leaves the other worker's job alone")
    }

    /// The real analysis honours cancellation while decoding: cancelled, it throws CancellationError
    /// (not a media or I/O error the watcher would record) and leaves no report folder.
    @Test func theRealAnalysisStopsWhenCancelled() async throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("cancel-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let config = try PipelineConfig.builtin(name: "audio-only")
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            _ = try AnalyzePipeline.run(AnalyzeRequest(path: WatcherHardeningTests.sample("lesson-audio.m4a"), outDir: out, config: config))
        }
        await #expect(throws: CancellationError.self) { try await task.value }
        let left = (try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []
        #expect(left.filter { !$0.hasPrefix(".") }.isEmpty, "no report: \(left)")
    }

    static func waitFor(_ what: String, seconds: Double = 90, _ condition: () async throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("timed out waiting for \(what)")
        throw CancellationError()
    }
}
