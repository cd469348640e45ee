import Catalog
import Foundation
import MediaCore

/// The watcher's analysis step: runs `analyzeJob` on the job's file with the pipeline the job was
/// queued with (its recorded parameters, so a restart with another `--pipeline` does not change
/// queued work; `config` is the fallback when they no longer validate) and summarises the report.
public func analyzeForWatcher(job: JobRow, outDir: String, config: PipelineConfig) async throws
    -> (reportDir: String, summary: ResultSummary) {
    let jobConfig = PipelineConfig.recorded(name: job.pipeline, parametersJSON: job.parametersJSON) ?? config
    let result = try await analyzeJob(path: job.path, outDir: outDir, config: jobConfig)
    return (result.reportDir, ResultSummary(report: result.report, reportDir: result.reportDir))
}

extension PipelineConfig {
    /// The config a job was queued with, from its recorded name and JSON parameters; nil if they do
    /// not validate against today's parameter table (a key was removed).
    public static func recorded(name: String, parametersJSON: String) -> PipelineConfig? {
        guard let values = try? JSONDecoder().decode([String: ParameterValue].self, from: Data(parametersJSON.utf8)) else {
            return nil
        }
        return try? PipelineConfig(name: name, overrides: values, source: "job")
    }
}
