import Foundation
import MediaCore

extension PipelineConfig {
    /// The presets shipped as `pipelines/<name>.yml`: name, description, values differing from the
    /// defaults. A test checks each file in `pipelines/` loads to the same config.
    static let presets: [(name: String, description: String, overrides: [String: ParameterValue])] = [
        ("standard", "Everything: voices, S-T at 30 s, questions and wait time, slides, micro-lessons, clips.", [:]),
        ("audio-only", "Sound only: talk time, S-T, questions and wait time; no video decoding, slides or clips.",
         ["video.enabled": .flag(false), "slides.enabled": .flag(false), "clips.enabled": .flag(false)]),
        ("st-15s", "Standard, with S-T analysis sampled every 15 s instead of 30 s.",
         ["st.intervalSeconds": .number(15)]),
        ("quick", "Fast triage of many lessons: video sampled at 0.5 fps, no clips.",
         ["video.sampleFps": .number(0.5), "clips.enabled": .flag(false)]),
    ]

    /// Names of the built-in presets.
    public static var builtinNames: [String] { presets.map(\.name) }

    /// A built-in preset by name (`standard`, `audio-only`, `st-15s`, `quick`).
    public static func builtin(name: String) throws -> PipelineConfig {
        guard let p = presets.first(where: { $0.name == name }) else {
            throw PipelineConfigError.unknownPreset(name: name, valid: builtinNames)
        }
        return try PipelineConfig(name: p.name, description: p.description, overrides: p.overrides,
                                  source: "builtin:\(p.name)")
    }

    /// `--pipeline` resolution: a built-in name, or else a file path.
    public static func resolve(_ nameOrPath: String) throws -> PipelineConfig {
        if builtinNames.contains(nameOrPath) && !FileManager.default.fileExists(atPath: nameOrPath) {
            return try builtin(name: nameOrPath)
        }
        return try load(path: nameOrPath)
    }

    /// A commented YAML file for this config, every parameter listed with its help and valid values,
    /// so a researcher can copy it and edit. Values equal to the default are still written, so the file
    /// shows everything that can be set.
    public func yamlText() -> String {
        var lines = [
            "# LessonLens pipeline '\(name)'.",
            "# Copy this file, change values, and run: lessonlens analyze FILE --pipeline my-pipeline.yml",
            "# Every parameter is optional (a missing one takes its default). An unknown key or a value",
            "# outside its valid range is an error that names the key and lists what is valid.",
            "name: \(name)",
            "description: \(Self.yamlQuoted(description))",
            "parameters:",
        ]
        var group = ""
        for spec in Parameters.table {
            let head = String(spec.key.prefix(while: { $0 != "." }))
            if head != group {
                if !group.isEmpty { lines.append("") }
                group = head
            }
            let unit = spec.unit.isEmpty ? "" : " \(spec.unit)"
            lines.append("  # \(spec.help)")
            lines.append("  # valid: \(spec.kind.validValues)\(unit); default: \(spec.defaultValue)")
            let value = parameters[spec.key] ?? spec.defaultValue
            lines.append("  \(spec.key): \(Self.yamlScalar(value))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func yamlScalar(_ v: ParameterValue) -> String {
        switch v {
        case .text(let s): return yamlQuoted(s)
        default: return v.description
        }
    }

    private static func yamlQuoted(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
