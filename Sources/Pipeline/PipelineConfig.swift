import Foundation
import MediaCore
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

    public var message: String {
        switch self {
        case .unreadable(let file, let reason):
            return "cannot read pipeline file '\(file)': \(reason)"
        case .malformed(let file, let reason):
            return "pipeline file '\(file)' is not valid: \(reason)"
        case .unknownKey(let key, let file, let valid):
            return "pipeline file '\(file)': unknown parameter '\(key)'; valid parameters: \(valid.joined(separator: ", "))"
        case .outOfRange(let key, let file, let value, let valid):
            return "pipeline file '\(file)': parameter '\(key)' is \(value); valid: \(valid)"
        case .inconsistent(let file, let reason):
            return "pipeline file '\(file)': \(reason)"
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
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw PipelineConfigError.unreadable(file: path, reason: (error as NSError).localizedDescription)
        }
        let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        return try parse(yaml: text, file: path, defaultName: stem)
    }

    /// Parses pipeline YAML; `file` is used in error messages.
    public static func parse(yaml: String, file: String, defaultName: String = "custom") throws -> PipelineConfig {
        let root: Any?
        do {
            root = try Yams.load(yaml: yaml)
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

    private func checkConsistency() throws {
        if let lo = parameters["microLessons.minSeconds"]?.number, let hi = parameters["microLessons.maxSeconds"]?.number,
           lo > hi {
            throw PipelineConfigError.inconsistent(
                file: source, reason: "microLessons.minSeconds (\(lo)) is larger than microLessons.maxSeconds (\(hi))")
        }
    }

    /// The same config with one value replaced from text (`--set key=value` style).
    public func setting(_ key: String, to raw: String, source: String = "command line") throws -> PipelineConfig {
        var copy = self
        let value: ParameterValue = raw == "true" || raw == "false" ? .flag(raw == "true")
            : Double(raw).map { .number($0) } ?? .text(raw)
        copy.parameters[key] = try Parameters.validate(key: key, value: value, source: source)
        try copy.checkConsistency()
        return copy
    }

    // MARK: typed access (keys come from `Parameters.table`; a wrong key is a programming error)

    /// The value of a number parameter.
    public func number(_ key: String) -> Double {
        guard case .number(let d)? = parameters[key] else { preconditionFailure("not a number parameter: \(key)") }
        return d
    }

    /// The value of a whole-number parameter.
    public func integer(_ key: String) -> Int { Int(number(key)) }

    /// The value of a flag parameter.
    public func flag(_ key: String) -> Bool {
        guard case .flag(let b)? = parameters[key] else { preconditionFailure("not a flag parameter: \(key)") }
        return b
    }

    /// The value of a word parameter.
    public func text(_ key: String) -> String {
        guard case .text(let s)? = parameters[key] else { preconditionFailure("not a word parameter: \(key)") }
        return s
    }

    /// What the report records about the pipeline.
    public var summary: PipelineSummary { PipelineSummary(name: name, parameters: parameters) }
}
