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
        condition.lock(); held[jobID] = nil; lost.remove(jobID); condition.unlock()
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
                    condition.lock(); lost.insert(id); held[id] = nil; condition.unlock()
                } catch {
                    // A busy or briefly unavailable database: try again next round; the lease still has
                    // two thirds of its time left.
                }
            }
        }
    }
}
