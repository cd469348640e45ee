import Foundation
public import MediaCore

/// The failures of the pipeline's own steps (plans, report folders, the output folder, evaluation),
/// each a named case that says in one line what failed, which file, and why. The exit code is chosen
/// here, at one place, from the case (docs/ARCHITECTURE.md §5); the watcher decides from the same case
/// whether a retry can help (`isTransient`). Media errors stay `MediaError` (MediaIO), catalog errors
/// `CatalogError`, model errors `ModelError`.
public enum PipelineError: LessonLensError, Equatable {
    // Lesson plans (and the same limits for pipeline files).
    case planMissing(path: String)
    case planRefused(path: String, reason: String, tooLarge: Bool)
    case planEmpty(path: String)
    case planInvalid(path: String, problem: String)
    /// Bounds met while parsing (aliases expanded too far, a string too long).
    case planOverLimits(path: String, reason: String)
    case planUnparsable(path: String, reason: String)
    // Report folders re-rendered from report.json (`lessonlens report`).
    case reportMissing(jsonPath: String, folder: String)
    /// report.json is not a LessonLens report: a data error (65), not bad media.
    case notAReport(jsonPath: String, reason: String)
    case reportTooNew(jsonPath: String, schemaVersion: Int)
    // Writing.
    case cannotCreateFolder(path: String, reason: String)
    case cannotWrite(path: String, reason: String)
    /// Writing the report failed on the file system (disk full, I/O error): worth a retry.
    case reportWriteFailed(file: String, outDir: String, reason: String)
    /// Building the report failed (an encoding bug): a retry would fail the same way.
    case reportBuildFailed(file: String, reason: String)
    case notEnoughSpace(folder: String, what: String, free: Int64, needed: Int64, reserve: Int64)
    // Inputs.
    case fileChanged(file: String, stage: String)
    case noSuchFolder(path: String)
    case unreadable(path: String, reason: String)
    // Evaluation.
    case truthMissing(path: String)
    case truthInvalid(path: String, reason: String)
    case noEvaluationLessons(paths: [String])

    public var exitCode: ExitCode {
        switch self {
        case .planMissing, .reportMissing, .noSuchFolder, .unreadable, .truthMissing, .noEvaluationLessons: return .inputMissing
        case .planRefused(_, _, let tooLarge): return tooLarge ? .usage : .inputMissing
        case .planEmpty, .planInvalid, .planOverLimits, .planUnparsable, .truthInvalid: return .usage
        case .notAReport, .reportTooNew: return .badMedia   // 65, EX_DATAERR: the input's data is wrong
        case .cannotCreateFolder, .cannotWrite: return .cannotCreateOutput
        case .reportWriteFailed, .notEnoughSpace, .fileChanged: return .ioError
        case .reportBuildFailed: return .internalError
        }
    }

    public var message: String {
        switch self {
        case .planMissing(let path):
            return "cannot read lesson plan '\(path)': no such file or not readable"
        case .planRefused(let path, let reason, _):
            return "cannot read lesson plan '\(path)': \(reason)"
        case .planEmpty(let path):
            return "lesson plan '\(path)' is empty (expected YAML or JSON with title, teacher, subject, knowledgePoints)"
        case .planInvalid(let path, let problem):
            return "lesson plan '\(path)': \(problem)"
        case .planOverLimits(let path, let reason):
            return "lesson plan '\(path)' is refused: \(reason)"
        case .planUnparsable(let path, let reason):
            return "cannot parse lesson plan '\(path)': \(reason) (expected YAML or JSON with title, teacher, subject, knowledgePoints)"
        case .reportMissing(let jsonPath, let folder):
            return "cannot read '\(jsonPath)': no such file (is '\(folder)' a report folder?)"
        case .notAReport(let jsonPath, let reason):
            return "cannot read '\(jsonPath)': not a LessonLens report (\(reason))"
        case .reportTooNew(let jsonPath, let version):
            return "cannot read '\(jsonPath)': schemaVersion \(version) is newer than this lessonlens understands (1)"
        case .cannotCreateFolder(let path, let reason):
            return "cannot create output folder '\(path)': \(reason)"
        case .cannotWrite(let path, let reason):
            return "cannot write '\(path)': \(reason)"
        case .reportWriteFailed(let file, let outDir, let reason):
            return "cannot write the report for '\(file)' into '\(outDir)': \(reason)"
        case .reportBuildFailed(let file, let reason):
            return "cannot build the report for '\(file)' (a bug in lessonlens, please report it): \(reason)"
        case .notEnoughSpace(let folder, let what, let free, let needed, let reserve):
            return "not enough free space in '\(folder)' for \(what): \(Self.megabytes(free)) free, "
                + "needs about \(Self.megabytes(needed)) (clips about the recording's size + \(Self.megabytes(reserve)) for the report); free some space and run again"
        case .fileChanged(let file, let stage):
            return "'\(file)' was replaced or changed during the analysis (\(stage)): it will be analysed again as the new file"
        case .noSuchFolder(let path):
            return "cannot watch '\(path)': no such folder"
        case .unreadable(let path, let reason):
            return "cannot read '\(path)': \(reason)"
        case .truthMissing(let path):
            return "cannot read truth file '\(path)'"
        case .truthInvalid(let path, let reason):
            return "truth file '\(path)' is not valid: \(reason)"
        case .noEvaluationLessons(let paths):
            return "no media file with a .truth.json sidecar in \(paths.joined(separator: ", "))"
        }
    }

    /// Whether the watcher should retry a job that failed this way (the file system may recover).
    public var isTransient: Bool { exitCode == .ioError || exitCode == .cannotCreateOutput }

    static func megabytes(_ bytes: Int64) -> String {
        String(format: "%.1f MB", Double(bytes) / 1_048_576)
    }
}
