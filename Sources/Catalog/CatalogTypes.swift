public import Foundation
public import MediaCore

/// Life cycle of a job. `done`, `failed` and `duplicate` are terminal; `retry(id:)` moves `failed` back
/// to `queued`.
public enum JobState: String, Sendable, Codable, CaseIterable {
    case queued, running, done, failed, duplicate

    /// Whether the job has reached an outcome and nobody will touch it again without `retry`.
    public var isTerminal: Bool { self == .done || self == .failed || self == .duplicate }
}

/// One distinct content (one SHA-256): "one data, one source".
public struct RecordingRow: Sendable, Equatable, Codable {
    public var id: Int64
    /// The path it was first seen at.
    public var path: String
    /// Bytes.
    public var size: Int64
    /// Modification time when first seen.
    public var mtime: Date
    /// Lowercase hex SHA-256 of the bytes.
    public var sha256: String
    /// True when this call created the row (the content was never seen before).
    public var isNew: Bool
}

/// One request to analyse one file.
public struct JobRow: Sendable, Equatable, Codable {
    public var id: Int64
    public var recordingID: Int64
    /// File as found on disk (absolute or as given to the watcher).
    public var path: String
    public var sha256: String
    public var state: JobState
    /// How many times a worker claimed it.
    public var attempts: Int
    /// Last failure, one line.
    public var error: String?
    /// Pipeline name (e.g. `standard`).
    public var pipeline: String
    /// Pipeline parameters as a JSON object (resolved values).
    public var parametersJSON: String
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    /// Worker currently holding the lease (while `running`).
    public var leaseOwner: String?
    /// When the lease runs out unless renewed by `heartbeat`.
    public var leaseExpiresAt: Date?
    /// Earliest time a `queued` job may be claimed (retry backoff); nil = now.
    public var nextAttemptAt: Date?
    /// Folder holding the report, once done.
    public var reportDir: String?
    /// For `duplicate` jobs: the job that holds (or will hold) the analysis of the same bytes.
    public var duplicateOf: Int64?
    /// The worker that committed the result (`v5-jobs-completed-by`; nil before, or not done).
    public var completedBy: String? = nil

    public init(id: Int64, recordingID: Int64, path: String, sha256: String, state: JobState, attempts: Int, error: String?,
                pipeline: String, parametersJSON: String, createdAt: Date, startedAt: Date?, finishedAt: Date?,
                leaseOwner: String?, leaseExpiresAt: Date?, nextAttemptAt: Date?, reportDir: String?, duplicateOf: Int64?,
                completedBy: String? = nil) {
        self.id = id
        self.recordingID = recordingID
        self.path = path
        self.sha256 = sha256
        self.state = state
        self.attempts = attempts
        self.error = error
        self.pipeline = pipeline
        self.parametersJSON = parametersJSON
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.leaseOwner = leaseOwner
        self.leaseExpiresAt = leaseExpiresAt
        self.nextAttemptAt = nextAttemptAt
        self.reportDir = reportDir
        self.duplicateOf = duplicateOf
        self.completedBy = completedBy
    }
}

/// What `enqueue` did with a file.
public enum EnqueueOutcome: Sendable, Equatable {
    /// A new job waits for a worker.
    case queued(JobRow)
    /// The bytes were already queued, running or analysed under another job: a `duplicate` row was
    /// recorded (`recorded`) pointing to `original`.
    case duplicate(recorded: JobRow, original: JobRow)
    /// This very path with this content already has a job (e.g. the watcher rescanning after a
    /// restart): nothing was written.
    case alreadyKnown(JobRow)

    /// The job row this outcome is about (the new/duplicate row, or the existing one).
    public var job: JobRow {
        switch self {
        case .queued(let j): return j
        case .duplicate(let j, _): return j
        case .alreadyKnown(let j): return j
        }
    }
}

/// The numbers of one analysed lesson that researchers query across lessons, copied from `report.json`.
public struct ResultSummary: Sendable, Codable, Equatable {
    /// Seconds.
    public var durationSeconds: Double
    public var teacherRatio: Double
    /// (student + multi) / duration.
    public var studentRatio: Double
    public var multiRatio: Double
    public var silenceRatio: Double
    /// S-T teacher ratio Rt; nil when S-T was not computed.
    public var rt: Double?
    /// S-T change ratio Ch.
    public var ch: Double?
    /// `lecture` | `practice` | `dialogue` | `mixed`.
    public var mode: String?
    /// Seconds; nil when no question was answered.
    public var medianWaitSeconds: Double?
    public var questionCount: Int
    public var turnExchanges: Int
    public var findingsCount: Int
    public var slideChanges: Int
    public var microLessons: Int
    /// Report language, `zh` | `en`.
    public var language: String
    public var lessonTitle: String?
    public var teacher: String?
    public var subject: String?
    public var school: String?
    public var reportDir: String
    /// Codes of warnings about the recording itself (e.g. `truncated-recording`); empty when none,
    /// nil when not known (rows and JSON written before the field existed).
    public var warnings: [String]?

    public init(durationSeconds: Double, teacherRatio: Double, studentRatio: Double, multiRatio: Double,
                silenceRatio: Double, rt: Double?, ch: Double?, mode: String?, medianWaitSeconds: Double?,
                questionCount: Int, turnExchanges: Int, findingsCount: Int, slideChanges: Int, microLessons: Int,
                language: String, lessonTitle: String? = nil, teacher: String? = nil, subject: String? = nil,
                school: String? = nil, reportDir: String, warnings: [String]? = []) {
        self.warnings = warnings
        self.durationSeconds = durationSeconds
        self.teacherRatio = teacherRatio
        self.studentRatio = studentRatio
        self.multiRatio = multiRatio
        self.silenceRatio = silenceRatio
        self.rt = rt
        self.ch = ch
        self.mode = mode
        self.medianWaitSeconds = medianWaitSeconds
        self.questionCount = questionCount
        self.turnExchanges = turnExchanges
        self.findingsCount = findingsCount
        self.slideChanges = slideChanges
        self.microLessons = microLessons
        self.language = language
        self.lessonTitle = lessonTitle
        self.teacher = teacher
        self.subject = subject
        self.school = school
        self.reportDir = reportDir
    }

    /// The summary of a finished report written to `reportDir`.
    public init(report: Report, reportDir: String) {
        self.init(durationSeconds: report.recording.durationSeconds,
                  teacherRatio: report.talk.teacherRatio, studentRatio: report.talk.studentRatio,
                  multiRatio: report.talk.multiRatio, silenceRatio: report.talk.silenceRatio,
                  rt: report.st?.rt, ch: report.st?.ch, mode: report.st?.mode.rawValue,
                  medianWaitSeconds: report.interaction.medianWaitSeconds,
                  questionCount: report.interaction.questions.count,
                  turnExchanges: report.interaction.turnExchanges,
                  findingsCount: report.findings.count, slideChanges: report.slides.changes.count,
                  microLessons: report.microLessons.count, language: report.language.rawValue,
                  lessonTitle: report.lesson?.title, teacher: report.lesson?.teacher,
                  subject: report.lesson?.subject, school: report.lesson?.school, reportDir: reportDir)
        warnings = report.findings.map(\.code.rawValue).filter { Self.recordingWarningCodes.contains($0) }
    }

    /// Finding codes that say the recording itself is damaged (kept in the catalog row).
    public static let recordingWarningCodes: Set<String> = ["truncated-recording"]
}

/// One analysed lesson: the result row joined with its job.
public struct ResultRow: Sendable, Codable, Equatable {
    public var jobID: Int64
    public var path: String
    public var sha256: String
    public var pipeline: String
    public var createdAt: Date
    public var summary: ResultSummary

    public init(jobID: Int64, path: String, sha256: String, pipeline: String, createdAt: Date, summary: ResultSummary) {
        self.jobID = jobID
        self.path = path
        self.sha256 = sha256
        self.pipeline = pipeline
        self.createdAt = createdAt
        self.summary = summary
    }
}

/// Failures of the catalog, each naming the database file or job involved.
public enum CatalogError: LessonLensError, Equatable {
    /// The database could not be opened, migrated, read or written.
    case database(path: String, operation: String, reason: String)
    /// No catalog file where one was expected (read-only commands do not create one).
    case notFound(path: String)
    /// A file could not be read (hashing).
    case io(path: String, operation: String, errno: Int32)
    /// No job with this id.
    case noSuchJob(id: Int64)
    /// The job is not in a state that allows the operation (e.g. `retry` of a `done` job).
    case invalidTransition(id: Int64, from: JobState, operation: String)
    /// The worker no longer holds the job's lease (it expired and someone else took or requeued it).
    case leaseLost(id: Int64, worker: String)

    public var exitCode: ExitCode {
        switch self {
        case .database: return .ioError
        case .notFound: return .inputMissing
        case .io(_, _, let e): return e == ENOENT || e == EACCES ? .inputMissing : .ioError
        case .noSuchJob, .invalidTransition: return .usage
        case .leaseLost: return .failure
        }
    }

    public var message: String {
        switch self {
        case .database(let path, let op, let reason):
            return "catalog '\(path)': \(op) failed: \(reason)"
        case .notFound(let path):
            return "no catalog at '\(path)': give --catalog FILE or the --out folder that `watch` or `analyze` wrote to"
        case .io(let path, let op, let e):
            return "cannot \(op) '\(path)': \(String(cString: strerror(e)))"
        case .noSuchJob(let id):
            return "no job with id \(id) in the catalog (see `lessonlens jobs list`)"
        case .invalidTransition(let id, let from, let op):
            return "job \(id) is \(from.rawValue): cannot \(op) it"
        case .leaseLost(let id, let worker):
            return "job \(id): worker '\(worker)' no longer holds its lease (it expired and was requeued)"
        }
    }
}
