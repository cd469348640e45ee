public import Foundation
internal import GRDB
public import MediaCore

extension CatalogStore {
    /// Records an analysis made outside the queue (`lessonlens analyze`). One data, one source: the content
    /// keeps one live job; analysing the same bytes again replaces that job's result and report folder. When a
    /// watcher has the same content queued or running, this run is recorded as a `duplicate` of that job.
    @discardableResult
    public func recordAnalysis(path: String, sha256: String, size: Int64, mtime: Date, pipeline: String,
                               parameters: [String: ParameterValue], reportDir: String, summary: ResultSummary,
                               startedAt: Date, now: Date = Date()) throws -> JobRow {
        let parametersJSON = Self.json(parameters)
        return try write("record the analysis of '\(path)'") { db in
            let recording = try Self.upsertRecording(db, path: path, size: size, mtime: mtime, sha256: sha256, now: now)
            let t = now.timeIntervalSince1970
            if let live = try Self.fetchJob(db, where: "jobs.recording_id = ? AND jobs.state IN ('queued','running','done') LIMIT 1",
                                            [recording.id]) {
                guard live.state == .done else {
                    try db.execute(sql: """
                        INSERT INTO jobs (recording_id, path, state, pipeline, parameters, created_at, finished_at, duplicate_of, report_dir)
                        VALUES (?, ?, 'duplicate', ?, ?, ?, ?, ?, ?)
                        """, arguments: [recording.id, path, pipeline, parametersJSON, t, t, live.id, reportDir])
                    return try Self.fetchJob(db, id: db.lastInsertedRowID)
                }
                try db.execute(sql: """
                    UPDATE jobs SET path = ?, pipeline = ?, parameters = ?, attempts = attempts + 1, error = NULL,
                        started_at = ?, finished_at = ?, report_dir = ? WHERE id = ?
                    """, arguments: [path, pipeline, parametersJSON, startedAt.timeIntervalSince1970, t, reportDir, live.id])
                try db.execute(sql: "DELETE FROM results WHERE job_id = ?", arguments: [live.id])
                try Self.insertResult(db, jobID: live.id, summary: summary, reportDir: reportDir, time: t)
                return try Self.fetchJob(db, id: live.id)
            }
            try db.execute(sql: """
                INSERT INTO jobs (recording_id, path, state, attempts, pipeline, parameters, created_at, started_at, finished_at, report_dir)
                VALUES (?, ?, 'done', 1, ?, ?, ?, ?, ?, ?)
                """, arguments: [recording.id, path, pipeline, parametersJSON, startedAt.timeIntervalSince1970,
                                 startedAt.timeIntervalSince1970, t, reportDir])
            let id = db.lastInsertedRowID
            try Self.insertResult(db, jobID: id, summary: summary, reportDir: reportDir, time: t)
            return try Self.fetchJob(db, id: id)
        }
    }
}

extension CatalogStore {
    /// Inserts the result row of a done job (the row whose existence means "done").
    static func insertResult(_ db: Database, jobID: Int64, summary s: ResultSummary, reportDir: String, time t: Double) throws {
        try db.execute(sql: """
            INSERT INTO results (job_id, duration, teacher_ratio, student_ratio, multi_ratio, silence_ratio, rt, ch,
                mode, median_wait, question_count, turn_exchanges, findings_count, slide_changes, micro_lessons,
                language, lesson_title, teacher, subject, school, report_dir, created_at, warnings)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [jobID, s.durationSeconds, s.teacherRatio, s.studentRatio, s.multiRatio, s.silenceRatio,
                             s.rt, s.ch, s.mode, s.medianWaitSeconds, s.questionCount, s.turnExchanges,
                             s.findingsCount, s.slideChanges, s.microLessons, s.language, s.lessonTitle,
                             s.teacher, s.subject, s.school, reportDir, t, (s.warnings ?? []).joined(separator: ",")])
    }
}

extension CatalogStore {
    /// Records an analysis made outside the queue (`lessonlens analyze`) that failed, so that a
    /// researcher's batch leaves every file in the catalog: a `failed` job with the reason. Analysing the
    /// same bytes at the same path again updates that row (one row per failing path, attempts counted)
    /// instead of piling up rows; a later success adds its own `done` job.
    @discardableResult
    public func recordFailedAnalysis(path: String, sha256: String, size: Int64, mtime: Date, pipeline: String,
                                     parameters: [String: ParameterValue], error: String, startedAt: Date,
                                     now: Date = Date()) throws -> JobRow {
        let parametersJSON = Self.json(parameters)
        return try write("record the failed analysis of '\(path)'") { db in
            let recording = try Self.upsertRecording(db, path: path, size: size, mtime: mtime, sha256: sha256, now: now)
            let t = now.timeIntervalSince1970
            if let earlier = try Self.fetchJob(db, where: "jobs.recording_id = ? AND jobs.path = ? AND jobs.state = 'failed' ORDER BY jobs.id DESC LIMIT 1",
                                               [recording.id, path]) {
                try db.execute(sql: """
                    UPDATE jobs SET pipeline = ?, parameters = ?, attempts = attempts + 1, error = ?, started_at = ?,
                        finished_at = ? WHERE id = ?
                    """, arguments: [pipeline, parametersJSON, error, startedAt.timeIntervalSince1970, t, earlier.id])
                return try Self.fetchJob(db, id: earlier.id)
            }
            try db.execute(sql: """
                INSERT INTO jobs (recording_id, path, state, attempts, error, pipeline, parameters, created_at, started_at, finished_at)
                VALUES (?, ?, 'failed', 1, ?, ?, ?, ?, ?, ?)
                """, arguments: [recording.id, path, error, pipeline, parametersJSON, startedAt.timeIntervalSince1970,
                                 startedAt.timeIntervalSince1970, t])
            return try Self.fetchJob(db, id: db.lastInsertedRowID)
        }
    }
}
