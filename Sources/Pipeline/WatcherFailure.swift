import Catalog
import Foundation
import MediaCore

/// How a failed analysis is recorded.
public enum JobFailure {
    /// Whether retrying may help, and the one-line reason stored in the job.
    ///
    /// Permanent: bad or corrupt media (65), missing or unreadable input (66), usage/config (64),
    /// internal errors (70, a bug that would repeat). Transient: I/O (74), cannot create output (73),
    /// a missing model file (69),
    /// cancellation (shutdown), and errors that do not say (retried up to the catalog's maxAttempts).
    public static func classify(_ error: any Error) -> (transient: Bool, message: String) {
        if error is CancellationError { return (true, "cancelled (shutdown)") }
        if let e = error as? any LessonLensError {
            switch e.exitCode {
            // A missing model (69) is fixed by installing it; the job is worth retrying then.
            case .ioError, .cannotCreateOutput, .unavailable: return (true, e.message)
            case .ok, .failure, .truncated, .usage, .badMedia, .inputMissing, .internalError: return (false, e.message)
            }
        }
        return (true, "\(error)")
    }
}
