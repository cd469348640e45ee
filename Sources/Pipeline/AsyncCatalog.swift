import Catalog
import Foundation

/// The catalog's async face, as the watcher's actor calls it: `try await catalog { try $0.claimNextJob(…) }`
/// runs one of `CatalogStore`'s synchronous methods on the catalog's own threads while the caller is
/// suspended, so a SQLite call (milliseconds, or up to the 10 s busy timeout while another process holds
/// the write lock) never blocks a cooperative thread, and the watcher's actor serves `stop()`, the scanner's
/// files and the other workers meanwhile.
///
/// Why a wrapper and not GRDB's `read`/`write` async overloads: every query has one implementation, the
/// synchronous one in `CatalogStore`, which the lease thread, the CLI (`jobs`, `export`) and the analysis's
/// commit (inside the synchronous `AnalyzePipeline.run`) need anyway. GRDB's async access would take each
/// query's closure over `Database`, so every method the watcher calls would need a second entry point beside
/// the synchronous one (and GRDB's access is not reentrant: an async `write` cannot call the store's
/// methods). Both keep SQLite off the cooperative pool (GRDB's on its dispatch queues, this on two threads).
struct AsyncCatalog: Sendable {
    let store: CatalogStore
    /// Two threads: a write waiting for another process's lock does not hold up a read behind it.
    let threads: ThreadPoolExecutor

    init(store: CatalogStore) {
        self.store = store
        self.threads = ThreadPoolExecutor(threads: 2, name: "lessonlens-catalog")
    }

    /// Runs `call` with the store on the catalog threads and returns what it returns; the caller's actor
    /// is free until then. `@concurrent`: never on the caller's actor, whatever the caller's isolation
    /// (the closure then has no actor to run on, and the executor preference puts it on the threads).
    @concurrent
    func callAsFunction<T: Sendable>(_ call: @escaping @Sendable (CatalogStore) throws -> T) async throws -> T {
        let store = self.store
        return try await withTaskExecutorPreference(threads) { try call(store) }
    }

    /// Lets the threads end (once the calls already queued have run).
    func shutdown() { threads.shutdown() }
}
