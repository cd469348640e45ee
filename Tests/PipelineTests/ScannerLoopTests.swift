import Catalog
import Foundation
import Testing
@testable import Pipeline

/// The watcher's scanner as a stream of ready files (`ScannerLoop`) and the enqueuer's answers back to it,
/// and the catalog's async face (`AsyncCatalog`), issue 13.
@Suite(.serialized) struct ScannerLoopTests {
    /// Collects what a stream yields, with when, from a task of its own; answers each file with `answer`.
    final class Collected: @unchecked Sendable {
        // @unchecked: `_files` is guarded by `lock`.
        private let lock = NSLock()
        private var _files: [(file: ReadyFile, at: Date)] = []
        var files: [(file: ReadyFile, at: Date)] { lock.withLock { _files } }
        func add(_ file: ReadyFile) { lock.withLock { _files.append((file, Date())) } }

        /// Waits until `count` files were yielded (at most `seconds`).
        func wait(for count: Int, seconds: Double = 10) async throws {
            let deadline = Date().addingTimeInterval(seconds)
            while files.count < count, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        }
    }

    func loop(_ box: Sandbox, debounceSeconds: Double, rescanSeconds: Double) throws -> ScannerLoop {
        var options = try box.options()
        options.debounceSeconds = debounceSeconds
        let scanner = FolderScanner(root: box.input, options: options)
        return ScannerLoop(scanner: scanner, inotify: nil, rescans: true, rescanSeconds: rescanSeconds,
                           debounceSeconds: debounceSeconds)
    }

    /// A file written in three pieces, with pauses much shorter than the debounce, is yielded exactly once,
    /// at its final size, no sooner than the debounce after the last piece.
    @Test func aFileWrittenInPiecesIsReadyOnceAfterTheDebounce() async throws {
        let box = try Sandbox()
        defer { box.cleanup() }
        let scan = try loop(box, debounceSeconds: 1.5, rescanSeconds: 0.1)
        let running = Task { await scan.run() }
        let collected = Collected()
        let consumer = Task {
            for await file in scan.readyFiles {
                collected.add(file)
                await scan.answer(.settle, for: file)
            }
        }
        let path = box.input + "/lesson.mp4"
        #expect(FileManager.default.createFile(atPath: path, contents: Data(repeating: 1, count: 1000)))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        for _ in 0..<2 {
            try await Task.sleep(for: .milliseconds(100))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(repeating: 2, count: 1000))
        }
        try handle.close()
        let lastWrite = Date()
        try await collected.wait(for: 1)
        // Well past another debounce period and several rescans: nothing more comes.
        try await Task.sleep(for: .seconds(2))
        running.cancel()
        await consumer.value
        let files = collected.files
        #expect(files.map(\.file.path) == [path])
        #expect(files.first?.file.signature.size == 3000)
        let waited = (files.first?.at ?? .distantPast).timeIntervalSince(lastWrite)
        #expect(waited >= 1.4, "ready \(waited) s after the last piece, debounce 1.5 s")
        #expect(await scan.isIdle)
    }

    /// The enqueuer's answers reach the scanner: `postpone` brings the file back after another debounce,
    /// `settle` keeps it away across rescans until it changes, and a file not yet answered is not handed
    /// out again (nor is the loop idle meanwhile).
    @Test func answersFeedBackIntoTheDebounce() async throws {
        let box = try Sandbox()
        defer { box.cleanup() }
        try box.write("a.mp4", "first")
        let scan = try loop(box, debounceSeconds: 0.3, rescanSeconds: 0.1)
        let running = Task { await scan.run() }
        defer { running.cancel() }
        let collected = Collected()
        let consumer = Task { for await file in scan.readyFiles { collected.add(file) } }
        try await collected.wait(for: 1)
        let first = try #require(collected.files.first?.file)
        // Unanswered: in flight, so neither yielded again nor idle, however many rescans pass.
        try await Task.sleep(for: .seconds(1))
        #expect(collected.files.count == 1)
        #expect(await scan.isIdle == false)

        let postponedAt = Date()
        await scan.answer(.postpone(until: postponedAt), for: first)
        try await collected.wait(for: 2)
        #expect(collected.files.count == 2)
        #expect((collected.files.last?.at ?? .distantPast).timeIntervalSince(postponedAt) >= 0.25)

        await scan.answer(.settle, for: try #require(collected.files.last?.file))
        try await Task.sleep(for: .seconds(1))
        #expect(collected.files.count == 2, "settled: not taken again while unchanged")
        #expect(await scan.isIdle)

        try box.write("a.mp4", "first, and more")
        try await collected.wait(for: 3)
        #expect(collected.files.map(\.file.signature.size) == [5, 5, 15])
        running.cancel()
        await consumer.value
    }

    /// While another process holds the catalog's write lock, the watcher's catalog calls wait for it on the
    /// catalog's own threads: the watcher's actor answers at once (before, recovery's write held it, and a
    /// cooperative thread, for as long as the lock lasted).
    @Test func catalogCallsRunOnTheirOwnThreadsAndDoNotHoldTheWatcher() async throws {
        let box = try Sandbox()
        defer { box.cleanup() }
        var options = try box.options(workers: 2)
        options.exitWhenIdle = false
        let watcher = Watcher(store: box.store, options: options) { _ in ("/r", fakeSummary("/r")) }
        let threads = watcher.catalog.threads
        #expect(try await watcher.catalog { _ in threads.isCurrentThread }, "a catalog call runs on the catalog's threads")
        #expect(!threads.isCurrentThread)

        let locker = WatcherHardeningTests.Locker(path: box.store.path)
        try locker.lock(seconds: 4)
        defer { locker.finish() }
        let lockedAt = Date()
        let run = Task { try await watcher.run() }
        // Recovery's first write (requeueing expired leases) now waits for the lock.
        try await Task.sleep(for: .milliseconds(500))
        let asked = Date()
        _ = await watcher.currentStats
        let answeredAfter = Date().timeIntervalSince(asked)
        #expect(answeredAfter < 1, "the watcher answered after \(answeredAfter) s")
        await watcher.stop(immediately: true)
        _ = try await run.value
        #expect(Date().timeIntervalSince(lockedAt) >= 3, "the run did wait for the lock")
    }
}
