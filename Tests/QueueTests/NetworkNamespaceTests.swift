import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Workers as separate hosts (issue 12): each `lessonlens worker` runs in a network namespace of its own
/// (`HostNetwork`: veth pairs on a private bridge, its own host name), reaches PostgreSQL over that network,
/// and shares the report folder with the others (a folder on one file system, as NFS would be). Then the
/// network between one host and the database is cut while it holds jobs.
@Suite("Queue hosts in network namespaces: the network cut between a worker and the database",
       .serialized, .ownThread, .tags(.slow))
struct NetworkNamespaceTests {
    /// Starts `executable ARGS…` with its output in `log` (a file, never a pipe).
    static func start(_ command: (executable: String, arguments: [String]), log: String) throws -> Process {
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: command.executable)
        p.arguments = command.arguments
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = handle
        p.standardError = handle
        try p.run()
        return p
    }

    @Test("20 jobs on hosts a and b; a is cut off mid-job: its work stops, b requeues and finishes everything once, a exits when back")
    func cutHost() async throws {
        let began = Date()
        // No root, no iproute2, no network namespaces: the error thrown names what is missing and fails the test.
        let network = try await QueueProcess.offPool { try HostNetwork(hosts: ["a", "b"]) }
        var workers: [Process] = []
        defer {
            // Whatever happened: no worker left running (a process in a namespace keeps it alive), no namespace left.
            for w in workers where w.isRunning { kill(w.processIdentifier, SIGKILL); w.waitUntilExit() }
            network.remove()
        }
        let (a, b) = (network.host("a"), network.host("b"))
        let cluster = try await QueueProcess.offPool {
            try PostgresCluster(alsoListenOn: [network.gateway], trusting: [network.network])
        }
        defer { cluster.remove() }
        let local = try await QueueProcess.offPool { try cluster.createDatabase("netns") }
        let db = QueueProcess.database(of: local)
        // The hosts reach the database at the root namespace's address on their network.
        let remote = cluster.url(database: db, host: network.gateway)
        let dir = try TempFolder("netns")
        defer { dir.remove() }
        let inbox = dir.path("inbox"), out = dir.path("out")
        try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
        for i in 0..<20 { try Data("recording \(i) on a shared disk\n".utf8).write(to: URL(fileURLWithPath: inbox + "/r\(i).mp4")) }
        let ingest = try QueueProcess.start(["watch", inbox, "--enqueue-only", "--once", "--debounce", "0", "--catalog", local],
                                            log: dir.path("ingest.log"))
        #expect(try await QueueProcess.exited(ingest, within: 60), "the ingester did not finish")
        try #require(try await QueueProcess.sql(cluster, "SELECT COUNT(*) FROM jobs WHERE state = 'queued'", database: db) == "20")
        // Each host reaches the database over its own link.
        for host in [a, b] {
            #expect(try await QueueProcess.offPool { network.canConnect(from: host, to: network.gateway, port: cluster.port) },
                    "host \(host.label) cannot reach PostgreSQL at \(network.gateway):\(cluster.port)")
        }

        // 4 s jobs, 3 lanes a host, 2 s leases (renewed every 0.67 s): a job a holds at the cut, claimed just
        // before it, has its lease run out (2 s after its last renewal) well before its analysis would end.
        let args = ["worker", "--catalog", remote, "--out", out, "--workers", "3", "--lease", "2", "--retry-base", "0",
                    "--stub-sleep", "4000", "--once"]
        for host in [a, b] {
            workers.append(try Self.start(network.command(on: host, TestEnvironment.lessonlensBinary, args),
                                          log: dir.path("worker-\(host.label).log")))
        }
        let (workerA, workerB) = (workers[0], workers[1])
        // Lease owners are `host:pid:token:wN`: the namespaces' host names (unshare --uts), and the pids the test started.
        let ownerA = "\(a.namespace):\(workerA.processIdentifier):", ownerB = "\(b.namespace):\(workerB.processIdentifier):"

        // Cut a once it has committed a job and holds a job in each lane (all show in the catalog; nothing of
        // a's changes after: a commit or claim under way at the cut that reached the server has its reply lost).
        #expect(try await QueueProcess.eventually(within: 40) {
            try cluster.psql("""
                SELECT (SELECT COUNT(*) FROM jobs WHERE state = 'done' AND completed_by LIKE '\(ownerA)%') > 0
                   AND (SELECT COUNT(*) FROM jobs WHERE state = 'running' AND lease_owner LIKE '\(ownerA)%') = 3
                """, database: db) == "t"
        }, "host a never held three jobs after committing one")
        try await QueueProcess.offPool { try network.cut(a) }
        let cutAt = Date()
        let held = try await QueueProcess.sql(cluster, "SELECT id FROM jobs WHERE state = 'running' AND lease_owner LIKE '\(ownerA)%'",
                                              database: db).split(separator: "\n").map(String.init)
        let doneByA = try await QueueProcess.sql(cluster, "SELECT id FROM jobs WHERE completed_by LIKE '\(ownerA)%'", database: db)
            .split(separator: "\n").map(String.init)
        #expect(!held.isEmpty)
        #expect(try await QueueProcess.offPool { !network.canConnect(from: a, to: network.gateway, port: cluster.port, seconds: 1) },
                "the cut did not take host a off the network")
        let publishedByAAtCut = QueueProcess.publishedLines(out).filter { $0.contains("\t\(ownerA)") }

        // a cannot renew: its running jobs stop once their leases run out by its own clock (the analysis
        // cancelled, nothing staged or published), while b requeues the expired leases and runs everything.
        // (A job whose claim reached the server just before the cut, its reply lost, is held by a in the
        // catalog only: a never ran it, and its lease runs out there.)
        let abandonedByA = { @Sendable in
            QueueProcess.log(dir.path("worker-a.log")).split(separator: "\n").filter { $0.hasSuffix("lease lost: job abandoned") }
                .compactMap { $0.components(separatedBy: "job=").dropFirst().first?.split(separator: " ").first.map(String.init) }
        }
        #expect(try await QueueProcess.eventually(within: 10) { abandonedByA().count >= max(1, held.count - 1) },
                "host a went on with jobs whose leases had run out:\n\(QueueProcess.log(dir.path("worker-a.log")))")
        #expect(abandonedByA().allSatisfy(held.contains), "a abandoned \(abandonedByA()), held \(held)")
        #expect(QueueProcess.log(dir.path("worker-a.log")).contains("lease ran out without a renewal"))
        #expect(await workerB.exited(within: 60), "host b did not finish the queue")
        #expect(workerB.terminationStatus == 0)
        #expect(workerA.isRunning, "host a exited while cut off")
        let states = try await QueueProcess.sql(cluster, "SELECT state || '=' || COUNT(*) FROM jobs GROUP BY state", database: db)
        #expect(states == "done=20", "\(states)")
        // a's held jobs went to b, on a second attempt.
        for id in held {
            #expect(try await QueueProcess.sql(cluster, "SELECT attempts >= 2, completed_by LIKE '\(ownerB)%' FROM jobs WHERE id = \(id)",
                                               database: db) == "t|t", "job \(id), held by a at the cut")
        }
        #expect(try await QueueProcess.sql(cluster, """
            SELECT COUNT(*) FROM jobs WHERE completed_by NOT LIKE '\(ownerA)%' AND completed_by NOT LIKE '\(ownerB)%'
            """, database: db) == "0")
        #expect(QueueProcess.folders(in: out).staged.isEmpty, "\(QueueProcess.folders(in: out).staged)")

        // Back on the network: a's lanes get answers again, find nothing queued or running, and it exits
        // (`--once`) with a clean status, its abandoned jobs counted; a catalog call's tries are 15 s each.
        try await QueueProcess.offPool { try network.restore(a) }
        #expect(await workerA.exited(within: 45), "host a did not exit after the network came back:\n\(QueueProcess.log(dir.path("worker-a.log")))")
        #expect(workerA.terminationStatus == 0)
        let logA = QueueProcess.log(dir.path("worker-a.log"))
        #expect(logA.contains("worker stopped: \(doneByA.count) done, 0 failed, \(abandonedByA().count) abandoned"), "\(logA)")

        // Every recording: one terminal job, one result; every report folder published once, by the worker
        // that committed it; a published nothing after the cut.
        #expect(try await QueueProcess.sql(cluster, "SELECT COUNT(*) FROM jobs WHERE state = 'running'", database: db) == "0")
        #expect(try await QueueProcess.sql(cluster, "SELECT COUNT(*) FROM results", database: db) == "20")
        #expect(try await QueueProcess.sql(cluster, """
            SELECT COUNT(*) FROM recordings r WHERE (SELECT COUNT(*) FROM jobs j JOIN results res ON res.job_id = j.id
            WHERE j.recording_id = r.id) <> 1
            """, database: db) == "0")
        let published = QueueProcess.publishedLines(out)
        let ids = published.map { String($0.split(separator: "\t")[0]) }
        #expect(ids.count == 20 && Set(ids).count == 20, "a report folder was published twice or not at all:\n\(published)")
        #expect(QueueProcess.folders(in: out).published.count == 20)
        // (A commit of a's that reached the server just before the cut, its reply lost, is published by a once
        // the network is back: its own committed job. None of the jobs it held at the cut is.)
        let lateA = Set(published.filter { $0.contains("\t\(ownerA)") }).subtracting(publishedByAAtCut)
            .map { String($0.split(separator: "\t")[0]) }
        #expect(lateA.allSatisfy { doneByA.contains($0) && !held.contains($0) }, "host a published after the cut: \(lateA)")
        for line in published {
            let f = line.split(separator: "\t").map(String.init)
            #expect(try await QueueProcess.sql(cluster, "SELECT completed_by FROM jobs WHERE id = \(f[0])", database: db) == f[2],
                    "job \(f[0]) published by another worker than the one that committed it")
        }
        // `jobs list` names both hosts (the host part of who completed each job).
        let listing = try await QueueProcess.offPool { try LessonLens.run(["jobs", "list", "--catalog", local, "--limit", "50"]) }
        let hosts = listing.stdout.split(separator: "\n").dropFirst().map { String($0.split(separator: "\t").last ?? "") }
        #expect(listing.status == 0 && hosts.count == 20, "\(listing.stdout)")
        #expect(hosts.filter { $0 == a.namespace }.count == doneByA.count && hosts.filter { $0 == b.namespace }.count == 20 - doneByA.count,
                "\(listing.stdout)")
        #expect(Date().timeIntervalSince(cutAt) < 80 && Date().timeIntervalSince(began) < 90, "took \(Date().timeIntervalSince(began)) s")
    }
}
