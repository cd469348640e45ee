internal import Catalog
public import Foundation
import MediaCore

/// The catalog as the command line uses it. `lessonlens` talks only to Pipeline (docs/ARCHITECTURE.md):
/// every catalog operation of `analyze`, `watch`, `jobs` and `export` goes through this type, and no
/// catalog type appears in its interface.
public struct JobCatalog: Sendable {
    let store: CatalogStore

    /// Opens (`create`: or creates) the catalog at `path` for reading and writing.
    public init(path: String, create: Bool = true) throws {
        store = try CatalogStore(path: path, create: create)
    }

    /// Opens the catalog at `path` for reading only (works on read-only media).
    public init(readingAt path: String) throws {
        store = try CatalogStore(path: path, readOnly: true)
    }

    /// The job states, as `jobs list --state` takes them.
    public static let stateNames: [String] = JobState.allCases.map(\.rawValue)

    /// `jobs list`: the JSON array (`json`) or the tab-separated table with its header line.
    public func jobsListing(state: String?, limit: Int?, json: Bool) throws -> String {
        let jobs = try store.jobs(state: state.flatMap(JobState.init(rawValue:)), limit: limit)
        if json { return try CatalogExport.jobsJSON(jobs) }
        var lines = ["ID\tSTATE\tTRIES\tFILE\tERROR"]
        for j in jobs {
            // Quoted and escaped: a file name may hold tabs or newlines.
            lines.append("\(j.id)\t\(j.state.rawValue)\t\(j.attempts)\t\(String(reflecting: j.path))\t\(j.error.map { String(reflecting: $0) } ?? "")")
        }
        return lines.joined(separator: "\n")
    }

    /// `jobs show`: the job as JSON, then its result summary as JSON when it is done.
    public func jobDescription(id: Int64) throws -> [String] {
        let job = try store.job(id: id)
        var texts = [try CatalogExport.jobJSON(job)]
        if job.state == .done, let result = try store.results().first(where: { $0.jobID == job.id }) {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            texts.append(String(decoding: try encoder.encode(result.summary), as: UTF8.self))
        }
        return texts
    }

    /// `jobs retry`: queues a failed job again; returns the line to print.
    public func retry(id: Int64) throws -> String {
        let job = try store.retry(id: id)
        return "job \(job.id) queued again: \(String(reflecting: job.path))"
    }

    /// `export --format csv`: the results analysed at or after `since`.
    public func resultsCSV(since: Date?) throws -> String {
        CatalogExport.csv(try store.results(since: since))
    }

    /// Puts the running jobs of `worker` back in the queue (a watcher stopping without waiting).
    public func requeueRunning(worker: String) throws -> Int {
        try store.requeueRunning(worker: worker)
    }
}

extension AnalysisBatch {
    /// A batch that records every analysis, and every failure of a readable file, in `catalog`.
    public init(items: [Item], outDir: String, config: PipelineConfig, explicitPlan: LessonPlan? = nil,
                language: String? = nil, catalog: JobCatalog, workers: Int) {
        self.init(items: items, outDir: outDir, config: config, explicitPlan: explicitPlan, language: language,
                  store: catalog.store, workers: workers)
    }
}

extension Watcher {
    /// A watcher over `catalog` whose jobs run the standard analysis (`analyzeForWatcher`) into `outDir`,
    /// completing each job in the catalog as the last step of its analysis.
    public init(catalog: JobCatalog, options: WatcherOptions, outDir: String, config: PipelineConfig) {
        let store = catalog.store
        self.init(store: store, options: options) { job in
            try await analyzeForWatcher(job: job, outDir: outDir, config: config, store: store)
        }
    }
}
