import Foundation
import Testing

extension Tag {
    @Tag static var media: Self
}

/// Generates small media files with the ffmpeg CLI into a per-test temporary folder (test-time fixtures).
struct Fixtures {
    let dir: URL

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("lessonlens-mediaio-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    /// Runs `ffmpeg -y -loglevel error ARGS… OUTPUT` and returns the output path.
    @discardableResult
    func ffmpeg(_ args: [String], output name: String) throws -> String {
        let out = path(name)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
        p.arguments = ["-nostdin", "-hide_banner", "-loglevel", "error", "-y"] + args + [out]
        let err = Pipe()
        p.standardError = err
        try p.run()
        let data = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw FixtureError(message: "ffmpeg failed for \(name): \(String(decoding: data, as: UTF8.self))")
        }
        return out
    }

    func remove() { try? FileManager.default.removeItem(at: dir) }
}

struct FixtureError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
