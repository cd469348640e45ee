public import Foundation
import Subprocess
import SystemPackage

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

/// Runs programs for the tests. Output never goes through a pipe nobody reads: the async runner
/// (swift-subprocess) drains stdout and stderr concurrently; the synchronous one, for fixtures built in
/// `static let` initialisers, sends them to temporary files. Either way a chatty child cannot hang a test.
public enum Tool {
    /// Runs `executable` (an absolute path, or a name looked up in PATH) and collects its output
    /// (up to 256 MiB of stdout, 64 MiB of stderr).
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                           cwd: String? = nil) async throws -> ToolResult {
        let exe: Executable = executable.hasPrefix("/") ? .path(FilePath(executable)) : .name(executable)
        var env: Environment = .inherit
        if !environment.isEmpty {
            env = .inherit.updating(Dictionary(uniqueKeysWithValues: environment.map { (Environment.Key(stringLiteral: $0.key), Optional($0.value)) }))
        }
        let r = try await Subprocess.run(exe, arguments: Arguments(arguments), environment: env,
                                         workingDirectory: cwd.map { FilePath($0) },
                                         output: .data(limit: 256 << 20), error: .string(limit: 64 << 20))
        let status: Int32
        switch r.terminationStatus {
        case .exited(let code): status = code
        case .signaled(let signal): status = 128 + signal
        }
        return ToolResult(status: status, data: r.standardOutput, stderr: r.standardError)
    }

    /// The same, synchronously (for `static let` fixtures and other non-async callers).
    public static func runSync(_ executable: String, _ arguments: [String], cwd: String? = nil) throws -> ToolResult {
        let dir = try TempFolder("tool")
        defer { try? FileManager.default.removeItem(at: dir.url) }
        _ = FileManager.default.createFile(atPath: dir.path("out"), contents: nil)
        _ = FileManager.default.createFile(atPath: dir.path("err"), contents: nil)
        let out = try FileHandle(forWritingTo: dir.url.appendingPathComponent("out"))
        let err = try FileHandle(forWritingTo: dir.url.appendingPathComponent("err"))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : "/usr/bin/" + executable)
        p.arguments = arguments
        if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = out
        p.standardError = err
        try p.run()
        p.waitUntilExit()
        try out.close(); try err.close()
        let status = p.terminationReason == .uncaughtSignal ? 128 + p.terminationStatus : p.terminationStatus
        return ToolResult(status: status, data: try Data(contentsOf: dir.url.appendingPathComponent("out")),
                          stderr: String(decoding: try Data(contentsOf: dir.url.appendingPathComponent("err")), as: UTF8.self))
    }

    /// `ffmpeg -nostdin -hide_banner -loglevel error -y ARGS… OUTPUT`; throws with ffmpeg's message on failure.
    @discardableResult
    public static func ffmpeg(_ arguments: [String], output: String) throws -> String {
        let r = try runSync("/usr/bin/ffmpeg", ["-nostdin", "-hide_banner", "-loglevel", "error", "-y"] + arguments + [output])
        guard r.status == 0 else { throw ToolError("ffmpeg failed for \(output): \(r.stderr)") }
        return output
    }

    /// `ffprobe ARGS…`'s standard output; throws with its message on failure.
    public static func ffprobe(_ arguments: [String]) throws -> Data {
        let r = try runSync("/usr/bin/ffprobe", arguments)
        guard r.status == 0 else { throw ToolError("ffprobe \(arguments.joined(separator: " ")) failed: \(r.stderr)") }
        return r.data
    }

    /// ffprobe's JSON description of the streams and the format of `path`, decoded as `T`.
    public static func probe<T: Decodable>(_ path: String, as: T.Type = T.self) throws -> T {
        try JSONDecoder().decode(T.self, from: ffprobe(["-v", "error", "-print_format", "json", "-show_streams", "-show_format", path]))
    }

    /// `/bin/sh -c COMMAND`'s exit status (output discarded to files, never a pipe).
    @discardableResult
    public static func shell(_ command: String) throws -> Int32 {
        try runSync("/bin/sh", ["-c", command]).status
    }

    /// A pid that no longer exists (a child that has exited and been reaped).
    public static func deadPid() throws -> pid_t {
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
                           binary: String = TestEnvironment.lessonlensBinary) async throws -> ToolResult {
        try await Tool.run(binary, arguments, environment: environment, cwd: cwd?.path)
    }
}
