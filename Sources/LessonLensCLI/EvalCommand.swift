import ArgumentParser
import Foundation
import MediaCore
import Pipeline

/// `lessonlens eval DIR…`: accuracy against truth files (a measurement tool, separate from speed benchmarks).
struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Score analyses against *.truth.json files (timeline, S-T, wait time, slides, knowledge points).",
        discussion: """
            Every media file in each DIR with a <stem>.truth.json beside it is analysed (clips off) and scored: \
            frame accuracy per label and overall with the confusion matrix, teacher talk-ratio error, S-T mode, \
            |ΔRt| and |ΔCh|, questions found and wait-time error, slide-change F1 (±1 s) and knowledge-point \
            boundary F1 (±15 s, with the lesson plan next to the file). Then the speech/no-speech frame error (10 ms \
            frames, speech = teacher|student|multi, pauses < 1.5 s inside speech counted as speech), what the \
            reference silence was labelled and how much reference media stayed media, per file and pooled per \
            split (dev / heldout). Truth format: docs/TRUTH-FORMAT.md.
            """)

    @Argument(help: ArgumentHelp("Folders (or single media files) with truth sidecars.", valueName: "DIR"))
    var paths: [String]


    @OptionGroup var pipelineOptions: PipelineOptions

    @OptionGroup var modelOptions: ModelOptions

    @Option(name: .long, help: ArgumentHelp("Write all scores as JSON here.", valueName: "FILE"))
    var json: String?

    @Option(name: .long, help: "Where reports go (default: a temporary folder, removed afterwards).")
    var out: String?

    @Flag(name: .long, help: "Print each lesson's confusion matrix (seconds; rows truth, columns predicted).")
    var confusion = false

    func run() async throws {
        LogSetup.bootstrap(verbose: false)
        var config = try pipelineOptions.resolve()
        modelOptions.apply()
        config = try config.setting("clips.enabled", to: "false")
        let lessons = paths.flatMap { Evaluation.lessons(in: $0) }
        guard !lessons.isEmpty else { throw PipelineError.noEvaluationLessons(paths: paths) }
        let outDir = out ?? NSTemporaryDirectory() + "lessonlens-eval-\(getpid())"
        defer { if out == nil { try? FileManager.default.removeItem(atPath: outDir) } }
        var scores: [LessonScore] = []
        for (media, truthPath) in lessons {
            let name = (media as NSString).lastPathComponent
            FileHandle.standardError.write(Data("scoring \(name)…\n".utf8))
            let truth = try Evaluation.loadTruth(truthPath)
            do {
                let plan = try AnalyzePipeline.siblingPlan(for: media).map { try LessonPlan.load(path: $0) }
                let outcome = try AnalyzePipeline.run(AnalyzeRequest(path: media, outDir: outDir, config: config, plan: plan))
                let score = Evaluation.score(report: outcome.report, truth: truth, file: name, elapsed: outcome.elapsedSeconds)
                scores.append(score)
                if confusion, let m = score.confusion {
                    print("\(name) confusion (s), rows truth / cols predicted: teacher student multi silence media")
                    for row in m { print("  " + row.map { String(format: "%7.1f", $0) }.joined(separator: " ")) }
                }
            } catch let e as LessonLensError {
                var s = LessonScore(file: name, tuning: truth.tuning, durationSeconds: truth.durationSeconds, elapsedSeconds: 0)
                s.split = truth.splitName
                s.real = truth.real
                s.error = e.message
                scores.append(s)
            }
        }
        print(Evaluation.table(scores))
        print("")
        print(Evaluation.speechTable(scores))
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(scores).write(to: URL(fileURLWithPath: json))
        }
    }
}
