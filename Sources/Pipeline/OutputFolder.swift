import Foundation
import MediaCore

/// Creating output folders, with the one error every command gives when it cannot (exit 73).
public enum OutputFolder {
    /// Creates `path` and its parents. The message names `shown` (the folder the user gave), default `path`.
    public static func create(_ path: String, reportingAs shown: String? = nil) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw SimpleError(.cannotCreateOutput,
                              "cannot create output folder '\(shown ?? path)': \((error as NSError).localizedDescription)")
        }
    }
}
