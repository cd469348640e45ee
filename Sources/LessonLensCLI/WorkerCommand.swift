import ArgumentParser
import Foundation
import MediaCore
import Pipeline
import UnixSignals
import Logging

/// `lessonlens worker --catalog postgres://… --workers N --out DIR`: the worker role of issue 12.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Claim and analyse queued jobs from a shared catalog (any number of hosts).",
        discussion: """
            Jobs are claimed under a lease renewed every third of --lease seconds; a worker that dies loses its \
            lease and the job is retried elsewhere (bounded attempts, backoff). A path this host cannot read \
            fails the job transiently, so another host may retry it. `lessonlens jobs list --catalog …` shows \
            which host holds which job. Reports are written to a hidden staging folder and renamed into place only \
            after the result is committed (publish-after-commit). SIGTERM/SIGINT: no new claims, running jobs \
            finish; a second signal gives them back to the queue at once (queued again, the attempt not counted) \
            and exits. Every --metrics-interval seconds a `metrics` log line gives the queue depth, jobs per \
            state, this process's done/failed counts, mean/p95 job duration and claim latency; --metrics-file \
            writes the same in Prometheus text format (atomically; name it *.prom in node_exporter's \
            textfile-collector folder). An idle worker claims again after 0.25 s, doubling the pause per empty \
            claim up to --max-poll (2 s; with jitter), and asks for expired leases to be requeued once per third of a lease: \
            the load many idle hosts put on the database stays bounded. --stub-sleep MS replaces the analysis by a readable-file \
            check, a sleep and a small report.json: for tests and benchmarks of the queue only.
            """)

    @Option(name: .long, help: ArgumentHelp("Catalog: postgres://user@host:port/db or a SQLite file.", valueName: "URL"))
    var catalog: String
    @Option(name: .long, help: ArgumentHelp("Report folder (shared storage).", valueName: "DIR")) var out: String = "./lessonlens-out"
    @Option(name: .long, help: "Jobs analysed at once by this process.") var workers: Int = 1
    @Option(name: .long, help: "Seconds a claimed job's lease lasts.") var lease: Double = 60
    @Option(name: .long, help: ArgumentHelp("Longest pause in seconds between claims of an idle lane (0.25-300; 0.25: a fixed poll).",
                                            valueName: "S"))
    var maxPoll: Double = 2
    @Option(name: .long, help: "First retry delay in seconds of a transient failure or expired lease (doubles per attempt).")
    var retryBase: Double = 30
    @Option(name: .long, help: ArgumentHelp("Tests/benchmarks: stand-in analysis that sleeps MS milliseconds.", valueName: "MS"))
    var stubSleep: Int?
    @Flag(name: .long, help: "Exit once no job is queued or running.") var once = false
    @Option(name: .long, help: ArgumentHelp("Seconds between metrics log lines and metrics-file rewrites (0: none).", valueName: "S"))
    var metricsInterval: Double = 60
    @Option(name: .long, help: ArgumentHelp("Prometheus text file to rewrite atomically with the metrics (node_exporter textfile collector).",
                                            valueName: "PATH"))
    var metricsFile: String?
    @Option(name: .long, help: .hidden) var benchOverhead: Int?
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var pipelineOptions: PipelineOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard (1...64).contains(workers) else { throw ValidationError("--workers must be 1...64, got \(workers)") }
        guard lease >= 0.3 else { throw ValidationError("--lease must be at least 0.3 seconds") }
        guard maxPoll >= 0.25, maxPoll <= 300 else { throw ValidationError("--max-poll must be 0.25-300 seconds") }
        guard retryBase >= 0 else { throw ValidationError("--retry-base must be at least 0") }
        if let stubSleep, stubSleep < 0 { throw ValidationError("--stub-sleep must be at least 0") }
        guard metricsInterval >= 0 else { throw ValidationError("--metrics-interval must be at least 0 seconds") }
    }

    func run() async throws {
        try await runReportingErrors {
            LogSetup.bootstrap(verbose: global.verbose, defaultLevel: .info)
            if let benchOverhead {
                print(try await QueueBench.overhead(catalog: catalog, jobs: benchOverhead))
                return
            }
            let config = try pipelineOptions.resolve()
            modelOptions.apply()
            if stubSleep == nil { _ = try Models.speechModel(for: config) }
            try OutputFolder.create(out)
            var options = QueueWorkerOptions(outDir: out, config: config)
            options.workers = workers
            options.leaseSeconds = lease
            options.maxPollSeconds = maxPoll
            options.stubSleepMilliseconds = stubSleep
            options.exitWhenIdle = once
            options.metricsIntervalSeconds = metricsInterval
            options.metricsFile = metricsFile
            let worker = try await QueueWorker.open(catalog: catalog, options: options, retryBaseSeconds: retryBase)
            // First signal: no new claims, running jobs finish. Second: they go back to the queue now and the
            // process exits without waiting for their analyses (whose staged folders the next start removes).
            let signals = Task {
                var received = 0
                for await _ in await UnixSignalsSequence(trapping: .sigterm, .sigint) {
                    received += 1
                    let given = await worker.stop(immediately: received > 1)
                    if received > 1 {
                        let summary = await worker.summary
                        FileHandle.standardError.write(Data("worker stopped at once: \(given) job(s) given back; \(summary)\n".utf8))
                        Foundation.exit(0)
                    }
                }
            }
            defer { signals.cancel() }
            let summary = await worker.run()
            FileHandle.standardError.write(Data("worker stopped: \(summary)\n".utf8))
        }
    }
}
