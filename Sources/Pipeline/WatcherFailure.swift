import Catalog
import Foundation
import MediaCore

/// How a failed analysis is recorded.
public enum JobFailure {
    /// Whether retrying may help, and the one-line reason stored in the job (`AnalysisFailure` says which
    /// exit codes are transient).
    public static func classify(_ error: any Error) -> (transient: Bool, message: String) {
        let failure = AnalysisFailure(error)
        return (failure.transient, failure.message)
    }
}
