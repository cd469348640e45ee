import Catalog
import Foundation
import MediaCore

/// `make bench-queue`'s overhead measurement (`lessonlens worker --bench-overhead N`, hidden): the
/// queue calls one job costs a worker, each timed through the real `JobQueue` API on one connection
/// pool: claim, one heartbeat, complete (with its result row); then an idle lane's poll on the empty
/// queue. Not a test.
public enum QueueBench {
    /// Enqueues `jobs` synthetic jobs into `catalog`, then claims, renews and completes them one by one.
    /// Returns the printed table: median and p95 per call and of their sum, in milliseconds.
    public static func overhead(catalog: String, jobs: Int) async throws -> String {
        let queue = try await SharedCatalog.openQueue(catalog)
        let worker = "\(ProcessInfo.processInfo.hostName):\(getpid()):bench:w0"
        for i in 0..<jobs {
            let sha = (0..<4).map { _ in String(format: "%016llx", UInt64.random(in: 0...UInt64.max)) }.joined()
            _ = try await queue.enqueue(path: "/bench/r\(i).mp4", sha256: sha, size: 1, mtime: Date(timeIntervalSince1970: 0),
                                        pipeline: "stub", parameters: [:])
        }
        let n = max(1, jobs)
        var claim = WorkerMetrics.Samples(window: n), beat = WorkerMetrics.Samples(window: n)
        var commit = WorkerMetrics.Samples(window: n), total = WorkerMetrics.Samples(window: n)
        for _ in 0..<jobs {
            let t0 = ContinuousClock.now
            guard let job = try await queue.claimNextJob(worker: worker, leaseSeconds: 60) else { break }
            let c = WorkerMetrics.seconds(since: t0)
            let t1 = ContinuousClock.now
            try await queue.heartbeat(jobID: job.id, worker: worker, leaseSeconds: 60)
            let h = WorkerMetrics.seconds(since: t1)
            let summary = ResultSummary(durationSeconds: 0, teacherRatio: 0, studentRatio: 0, multiRatio: 0, silenceRatio: 1, rt: nil,
                                        ch: nil, mode: nil, medianWaitSeconds: nil, questionCount: 0, turnExchanges: 0, findingsCount: 0,
                                        slideChanges: 0, microLessons: 0, language: "en", reportDir: "/bench/out/\(job.id)")
            let t2 = ContinuousClock.now
            _ = try await queue.complete(jobID: job.id, worker: worker, reportDir: "/bench/out/\(job.id)", summary: summary)
            let d = WorkerMetrics.seconds(since: t2)
            claim.add(c); beat.add(h); commit.add(d); total.add(c + h + d)
        }
        // An idle lane's poll (every 0.25 s while nothing is queued): the expired-lease sweep and a claim
        // that finds nothing.
        var idle = WorkerMetrics.Samples(window: n)
        for _ in 0..<n {
            let t = ContinuousClock.now
            _ = try await queue.requeueExpiredLeases()
            _ = try await queue.claimNextJob(worker: worker, leaseSeconds: 60)
            idle.add(WorkerMetrics.seconds(since: t))
        }
        await queue.close()
        func pad(_ text: String, _ width: Int) -> String { text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0) }
        func row(_ name: String, _ s: WorkerMetrics.Samples) -> String {
            pad(name, 32) + String(format: " %8.2f %8.2f", (s.percentile(0.5) ?? .nan) * 1000, (s.percentile(0.95) ?? .nan) * 1000)
        }
        return ([pad("queue call (\(total.count) jobs)", 32) + "   p50 ms   p95 ms",
                 row("claim", claim), row("heartbeat", beat), row("complete", commit), row("claim+heartbeat+complete", total),
                 row("idle poll (sweep + empty claim)", idle)])
            .joined(separator: "\n")
    }
}
