public import Catalog
import Foundation
public import MediaCore

/// A researcher's batch (`lessonlens analyze FILE…`): every file is attempted, up to `workers` at once on
/// threads of their own (never Swift's cooperative pool), and each ends in the catalog with its report
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
        let executor = ThreadPoolExecutor(threads: min(workers, max(1, items.count)), name: "lessonlens-analysis")
        defer { executor.shutdown() }
        var failures: [Int: ExitCode] = [:]
        await withTaskGroup(of: (Int, ExitCode?).self) { group in
            var next = 0
            func startNext() {
                guard next < items.count else { return }
                let index = next
                next += 1
                group.addTask(executorPreference: executor) { (index, analyseOne(index, onEvent: onEvent)) }
            }
            for _ in 0..<min(workers, items.count) { startNext() }
            for await (index, failure) in group {
                if let f = failure { failures[index] = f }
                startNext()
            }
        }
        return failures.keys.min().flatMap { failures[$0] }
    }

    /// A file that is not media at all is recorded as failed only up to this size (64 MiB, well under a
    /// second of hashing): the catalog keys recordings by their SHA-256, and hashing a 2 GB file of zeros
    /// took 23 s (minutes on a loaded machine) to record a rejection FFmpeg made in 0.3 s.
    public static let maxUnopenedBytesRecorded: Int64 = 64 << 20

    private func analyseOne(_ index: Int, onEvent: @Sendable (Event) -> Void) -> ExitCode? {
        let item = items[index]
        let started = Date()
        let result: FileResult
        do {
            if let failure = item.openError { throw failure }
            let plan = try explicitPlan ?? AnalyzePipeline.siblingPlan(for: item.path).map { try LessonPlan.load(path: $0) }
            var request = AnalyzeRequest(path: item.path, outDir: outDir, config: config, plan: plan, language: language)
            request.displayPath = item.displayPath
            let store = self.store, config = self.config, path = item.path, shownPath = item.shownPath
            request.commit = { report, reportDir in
                _ = try store.recordAnalysis(path: shownPath, sha256: report.recording.sha256,
                                             size: report.recording.sizeBytes,
                                             mtime: FileIdentity.of(path: path)?.mtime ?? Date(),
                                             pipeline: config.name, parameters: config.parameters,
                                             reportDir: reportDir,
                                             summary: ResultSummary(report: report, reportDir: reportDir),
                                             startedAt: started)
            }
            let outcome = try AnalyzePipeline.run(request) { p in onEvent(.progress(index: index, p)) }
            result = .analysed(outcome)
        } catch let e as LessonLensError {
            result = .failed(message: e.message, exitCode: e.exitCode)
            recordFailure(item, e.message, started: started, index: index, onEvent: onEvent)
        } catch {
            let message = "'\(item.name)': \(error)"
            result = .failed(message: message, exitCode: .failure)
            recordFailure(item, message, started: started, index: index, onEvent: onEvent)
        }
        onEvent(.finished(index: index, item, result))
        switch result {
        case .analysed(let outcome):
            // A truncated recording is reported (the finding says what was lost) and the exit code says it too.
            return outcome.report.findings.contains(where: { $0.code == .known(.truncatedRecording) }) ? .truncated : nil
        case .failed(_, let code):
            return code
        }
    }

    /// Puts a failed file in the catalog as a `failed` job with its reason, when the file can be read
    /// (a missing or unreadable file has no content to record: its error line is all there is).
    private func recordFailure(_ item: Item, _ message: String, started: Date, index: Int, onEvent: @Sendable (Event) -> Void) {
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
