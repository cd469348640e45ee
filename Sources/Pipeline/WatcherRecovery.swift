import Catalog
import Foundation
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// The watcher's recovery at start: jobs left `running` by a dead process of this host go back to the
/// queue (counted against the recording only if the analysis itself crashed, `CrashGuard`), expired
/// leases of other hosts too, jobs failed only by repeated kills are revived, and temporary report
/// folders of dead runs are removed or restored.
extension Watcher {
    func recover() async throws {
        // Jobs of a dead process on this host can be requeued at once (no need to wait for the lease);
        // that attempt counts, so a file that crashes the analyser cannot loop forever.
        let host = ProcessInfo.processInfo.hostName
        var deadPids: Set<pid_t> = []
        for job in try await catalog({ try $0.jobs(state: .running) }) {
            guard let owner = job.leaseOwner else { continue }
            let parts = owner.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count >= 4, parts[0] == host, let pid = Int32(parts[1]) else { continue }
            let sameProcessEarlierRun = pid == getpid() && !owner.hasPrefix(identity + ":")
            if sameProcessEarlierRun || (kill(pid, 0) != 0 && errno == ESRCH) {
                // Only a crash of the analysis counts against the recording (CrashGuard); a watcher that
                // was killed (kill -9, OOM, power cut) gives the attempt back.
                let crashed = CrashGuard.crashedJobs(catalogPath: store.path, pid: pid).contains(job.id)
                let jobID = job.id
                if try await catalog({ try $0.requeueAfterDeath(jobID: jobID, worker: owner, analysisCrashed: crashed) }) {
                    stats.requeued += 1
                }
                if crashed { logger.warning("the analysis crashed on this file", metadata: ["job": "\(job.id)", "file": "\(String(reflecting: job.path))"]) }
                deadPids.insert(pid)
            }
        }
        for pid in deadPids { CrashGuard.removeMarker(catalogPath: store.path, pid: pid) }
        stats.requeued += try await catalog { try $0.requeueExpiredLeases() }
        if stats.requeued > 0 { logger.warning("recovered \(stats.requeued) job(s) left running by a stopped process") }
        if let revived = try? await catalog({ try $0.reviveJobsFailedByKilledWorkers() }), revived > 0 {
            stats.requeued += revived
            logger.warning("requeued \(revived) job(s) failed only because their watcher was killed repeatedly")
        }
        if let out = options.outputDirectory {
            let r = OutputFolder.recoverTemporaries(in: out)
            for path in r.removed { logger.warning("removed a temporary folder left by a stopped analysis", metadata: ["folder": "\(String(reflecting: path))"]) }
            for path in r.restored { logger.warning("restored a report a stopped analysis was replacing", metadata: ["folder": "\(String(reflecting: path))"]) }
        }
    }
}
