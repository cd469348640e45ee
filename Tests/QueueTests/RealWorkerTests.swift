import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The real pipeline on queue workers (issue 12): publish-after-commit with real analyses on SampleMedia.
@Suite("Real workers: the real pipeline on a real PostgreSQL", .serialized, .tags(.slow, .media))
struct RealWorkerTests {
    static let samples = ["lesson-en-dialogue.mp4", "lesson-audio.m4a", "lesson-practice.ts"]

    /// A cluster, a database, an inbox with `samples` copied in and enqueued by an ingester.
    static func setUp(_ label: String, samples: [String]) async throws -> (PostgresCluster, String, TempFolder) {
        let cluster = try await QueueProcess.offPool { try PostgresCluster() }
        let url = try await QueueProcess.offPool { try cluster.createDatabase(label) }
        let dir = try TempFolder(label)
        let inbox = dir.path("inbox")
        try await QueueProcess.offPool {
            try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
            for s in samples { try FileManager.default.copyItem(atPath: TestEnvironment.sample(s), toPath: inbox + "/" + s) }
        }
        let ingest = try QueueProcess.start(["watch", inbox, "--enqueue-only", "--once", "--debounce", "0", "--catalog", url],
                                            log: dir.path("ingest.log"))
        #expect(try await QueueProcess.exited(ingest, within: 60), "the ingester did not finish")
        return (cluster, url, dir)
    }

    @Test("2 worker processes, 3 recordings: one done job, one result and one report folder each, nothing running")
    func twoWorkers() async throws {
        let (cluster, url, dir) = try await Self.setUp("real2", samples: Self.samples)
        defer { cluster.remove(); dir.remove() }
        let db = QueueProcess.database(of: url), out = dir.path("out")
        #expect(try await QueueProcess.sql(cluster, "SELECT COUNT(*) FROM jobs WHERE state = 'queued'", database: db) == "3")
        let workers = try (0..<2).map {
            try QueueProcess.start(["worker", "--catalog", url, "--out", out, "--lease", "20", "--retry-base", "0", "--once"],
                                   log: dir.path("worker\($0).log"))
        }
        for (i, w) in workers.enumerated() {
            #expect(try await QueueProcess.exited(w, within: 600), "worker \(i) did not finish: \(QueueProcess.log(dir.path("worker\(i).log")))")
            #expect(w.terminationStatus == 0)
        }
        #expect(try await QueueProcess.sql(cluster, "SELECT COUNT(*) FROM jobs WHERE state = 'running'", database: db) == "0")
        #expect(try await QueueProcess.sql(cluster, "SELECT COUNT(*) FROM jobs WHERE state = 'done'", database: db) == "3")
        #expect(try await QueueProcess.sql(cluster, "SELECT COUNT(*) FROM results", database: db) == "3")
        #expect(try await QueueProcess.sql(cluster, """
            SELECT COUNT(*) FROM recordings r WHERE (SELECT COUNT(*) FROM jobs j JOIN results res ON res.job_id = j.id
            WHERE j.recording_id = r.id AND j.state = 'done') <> 1
            """, database: db) == "0")
        let folders = QueueProcess.folders(in: out)
        #expect(folders.published.count == 3, "\(folders.published)")
        #expect(folders.staged.isEmpty, "staging folders left: \(folders.staged)")
        let reportDirs = try await QueueProcess.sql(cluster, "SELECT report_dir FROM jobs WHERE state = 'done' ORDER BY id", database: db)
            .split(separator: "\n").map(String.init)
        for d in reportDirs {
            #expect(FileManager.default.fileExists(atPath: d + "/report.json"), "\(d) has no report.json")
            #expect(FileManager.default.fileExists(atPath: d + "/report.html"), "\(d) has no report.html")
        }
        let published = QueueProcess.publishedLines(out).map { $0.split(separator: "\t")[0] }
        #expect(published.count == 3 && Set(published).count == 3, "a report folder was published twice or not at all: \(published)")
    }

    @Test("A commit the catalog refuses publishes nothing; the job fails after its attempts; a rerun publishes it once")
    func failedCommitLeavesNoReport() async throws {
        let (cluster, url, dir) = try await Self.setUp("refuse", samples: ["lesson-lapel.m4a"])
        defer { cluster.remove(); dir.remove() }
        let db = QueueProcess.database(of: url), out = dir.path("out")
        try await QueueProcess.sql(cluster, """
            CREATE FUNCTION refuse_results() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$;
            CREATE TRIGGER refuse BEFORE INSERT ON results FOR EACH ROW EXECUTE FUNCTION refuse_results();
            """, database: db)
        let args = ["worker", "--catalog", url, "--out", out, "--lease", "20", "--retry-base", "0", "--once"]
        let first = try QueueProcess.start(args, log: dir.path("worker1.log"))
        #expect(try await QueueProcess.exited(first, within: 600), "the worker did not finish")
        let log = QueueProcess.log(dir.path("worker1.log"))
        #expect(log.contains("cannot record outcome"), "\(log)")
        #expect(try await QueueProcess.sql(cluster, "SELECT state FROM jobs", database: db) == "failed")
        #expect(try await QueueProcess.sql(cluster, "SELECT error FROM jobs", database: db).contains("cannot record the result"))
        #expect(try await QueueProcess.sql(cluster, "SELECT COUNT(*) FROM results", database: db) == "0")
        var folders = QueueProcess.folders(in: out)
        #expect(folders.published.isEmpty, "a report folder stands without its result: \(folders.published)")
        #expect(folders.staged.isEmpty, "staging folders left: \(folders.staged)")
        #expect(QueueProcess.publishedLines(out).isEmpty)

        try await QueueProcess.sql(cluster, """
            DROP TRIGGER refuse ON results; UPDATE jobs SET state = 'queued', attempts = 0, error = NULL, finished_at = NULL;
            """, database: db)
        let second = try QueueProcess.start(args, log: dir.path("worker2.log"))
        #expect(try await QueueProcess.exited(second, within: 600), "the second worker did not finish")
        #expect(try await QueueProcess.sql(cluster, "SELECT state FROM jobs", database: db) == "done")
        #expect(try await QueueProcess.sql(cluster, "SELECT COUNT(*) FROM results", database: db) == "1")
        folders = QueueProcess.folders(in: out)
        #expect(folders.published.count == 1 && folders.staged.isEmpty, "\(folders)")
        #expect(QueueProcess.publishedLines(out).count == 1)
    }

    @Test("watch DIR --catalog postgres:// without --enqueue-only ingests and analyses in one process")
    func watchRunsJobs() async throws {
        let cluster = try await QueueProcess.offPool { try PostgresCluster() }
        defer { cluster.remove() }
        let url = try await QueueProcess.offPool { try cluster.createDatabase("watchpg") }
        let db = QueueProcess.database(of: url)
        let dir = try TempFolder("watchpg")
        defer { dir.remove() }
        let inbox = dir.path("inbox"), out = dir.path("inbox/reports")
        try await QueueProcess.offPool {
            try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
            for s in ["lesson-lapel.m4a", "lesson-audio.m4a"] {
                try FileManager.default.copyItem(atPath: TestEnvironment.sample(s), toPath: inbox + "/" + s)
            }
        }
        // The report folder inside the watched folder: its files must not be enqueued.
        let watch = try QueueProcess.start(["watch", inbox, "--catalog", url, "--out", out, "--once", "--debounce", "0", "--workers", "2"],
                                           log: dir.path("watch.log"))
        #expect(try await QueueProcess.exited(watch, within: 600), "watch did not finish: \(QueueProcess.log(dir.path("watch.log")))")
        #expect(watch.terminationStatus == 0, "\(QueueProcess.log(dir.path("watch.log")))")
        #expect(try await QueueProcess.sql(cluster, "SELECT COUNT(*) FROM jobs", database: db) == "2")
        #expect(try await QueueProcess.sql(cluster, "SELECT COUNT(*) FROM jobs WHERE state = 'done'", database: db) == "2")
        #expect(try await QueueProcess.sql(cluster, "SELECT COUNT(*) FROM results", database: db) == "2")
        let folders = QueueProcess.folders(in: out)
        #expect(folders.published.count == 2 && folders.staged.isEmpty, "\(folders)")
        #expect(QueueProcess.log(dir.path("watch.log")).contains("watch stopped: 2 done"))
    }
}
