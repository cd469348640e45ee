import Foundation
public import MediaCore
import Yams

/// A problem with a pipeline file. Always exit 64 (usage): the file is configuration the user wrote,
/// not media, and the message says which key, which file and what is valid.
public enum PipelineConfigError: LessonLensError, Equatable {
    case unreadable(file: String, reason: String)
    case malformed(file: String, reason: String)
    case unknownKey(key: String, file: String, validKeys: [String])
    case outOfRange(key: String, file: String, value: String, valid: String)
    case inconsistent(file: String, reason: String)
    case unknownPreset(name: String, valid: [String])

    public var exitCode: ExitCode { .usage }

    /// One line, at most a few hundred characters of the parser's own words (YAML errors quote the
    /// offending line with a caret under it; a bad value can be 100 KB long).
    public var message: String { YAMLLimits.oneLine(fullMessage, limit: 2_000) }

    /// Where a value came from, as the message names it: `--set` for the command line, else the file.
    private static func place(_ file: String) -> String {
        file == PipelineConfig.commandLineSource || file == "command line" ? "--set" : "pipeline file '\(file)'"
    }

    private var fullMessage: String {
        switch self {
        case .unreadable(let file, let reason):
            return "cannot read pipeline file '\(file)': \(reason)"
        case .malformed(let file, let reason):
            return "pipeline file '\(file)' is not valid: \(YAMLLimits.oneLine(reason))"
        case .unknownKey(let key, let file, let valid):
            return "\(Self.place(file)): unknown parameter '\(YAMLLimits.oneLine(key, limit: 80))'; valid parameters: \(valid.joined(separator: ", "))"
        case .outOfRange(let key, let file, let value, let valid):
            return "\(Self.place(file)): parameter '\(YAMLLimits.oneLine(key, limit: 80))' is \(YAMLLimits.oneLine(value, limit: 80)); valid: \(valid)"
        case .inconsistent(let file, let reason):
            return "\(Self.place(file)): \(reason)"
        case .unknownPreset(let name, let valid):
            return "no built-in pipeline named '\(name)'; built-in pipelines: \(valid.joined(separator: ", "))"
        }
    }
}

/// A pipeline: a name, a description and a value for every parameter of `Parameters.table`
/// (the file's values over the defaults). Recorded in each report (`Report.pipeline`).
public struct PipelineConfig: Sendable, Equatable {
    public var name: String
    public var description: String
    /// Every key of `Parameters.table`, validated.
    public var parameters: [String: ParameterValue]
    /// Where it came from: the file path, or `builtin:<name>`.
    public var source: String

    /// Builds a config from explicit values over the defaults, validating each.
    public init(name: String, description: String = "", overrides: [String: ParameterValue] = [:],
                source: String = "builtin") throws {
        self.name = name
        self.description = description
        self.source = source
        var values = Parameters.defaults
        for (key, value) in overrides {
            values[key] = try Parameters.validate(key: key, value: value, source: source)
        }
        parameters = values
        try checkConsistency()
    }

    /// Reads and validates a pipeline file (YAML). Keys may be dotted (`video.sampleFps: 1`) or nested
    /// (`video: {sampleFps: 1}`); missing keys take their defaults.
    public static func load(path: String) throws -> PipelineConfig {
        // Checked before opening: a FIFO would block the read, and a huge file is not a pipeline.
        if let refusal = YAMLLimits.refusal(forPath: path) {
            throw PipelineConfigError.unreadable(file: path, reason: refusal)
        }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw PipelineConfigError.unreadable(file: path, reason: (error as NSError).localizedDescription)
        }
        let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        return try parse(yaml: text, file: path, defaultName: stem)
    }

    /// Longest pipeline name (characters).
    public static let maxNameCharacters = 200
    /// Longest pipeline description (characters).
    public static let maxDescriptionCharacters = 2_000

    /// Parses pipeline YAML; `file` is used in error messages.
    public static func parse(yaml: String, file: String, defaultName: String = "custom") throws -> PipelineConfig {
        let root: Any?
        do {
            // Bounded first (size, and nodes and text with aliases counted expanded), then turned into values.
            _ = try YAMLLimits.compose(yaml)
            root = try Yams.load(yaml: yaml)
        } catch let refusal as YAMLLimits.Refusal {
            throw PipelineConfigError.malformed(file: file, reason: refusal.reason)
        } catch {
            throw PipelineConfigError.malformed(file: file, reason: "\(error)")
        }
        guard let top = (root ?? [String: Any]()) as? [String: Any] else {
            throw PipelineConfigError.malformed(file: file, reason: "expected a mapping with name, description, parameters")
        }
        let topKeys: Set = ["name", "description", "parameters"]
        if let stray = top.keys.sorted().first(where: { !topKeys.contains($0) }) {
            throw PipelineConfigError.malformed(
                file: file, reason: "unknown top-level key '\(stray)'; expected name, description, parameters")
        }
        let name = top["name"].map { "\($0)" } ?? defaultName
        let description = top["description"].map { "\($0)" } ?? ""
        // The name goes into every report and the catalog: a name, not a document.
        if name.count > maxNameCharacters || description.count > maxDescriptionCharacters {
            throw PipelineConfigError.malformed(
                file: file, reason: "the name may have at most \(maxNameCharacters) characters and the description at most \(maxDescriptionCharacters)")
        }
        var flat: [String: ParameterValue] = [:]
        if let params = top["parameters"] {
            guard let mapping = params as? [String: Any] else {
                throw PipelineConfigError.malformed(file: file, reason: "'parameters' must be a mapping of key: value")
            }
            try flatten(mapping, prefix: "", into: &flat, file: file)
        }
        return try PipelineConfig(name: name, description: description, overrides: flat, source: file)
    }

    private static func flatten(_ mapping: [String: Any], prefix: String, into out: inout [String: ParameterValue],
                                file: String) throws {
        for (k, v) in mapping {
            let key = prefix.isEmpty ? k : "\(prefix).\(k)"
            switch v {
            case let nested as [String: Any]: try flatten(nested, prefix: key, into: &out, file: file)
            case let b as Bool: out[key] = .flag(b)
            case let i as Int: out[key] = .number(Double(i))
            case let d as Double: out[key] = .number(d)
            case let s as String: out[key] = .text(s)
            default:
                // Lists and nulls fit no parameter; report the key so the user sees which line.
                if Parameters.spec(key) == nil { throw PipelineConfigError.unknownKey(key: key, file: file, validKeys: Parameters.keys) }
                throw PipelineConfigError.outOfRange(key: key, file: file, value: "\(v)",
                                                     valid: Parameters.spec(key)!.kind.validValues)
            }
        }
    }

    /// The cross-parameter rules, checked on a complete set of values (after the file and after all
    /// `--set` overrides, never in between: the order of the overrides must not matter). `overridden`
    /// holds the keys set by `overrideSource`; the error names the source of each value.
    private func checkConsistency(overridden: Set<String> = [], overrideSource: String = PipelineConfig.commandLineSource) throws {
        let minKey = "microLessons.minSeconds", maxKey = "microLessons.maxSeconds"
        if let lo = parameters[minKey]?.number, let hi = parameters[maxKey]?.number, lo > hi {
            func from(_ key: String) -> String {
                overridden.contains(key) ? (overrideSource == PipelineConfig.commandLineSource ? "--set" : "'\(overrideSource)'")
                                         : (source.hasPrefix("builtin") ? "the \(name) pipeline" : "'\(source)'")
            }
            let blamed = overridden.contains(minKey) || overridden.contains(maxKey) ? overrideSource : source
            let reason = overridden.isEmpty
                ? "\(minKey) (\(ParameterValue.number(lo))) is larger than \(maxKey) (\(ParameterValue.number(hi)))"
                : "\(minKey) (\(ParameterValue.number(lo)), from \(from(minKey))) is larger than \(maxKey) (\(ParameterValue.number(hi)), from \(from(maxKey)))"
            throw PipelineConfigError.inconsistent(file: blamed, reason: reason)
        }
    }

    /// The name of the command line as a source of values (`--set`).
    public static let commandLineSource = "--set"

    /// The same config with one value replaced from text (`--set key=value` style).
    public func setting(_ key: String, to raw: String, source: String = PipelineConfig.commandLineSource) throws -> PipelineConfig {
        try setting([(key, raw)], source: source)
    }

    /// The same config with several values replaced from text (`--set key=value`, in order; a later
    /// value of the same key wins). Each value is validated on its own, then the cross-parameter rules
    /// once on the result, so `--set min=1000 --set max=2000` and the reverse are the same.
    public func setting(_ overrides: [(key: String, value: String)], source: String = PipelineConfig.commandLineSource) throws -> PipelineConfig {
        var copy = self
        for (key, raw) in overrides {
            let value: ParameterValue = raw == "true" || raw == "false" ? .flag(raw == "true")
                : Double(raw).map { .number($0) } ?? .text(raw)
            copy.parameters[key] = try Parameters.validate(key: key, value: value, source: source)
        }
        try copy.checkConsistency(overridden: Set(overrides.map(\.key)), overrideSource: source)
        return copy
    }

    /// The values as typed settings (the detector configs with this pipeline's values applied).
    public var settings: PipelineSettings {
        var settings = PipelineSettings()
        for spec in Parameters.table {
            if let value = parameters[spec.key] { spec.binding.set(&settings, value) }
        }
        return settings
    }

    /// What the report records about the pipeline.
    public var summary: PipelineSummary { PipelineSummary(name: name, parameters: parameters) }
}
