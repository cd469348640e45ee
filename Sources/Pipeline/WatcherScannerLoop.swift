import Foundation
import Logging

/// Runs the watcher's `FolderScanner` in a task of its own and streams the files it finds ready
/// (`readyFiles`) to the enqueuer. The enqueuer's answer about each file (`answer`: settle, watch again,
/// postpone, forget) comes back as a call on this actor, so the debounce keeps its feedback while scanning
/// never waits for hashing or the catalog. A file handed out stays in flight (ignored by events and
/// rescans) until answered, so it is never handed out twice at once and `isIdle` (for `--once`) cannot miss
/// a file between the stream and the catalog.
actor ScannerLoop {
    private var scanner: FolderScanner
    private let inotify: InotifyMonitor?
    private let rescanSeconds: Double
    /// Seconds between ticks: often enough to honour the debounce promptly, never more than 10 a second.
    let tickSeconds: Double
    /// Ticks done: until the first (the first rescan), the loop is not idle, whatever it has found so far.
    private var ticks = 0
    /// The ready files, in the order found (by path within a tick). Ends when `run()` is cancelled.
    nonisolated let readyFiles: AsyncStream<ReadyFile>
    private let continuation: AsyncStream<ReadyFile>.Continuation

    /// `rescans`: whether the folder is listed (at once, then every `rescanSeconds`); false for a batch of
    /// given files, where the loop only brings back the files answered `postpone` or `watchAgain`.
    init(scanner: FolderScanner, inotify: InotifyMonitor?, rescans: Bool, rescanSeconds: Double, debounceSeconds: Double) {
        self.scanner = scanner
        self.inotify = inotify
        self.rescanSeconds = rescans ? rescanSeconds : .infinity
        self.tickSeconds = ScannerLoop.tick(debounceSeconds: debounceSeconds)
        (readyFiles, continuation) = AsyncStream.makeStream(of: ReadyFile.self)
    }

    static func tick(debounceSeconds: Double) -> Double { min(max(debounceSeconds / 3, 0.1), 1) }

    /// Scans until cancelled, then ends `readyFiles`.
    func run() async {
        var nextRescan = rescanSeconds.isFinite ? Date() : Date.distantFuture
        while !Task.isCancelled {
            let now = Date()
            let (ready, rescanned) = scanner.poll(inotify: inotify, rescanDue: now >= nextRescan, now: now)
            if rescanned { nextRescan = rescanSeconds.isFinite ? now.addingTimeInterval(rescanSeconds) : .distantFuture }
            for file in ready { continuation.yield(file) }
            ticks += 1
            try? await Task.sleep(for: .seconds(tickSeconds))
        }
        continuation.finish()
    }

    /// The enqueuer is done with `file`: `answer` says when to look at it again.
    func answer(_ answer: ScanAnswer, for file: ReadyFile) {
        scanner.answer(answer, for: file, now: Date())
    }

    /// The folder was scanned, nothing waits for the debounce and every handed-out file was answered.
    var isIdle: Bool { ticks > 0 && scanner.isIdle }
}
