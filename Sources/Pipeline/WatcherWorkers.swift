import Catalog
import Foundation
import Logging

/// The watcher's worker pool: `--workers` tasks claim jobs under leases (renewed by `LeaseKeeper`'s
/// thread), run each analysis on the analysis executor's threads, and record its outcome: `done` with
/// the result row, `failed` or requeued by `JobFailure.classify`, nothing when the lease was lost.
extension Watcher {
    func isCatalogIdle() -> Bool {
        guard let counts = try? store.counts() else { return false }
        return (counts[.queued] ?? 0) == 0 && (counts[.running] ?? 0) == 0
    }

    func claim(worker: String) -> JobRow? {
        guard !stopping, Date() >= catalogRetryAt else { return nil }
        do {
            let job = try store.claimNextJob(worker: worker, leaseSeconds: options.leaseSeconds)
            if catalogFailures > 0 { logger.info("the catalog works again") }
            catalogFailures = 0
            if let job {
                activeJobs += 1
                emit(.started(job, worker: worker))
            }
            return job
        } catch {
            // Disk full or locked by another process: back off (doubling, capped) instead of hammering it;
            // in batch mode give up after a while so `--once` ends (exit 74) instead of spinning.
            let delay = noteCatalogFailure(error)
            logger.error("cannot claim a job", metadata: ["error": "\(error)", "retryInSeconds": "\(delay)"])
            return nil
        }
    }

    /// Counts a catalog failure and sets when to try again; returns the delay in seconds.
    @discardableResult
    func noteCatalogFailure(_ error: any Error) -> Double {
        catalogFailures += 1
        let delay = min(options.pollSeconds * pow(2, Double(catalogFailures)), options.catalogBackoffMaxSeconds)
        catalogRetryAt = Date().addingTimeInterval(delay)
        if options.exitWhenIdle, catalogFailures >= options.catalogFailuresBeforeGivingUp, catalogFatal == nil {
            catalogFatal = error
        }
        return delay
    }

    func finished(_ job: JobRow, worker: String, result: Result<(reportDir: String, summary: ResultSummary), any Error>,
                          leases: LeaseKeeper) {
        activeJobs -= 1
        leases.release(jobID: job.id)
        let file = String(reflecting: job.path)
        do {
            switch result {
            case .success(let r):
                do {
                    // The real analysis already completed the job as its last step (`analyzeForWatcher` with a
                    // store: row and folder together); fakes and other analyzers leave it to us.
                    let current = try store.job(id: job.id)
                    if !(current.state == .done && current.reportDir == r.reportDir) {
                        try store.complete(jobID: job.id, worker: worker, reportDir: r.reportDir, summary: r.summary)
                    }
                } catch {
                    // No row, no report: a folder that looks complete without its catalog row would be
                    // lost to `jobs`/`export` yet look done to a teacher. The job is retried later.
                    if (try? store.hasDoneJob(reportDir: r.reportDir)) == false { try? FileManager.default.removeItem(atPath: r.reportDir) }
                    if case CatalogError.leaseLost = error { throw error }
                    let message = "cannot record the result in the catalog: \(error)"
                    _ = try? store.fail(jobID: job.id, worker: worker, error: message, transient: true,
                                        retryAt: Date().addingTimeInterval(options.retryBaseSeconds))
                    stats.retried += 1
                    emit(.finished(job, state: .queued, error: message))
                    logger.error("cannot record outcome; report removed, will retry", metadata: ["job": "\(job.id)", "error": "\(error)"])
                    return
                }
                stats.done += 1
                emit(.finished(job, state: .done, error: nil))
                logger.info("done", metadata: ["job": "\(job.id)", "file": "\(file)", "report": "\(r.reportDir)"])
            case .failure(let error):
                let (transient, message) = JobFailure.classify(error)
                let delay = min(options.retryBaseSeconds * pow(2, Double(max(0, job.attempts - 1))), 3600)
                let state = try store.fail(jobID: job.id, worker: worker, error: message, transient: transient,
                                           retryAt: Date().addingTimeInterval(delay))
                emit(.finished(job, state: state, error: message))
                if state == .failed {
                    stats.failed += 1
                    logger.error("failed", metadata: ["job": "\(job.id)", "file": "\(file)", "error": "\(message)"])
                } else {
                    stats.retried += 1
                    logger.warning("will retry", metadata: ["job": "\(job.id)", "file": "\(file)", "error": "\(message)",
                                                            "inSeconds": "\(delay)"])
                }
            }
        } catch {
            // Most likely the lease was lost (this process was too slow and another took over): the
            // other owner's outcome stands, ours is dropped, so the job is still done at most once.
            logger.error("cannot record outcome", metadata: ["job": "\(job.id)", "error": "\(error)"])
        }
    }

    func workerLoop(name: String, leases: LeaseKeeper, executor: ThreadPoolExecutor) async {
        while !Task.isCancelled {
            guard let job = claim(worker: name) else {
                if stopping { return }
                try? await Task.sleep(for: .seconds(options.pollSeconds))
                continue
            }
            leases.hold(jobID: job.id, worker: name)
            let slot = CrashGuard.begin(jobID: job.id)
            let run = await Watcher.analyse(job, with: analyze, on: executor, leases: leases)
            CrashGuard.end(slot: slot)
            if Task.isCancelled { return }  // grace period over: run() requeues it
            switch run {
            case .finished(let result):
                finished(job, worker: name, result: result, leases: leases)
            case .leaseLost:
                activeJobs -= 1
                leases.release(jobID: job.id)
                stats.abandoned += 1
                logger.warning("lease lost: another worker took the job over; this analysis was stopped and nothing of it recorded",
                               metadata: ["job": "\(job.id)", "file": "\(String(reflecting: job.path))"])
            }
        }
    }

    enum JobRun {
        case finished(Result<(reportDir: String, summary: ResultSummary), any Error>)
        /// The lease was found lost while the analysis ran: it was cancelled.
        case leaseLost
    }

    /// Runs `analyze(job)` on `executor`; a lost lease (found by the lease thread: the job was requeued
    /// and may run elsewhere) cancels the analysis, which stops at its next check (every 64 packets while
    /// decoding, between stages after) instead of running on to fail at the end. Cancelling the worker
    /// (grace period over) cancels the analysis too.
    static func analyse(_ job: JobRow, with analyze: @escaping JobAnalyzer, on executor: ThreadPoolExecutor,
                        leases: LeaseKeeper) async -> JobRun {
        let analysis = Task(executorPreference: executor) { try await analyze(job) }
        leases.whenLost(jobID: job.id) { analysis.cancel() }
        let result = await withTaskCancellationHandler { await analysis.result } onCancel: { analysis.cancel() }
        // Once the lease is lost, whatever the analysis ended with belongs to nobody.
        return leases.isLost(jobID: job.id) ? .leaseLost : .finished(result)
    }
}
