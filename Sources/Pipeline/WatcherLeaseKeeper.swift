import Catalog
import Foundation

/// Renews the leases of this process's running jobs from its own thread, every third of the lease.
/// A thread rather than a task: analysis may keep every cooperative thread busy for minutes, and a
/// lease that lapses because of that would let a restart analyse the same job twice.
final class LeaseKeeper: @unchecked Sendable {
    // @unchecked: `held`, `lost` and `stopped` are guarded by `condition`.
    private let store: CatalogStore
    private let leaseSeconds: Double
    private let condition = NSCondition()
    private var held: [Int64: String] = [:]
    private var lost: Set<Int64> = []
    /// What to do when a job's lease is found lost (cancel its analysis), called on the lease thread.
    private var onLost: [Int64: @Sendable () -> Void] = [:]
    private var stopped = false

    init(store: CatalogStore, leaseSeconds: Double) {
        self.store = store
        self.leaseSeconds = leaseSeconds
    }

    func start() {
        let t = Thread { [self] in self.loop() }
        t.name = "lessonlens-leases"
        t.start()
    }

    func stop() {
        condition.lock(); stopped = true; condition.signal(); condition.unlock()
    }

    func hold(jobID: Int64, worker: String) {
        condition.lock(); held[jobID] = worker; condition.unlock()
    }

    func release(jobID: Int64) {
        condition.lock(); held[jobID] = nil; lost.remove(jobID); onLost[jobID] = nil; condition.unlock()
    }

    /// Calls `action` (once, from the lease thread) when a renewal finds the lease of `jobID` gone; at
    /// once if it already is.
    func whenLost(jobID: Int64, _ action: @escaping @Sendable () -> Void) {
        condition.lock()
        let already = lost.contains(jobID)
        if !already { onLost[jobID] = action }
        condition.unlock()
        if already { action() }
    }

    /// Whether a renewal found the lease gone (someone requeued the job).
    func isLost(jobID: Int64) -> Bool {
        condition.lock(); defer { condition.unlock() }
        return lost.contains(jobID)
    }

    private func loop() {
        while true {
            condition.lock()
            _ = condition.wait(until: Date().addingTimeInterval(leaseSeconds / 3))
            if stopped { condition.unlock(); return }
            let snapshot = held
            condition.unlock()
            for (id, worker) in snapshot {
                do {
                    try store.heartbeat(jobID: id, worker: worker, leaseSeconds: leaseSeconds)
                } catch CatalogError.leaseLost {
                    condition.lock(); lost.insert(id); held[id] = nil; let action = onLost.removeValue(forKey: id); condition.unlock()
                    action?()
                } catch {
                    // A busy or briefly unavailable database: try again next round; the lease still has
                    // two thirds of its time left.
                }
            }
        }
    }
}
