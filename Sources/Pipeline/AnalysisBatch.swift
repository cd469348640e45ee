public import Catalog
import Foundation
public import MediaCore

/// A researcher's batch (`lessonlens analyze FILE…`): every file is attempted, up to `workers` at once on
/// threads of their own (never Swift's cooperative pool; the `AnalysisRunner` `watch` uses too), and each
/// ends in the catalog with its report
/// (the row written while the report folder is published, so neither stands without the other) or with
/// its failure. The caller shows what happens through `Event`s; the result is the exit code of the
/// first failure in file order.
public struct AnalysisBatch: Sendable {
    /// One file of the batch.
    public struct Item: Sendable {
        /// What the analysis opens (`/proc/self/fd/N` for a file opened by the bytes of its name).
        public var path: String
        /// How the file is shown in reports, the catalog and messages, when not `path` (`caf\xE9.mp4`).
        public var displayPath: String?
        /// Why the file could not even be opened, to report in its turn.
        public var openError: PipelineError?

        public init(path: String, displayPath: String? = nil, openError: PipelineError? = nil) {
            self.path = path
            self.displayPath = displayPath
            self.openError = openError
        }

        var shownPath: String { displayPath ?? path }
        var name: String { (shownPath as NSString).lastPathComponent }
    }

    /// What happened to one file.
    public enum FileResult: Sendable {
        case analysed(AnalyzeOutcome)
        /// The one-line message and the exit code it maps to.
        case failed(message: String, exitCode: ExitCode)
    }

    public enum Event: Sendable {
        case progress(index: Int, AnalyzeProgress)
        case finished(index: Int, Item, FileResult)
        /// Something worth a warning line that is not the file's result (the catalog could not record a failure).
        case warning(index: Int, String)
    }

    public var items: [Item]
    public var outDir: String
    public var config: PipelineConfig
    /// A plan given for every file; nil = each recording's sibling plan, if any.
    public var explicitPlan: LessonPlan?
    public var language: String?
    public var store: CatalogStore
    public var workers: Int

    public init(items: [Item], outDir: String, config: PipelineConfig, explicitPlan: LessonPlan? = nil,
                language: String? = nil, store: CatalogStore, workers: Int) {
        self.items = items
        self.outDir = outDir
        self.config = config
        self.explicitPlan = explicitPlan
        self.language = language
        self.store = store
        self.workers = max(1, workers)
    }

    /// Runs the batch; returns the exit code of the first failure in file order (a truncated recording
    /// counts, with `.truncated`), nil when every file succeeded.
    public func run(onEvent: @escaping @Sendable (Event) -> Void) async -> ExitCode? {
        let runner = AnalysisRunner(lanes: min(workers, items.count))
        defer { runner.shutdown() }
        let files = Files(batch: self, runner: runner, onEvent: onEvent)
        await runner.run(files)
        return files.firstFailure
    }

    /// A file that is not media at all is recorded as failed only up to this size (64 MiB, well under a
    /// second of hashing): the catalog keys recordings by their SHA-256, and hashing a 2 GB file of zeros
    /// took 23 s (minutes on a loaded machine) to record a rejection FFmpeg made in 0.3 s.
    public static let maxUnopenedBytesRecorded: Int64 = 64 << 20

    /// The batch as an `AnalysisSource`: the files in order, each lane taking the next one left.
    final class Files: AnalysisSource, @unchecked Sendable {
        // @unchecked: `nextIndex` and `failures` are guarded by `lock`.
        let batch: AnalysisBatch
        let runner: AnalysisRunner
        let onEvent: @Sendable (Event) -> Void
        private let lock = NSLock()
        private var nextIndex = 0
        private var failures: [Int: ExitCode] = [:]

        init(batch: AnalysisBatch, runner: AnalysisRunner, onEvent: @escaping @Sendable (Event) -> Void) {
            self.batch = batch
            self.runner = runner
            self.onEvent = onEvent
        }

        /// The exit code of the first failed file in file order.
        var firstFailure: ExitCode? {
            lock.withLock { failures.keys.min().flatMap { failures[$0] } }
        }

        func next(lane: Int) async -> (index: Int, started: Date)? {
            lock.withLock {
                guard nextIndex < batch.items.count else { return nil }
                defer { nextIndex += 1 }
                return (nextIndex, Date())
            }
        }

        func name(of item: (index: Int, started: Date)) -> String? { batch.items[item.index].name }

        func analyse(_ item: (index: Int, started: Date), lane: Int) async throws -> AnalyzeOutcome {
            try batch.analyse(item.index, started: item.started, onEvent: onEvent)
        }

        func finished(_ item: (index: Int, started: Date), lane: Int, _ outcome: Result<AnalyzeOutcome, AnalysisFailure>) async {
            let (index, file) = (item.index, batch.items[item.index])
            let result: FileResult
            switch outcome {
            case .success(let analysed):
                result = .analysed(analysed)
            case .failure(let failure):
                result = .failed(message: failure.message, exitCode: failure.exitCode)
                let (batch, onEvent) = (self.batch, self.onEvent)
                await runner.onThreads { batch.recordFailure(file, failure.message, started: item.started, index: index, onEvent: onEvent) }
            }
            onEvent(.finished(index: index, file, result))
            let failure: ExitCode?
            switch result {
            case .analysed(let outcome):
                // A truncated recording is reported (the finding says what was lost) and the exit code says it too.
                failure = outcome.report.findings.contains(where: { $0.code == .known(.truncatedRecording) }) ? .truncated : nil
            case .failed(_, let code):
                failure = code
            }
            if let failure { lock.withLock { failures[index] = failure } }
        }
    }

    /// Analyses file `index`, its report folder published with its catalog row.
    func analyse(_ index: Int, started: Date, onEvent: @escaping @Sendable (Event) -> Void) throws -> AnalyzeOutcome {
        let item = items[index]
        if let failure = item.openError { throw failure }
        let plan = try explicitPlan ?? AnalyzePipeline.siblingPlan(for: item.path).map { try LessonPlan.load(path: $0) }
        var request = AnalyzeRequest(path: item.path, outDir: outDir, config: config, plan: plan, language: language)
        request.displayPath = item.displayPath
        let store = self.store, config = self.config, path = item.path, shownPath = item.shownPath
        request.commit = { report, reportDir in
            let job = try store.recordAnalysis(path: shownPath, sha256: report.recording.sha256,
                                         size: report.recording.sizeBytes,
                                         mtime: FileIdentity.of(path: path)?.mtime ?? Date(),
                                         pipeline: config.name, parameters: config.parameters,
                                         reportDir: reportDir,
                                         summary: ResultSummary(report: report, reportDir: reportDir),
                                         startedAt: started)
            Attributor.attributeQuietly(store: store, jobID: job.id, path: shownPath, report: report)
        }
        return try AnalyzePipeline.run(request) { p in onEvent(.progress(index: index, p)) }
    }

    /// Puts a failed file in the catalog as a `failed` job with its reason, when the file can be read
    /// (a missing or unreadable file has no content to record: its error line is all there is).
    func recordFailure(_ item: Item, _ message: String, started: Date, index: Int, onEvent: @Sendable (Event) -> Void) {
        // stat(2), not lstat: a file opened by its bytes is read through its /proc/self/fd link.
        guard let identity = FileIdentity.of(path: item.path) else { return }
        // A large file is hashed only when it is media (opens; the failure came later in the analysis).
        if identity.size > Self.maxUnopenedBytesRecorded, (try? Probe.run(path: item.path, audioTrack: nil)) == nil { return }
        guard let sha = try? SHA256.hexDigest(ofFileAt: item.path) else { return }
        do {
            try store.recordFailedAnalysis(path: item.shownPath, sha256: sha, size: identity.size, mtime: identity.mtime,
                                           pipeline: config.name, parameters: config.parameters, error: message,
                                           startedAt: started)
        } catch {
            onEvent(.warning(index: index, "the catalog could not record the failure of '\(item.name)': \(error)"))
        }
    }
}
