import Foundation
import MediaCore

/// Where an `AnalysisRunner`'s work comes from and where its outcomes go: `analyze`'s file list
/// (`AnalysisBatch`) or the watcher's claimed jobs (`Watcher.Lanes`).
protocol AnalysisSource: Sendable {
    associatedtype Item: Sendable
    associatedtype Output: Sendable
    /// The next item for `lane`, waiting while there is none yet; nil ends the lane.
    func next(lane: Int) async -> Item?
    /// Analyses `item`. Runs on the runner's threads, in a task of its own that `running`'s `cancel` (and
    /// cancelling the runner) cancels.
    func analyse(_ item: Item, lane: Int) async throws -> Output
    /// `item`'s analysis has started; `cancel` stops it (the watcher calls it when the job's lease is lost).
    func running(_ item: Item, cancel: @escaping @Sendable () -> Void)
    /// How a failure of `item` that does not describe itself names the file (nil: not at all).
    func name(of item: Item) -> String?
    /// Records `item`'s outcome. Runs on Swift's pool: blocking work belongs on the runner's threads.
    func finished(_ item: Item, lane: Int, _ outcome: Result<Output, AnalysisFailure>) async
}

extension AnalysisSource {
    func running(_ item: Item, cancel: @escaping @Sendable () -> Void) {}
    func name(of item: Item) -> String? { nil }
}

/// Why an analysis failed, classified once for every caller: the one-line message, the exit code
/// (`analyze`), and whether retrying may help (`watch`).
///
/// Permanent: bad or corrupt media (65), missing or unreadable input (66), usage/config (64), internal
/// errors (70, a bug that would repeat). Transient: I/O (74), cannot create output (73), a missing model
/// file (69, fixed by installing it), cancellation (shutdown), and errors that do not say (retried up to
/// the catalog's maxAttempts).
struct AnalysisFailure: Error, Sendable {
    var error: any Error
    var message: String
    var exitCode: ExitCode
    var transient: Bool

    /// `file`: the name to put before the text of an error that is not a `LessonLensError` (`analyze`
    /// shows `'x.mp4': …`; the watcher's job already names its file).
    init(_ error: any Error, file: String? = nil) {
        self.error = error
        if let e = error as? any LessonLensError {
            message = e.message
            exitCode = e.exitCode
            switch e.exitCode {
            case .ioError, .cannotCreateOutput, .unavailable: transient = true
            case .ok, .failure, .truncated, .usage, .badMedia, .inputMissing, .internalError, .config: transient = false
            }
        } else if error is CancellationError {
            (message, exitCode, transient) = ("cancelled (shutdown)", .failure, true)
        } else {
            (message, exitCode, transient) = (file.map { "'\($0)': \(error)" } ?? "\(error)", .failure, true)
        }
    }
}

/// The one batch runner of `analyze`, `watch` and the tests: up to `lanes` analyses at once, each on a
/// thread of the runner's `ThreadPoolExecutor` (never Swift's cooperative pool, which stays free for the
/// scanner, catalog calls, leases and signals). Each lane takes the source's next item, runs its analysis,
/// classifies a failure (`AnalysisFailure`) and hands the outcome back, until the source runs dry.
/// Cancelling the task that runs it cancels the running analyses, and a cancelled lane records nothing
/// (the watcher requeues what was running).
struct AnalysisRunner: Sendable {
    let lanes: Int
    let threads: ThreadPoolExecutor

    /// `lanes` at once (0 for an empty batch), on as many threads.
    init(lanes: Int) {
        self.lanes = max(0, lanes)
        threads = ThreadPoolExecutor(threads: max(1, lanes), name: "lessonlens-analysis")
    }

    /// Lets the threads end once their work is done.
    func shutdown() { threads.shutdown() }

    /// Runs `source` until every lane has been told there is nothing more.
    func run<Source: AnalysisSource>(_ source: Source) async {
        await withTaskGroup(of: Void.self) { group in
            for lane in 0..<lanes {
                group.addTask {
                    while !Task.isCancelled, let item = await source.next(lane: lane) {
                        let outcome = await analyse(item, lane: lane, source: source)
                        if Task.isCancelled { return }
                        await source.finished(item, lane: lane, outcome)
                    }
                }
            }
        }
    }

    /// Runs blocking `work` on the runner's threads (a source's `finished` that hashes or writes).
    @concurrent
    func onThreads<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withTaskExecutorPreference(threads) { work() }
    }

    private func analyse<Source: AnalysisSource>(_ item: Source.Item, lane: Int, source: Source) async
        -> Result<Source.Output, AnalysisFailure> {
        let analysis = Task(executorPreference: threads) { try await source.analyse(item, lane: lane) }
        source.running(item) { analysis.cancel() }
        let result = await withTaskCancellationHandler { await analysis.result } onCancel: { analysis.cancel() }
        return result.mapError { AnalysisFailure($0, file: source.name(of: item)) }
    }
}
