import Pipeline
import TestSupport
import Testing

/// The `.ownThread` trait the timing tests rely on: the test body, its awaits and its child tasks run
/// on the test's own thread, not on the concurrency pool.
@Suite(.ownThread) struct OwnThreadTests {
    actor Counter { var n = 0; func bump() -> Int { n += 1; return n } }

    @Test func theBodyItsAwaitsAndChildTasksRunOnTheTestsThread() async throws {
        let own = try #require(OwnThread.current)
        #expect(own.isCurrentThread)
        try await Task.sleep(for: .milliseconds(10))
        #expect(own.isCurrentThread, "after a suspension")
        _ = await Counter().bump()  // a default actor runs on the preferred executor too
        #expect(own.isCurrentThread, "after an actor call")
        let inChild = await withTaskGroup(of: Bool.self) { group in
            group.addTask { own.isCurrentThread }
            return await group.next() ?? false
        }
        #expect(inChild)
    }

}

@Suite struct WithoutOwnThreadTests {
    @Test func aTestWithoutTheTraitHasNoOwnThread() {
        #expect(OwnThread.current == nil)
    }
}
