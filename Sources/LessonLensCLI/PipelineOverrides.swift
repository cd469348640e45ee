import ArgumentParser
import Pipeline

/// `--set KEY=VALUE` (repeatable), shared by the commands that run the pipeline.
struct PipelineOverrides: ParsableArguments {
    @Option(name: .customLong("set"), help: ArgumentHelp("Override one pipeline parameter (repeatable), e.g. --set st.intervalSeconds=15.", valueName: "KEY=VALUE"))
    var values: [String] = []

    func validate() throws {
        for o in values where !o.contains("=") { throw ValidationError("--set takes KEY=VALUE, got '\(o)'") }
    }

    /// `config` with every override applied in order (an unknown key or a bad value throws, naming it).
    func apply(to config: PipelineConfig) throws -> PipelineConfig {
        var config = config
        for o in values {
            let parts = o.split(separator: "=", maxSplits: 1).map(String.init)
            config = try config.setting(parts[0], to: parts.count > 1 ? parts[1] : "")
        }
        return config
    }
}
