import ArgumentParser
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
        _ = try Models.speakerModel(for: config)
        let explicitPlan = try lessonPlan.map { try LessonPlan.load(path: $0) }
        let outDir = location.out
        try OutputFolder.create(outDir)
        let store = try location.openStore(create: true)
        let display = ProgressDisplay(total: files.count, enabled: isatty(STDERR_FILENO) == 1 && !global.verbose)
        // A name that is not valid UTF-8 (GBK or Latin-1 from a Windows share) reaches Swift with its
        // bad bytes replaced; open such a file by the bytes of its argument and read it through the
        // descriptor, showing the name escaped (issue 14, item 12).
        let raw = RawArguments.nonUTF8()
        var items: [AnalysisBatch.Item] = []
        for f in files {
            guard f.contains("\u{FFFD}"), let bytes = raw[f] else { items.append(AnalysisBatch.Item(path: f)); continue }
            let shown = Watcher.escaped(bytes)
            let fd = Watcher.open(bytes: bytes)
            if fd < 0 {
                items.append(AnalysisBatch.Item(path: f, displayPath: shown,
                                                openError: PipelineError.unreadable(path: shown, reason: String(cString: strerror(errno)))))
            } else {
                items.append(AnalysisBatch.Item(path: "/proc/self/fd/\(fd)", displayPath: shown))
            }
        }
        let batch = AnalysisBatch(items: items, outDir: outDir, config: config, explicitPlan: explicitPlan, language: lang,
                                  catalog: store, workers: workers)
        let json = self.json
        let firstFailure = await batch.run { event in Self.show(event, on: display, json: json) }
        display.finish()
        if let code = firstFailure { throw ArgumentParser.ExitCode(code.rawValue) }
    }

    /// One batch event on the terminal: progress, the result line of a file (or its JSON object), warnings.
    static func show(_ event: AnalysisBatch.Event, on display: ProgressDisplay, json: Bool) {
        switch event {
        case .progress(let index, let p):
            display.update(slot: index, progress: p)
        case .warning(_, let text):
            display.line("warning: \(text)", toStderr: true)
        case .finished(let index, _, .failed(let message, _)):
            display.line("error: \(message)", toStderr: true, finishing: index)
        case .finished(let index, let item, .analysed(let outcome)):
            let shownPath = item.displayPath ?? item.path
            let name = (shownPath as NSString).lastPathComponent
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
