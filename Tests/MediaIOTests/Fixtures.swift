import Foundation
import TestSupport

/// Generates small media files with the ffmpeg CLI into a per-test temporary folder (test-time fixtures).
struct Fixtures {
    let dir: URL

    init() throws {
        dir = try TempFolder("mediaio").url
    }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    /// Runs `ffmpeg -y -loglevel error ARGS… OUTPUT` and returns the output path.
    @discardableResult
    func ffmpeg(_ args: [String], output name: String) throws -> String {
        try Tool.ffmpeg(args, output: path(name))
    }

    func remove() { try? FileManager.default.removeItem(at: dir) }
}
