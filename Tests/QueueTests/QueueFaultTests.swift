import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A `lessonlens` child whose output goes to files (never a pipe nobody reads).
final class Child: @unchecked Sendable {
    let process = Process()
    init(_ arguments: [String], log: String) throws {
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.executableURL = URL(fileURLWithPath: TestEnvironment.lessonlensBinary)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }
    /// Waits up to `seconds` (holding no thread: TestSupport's `Wait`); false if still running.
    func wait(seconds: Double) async -> Bool { await process.exited(within: seconds) }
}

@Suite("Queue faults: real workers on a real PostgreSQL", .serialized, .ownThread, .tags(.slow))
struct QueueFaultTests {
    @Test("3 workers, 200 jobs, two ingesters; kill -9 a worker, restart PostgreSQL, drop connections: each job done once")
    func faults() async throws {
        // A cluster of its own: its restart must not break the other suites' connections.
        let cluster = try PostgresCluster()
        defer { cluster.remove() }
        let url = try cluster.createDatabase("f")
        let db = String(url.split(separator: "/").last!)
        let dir = try TempFolder("faults")
        defer { dir.remove() }
        let inbox = dir.path("inbox"), out = dir.path("out")
        try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
        for i in 0..<200 { try Data("recording \(i)\n".utf8).write(to: URL(fileURLWithPath: inbox + "/r\(i).mp4")) }

        // Two ingesters see the same files at once.
        let ingest = try (0..<2).map { try Child(["watch", inbox, "--enqueue-only", "--once", "--debounce", "0", "--catalog", url],
                                                 log: dir.path("ingest\($0).log")) }
        for c in ingest { #expect(await c.wait(seconds: 60)) }
        #expect(try cluster.psql("SELECT COUNT(*) FROM jobs WHERE state = 'queued'", database: db) == "200")

        let args = { (sleepMS: Int) in ["worker", "--catalog", url, "--out", out, "--workers", "2", "--lease", "1.5", "--retry-base", "0",
                                        "--stub-sleep", "\(sleepMS)", "--once"] }
        // Worker 0's jobs take 5 s, so the kill below lands while it holds one (the others' take 60 ms): the
        // checked poll and the kill are two steps, and a 60 ms job could finish between them on a loaded machine.
        // Worker 0 starts alone and the others only once it holds a job: on a loaded machine it could otherwise
        // start after the other two had emptied the queue, and never be killed mid-job.
        let victimChild = try Child(args(5000), log: dir.path("worker0.log"))
        let victim = victimChild.process.processIdentifier
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, try cluster.psql("SELECT COUNT(*) FROM jobs WHERE state = 'running' AND lease_owner LIKE '%:\(victim):%'",
                                                  database: db) == "0" {
            try await Task.sleep(for: .milliseconds(20))
        }
        let workers = try [victimChild] + (1..<3).map { try Child(args(60), log: dir.path("worker\($0).log")) }
        try await Task.sleep(for: .milliseconds(300))
        kill(victim, SIGKILL)
        try await Task.sleep(for: .milliseconds(800))
        try cluster.stop(mode: "fast")
        try await Task.sleep(for: .milliseconds(300))
        try cluster.start()
        try await Task.sleep(for: .milliseconds(1000))
        _ = try cluster.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(db)' AND pid <> pg_backend_pid()")
        for w in workers.dropFirst() { #expect(await w.wait(seconds: 120), "a worker did not finish") }

        #expect(try cluster.psql("SELECT COUNT(*) FROM jobs WHERE state = 'running'", database: db) == "0")
        #expect(try cluster.psql("SELECT COUNT(*) FROM jobs WHERE state = 'done'", database: db) == "200")
        #expect(try cluster.psql("SELECT COUNT(*) FROM results", database: db) == "200")
        #expect(try cluster.psql("SELECT COUNT(*) FROM recordings", database: db) == "200")
        // Every recording: exactly one terminal job that is not a duplicate, one result.
        #expect(try cluster.psql("""
            SELECT COUNT(*) FROM recordings r WHERE (SELECT COUNT(*) FROM jobs j JOIN results res ON res.job_id = j.id
            WHERE j.recording_id = r.id) <> 1
            """, database: db) == "0")
        let published = try String(contentsOfFile: out + "/.published", encoding: .utf8).split(separator: "\n")
        let ids = published.map { $0.split(separator: "\t")[0] }
        #expect(ids.count == 200 && Set(ids).count == 200, "a report folder was published twice or not at all")
        let folders = try FileManager.default.contentsOfDirectory(atPath: out).filter { !$0.hasPrefix(".") }
        #expect(folders.count == 200)
        // The attempts the faults cost were counted (the killed worker's jobs ran again).
        #expect(Int(try cluster.psql("SELECT MAX(attempts) FROM jobs", database: db)) ?? 0 >= 2)
        let listing = try LessonLens.run(["jobs", "list", "--catalog", url, "--state", "done", "--limit", "3"])
        #expect(listing.status == 0 && listing.stdout.hasPrefix("ID\tSTATE\tTRIES\tFILE\tERROR\tHOST"))
        #expect(listing.stdout.contains(ProcessInfo.processInfo.hostName))
    }
}
