import ArgumentParser
import Foundation
import MediaCore
import Pipeline
import UnixSignals
import Logging

/// `lessonlens watch DIR`: the recording-server mode.
struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Watch a folder and analyse each new recording once it has finished writing.",
        discussion: """
            New files are noticed by inotify and a periodic rescan, and taken once their size and time have \
            not changed for --debounce seconds. Hidden files and temporary names (*.part, *.tmp, *.crdownload, \
            *~, *.partial) are ignored, and so are lesson plans (*.plan.yml, .plan.yaml, .plan.json: they are read \
            with their recording); FIFOs and devices are skipped with a log line. A quiet file is also checked \
            for being finished: an MP4/MOV with its index and whole boxes, a TS of whole packets, no process \
            holding it open for writing; a later version of the same path supersedes the earlier result. A job \
            starts only with room for its clips (about the recording's size) plus 8 MB free. Bytes already analysed are recorded as duplicate and not analysed again. \
            Transient failures are retried with backoff; bad media is marked failed with the reason \
            (see `lessonlens jobs list --state failed`). SIGTERM or Ctrl-C stops cleanly: running jobs get \
            --grace seconds to finish, then go back to the queue (a second Ctrl-C requeues at once). After a \
            crash, the next start requeues what was running: no job is lost or done twice; only a crash of the \
            analysis itself counts against a recording, not the watcher being killed. With --once, \
            the command exits when every file present has a final state (it waits for pending retries). \
            With --catalog postgres://… the folder is ingested into the shared queue and this process also \
            runs --workers of its jobs (other hosts' `lessonlens worker` may take them too); --enqueue-only \
            ingests only.

            Pipeline parameters (set them in a copy of pipelines/standard.yml or with --set KEY=VALUE; a job keeps \
            the parameters it was queued with):
            """ + "\n" + Parameters.helpText())

    @Argument(help: ArgumentHelp("Folder to watch (subfolders included).", valueName: "DIR")) var directory: String
    @OptionGroup var location: CatalogOptions
    @OptionGroup var modelOptions: ModelOptions
    @Option(name: .long, help: "Recordings analysed at once (one per core is most efficient).") var workers: Int = 1
    @OptionGroup var pipelineOptions: PipelineOptions
    @Option(name: .long, help: "Seconds a file must stay unchanged before it is taken.") var debounce: Double = 5
    @Option(name: .long, help: "Seconds between full rescans of the folder.") var rescan: Double = 30
    @Option(name: .long, help: "Seconds running jobs get to finish after SIGTERM/SIGINT before being requeued.")
    var grace: Double = 30
    @Flag(name: .long, help: "Exit once every file present has been processed (batch mode) instead of watching on.")
    var once = false
    @Flag(name: .long, help: "Ingester role: debounce, hash and enqueue into --catalog (e.g. postgres://…); no analysis (run `lessonlens worker` elsewhere).")
    var enqueueOnly = false
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard (1...64).contains(workers) else { throw ValidationError("--workers must be 1...64, got \(workers)") }
        guard debounce >= 0, debounce <= 3600 else { throw ValidationError("--debounce must be 0...3600 seconds") }
        guard rescan >= 1, rescan <= 86_400 else { throw ValidationError("--rescan must be 1...86400 seconds") }
        guard grace >= 0 else { throw ValidationError("--grace must be at least 0 seconds") }
    }

    func run() async throws {
        try await runReportingErrors {
            LogSetup.bootstrap(verbose: global.verbose, defaultLevel: .info)
            let config = try pipelineOptions.resolve()
            modelOptions.apply()
            // Without the model every job would fail: refuse to start, with the install command (exit 69).
            _ = try Models.speechModel(for: config)
            _ = try Models.speakerModel(for: config)
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue else {
                throw PipelineError.noSuchFolder(path: directory)
            }
            if enqueueOnly {
                try await ingest(config: config)
                return
            }
            if SharedCatalog.isPostgres(location.catalogPath) {
                try await ingestAndWork(config: config)
                return
            }
            let outDir = location.out
            try OutputFolder.create(outDir)
            let store = try location.openStore(create: true)
            var options = WatcherOptions(directory: directory, pipeline: config)
            options.workers = workers
            options.debounceSeconds = debounce
            options.rescanSeconds = rescan
            options.shutdownGraceSeconds = grace
            options.exitWhenIdle = once
            let catalog = location.catalogPath
            // Never analyse our own output, nor the catalog and its WAL files, if they sit in the folder.
            options.excludedPaths = [outDir, catalog, catalog + "-wal", catalog + "-shm"]
            let absoluteOut = URL(fileURLWithPath: outDir).standardizedFileURL.path
            options.outputDirectory = absoluteOut
            let watcher = Watcher(catalog: store, options: options, outDir: absoluteOut, config: config)
            // SIGTERM/SIGINT: stop claiming, give running jobs --grace seconds, then requeue them; a second
            // signal requeues at once. The analyses run on threads of their own (ThreadPoolExecutor), so this
            // task is served at once however busy they are.
            let signals = Task {
                var received = 0
                for await _ in await UnixSignalsSequence(trapping: .sigterm, .sigint) {
                    received += 1
                    await watcher.stop(immediately: received > 1)
                }
            }
            defer { signals.cancel() }
            let stats = try await watcher.run()
            FileHandle.standardError.write(Data(
                "watch stopped: \(stats.done) done, \(stats.failed) failed, \(stats.duplicates) duplicate, \(stats.requeued) requeued\n".utf8))
        }
    }

    /// `--enqueue-only`: every `--rescan` seconds (or once with `--once`), the regular non-hidden files of the
    /// folder whose size and time have not changed for `--debounce` seconds are hashed and enqueued.
    func ingest(config: PipelineConfig, until stopped: StopFlag? = nil) async throws {
        let catalog = location.catalogPath
        var seen: [String: (size: Int64, mtime: Date, since: Date)] = [:]
        var taken: Set<String> = []
        // SIGTERM keeps its default (end the process): each enqueue is one transaction, nothing is half done.
        while stopped?.isSet != true {
            let now = Date()
            var ready: [String] = []
            var pending = false
            let root = URL(fileURLWithPath: directory).standardizedFileURL
            // Never our own reports, when the output folder sits inside the watched one.
            let ownOutput = URL(fileURLWithPath: location.out).standardizedFileURL.path + "/"
            let files = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil, options: [.skipsHiddenFiles])?
                .allObjects.compactMap { $0 as? URL } ?? []
            for url in files {
                guard let a = try? FileManager.default.attributesOfItem(atPath: url.path),
                      a[FileAttributeKey.type] as? FileAttributeType == FileAttributeType.typeRegular,
                      !url.path.hasSuffix(".part"), !url.path.hasSuffix(".tmp"), !url.path.contains(".plan."),
                      !url.standardizedFileURL.path.hasPrefix(ownOutput) else { continue }
                let size = (a[FileAttributeKey.size] as? NSNumber)?.int64Value ?? 0
                let mtime = (a[FileAttributeKey.modificationDate] as? Date) ?? now
                let key = url.path + "|\(size)|\(mtime.timeIntervalSince1970)"
                if taken.contains(key) { continue }
                if let s = seen[url.path], s.size == size, s.mtime == mtime {
                    if now.timeIntervalSince(s.since) >= debounce { ready.append(url.path); taken.insert(key) } else { pending = true }
                } else {
                    seen[url.path] = (size, mtime, now)
                    if debounce == 0 { ready.append(url.path); taken.insert(key) } else { pending = true }
                }
            }
            if !ready.isEmpty {
                for line in try await SharedCatalog.enqueue(catalog, files: ready, config: config) {
                    FileHandle.standardError.write(Data((line + "\n").utf8))
                }
            }
            if once && !pending { break }
            // In steps, so a stop is noticed within a fifth of a second.
            let pause = Date().addingTimeInterval(once ? min(1, max(0.1, debounce)) : min(rescan, max(0.5, debounce)))
            while Date() < pause, stopped?.isSet != true { try? await Task.sleep(for: .milliseconds(200)) }
        }
    }

    /// `watch DIR --catalog postgres://…` without `--enqueue-only`: the ingester and `--workers` queue workers
    /// in one process, on the shared queue (other hosts' `lessonlens worker` may take jobs too). SIGTERM/SIGINT
    /// stops the ingester and claiming, running jobs finish; a second signal gives them back at once. With
    /// --once, the process exits when every file present is enqueued and nothing is queued or running.
    func ingestAndWork(config: PipelineConfig) async throws {
        let outDir = URL(fileURLWithPath: location.out).standardizedFileURL.path
        try OutputFolder.create(outDir)
        var options = QueueWorkerOptions(outDir: outDir, config: config)
        options.workers = workers
        let worker = try await QueueWorker.open(catalog: location.catalogPath, options: options, retryBaseSeconds: 30)
        let stopped = StopFlag()
        let signals = Task {
            var received = 0
            for await _ in await UnixSignalsSequence(trapping: .sigterm, .sigint) {
                received += 1
                stopped.set()
                await worker.stop(immediately: received > 1)
            }
        }
        defer { signals.cancel() }
        let working = Task { await worker.run() }
        do {
            try await ingest(config: config, until: stopped)
        } catch {
            await worker.stop()
            _ = await working.value
            throw error
        }
        if once { await worker.finishWhenIdle() }
        let summary = await working.value
        FileHandle.standardError.write(Data("watch stopped: \(summary)\n".utf8))
    }
}

/// Set once by the signal task, read by the ingest loop.
final class StopFlag: @unchecked Sendable {
    // @unchecked: `value` is guarded by `lock`.
    private let lock = NSLock()
    private var value = false
    func set() { lock.lock(); value = true; lock.unlock() }
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
}
