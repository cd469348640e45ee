/// Exit codes of the command line (docs/ARCHITECTURE.md §5), after BSD sysexits.
public enum ExitCode: Int32, Sendable {
    case ok = 0
    case failure = 1
    /// Analysed and reported, but the recording is shorter than its container says (a
    /// `truncated-recording` finding): the report covers only what could be decoded.
    case truncated = 3
    case usage = 64
    case badMedia = 65
    case inputMissing = 66
    /// A required component is missing (the voice-activity model's weights): install it.
    case unavailable = 69
    case internalError = 70
    case cannotCreateOutput = 73
    case ioError = 74
    /// The configuration does not allow a start (sysexits EX_CONFIG), e.g. `serve` with no account.
    case config = 78
}

/// An error that knows which exit code it maps to and how to say itself in one line.
public protocol LessonLensError: Error, CustomStringConvertible, Sendable {
    var exitCode: ExitCode { get }
    /// One line: what failed, which file, why, and (when useful) what to do.
    var message: String { get }
}

extension LessonLensError {
    public var description: String { message }
}

/// A generic failure carrying its exit code, for places without a richer error type.
public struct SimpleError: LessonLensError {
    public var exitCode: ExitCode
    public var message: String
    public init(_ exitCode: ExitCode, _ message: String) {
        self.exitCode = exitCode
        self.message = message
    }
}
