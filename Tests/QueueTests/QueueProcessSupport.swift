import Foundation
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Helpers of the worker-process tests that never block Swift's cooperative threads: waits poll with
/// `Task.sleep`, and blocking calls (initdb, pg_ctl, psql, copying media) run on a thread of their own.
enum QueueProcess {
    /// Runs blocking `body` on a new thread and resumes with its result.
    static func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }

    /// Starts `lessonlens ARGS…` with its output in `log` (a file, never a pipe).
    static func start(_ arguments: [String], log: String) throws -> Process {
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: TestEnvironment.lessonlensBinary)
        p.arguments = arguments
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = handle
        p.standardError = handle
        try p.run()
        return p
    }

    /// Waits up to `seconds` for `p` to exit; false if it is still running (it is then killed).
    static func exited(_ p: Process, within seconds: Double) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while p.isRunning && Date() < deadline { try await Task.sleep(for: .milliseconds(100)) }
        if p.isRunning { kill(p.processIdentifier, SIGKILL); return false }
        return true
    }

    /// Polls `condition` every 50 ms for up to `seconds`.
    static func eventually(within seconds: Double, _ condition: @escaping @Sendable () throws -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await offPool(condition) { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    /// `psql` on a thread of its own.
    @discardableResult
    static func sql(_ cluster: PostgresCluster, _ query: String, database: String) async throws -> String {
        try await offPool { try cluster.psql(query, database: database) }
    }

    /// The database name of a cluster URL.
    static func database(of url: String) -> String { String(url.split(separator: "/").last ?? "") }

    /// Non-hidden entries of `out` (published report folders), and hidden staging folders.
    static func folders(in out: String) -> (published: [String], staged: [String]) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []
        return (names.filter { !$0.hasPrefix(".") && !$0.hasSuffix(".prom") }.sorted(),
                names.filter { $0.hasPrefix(".") && $0.contains(".partial") }.sorted())
    }

    /// Lines of `<out>/.published` (job, folder, worker), empty when missing.
    static func publishedLines(_ out: String) -> [String] {
        ((try? String(contentsOfFile: out + "/.published", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    static func log(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
}
