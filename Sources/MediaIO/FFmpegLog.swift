import CFFmpeg
import Logging

/// Routes FFmpeg's own log lines to swift-log. FFmpeg stays silent unless `enable(verbose:)` says otherwise,
/// so a corrupt packet does not spray decoder chatter over the progress display.
public enum FFmpegLog {
    nonisolated(unsafe) private static var logger = Logger(label: "ffmpeg")
    nonisolated(unsafe) private static var configured = false

    /// Called before the first FFmpeg use: FFmpeg's default is to print to stderr, which a library must not do.
    static func ensureConfigured() {
        if !configured { enable(verbose: false) }
    }

    /// - Parameter verbose: when true, FFmpeg warnings and errors go to the `ffmpeg` logger at debug level.
    public static func enable(verbose: Bool) {
        configured = true
        if verbose {
            av_log_set_level(AV_LOG_WARNING)
            cffmpeg_set_log_sink { level, line in
                guard let line else { return }
                let text = String(cString: line).trimmingCharacters(in: "\n")
                FFmpegLog.logger.debug("\(text)", metadata: ["level": "\(level)"])
            }
        } else {
            av_log_set_level(AV_LOG_QUIET)
            cffmpeg_set_log_sink(nil)
        }
    }
}

private extension String {
    func trimmingCharacters(in c: Character) -> String {
        var s = Substring(self)
        while s.last == c { s = s.dropLast() }
        return String(s)
    }
}
