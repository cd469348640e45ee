import Foundation
import Pipeline
import Synchronization
import TestSupport
import Testing

@Suite struct ThreadPoolExecutorTests {
    final class Flag: Sendable {
        private let value = Mutex(false)
        func set() { value.withLock { $0 = true } }
        var isSet: Bool { value.withLock { $0 } }
    }

    /// Work runs on the executor's threads, not on the cooperative pool.
    @Test func workRunsOnItsThreads() async throws {
        let pool = ThreadPoolExecutor(threads: 2, name: "test-pool")
        defer { pool.shutdown() }
        let on = await withTaskExecutorPreference(pool) { pool.isCurrentThread }
        #expect(on)
    }

    /// A call made after `shutdown()` (a queue closed by an earlier worker, then used again) completes:
    /// it used to wait for ever, its job queued behind threads that had ended.
    @Test func workEnqueuedAfterShutdownStillRuns() async throws {
        let pool = ThreadPoolExecutor(threads: 1, name: "test-late")
        pool.shutdown()
        // Let the thread see the shutdown and end.
        try await Wait.sleep(0.1)
        let done = Flag()
        Task(executorPreference: pool) { done.set() }
        #expect(try await Wait.until(seconds: 10) { done.isSet })
        guard done.isSet else { return }   // (an await below would hang)
        let value = await withTaskExecutorPreference(pool) { 41 + 1 }
        #expect(value == 42)
    }
}
