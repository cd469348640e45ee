import Catalog
import Foundation
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// What a worker process measures about itself: job durations (claim to published), claim latency
/// (the claiming transaction, jobs only) and commit latency. Percentiles over the last 1,024 samples,
/// sums and counts over the process lifetime.
struct WorkerMetrics: Sendable {
    struct Samples: Sendable {
        private(set) var recent: [Double] = []
        private var next = 0
        private(set) var count = 0
        private(set) var sum = 0.0
        let window: Int
        init(window: Int = 1024) { self.window = max(1, window) }

        mutating func add(_ value: Double) {
            count += 1
            sum += value
            if recent.count < window { recent.append(value) } else { recent[next] = value; next = (next + 1) % window }
        }

        var mean: Double? { count == 0 ? nil : sum / Double(count) }

        /// Nearest-rank percentile of the recent samples, `p` in 0...1.
        func percentile(_ p: Double) -> Double? {
            guard !recent.isEmpty else { return nil }
            let sorted = recent.sorted()
            return sorted[min(sorted.count - 1, max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1))]
        }
    }

    var jobSeconds = Samples()
    var claimSeconds = Samples()
    var completeSeconds = Samples()

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}

extension QueueWorker {
    /// Every `metricsIntervalSeconds`: one log line (queue depth, jobs per state, this process's counts,
    /// mean/p95 job duration, claim latency) and the Prometheus file, when asked for.
    func reportMetrics() async {
        let interval = options.metricsIntervalSeconds
        guard interval > 0 else { return }
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(interval))
            if Task.isCancelled { return }
            let counts = try? await queue.counts()
            logger.info("metrics", metadata: metricsMetadata(counts))
            writeMetricsFile(counts)
        }
    }

    /// The metrics file at exit (final counts), when asked for.
    func writeMetricsFileNow() async {
        guard options.metricsFile != nil else { return }
        writeMetricsFile(try? await queue.counts())
    }

    func metricsMetadata(_ counts: [JobState: Int]?) -> Logger.Metadata {
        func ms(_ v: Double?) -> Logger.MetadataValue { .string(v.map { String(format: "%.1f", $0 * 1000) } ?? "-") }
        var m: Logger.Metadata = [
            "queueDepth": .string(counts.map { "\($0[.queued] ?? 0)" } ?? "?"),
            "thisProcessDone": "\(done)", "thisProcessFailed": "\(failed)",
            "thisProcessAbandoned": "\(abandoned)", "thisProcessReleased": "\(released)",
            "jobMeanMs": ms(metrics.jobSeconds.mean), "jobP95Ms": ms(metrics.jobSeconds.percentile(0.95)),
            "claimMeanMs": ms(metrics.claimSeconds.mean), "claimP95Ms": ms(metrics.claimSeconds.percentile(0.95)),
        ]
        for state in JobState.allCases { m[state.rawValue] = .string(counts.map { "\($0[state] ?? 0)" } ?? "?") }
        return m
    }

    /// Prometheus text exposition format (version 0.0.4).
    func prometheusText(_ counts: [JobState: Int]?) -> String {
        var out = ""
        func family(_ name: String, _ type: String, _ help: String) { out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n" }
        func number(_ v: Double) -> String { v.isFinite ? String(format: "%.6g", v) : "NaN" }
        if let counts {
            family("lessonlens_queue_jobs", "gauge", "Jobs in the shared queue per state (queued = queue depth).")
            for state in JobState.allCases { out += "lessonlens_queue_jobs{state=\"\(state.rawValue)\"} \(counts[state] ?? 0)\n" }
        }
        family("lessonlens_worker_jobs_total", "counter", "Jobs this worker process finished, per outcome.")
        for (outcome, n) in [("done", done), ("failed", failed), ("abandoned", abandoned), ("released", released)] {
            out += "lessonlens_worker_jobs_total{outcome=\"\(outcome)\"} \(n)\n"
        }
        family("lessonlens_worker_running_jobs", "gauge", "Jobs this worker process is running now.")
        out += "lessonlens_worker_running_jobs \(running.count)\n"
        for (name, help, s) in [("lessonlens_worker_job_duration_seconds", "Claim to published report, per done job.", metrics.jobSeconds),
                                ("lessonlens_worker_claim_latency_seconds", "The claiming transaction, per claimed job.", metrics.claimSeconds),
                                ("lessonlens_worker_commit_latency_seconds", "The result's commit, per done job.", metrics.completeSeconds)] {
            family(name, "summary", help + " Quantiles over the last \(s.window).")
            for q in [0.5, 0.95] { out += "\(name){quantile=\"\(q)\"} \(s.percentile(q).map(number) ?? "NaN")\n" }
            out += "\(name)_sum \(number(s.sum))\n\(name)_count \(s.count)\n"
        }
        return out
    }

    /// Written to a temporary name beside the file and renamed over it: a scraper never reads half a file.
    func writeMetricsFile(_ counts: [JobState: Int]?) {
        guard let path = options.metricsFile else { return }
        let temp = path + ".tmp-\(getpid())"
        do {
            try Data(prometheusText(counts).utf8).write(to: URL(fileURLWithPath: temp))
            guard rename(temp, path) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        } catch {
            try? FileManager.default.removeItem(atPath: temp)
            logger.warning("cannot write the metrics file", metadata: ["file": "\(path)", "error": "\(error)"])
        }
    }
}
