import ArgumentParser
import Pipeline

/// `--pipeline FILE` and `--set KEY=VALUE` (repeatable), shared by the commands that run the pipeline
/// on files (`analyze`, `eval`).
struct PipelineOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Pipeline file, or a built-in name: \(PipelineConfig.builtinNames.joined(separator: ", ")).", valueName: "FILE"))
    var pipeline: String = "standard"

    @Option(name: .customLong("set"), help: ArgumentHelp("Override one pipeline parameter (repeatable), e.g. --set st.intervalSeconds=15.", valueName: "KEY=VALUE"))
    var values: [String] = []

    func validate() throws {
        for o in values where !o.contains("=") { throw ValidationError("--set takes KEY=VALUE, got '\(o)'") }
    }

    /// The pipeline with every override applied in order (an unknown key or a bad value throws, naming
    /// it); the cross-parameter rules (min ≤ max) are checked once, on the final set of values.
    func resolve() throws -> PipelineConfig {
        let config = try PipelineConfig.resolve(pipeline)
        let overrides = values.map { o -> (key: String, value: String) in
            let parts = o.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            return (parts[0], parts.count > 1 ? parts[1] : "")
        }
        return overrides.isEmpty ? config : try config.setting(overrides)
    }
}

/// `--models DIR`: where the learned models' weight files are (analyze, eval, watch).
struct ModelOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Folder holding the model weights (silero_vad_16k.safetensors). Default: $LESSONLENS_MODELS, /usr/local/share/lessonlens/models, then ~/.local/share/lessonlens/models; `make models` installs them.", valueName: "DIR"))
    var models: String?

    /// Makes the folder the first place searched.
    func apply() {
        if let models { Models.useFolder(models) }
    }
}
