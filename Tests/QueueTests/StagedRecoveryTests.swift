import Catalog
import Foundation
import MediaCore
@testable import Pipeline
import TestSupport
import Testing

/// `QueueWorker.recoverStaged`: a worker killed between its commit and the rename of its staged report
/// folder leaves a done job without its report; the next worker publishes it. Whether the staging process
/// is dead is known only on its own host: another host's staged folder is judged only once it is older
/// than two leases (issue 12; before, a live worker of another host could lose its folder).
@Suite struct StagedRecoveryTests {
    /// A done job on a SQLite queue whose report folder is missing, and a staged folder for it named with
    /// `host` token and `pid`.
    func doneJobWithStagedReport(_ dir: TempFolder, host: String, pid: Int32) async throws -> (any JobQueue, staged: String, final: String) {
        let store = try CatalogStore(path: dir.path("catalog.sqlite"))
        let queue = SQLiteJobQueue(store: store)
        let out = dir.path("out")
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        _ = try await queue.enqueue(path: "/r/a.mp4", sha256: sha(1), size: 1, mtime: Date(), pipeline: "quick", parameters: [:])
        let job = try #require(try await queue.claimNextJob(worker: "gone:1:x:w0", leaseSeconds: 60))
        let final = out + "/0101010101010101"
        let staged = out + "/.0101010101010101.partial-job\(job.id)-h\(host)-\(pid)-12345"
        try FileManager.default.createDirectory(atPath: staged, withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: URL(fileURLWithPath: staged + "/report.json"))
        _ = try await queue.complete(jobID: job.id, worker: "gone:1:x:w0", reportDir: final, summary: summary(final))
        return (queue, staged, final)
    }

    func summary(_ dir: String) -> ResultSummary {
        ResultSummary(durationSeconds: 1, teacherRatio: 0.5, studentRatio: 0.2, multiRatio: 0, silenceRatio: 0.3, rt: 0.5, ch: 0.2,
                      mode: "mixed", medianWaitSeconds: 2, questionCount: 1, turnExchanges: 1, findingsCount: 0, slideChanges: 0,
                      microLessons: 1, language: "en", reportDir: dir)
    }

    func runOnce(_ queue: any JobQueue, out: String) async {
        var opts = QueueWorkerOptions(outDir: out, config: try! PipelineConfig.builtin(name: "quick"))
        opts.exitWhenIdle = true
        opts.stubSleepMilliseconds = 0
        opts.metricsIntervalSeconds = 0
        opts.leaseSeconds = 60
        _ = await QueueWorker(queue: queue, options: opts).run()
    }

    /// pid_max is at most 2^22 on Linux: this pid is dead.
    static let deadPID: Int32 = 99_999_999

    @Test func aDeadWorkerOfThisHostHasItsReportPublished() async throws {
        let dir = try TempFolder("staged")
        defer { dir.remove() }
        let (queue, staged, final) = try await doneJobWithStagedReport(dir, host: QueueWorker.hostToken, pid: Self.deadPID)
        await runOnce(queue, out: dir.path("out"))
        #expect(FileManager.default.fileExists(atPath: final + "/report.json"))
        #expect(!FileManager.default.fileExists(atPath: staged))
    }

    @Test func anotherHostsFreshFolderIsLeftAloneAndAnOldOneIsPublished() async throws {
        let dir = try TempFolder("staged-foreign")
        defer { dir.remove() }
        // The pid is dead here, but it is another host's: it may be alive there, renaming right now.
        let (queue, staged, final) = try await doneJobWithStagedReport(dir, host: "0badc0de", pid: Self.deadPID)
        await runOnce(queue, out: dir.path("out"))
        #expect(FileManager.default.fileExists(atPath: staged), "a fresh folder of another host is not touched")
        #expect(!FileManager.default.fileExists(atPath: final))
        // Older than two leases: that host's worker died after its commit; publish its report.
        let old = Date().addingTimeInterval(-3600)
        try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: staged)
        // A worker closes its queue when it ends: the next one opens the catalog anew, as a new process would.
        await runOnce(SQLiteJobQueue(store: try CatalogStore(path: dir.path("catalog.sqlite"))), out: dir.path("out"))
        #expect(FileManager.default.fileExists(atPath: final + "/report.json"))
        #expect(!FileManager.default.fileExists(atPath: staged))
    }

    @Test func theStagingNameCarriesThisHostAndPid() async throws {
        let dir = try TempFolder("staged-name")
        defer { dir.remove() }
        let (queue, _, _) = try await doneJobWithStagedReport(dir, host: "00000000", pid: 1)
        let job = try await queue.job(id: 1)
        let suffix = QueueWorker.stagingSuffix(job)
        let fields = suffix.split(separator: "-")
        #expect(fields.count == 4 && fields[0] == "job1" && fields[1] == "h" + QueueWorker.hostToken && fields[2] == "\(getpid())")
        #expect(QueueWorker.hostToken.count == 8 && QueueWorker.hostToken.allSatisfy(\.isHexDigit))
    }
}
