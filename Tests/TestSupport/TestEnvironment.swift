public import Foundation
import Testing

/// Paths the tests share and the environment switches they read (all listed in README.md, "Testing").
public enum TestEnvironment {
    /// The repository's root (this file is Tests/TestSupport/TestEnvironment.swift).
    public static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// A committed sample recording, `SampleMedia/<name>`.
    public static func sample(_ name: String) -> String { repoRoot.appendingPathComponent("SampleMedia/" + name).path }

    /// The `lessonlens` binary of the build that built these tests: it sits beside the test bundle
    /// (`swift build --build-tests`, any `--build-path` or configuration). `LESSONLENS_TEST_BINARY`
    /// runs the end-to-end tests against another build instead (e.g. main's, to see a fix's test fail).
    public static let lessonlensBinary: String = {
        if let b = variable("LESSONLENS_TEST_BINARY") { return b }
        let bundleDir = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
                                ?? CommandLine.arguments[0]).deletingLastPathComponent()
        let beside = bundleDir.appendingPathComponent("lessonlens").path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        return repoRoot.appendingPathComponent(".build/debug/lessonlens").path
    }()

    public static var hasLessonlensBinary: Bool { FileManager.default.isExecutableFile(atPath: lessonlensBinary) }

    /// `LESSONLENS_KEEP_TEST_DIRS=1`: temporary folders of the tests are left in place.
    public static var keepTestFolders: Bool { variable("LESSONLENS_KEEP_TEST_DIRS") == "1" }

    /// An environment variable, nil when unset or empty.
    public static func variable(_ name: String) -> String? {
        guard let v = ProcessInfo.processInfo.environment[name], !v.isEmpty else { return nil }
        return v
    }

    /// Tests that mount file systems need root; CI runs as root. Elsewhere they fail with this reason.
    public static func requireRoot() throws {
        guard getuid() == 0 else {
            Issue.record("\(NeedsRoot())")
            throw NeedsRoot()
        }
    }

    public struct NeedsRoot: Error, CustomStringConvertible {
        public var description: String {
            "this test needs root (it mounts a small tmpfs or a read-only bind mount): run as root, as CI does"
        }
    }
}
