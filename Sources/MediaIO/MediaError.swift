import CFFmpeg
public import MediaCore

/// Why a recording could not be read. Each case says which file and why, in one line.
public struct MediaError: LessonLensError, Equatable {
    public enum Kind: Sendable, Equatable {
        /// The file does not exist or cannot be read (exit 66).
        case missing
        /// The bytes are not usable media: empty, truncated beyond use, not media, no streams (exit 65).
        case badMedia
        /// Reading failed for a reason unrelated to the content (exit 74).
        case io
        /// Something FFmpeg should always do failed, e.g. allocation (exit 70).
        case internalFailure
        /// An output file (clip, thumbnail) could not be created or written (exit 73).
        case cannotCreateOutput
    }

    public var kind: Kind
    public var path: String
    public var reason: String
    /// The FFmpeg call that failed, when there was one.
    public var function: String?

    public init(_ kind: Kind, path: String, reason: String, function: String? = nil) {
        self.kind = kind
        self.path = path
        self.reason = reason
        self.function = function
    }

    public var exitCode: ExitCode {
        switch kind {
        case .missing: return .inputMissing
        case .badMedia: return .badMedia
        case .io: return .ioError
        case .internalFailure: return .internalError
        case .cannotCreateOutput: return .cannotCreateOutput
        }
    }

    public var message: String {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let suffix = function.map { " (\($0))" } ?? ""
        let verb = kind == .cannotCreateOutput ? "write" : "read"
        return "cannot \(verb) '\(name)': \(reason)\(suffix)"
    }
}

/// FFmpeg's text for an error code (what `av_err2str` gives in C).
func ffmpegErrorText(_ code: Int32) -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    buffer.withUnsafeMutableBufferPointer { cffmpeg_strerror(code, $0.baseAddress, $0.count) }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// The one choke point that turns an FFmpeg return code into a typed error carrying the function and path.
/// Codes that mean "the bytes are bad" become `.badMedia`; I/O errno codes become `.io`.
@discardableResult
func check(_ code: Int32, _ function: String, path: String) throws(MediaError) -> Int32 {
    guard code < 0 else { return code }
    throw MediaError(classify(code), path: path, reason: ffmpegErrorText(code), function: function)
}

func classify(_ code: Int32) -> MediaError.Kind {
    switch code {
    case cffmpeg_averror(ENOENT), cffmpeg_averror(EACCES), cffmpeg_averror(EISDIR): return .missing
    case cffmpeg_averror(EIO): return .io
    // ENOMEM from a codec or demuxer call means it was asked for an absurd allocation by a bogus size
    // in the file (a real shortage kills the process first on Linux): damaged media, not our failure.
    // Allocations of our own (av_packet_alloc returning nil) are reported as internal failures where made.
    case cffmpeg_averror(ENOMEM): return .badMedia
    default: return .badMedia
    }
}

/// FFmpeg constants that Swift cannot import as-is (macros), gathered in one place.
enum FFConstants {
    static let eof = cffmpeg_averror_eof()
    static let again = cffmpeg_averror(EAGAIN)
    static let invalidData = cffmpeg_averror_invaliddata()
    static let noPTS = cffmpeg_nopts_value()
    static let timeBaseQ = cffmpeg_time_base_q()
}

/// Turns FFmpeg's "no timestamp" into nil at the boundary.
func timestamp(_ value: Int64) -> Int64? { value == FFConstants.noPTS ? nil : value }
