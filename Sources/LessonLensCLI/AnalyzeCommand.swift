import ArgumentParser
import Catalog
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import MediaCore
import Pipeline

/// `lessonlens analyze FILE…`: the researcher's batch command.
struct AnalyzeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Analyse recordings and write a teaching-evaluation report for each.",
        discussion: """
            Each recording gets <out>/<recording-id>/ with report.html, report.json, timeline.csv, chapters.vtt \
            and clips/ (the id is the first 16 hex digits of the file's SHA-256). Files appear only when complete. \
            The run is recorded in the catalog. On a terminal a progress line shows each file's progress, speed \
            (x realtime) and ETA. With several files, every file is attempted; the exit code is that of the first \
            failure (65 bad media, 66 missing, 73 cannot create output), 0 when all succeeded.

            Pipeline parameters (set them in a pipelines/*.yml file or with --set KEY=VALUE):
            """ + "\n" + Parameters.helpText())

    @Argument(help: ArgumentHelp("Recordings (MP4, MOV, MPEG-TS, FLV, MKV, M4A…).", valueName: "FILE"))
    var files: [String]

    @OptionGroup var location: CatalogOptions


    @OptionGroup var pipelineOptions: PipelineOptions

    @OptionGroup var modelOptions: ModelOptions

    @Option(name: .long, help: ArgumentHelp("Lesson plan (YAML or JSON: title, teacher, subject, knowledgePoints). Default: <file stem>.plan.yml next to each recording, if present.", valueName: "FILE"))
    var lessonPlan: String?

    @Option(name: .long, help: "Report language: zh or en (default: the plan's, else the pipeline's report.language).")
    var lang: String?

    @Option(name: .long, help: "Recordings analysed at once (one per core is most efficient).")
    var workers: Int = 1

    @Flag(name: .long, help: "Print one JSON object per analysed file on stdout (reportDir, id, file, durationSeconds).")
    var json = false

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one recording") }
        guard (1...64).contains(workers) else { throw ValidationError("--workers must be 1...64, got \(workers)") }
        if let l = lang, !["zh", "en"].contains(l) { throw ValidationError("--lang must be zh or en, not '\(l)'") }
    }

    func run() async throws {
        LogSetup.bootstrap(verbose: global.verbose)
        let config = try pipelineOptions.resolve()
        modelOptions.apply()
        // A missing model stops the batch before any file, with one line (exit 69).
        _ = try Models.speechModel(for: config)
        let explicitPlan = try lessonPlan.map { try LessonPlan.load(path: $0) }
        let outDir = location.out
        try OutputFolder.create(outDir)
        let store = try location.openStore(create: true)
        let display = ProgressDisplay(total: files.count, enabled: isatty(STDERR_FILENO) == 1 && !global.verbose)
        // A name that is not valid UTF-8 (GBK or Latin-1 from a Windows share) reaches Swift with its
        // bad bytes replaced; open such a file by the bytes of its argument and read it through the
        // descriptor, showing the name escaped (issue 14, item 12).
        let raw = RawArguments.nonUTF8()
        var opened: [String] = []
        var displayPaths: [String: String] = [:], unopenable: [String: SimpleError] = [:]
        for f in files {
            guard f.contains("\u{FFFD}"), let bytes = raw[f] else { opened.append(f); continue }
            let shown = Watcher.escaped(bytes)
            let fd = bytes.withUnsafeBufferPointer { b -> Int32 in
                var z = Array(b); z.append(0)
                return z.withUnsafeBufferPointer { Glibc.open(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), O_RDONLY | O_NONBLOCK) }
            }
            if fd < 0 {
                opened.append(f)
                unopenable[f] = SimpleError(.inputMissing, "cannot read '\(shown)': \(String(cString: strerror(errno)))")
            } else {
                let proc = "/proc/self/fd/\(fd)"
                opened.append(proc)
                displayPaths[proc] = shown
            }
        }
        var batch = BatchRunner(files: opened, outDir: outDir, config: config, explicitPlan: explicitPlan, language: lang,
                                store: store, workers: workers, display: display, json: json)
        batch.displayPaths = displayPaths
        batch.unopenable = unopenable
        let firstFailure = await batch.run()
        if let code = firstFailure { throw ArgumentParser.ExitCode(code.rawValue) }
    }
}

/// Runs analyses with up to `workers` at once, reporting each file's outcome on one line.
struct BatchRunner: Sendable {
    let files: [String]
    let outDir: String
    let config: PipelineConfig
    let explicitPlan: LessonPlan?
    let language: String?
    let store: CatalogStore
    let workers: Int
    let display: ProgressDisplay
    let json: Bool
    /// Escaped names of the files opened by their bytes (`/proc/self/fd/N` → `caf\xE9.mp4`).
    var displayPaths: [String: String] = [:]
    /// Files whose bytes could not be opened, with the error to report.
    var unopenable: [String: SimpleError] = [:]

    /// Returns the exit code of the first failure (in file order), or nil when every file succeeded.
    func run() async -> MediaCore.ExitCode? {
        var failures: [Int: MediaCore.ExitCode] = [:]
        await withTaskGroup(of: (Int, MediaCore.ExitCode?).self) { group in
            var next = 0
            func startNext() {
                guard next < files.count else { return }
                let index = next
                next += 1
                group.addTask { (index, analyseOne(index)) }
            }
            for _ in 0..<min(workers, files.count) { startNext() }
            for await (index, failure) in group {
                if let f = failure { failures[index] = f }
                startNext()
            }
        }
        display.finish()
        return failures.keys.min().flatMap { failures[$0] }
    }

    /// Puts a failed file in the catalog as a `failed` job with its reason, when the file can be read
    /// (a missing or unreadable file has no content to record: its error line is all there is).
    /// A file that is not media at all is recorded only up to this size (64 MiB, well under a second of
    /// hashing): the catalog keys recordings by their SHA-256, and hashing a 2 GB file of zeros took 23 s
    /// (minutes on a loaded machine) to record a rejection FFmpeg made in 0.3 s.
    static let maxUnopenedBytesRecorded: Int64 = 64 << 20

    private func recordFailure(_ path: String, _ message: String, started: Date) {
        // stat(2), not lstat: a file opened by its bytes is read through its /proc/self/fd link.
        guard let identity = FileIdentity.of(path: path) else { return }
        let shownPath = displayPaths[path] ?? path
        // A large file is hashed only when it is media (opens; the failure came later in the analysis).
        if identity.size > Self.maxUnopenedBytesRecorded, (try? Probe.run(path: path, audioTrack: nil)) == nil { return }
        guard let sha = try? SHA256.hexDigest(ofFileAt: path) else { return }
        do {
            try store.recordFailedAnalysis(path: shownPath, sha256: sha, size: identity.size, mtime: identity.mtime,
                                           pipeline: config.name, parameters: config.parameters, error: message,
                                           startedAt: started)
        } catch {
            display.line("warning: the catalog could not record the failure of '\((shownPath as NSString).lastPathComponent)': \(error)", toStderr: true)
        }
    }

    private func analyseOne(_ index: Int) -> MediaCore.ExitCode? {
        let path = files[index]
        let name = ((displayPaths[path] ?? path) as NSString).lastPathComponent
        let started = Date()
        do {
            if let failure = unopenable[path] { throw failure }
            let plan = try explicitPlan ?? AnalyzePipeline.siblingPlan(for: path).map { try LessonPlan.load(path: $0) }
            var request = AnalyzeRequest(path: path, outDir: outDir, config: config, plan: plan, language: language)
            request.displayPath = displayPaths[path]
            let shownPath = displayPaths[path] ?? path
            // The catalog row is written as part of publishing the report folder: if it fails (disk full,
            // database locked by another process), the folder is taken back, so no report stands without
            // its row (issue 14, item 10).
            let store = self.store, config = self.config
            request.commit = { report, reportDir in
                _ = try store.recordAnalysis(path: shownPath, sha256: report.recording.sha256,
                                             size: report.recording.sizeBytes,
                                             mtime: FileIdentity.of(path: path)?.mtime ?? Date(),
                                             pipeline: config.name, parameters: config.parameters,
                                             reportDir: reportDir,
                                             summary: ResultSummary(report: report, reportDir: reportDir),
                                             startedAt: started)
            }
            let outcome = try AnalyzePipeline.run(request) { p in display.update(slot: index, progress: p) }
            let speed = outcome.elapsedSeconds > 0 ? outcome.report.recording.durationSeconds / outcome.elapsedSeconds : 0
            for w in outcome.warnings { display.line("warning: '\(name)': \(w)", toStderr: true) }
            if json {
                let object: [String: Any] = ["file": shownPath, "id": outcome.report.recording.id, "reportDir": outcome.reportDir,
                                             "durationSeconds": outcome.report.recording.durationSeconds]
                let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
                display.line(String(decoding: data, as: UTF8.self), toStderr: false, finishing: index)
            } else {
                display.line(String(format: "%@ → %@/report.html  (%@ of recording in %.1f s, %.0fx realtime)", name,
                                    outcome.reportDir, Format.clock(outcome.report.recording.durationSeconds),
                                    outcome.elapsedSeconds, speed), toStderr: false, finishing: index)
            }
            // A truncated recording is reported (the finding says what was lost) and the exit code says it too.
            if outcome.report.findings.contains(where: { $0.code == .known(.truncatedRecording) }) { return .truncated }
            return nil
        } catch let e as LessonLensError {
            display.line("error: \(e.message)", toStderr: true, finishing: index)
            recordFailure(path, e.message, started: started)
            return e.exitCode
        } catch {
            display.line("error: '\(name)': \(error)", toStderr: true, finishing: index)
            recordFailure(path, "'\(name)': \(error)", started: started)
            return .failure
        }
    }
}

/// The program's arguments as the bytes the kernel passed, for those that are not valid UTF-8 (keyed by
/// the lossy String that ArgumentParser saw).
enum RawArguments {
    static func nonUTF8() -> [String: [UInt8]] {
        var out: [String: [UInt8]] = [:]
        for i in 1..<Int(CommandLine.argc) {
            guard let p = CommandLine.unsafeArgv[i] else { continue }
            let bytes = Array(UnsafeBufferPointer(start: UnsafeRawPointer(p).assumingMemoryBound(to: UInt8.self), count: strlen(p)))
            guard String(validating: bytes, as: UTF8.self) == nil else { continue }
            out[String(decoding: bytes, as: UTF8.self)] = bytes
        }
        return out
    }
}
