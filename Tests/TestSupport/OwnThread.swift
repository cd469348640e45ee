public import Pipeline
public import Testing

/// A test (or every test of a suite) that runs on a thread of its own instead of Swift's concurrency pool.
///
/// Swift Testing starts every test of the run as a task on the pool at once; a test that awaits (a
/// `Task.sleep` in a poll, a watcher actor's call) is put back at the end of the pool's queue, behind
/// the tests not yet started, and on two cores it can wait there for a minute while synchronous tests
/// analyse and run processes (seen in CI: a watcher test waited 90 s for its first job; a signal test
/// never saw both analyses running though they ran for 18 s). Tests that time things, or that wait on
/// their own watcher, take this trait: their task, its child tasks and the default actors they call
/// run on the test's own thread, which nothing else queues on. (Unstructured `Task {}`s do not inherit
/// an executor preference: such a test starts them with `Task(executorPreference: OwnThread.current)`.)
public struct OwnThread: TestTrait, SuiteTrait, TestScoping {
    public var isRecursive: Bool { true }

    @TaskLocal public static var current: ThreadPoolExecutor?

    public func provideScope(for test: Test, testCase: Test.Case?,
                             performing function: @Sendable () async throws -> Void) async throws {
        // The suite itself (no test case) needs no thread; each of its tests gets its own.
        guard testCase != nil, Self.current == nil else { return try await function() }
        let executor = ThreadPoolExecutor(threads: 1, name: "test-\(test.name)")
        defer { executor.shutdown() }
        try await Self.$current.withValue(executor) {
            try await withTaskExecutorPreference(executor) { try await function() }
        }
    }
}

extension Trait where Self == OwnThread {
    /// Runs the test (each test of the suite) on a thread of its own: see `OwnThread`.
    public static var ownThread: Self { OwnThread() }
}
