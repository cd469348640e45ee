public import Analysis
import Catalog
import Foundation
public import MediaCore

/// The learned models' weight files: where they are looked for, and loading them once per process.
///
/// Search order: the folder given with `--models` (`Models.useFolder`), `$LESSONLENS_MODELS`,
/// `/usr/local/share/lessonlens/models` (where `make deps` installs as root), then
/// `$XDG_DATA_HOME/lessonlens/models` (default `~/.local/share/lessonlens/models`, a user's install).
/// A missing or damaged file is a `ModelError` (exit 69) naming the file and the command that installs
/// it; there is no silent fall-back to another method.
public enum Models {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var explicitFolder: String?
    nonisolated(unsafe) private static var cache: [String: SileroWeights] = [:]

    /// Uses `folder` before every other place (the `--models` option).
    public static func useFolder(_ folder: String?) {
        lock.withLock { explicitFolder = folder }
    }

    /// The folders searched, in order.
    public static var searchFolders: [String] {
        let env = ProcessInfo.processInfo.environment
        if let f = lock.withLock({ explicitFolder }) { return [f] }
        var dirs: [String] = []
        if let d = env["LESSONLENS_MODELS"], !d.isEmpty { dirs.append(d) }
        dirs.append("/usr/local/share/lessonlens/models")
        dirs.append((env["XDG_DATA_HOME"] ?? (NSHomeDirectory() as NSString).appendingPathComponent(".local/share")) + "/lessonlens/models")
        return dirs
    }

    static let installHint = "install it with `make models` (scripts/fetch-models.sh), or point --models or LESSONLENS_MODELS at the folder that holds it"

    /// The voice-activity model `config` runs (nil when it analyses no voices, or runs the acoustic cues
    /// alone), loaded once per process; a missing or damaged file throws `ModelError`.
    public static func speechModel(for config: PipelineConfig) throws -> SileroWeights? {
        let settings = config.settings
        return settings.voiceEnabled && settings.voiceActivity == .silero ? try silero() : nil
    }

    /// The path of the weight file `name` in the first of `searchFolders` that holds it; a `ModelError`
    /// naming the folders and the install command when none does.
    public static func path(of name: String) throws -> String {
        let folders = searchFolders
        guard let path = folders.map({ ($0 as NSString).appendingPathComponent(name) })
            .first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw ModelError("voice-activity model '\(name)' not found in \(folders.joined(separator: ", ")): \(installHint)")
        }
        return path
    }

    /// Silero VAD's weights, verified against their pinned SHA-256 and parsed once per process.
    public static func silero() throws -> SileroWeights {
        let path = try Self.path(of: SileroWeights.fileName)
        if let w = lock.withLock({ cache[path] }) { return w }
        let digest: String
        do { digest = try SHA256.hexDigest(ofFileAt: path) } catch {
            throw ModelError("cannot read voice-activity model '\(path)': \((error as NSError).localizedDescription); \(installHint)")
        }
        guard digest == SileroWeights.sha256 else {
            throw ModelError("voice-activity model '\(path)' is damaged or not the pinned version (SHA-256 \(digest.prefix(16))…, expected \(SileroWeights.sha256.prefix(16))…): \(installHint)")
        }
        let weights: SileroWeights
        do { weights = try SileroWeights(data: Data(contentsOf: URL(fileURLWithPath: path))) } catch {
            throw ModelError("voice-activity model '\(path)' cannot be read: \(error); \(installHint)")
        }
        lock.withLock { cache[path] = weights }
        return weights
    }
}

extension Models {
    nonisolated(unsafe) private static var encoderCache: [String: SpeakerEncoderWeights] = [:]
    private static let encoderLock = NSLock()

    /// The speaker-embedding model `config` runs (`voice.speakerEmbedding`; nil when off), loaded once
    /// per process; a missing or damaged file throws `ModelError`.
    public static func speakerModel(for config: PipelineConfig) throws -> SpeakerEncoderWeights? {
        let settings = config.settings
        return settings.voiceEnabled && settings.voice.speakerEmbedding ? try speakerEncoder() : nil
    }

    /// Resemblyzer's GE2E voice encoder, verified against its pinned SHA-256 and parsed once per process.
    public static func speakerEncoder() throws -> SpeakerEncoderWeights {
        let name = SpeakerEncoderWeights.fileName
        let folders = searchFolders
        guard let path = folders.map({ ($0 as NSString).appendingPathComponent(name) })
            .first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw ModelError("speaker-embedding model '\(name)' not found in \(folders.joined(separator: ", ")): \(installHint)")
        }
        if let w = encoderLock.withLock({ encoderCache[path] }) { return w }
        let digest: String
        do { digest = try SHA256.hexDigest(ofFileAt: path) } catch {
            throw ModelError("cannot read speaker-embedding model '\(path)': \((error as NSError).localizedDescription); \(installHint)")
        }
        guard digest == SpeakerEncoderWeights.sha256 else {
            throw ModelError("speaker-embedding model '\(path)' is damaged or not the pinned version (SHA-256 \(digest.prefix(16))…, expected \(SpeakerEncoderWeights.sha256.prefix(16))…): \(installHint)")
        }
        let weights: SpeakerEncoderWeights
        do { weights = try SpeakerEncoderWeights(data: Data(contentsOf: URL(fileURLWithPath: path))) } catch {
            throw ModelError("speaker-embedding model '\(path)' cannot be read: \(error); \(installHint)")
        }
        encoderLock.withLock { encoderCache[path] = weights }
        return weights
    }
}

/// A model file is missing or damaged (exit 69, "service unavailable": nothing is wrong with the input).
public struct ModelError: LessonLensError {
    public var message: String
    public var exitCode: ExitCode { .unavailable }
    init(_ message: String) { self.message = message }
}
