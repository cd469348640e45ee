public import Foundation

/// What a finished child process left: its exit status and everything it wrote.
public struct ToolResult: Sendable {
    /// The exit code, or 128 + the signal that ended it (as a shell reports it).
    public var status: Int32
    /// Standard output, byte for byte.
    public var data: Data
    public var stderr: String
    /// Standard output as UTF-8 text.
    public var stdout: String { String(decoding: data, as: UTF8.self) }
}

public struct ToolError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Runs programs for the tests. Output never goes through a pipe: stdout and stderr go to temporary files,
/// read when the child has exited, so a chatty child cannot fill a pipe nobody reads and hang a test.
/// The calls are synchronous and block only the calling thread, like `Process.waitUntilExit`: fixtures
/// are built in `static let` initialisers, and the end-to-end tests poll and time child processes.
/// (swift-subprocess was tried here: its async API needs the concurrency pool to resume, and with
/// Swift Testing's parallel synchronous tests holding the pool's threads on a 2-core machine the waits
/// took minutes or never ended.)
public enum Tool {
    /// Runs `executable` (an absolute path, or a name looked up in /usr/bin) and collects its output.
    /// `environment` is added to the inherited one.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                           cwd: String? = nil) throws -> ToolResult {
        let dir = try TempFolder("tool")
        defer { try? FileManager.default.removeItem(at: dir.url) }
        _ = FileManager.default.createFile(atPath: dir.path("out"), contents: nil)
        _ = FileManager.default.createFile(atPath: dir.path("err"), contents: nil)
        let out = try FileHandle(forWritingTo: dir.url.appendingPathComponent("out"))
        let err = try FileHandle(forWritingTo: dir.url.appendingPathComponent("err"))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : "/usr/bin/" + executable)
        p.arguments = arguments
        if !environment.isEmpty {
            p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = out
        p.standardError = err
        try p.run()
        p.waitUntilExit()
        try out.close()
        try err.close()
        let status = p.terminationReason == .uncaughtSignal ? 128 + p.terminationStatus : p.terminationStatus
        return ToolResult(status: status, data: try Data(contentsOf: dir.url.appendingPathComponent("out")),
                          stderr: String(decoding: try Data(contentsOf: dir.url.appendingPathComponent("err")), as: UTF8.self))
    }

    /// `ffmpeg -nostdin -hide_banner -loglevel error -y ARGS… OUTPUT`; throws with ffmpeg's message on failure.
    @discardableResult
    public static func ffmpeg(_ arguments: [String], output: String) throws -> String {
        let r = try run("/usr/bin/ffmpeg", ["-nostdin", "-hide_banner", "-loglevel", "error", "-y"] + arguments + [output])
        guard r.status == 0 else { throw ToolError("ffmpeg failed for \(output): \(r.stderr)") }
        return output
    }

    /// `ffprobe ARGS…`'s standard output; throws with its message on failure.
    public static func ffprobe(_ arguments: [String]) throws -> Data {
        let r = try run("/usr/bin/ffprobe", arguments)
        guard r.status == 0 else { throw ToolError("ffprobe \(arguments.joined(separator: " ")) failed: \(r.stderr)") }
        return r.data
    }

    /// ffprobe's JSON description of the streams and the format of `path`, decoded as `T`.
    public static func probe<T: Decodable>(_ path: String, as: T.Type = T.self) throws -> T {
        try JSONDecoder().decode(T.self, from: ffprobe(["-v", "error", "-print_format", "json", "-show_streams", "-show_format", path]))
    }

    /// `/bin/sh -c COMMAND`'s exit status.
    @discardableResult
    public static func shell(_ command: String) throws -> Int32 {
        try run("/bin/sh", ["-c", command]).status
    }

    /// A pid that no longer exists (a child that has exited and been reaped).
    public static func deadPid() throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/true")
        try p.run()
        p.waitUntilExit()
        return p.processIdentifier
    }
}

/// The built `lessonlens` binary, run end to end.
public enum LessonLens {
    /// Runs `lessonlens ARGS…` (by default the build's binary, `TestEnvironment.lessonlensBinary`).
    public static func run(_ arguments: [String], cwd: URL? = nil, environment: [String: String] = [:],
                           binary: String = TestEnvironment.lessonlensBinary) throws -> ToolResult {
        try Tool.run(binary, arguments, environment: environment, cwd: cwd?.path)
    }
}
