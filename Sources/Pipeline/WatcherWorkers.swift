import Catalog
import Foundation
import Logging

/// The watcher's worker pool: `--workers` lanes of the shared `AnalysisRunner` claim jobs under leases
/// (renewed by `LeaseKeeper`'s thread), run each analysis on the runner's threads, and record its outcome:
/// `done` with the result row, `failed` or requeued by `JobFailure.classify`, nothing when the lease was lost.
extension Watcher {
    /// The watcher as an `AnalysisSource`: items are claimed jobs, outcomes go to the catalog.
    struct Lanes: AnalysisSource {
        let watcher: Watcher
        let leases: LeaseKeeper

        func next(lane: Int) async -> JobRow? {
            await watcher.nextJob(worker: watcher.workerName(lane), leases: leases)
        }

        /// The job's analysis, marked for the crash handler while it runs (`CrashGuard`).
        func analyse(_ job: JobRow, lane: Int) async throws -> (reportDir: String, summary: ResultSummary) {
            let slot = CrashGuard.begin(jobID: job.id)
            defer { CrashGuard.end(slot: slot) }
            return try await watcher.analyze(job)
        }

        /// A lost lease (found by the lease thread: the job was requeued and may run elsewhere) cancels the
        /// analysis, which stops at its next check (every 64 packets while decoding, between stages after)
        /// instead of running on to fail at the end.
        func running(_ job: JobRow, cancel: @escaping @Sendable () -> Void) {
            leases.whenLost(jobID: job.id, cancel)
        }

        func finished(_ job: JobRow, lane: Int, _ outcome: Result<(reportDir: String, summary: ResultSummary), AnalysisFailure>) async {
            await watcher.finished(job, worker: watcher.workerName(lane), outcome: outcome, leases: leases)
        }
    }

    func isCatalogIdle() async -> Bool {
        guard let counts = try? await catalog({ try $0.counts() }) else { return false }
        return (counts[.queued] ?? 0) == 0 && (counts[.running] ?? 0) == 0
    }

    /// The next job for `worker`, polling every `pollSeconds` while there is none; nil once stopping.
    func nextJob(worker: String, leases: LeaseKeeper) async -> JobRow? {
        while !Task.isCancelled {
            if let job = await claim(worker: worker) {
                leases.hold(jobID: job.id, worker: worker)
                return job
            }
            if stopping { return nil }
            try? await Task.sleep(for: .seconds(options.pollSeconds))
        }
        return nil
    }

    func claim(worker: String) async -> JobRow? {
        guard !stopping, Date() >= catalogRetryAt else { return nil }
        do {
            let leaseSeconds = options.leaseSeconds
            let job = try await catalog { try $0.claimNextJob(worker: worker, leaseSeconds: leaseSeconds) }
            if catalogFailures > 0 { logger.info("the catalog works again") }
            catalogFailures = 0
            guard let job else { return nil }
            if stopping {
                // stop() came while the claim was in the catalog: the job goes back untouched (attempt given back).
                _ = try? await catalog { try $0.requeueRunning(worker: worker) }
                return nil
            }
            activeJobs += 1
            emit(.started(job, worker: worker))
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

    func finished(_ job: JobRow, worker: String, outcome: Result<(reportDir: String, summary: ResultSummary), AnalysisFailure>,
                  leases: LeaseKeeper) async {
        activeJobs -= 1
        // Once the lease is lost, whatever the analysis ended with belongs to nobody.
        if leases.isLost(jobID: job.id) {
            leases.release(jobID: job.id)
            stats.abandoned += 1
            logger.warning("lease lost: another worker took the job over; this analysis was stopped and nothing of it recorded",
                           metadata: ["job": "\(job.id)", "file": "\(String(reflecting: job.path))"])
            return
        }
        leases.release(jobID: job.id)
        let file = String(reflecting: job.path)
        let (jobID, retryBase) = (job.id, options.retryBaseSeconds)
        do {
            switch outcome {
            case .success(let r):
                do {
                    // The real analysis already completed the job as its last step (`analyzeForWatcher` with a
                    // store: row and folder together); fakes and other analyzers leave it to us.
                    try await catalog { store in
                        let current = try store.job(id: jobID)
                        if !(current.state == .done && current.reportDir == r.reportDir) {
                            try store.complete(jobID: jobID, worker: worker, reportDir: r.reportDir, summary: r.summary)
                        }
                    }
                } catch {
                    // No row, no report: a folder that looks complete without its catalog row would be
                    // lost to `jobs`/`export` yet look done to a teacher. The job is retried later.
                    let dir = r.reportDir
                    if (try? await catalog({ try $0.hasDoneJob(reportDir: dir) })) == false { try? FileManager.default.removeItem(atPath: dir) }
                    if case CatalogError.leaseLost = error { throw error }
                    let message = "cannot record the result in the catalog: \(error)"
                    _ = try? await catalog {
                        try $0.fail(jobID: jobID, worker: worker, error: message, transient: true,
                                    retryAt: Date().addingTimeInterval(retryBase))
                    }
                    stats.retried += 1
                    emit(.finished(job, state: .queued, error: message))
                    logger.error("cannot record outcome; report removed, will retry", metadata: ["job": "\(job.id)", "error": "\(error)"])
                    return
                }
                stats.done += 1
                emit(.finished(job, state: .done, error: nil))
                logger.info("done", metadata: ["job": "\(job.id)", "file": "\(file)", "report": "\(r.reportDir)"])
            case .failure(let failure):
                let (transient, message) = (failure.transient, failure.message)
                let delay = min(options.retryBaseSeconds * pow(2, Double(max(0, job.attempts - 1))), 3600)
                let state = try await catalog {
                    try $0.fail(jobID: jobID, worker: worker, error: message, transient: transient,
                                retryAt: Date().addingTimeInterval(delay))
                }
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
}
