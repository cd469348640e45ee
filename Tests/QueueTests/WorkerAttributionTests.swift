import Catalog
import Foundation
import MediaCore
@testable import Pipeline
import Testing
import TestSupport

/// A queue worker attributes the lesson it completed (issue 11 on the issue-12 worker path), as `analyze` and
/// `watch` do in their commit: after the result is committed and the report published, from the published
/// report.json, to the timetable slot of the recording's room and time. Here on the SQLite queue (a
/// `PortalCatalog` too); the PostgreSQL queue takes the same path once it is one.
@Suite(.serialized, .ownThread, .tags(.slow, .media)) struct WorkerAttributionTests {
    @Test func aCompletedJobIsAttributedToItsTimetableSlot() async throws {
        let dir = try TempFolder("worker-attribution")
        defer { dir.remove() }
        let catalogPath = dir.path("catalog.sqlite"), out = dir.path("out")
        // {school}/{room}/{yyyyMMdd-HHmmss}.*: school S1, room R1, Monday 7 September 2026 at 08:00.
        let recording = dir.path("inbox/S1/R1/20260907-080000.m4a")
        try FileManager.default.createDirectory(atPath: dir.path("inbox/S1/R1"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: TestEnvironment.sample("lesson-lapel.m4a"), toPath: recording)
        let csv = dir.path("timetable.csv")
        try ("school,room,weekday,date,start,end,teacher_id,teacher_name,subject,class,term\n"
            + "S1,R1,1,,08:00,08:45,T1,Ann,Physics,7A,t1\nS1,R2,1,,08:00,08:45,T2,Bob,Art,7B,t1\n")
            .write(toFile: csv, atomically: true, encoding: .utf8)
        #expect(try await JobCatalog(path: catalogPath).importTimetable(csv) == ["term t1: 2 slots imported"])
        let config = try PipelineConfig.builtin(name: "quick")
        let lines = try await SharedCatalog.enqueue(catalogPath, files: [recording], config: config)
        #expect(lines.count == 1 && lines[0].hasPrefix("queued "), "\(lines)")

        var options = QueueWorkerOptions(outDir: out, config: config)
        options.exitWhenIdle = true
        options.metricsIntervalSeconds = 0
        let summary = await QueueWorker(queue: SQLiteJobQueue(store: try CatalogStore(path: catalogPath)), options: options).run()
        #expect(summary.hasPrefix("1 done, 0 failed"), "\(summary)")

        let store = try CatalogStore(path: catalogPath)
        let job = try #require(try store.doneJobs(afterID: 0, limit: 1).first)
        let a = try #require(try store.attribution(jobID: job.id), "the worker attributed the lesson")
        #expect(a.source == .timetable && a.teacherID == "T1" && a.school == "S1" && a.room == "R1" && a.className == "7A", "\(a)")
        #expect(try store.unmatchedLessons(school: nil, afterID: 0, limit: 1).isEmpty)
        #expect(try store.lessons(teacherID: "T1").map(\.jobID) == [job.id], "the lesson is the teacher's in the portal")
    }
}
