import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// `lessonlens worker` as a real process (stub pipeline): graceful shutdown and the metrics it reports.
@Suite("Worker process: shutdown and metrics", .serialized, .ownThread, .tags(.slow))
struct WorkerShutdownTests {
    /// A cluster, a database and `count` small files enqueued by an ingester.
    static func queued(_ label: String, count: Int) async throws -> (PostgresCluster, String, TempFolder) {
        let cluster = try await QueueProcess.offPool { try PostgresCluster() }
        let url = try await QueueProcess.offPool { try cluster.createDatabase(label) }
        let dir = try TempFolder(label)
        let inbox = dir.path("inbox")
        try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
        for i in 0..<count { try Data("recording \(i) of \(label)\n".utf8).write(to: URL(fileURLWithPath: inbox + "/r\(i).mp4")) }
        let ingest = try QueueProcess.start(["watch", inbox, "--enqueue-only", "--once", "--debounce", "0", "--catalog", url],
                                            log: dir.path("ingest.log"))
        #expect(try await QueueProcess.exited(ingest, within: 60), "the ingester did not finish")
        return (cluster, url, dir)
    }

    static func worker(_ url: String, _ dir: TempFolder, stubMS: Int, extra: [String] = [], log: String = "worker.log") throws -> Process {
        try QueueProcess.start(["worker", "--catalog", url, "--out", dir.path("out"), "--lease", "3", "--retry-base", "0",
                                "--stub-sleep", "\(stubMS)"] + extra, log: dir.path(log))
    }

    @Test("First SIGTERM: the running job finishes and is published, no new claim, exit 0")
    func firstSignalFinishes() async throws {
        let (cluster, url, dir) = try await Self.queued("term1", count: 2)
        defer { cluster.remove(); dir.remove() }
        let db = QueueProcess.database(of: url)
        // 8 s jobs: the poll that sees the first one running and the signal land well within it, even on a
        // loaded machine where one psql call takes a second.
        let w = try Self.worker(url, dir, stubMS: 8000)
        #expect(try await QueueProcess.eventually(within: 60) {
            try cluster.psql("SELECT COUNT(*) FROM jobs WHERE state = 'running'", database: db) == "1"
        })
        kill(w.processIdentifier, SIGTERM)
        try await Task.sleep(for: .milliseconds(500))
        #expect(w.isRunning, "the worker did not wait for its job")
        #expect(try await QueueProcess.exited(w, within: 30), "the worker did not stop")
        #expect(w.terminationStatus == 0)
        #expect(try await QueueProcess.sql(cluster, "SELECT state FROM jobs ORDER BY id", database: db) == "done\nqueued")
        #expect(try await QueueProcess.sql(cluster, "SELECT attempts FROM jobs ORDER BY id", database: db) == "1\n0")
        #expect(QueueProcess.folders(in: dir.path("out")).published.count == 1)
        #expect(QueueProcess.log(dir.path("worker.log")).contains("worker stopped: 1 done"))
    }

    @Test("Second SIGTERM: the running job goes back to queued at once, its attempt not counted")
    func secondSignalReleases() async throws {
        let (cluster, url, dir) = try await Self.queued("term2", count: 1)
        defer { cluster.remove(); dir.remove() }
        let db = QueueProcess.database(of: url)
        let w = try Self.worker(url, dir, stubMS: 120_000)
        #expect(try await QueueProcess.eventually(within: 60) {
            try cluster.psql("SELECT COUNT(*) FROM jobs WHERE state = 'running'", database: db) == "1"
        })
        kill(w.processIdentifier, SIGTERM)
        try await Task.sleep(for: .milliseconds(700))
        #expect(w.isRunning, "one signal must let the job finish")
        let sent = Date()
        kill(w.processIdentifier, SIGTERM)
        #expect(try await QueueProcess.exited(w, within: 10), "the second signal did not stop the worker")
        #expect(Date().timeIntervalSince(sent) < 5)
        #expect(try await QueueProcess.sql(cluster, "SELECT state, attempts, lease_owner IS NULL FROM jobs", database: db) == "queued|0|t")
        let folders = QueueProcess.folders(in: dir.path("out"))
        #expect(folders.published.isEmpty && folders.staged.isEmpty, "\(folders)")
        #expect(QueueProcess.log(dir.path("worker.log")).contains("1 job(s) given back"))
        // The job is not lost: another worker runs it.
        let again = try Self.worker(url, dir, stubMS: 10, extra: ["--once"], log: "again.log")
        #expect(try await QueueProcess.exited(again, within: 60))
        #expect(try await QueueProcess.sql(cluster, "SELECT state, attempts FROM jobs", database: db) == "done|1")
    }

    @Test("Metrics: a periodic log line and a Prometheus text file with queue depth, states, counts and durations")
    func metrics() async throws {
        let (cluster, url, dir) = try await Self.queued("metrics", count: 4)
        defer { cluster.remove(); dir.remove() }
        let prom = dir.path("worker.prom")
        let w = try Self.worker(url, dir, stubMS: 300, extra: ["--once", "--metrics-interval", "0.3", "--metrics-file", prom])
        #expect(try await QueueProcess.exited(w, within: 60))
        let text = try String(contentsOfFile: prom, encoding: .utf8)
        for line in ["lessonlens_queue_jobs{state=\"done\"} 4", "lessonlens_queue_jobs{state=\"queued\"} 0",
                     "lessonlens_worker_jobs_total{outcome=\"done\"} 4", "lessonlens_worker_jobs_total{outcome=\"failed\"} 0",
                     "# TYPE lessonlens_worker_job_duration_seconds summary", "lessonlens_worker_job_duration_seconds_count 4",
                     "lessonlens_worker_claim_latency_seconds_count 4"] {
            #expect(text.contains(line + "\n"), "missing \(line) in\n\(text)")
        }
        // Exposition format: every sample line is `name{labels} value` or `name value`.
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            #expect(line.split(separator: " ").count == 2 && Double(line.split(separator: " ")[1]) != nil || line.hasSuffix(" NaN"),
                    "bad sample line \(line)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains(".prom.tmp") }.isEmpty)
        let log = QueueProcess.log(dir.path("worker.log"))
        #expect(log.contains("metrics") && log.contains("queueDepth=") && log.contains("claimP95Ms="), "\(log)")
    }
}
