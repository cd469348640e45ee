public import Foundation

/// Waiting in tests without holding a thread. Swift Testing runs tests on the concurrency pool, which
/// has one thread per core (two on the CI machine); a test that polls with `usleep` or
/// `Process.waitUntilExit` for a minute holds one of them, and two such tests stall every other test of
/// the run for that minute (seen in CI: a watcher test waited 90 s for its first job while the queue
/// fault test and a watch-process test sat in sleep loops). These sleep with `Task.sleep`.
public enum Wait {
    /// Polls `condition` every `poll` seconds until it holds (true) or `seconds` have passed (false).
    public static func until(seconds: Double, poll: Double = 0.05, _ condition: () throws -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            if try condition() { return true }
            if Date() >= deadline { return false }
            try await Task.sleep(for: .seconds(poll))
        }
    }

    /// Sleeps `seconds` without holding a thread.
    public static func sleep(_ seconds: Double) async throws {
        try await Task.sleep(for: .seconds(seconds))
    }
}

extension Process {
    /// Waits up to `seconds` for the process to end; false if it is still running.
    public func exited(within seconds: Double) async -> Bool {
        (try? await Wait.until(seconds: seconds, poll: 0.02) { !isRunning }) ?? !isRunning
    }
}
