public import Catalog
import Foundation
import MediaCore

/// The watcher's analysis step: runs `analyzeJob` on the job's file with the pipeline the job was
/// queued with (its recorded parameters, so a restart with another `--pipeline` does not change
/// queued work; `config` is the fallback when they no longer validate) and summarises the report.
///
/// With `store`, the job is completed in the catalog (under the job's lease) as the last step of the
/// analysis, right after its report folder is in place; if that write fails the folder is removed again,
/// so a report never stands without its row (the watcher then finds the job done and leaves it).
/// Before the analysis starts, the output folder must have room for the clips and the report.
public func analyzeForWatcher(job: JobRow, outDir: String, config: PipelineConfig, store: CatalogStore? = nil) async throws
    -> (reportDir: String, summary: ResultSummary) {
    let r = try analyzeJobRow(job, outDir: outDir, config: config, store: store, stagingSuffix: nil)
    return (r.reportDir, r.summary)
}

/// The queue workers' analysis step (publish-after-commit): like `analyzeForWatcher` without a store,
/// but the report is left in the hidden folder `<outDir>/.<id>.partial-<stagingSuffix>` (`stagedDir`)
/// for the worker to rename to `reportDir` once its result is committed in the shared queue.
public func analyzeForQueue(job: JobRow, outDir: String, config: PipelineConfig, stagingSuffix: String) async throws
    -> (reportDir: String, summary: ResultSummary, stagedDir: String) {
    let r = try analyzeJobRow(job, outDir: outDir, config: config, store: nil, stagingSuffix: stagingSuffix)
    guard let staged = r.stagedDir else {
        throw PipelineError.reportWriteFailed(file: job.path, outDir: outDir, reason: "the report was not staged")
    }
    return (r.reportDir, r.summary, staged)
}

func analyzeJobRow(_ job: JobRow, outDir: String, config: PipelineConfig, store: CatalogStore?, stagingSuffix: String?) throws
    -> (reportDir: String, summary: ResultSummary, stagedDir: String?) {
    let jobConfig = PipelineConfig.recorded(name: job.pipeline, parametersJSON: job.parametersJSON) ?? config
    let size = FileSignature.of(path: job.path)?.size ?? 0
    let clipBytes = jobConfig.settings.writesClips ? size : 0
    try OutputFolder.requireFreeSpace(in: outDir, bytes: clipBytes + OutputFolder.reportReserveBytes,
                                      for: "the report of '\((job.path as NSString).lastPathComponent)'")
    let plan = try AnalyzePipeline.siblingPlan(for: job.path).map { p in try Watcher.withUsablePath(p) { try LessonPlan.load(path: $0) } }
    // A name that is not valid UTF-8 is carried escaped: every reader of this job reads the one file
    // opened by its bytes, and the report shows the escaped name.
    return try Watcher.withUsablePath(job.path) { usable in
        var request = AnalyzeRequest(path: usable, outDir: outDir, config: jobConfig, plan: plan)
        if usable != job.path { request.displayPath = job.path }
        request.stagingSuffix = stagingSuffix
        // Hashed once, to queue the job: not again for the report while the file is unchanged.
        if let seen = try? store?.seenSignature(recordingID: job.recordingID, path: job.path) {
            request.knownContent = (job.sha256, seen.size, seen.mtime)
        }
        if let store, let worker = job.leaseOwner {
            let jobID = job.id
            request.commit = { report, dir in
                try store.complete(jobID: jobID, worker: worker, reportDir: dir, summary: ResultSummary(report: report, reportDir: dir))
                Attributor.attributeQuietly(store: store, jobID: jobID, path: job.path, report: report)
            }
        }
        let outcome = try AnalyzePipeline.run(request)
        return (outcome.reportDir, ResultSummary(report: outcome.report, reportDir: outcome.reportDir), outcome.stagedDir)
    }
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
