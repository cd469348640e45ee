import Foundation
public import Logging
import MediaIO

/// Version of the tool, written into every report.
public enum LessonLensVersion {
    public static let string = "0.1.0"
}

/// Logging for the whole process: quiet structured lines on stderr, FFmpeg silent unless verbose.
public enum LogSetup {
    nonisolated(unsafe) private static var done = false

    /// - Parameter defaultLevel: the level without `--verbose` (`watch` logs its jobs at `.info`: that log
    ///   is what an operator reads; the batch commands show result lines instead and log only warnings).
    public static func bootstrap(verbose: Bool, defaultLevel: Logger.Level = .warning) {
        guard !done else { return }
        done = true
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = verbose ? .debug : defaultLevel
            return handler
        }
        FFmpegLog.enable(verbose: verbose)
    }
}
