import Foundation

/// A task executor with its own threads, for CPU-bound or blocking work (an analysis runs for minutes
/// on one core; hashing a multi-GB file blocks on reads). Work started with
/// `withTaskExecutorPreference(pool) { … }` (or `Task(executorPreference: pool)`) runs here, so Swift's
/// cooperative pool (one thread per core) stays free for the watcher's scanner, leases, signals and
/// catalog calls: with `--workers 2` on 2 cores the analyses no longer take both of its threads.
///
/// Jobs run in the order they were enqueued on the first free thread. The threads live as long as the
/// executor; `shutdown()` lets them end once the queue is empty (work enqueued later runs on a thread
/// started for it).
public final class ThreadPoolExecutor: TaskExecutor, @unchecked Sendable {
    // @unchecked: `queue`, `head` and `stopped` are guarded by `condition`.
    private let condition = NSCondition()
    private var queue: [UnownedJob] = []
    private var head = 0
    private var stopped = false
    /// Number of threads.
    public let threads: Int

    /// Starts `threads` threads named `name-0`, `name-1`, ….
    public init(threads: Int, name: String) {
        self.threads = max(1, threads)
        for i in 0..<self.threads {
            let t = Thread { [self] in self.loop() }
            t.name = "\(name)-\(i)"
            t.start()
        }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        if stopped {
            // After `shutdown()` the threads may already have ended: the job gets a thread of its own,
            // so a late call (a catalog call after the queue was closed) completes instead of waiting
            // for ever.
            condition.unlock()
            let executor = asUnownedTaskExecutor()
            let t = Thread { job.runSynchronously(on: executor) }
            t.name = "lessonlens-late-job"
            t.start()
            return
        }
        queue.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Lets the threads end once every enqueued job has run.
    public func shutdown() {
        condition.lock(); stopped = true; condition.broadcast(); condition.unlock()
    }

    /// Whether the calling thread is one of this executor's (tests: where did this work run?).
    public var isCurrentThread: Bool {
        (Thread.current.threadDictionary[Self.ownerKey] as? ObjectIdentifier) == ObjectIdentifier(self)
    }

    private static let ownerKey = "lessonlens.ThreadPoolExecutor"

    private func loop() {
        Thread.current.threadDictionary[Self.ownerKey] = ObjectIdentifier(self)
        while true {
            condition.lock()
            while head == queue.count && !stopped { condition.wait() }
            if head == queue.count { condition.unlock(); return }
            let job = queue[head]
            head += 1
            // Compact now and then so the array does not grow with the number of jobs ever run.
            if head >= 64 && head * 2 >= queue.count { queue.removeFirst(head); head = 0 }
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
