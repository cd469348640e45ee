public import Foundation

/// A fresh folder under the system temporary directory, named `lessonlens-<label>-<uuid>`.
/// Call `remove()` (usually in a `defer`); `LESSONLENS_KEEP_TEST_DIRS=1` keeps it for diagnosis.
public struct TempFolder: Sendable {
    public let url: URL
    public var path: String { url.path }

    public init(_ label: String) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("lessonlens-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// The path of `name` inside the folder.
    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    public func remove() {
        if TestEnvironment.keepTestFolders { return }
        try? FileManager.default.removeItem(at: url)
    }
}
