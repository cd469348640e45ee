import Foundation
import MediaCore
import TestSupport
import Testing
@testable import Analysis

/// Accuracy evaluation over generated lessons with `*.truth.json` sidecars (docs/TRUTH-FORMAT.md).
///
/// Skipped unless `LESSONLENS_EVAL_DIR` names a folder. Each lesson is decoded with the ffmpeg CLI to
/// 16 kHz mono f32le (test only; the product decodes with MediaIO), analysed, scored frame by frame
/// and printed; the pooled score closes the run. `LESSONLENS_EVAL_DUMP=DIR` also writes each
/// lesson's per-block feature table with the true label (for tuning).
@Suite(.tags(.media, .slow)) struct VoiceEvaluationTests {
    struct Truth: Decodable {
        var file: String
        var durationSeconds: Double
        var language: String?
        var timeline: [Segment]
    }

    static var evalDir: String? { ProcessInfo.processInfo.environment["LESSONLENS_EVAL_DIR"] }

    @Test(.enabled(if: evalDir != nil)) func evaluateLessons() throws {
        let dir = URL(fileURLWithPath: try #require(Self.evalDir))
        let dump = ProcessInfo.processInfo.environment["LESSONLENS_EVAL_DUMP"].map { URL(fileURLWithPath: $0) }
        let files = try FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil)
            .filter { $0.lastPathComponent.hasSuffix(".truth.json") }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        try #require(!files.isEmpty, "no *.truth.json in \(dir.path)")
        var scores: [TimelineScore] = []
        var audioSeconds = 0.0, analysisSeconds = 0.0
        for truthURL in files {
            let truth = try JSONDecoder().decode(Truth.self, from: Data(contentsOf: truthURL))
            let media = dir.appendingPathComponent(truth.file)
            let samples = try Self.decode(media)
            var config = VoiceConfig()
            // Profiling switch: no pitch estimation at all (shows what YIN costs).
            if ProcessInfo.processInfo.environment["LESSONLENS_EVAL_NOPITCH"] != nil { config.pitchGateDB = 1000 }
            // The learned voice-activity model, as the product runs it; LESSONLENS_EVAL_ACOUSTIC=1 leaves it out.
            let model = ProcessInfo.processInfo.environment["LESSONLENS_EVAL_ACOUSTIC"] == nil ? try sileroWeights() : nil
            let analyzer = VoiceAnalyzer(config: config, speechModel: model)
            analyzer.recordsBlockFeatures = dump != nil
            var result: VoiceResult?
            // Thread CPU time, so that other load on the machine does not count.
            let cpu0 = Self.threadCPUSeconds()
            do {
                samples.withUnsafeBufferPointer { buf in
                    var i = 0
                    // One-second chunks, as MediaIO delivers them.
                    while i < buf.count {
                        let n = min(16000, buf.count - i)
                        analyzer.consume(UnsafeBufferPointer(rebasing: buf[i..<(i + n)]))
                        i += n
                    }
                }
                result = analyzer.finish(durationSeconds: truth.durationSeconds)
            }
            let r = try #require(result)
            let score = TimelineScoring.frameAccuracy(truth: truth.timeline, predicted: r.timeline,
                                                      duration: truth.durationSeconds)
            scores.append(score)
            audioSeconds += truth.durationSeconds
            analysisSeconds += Self.threadCPUSeconds() - cpu0
            print("== \(truth.file) [\(truth.language ?? "?")] speakers \(r.speakers) floor \(String(format: "%.1f", r.noiseFloorDBFS)) dBFS rising \(r.risingPitchEnds.count)")
            print(score.table)
            if let dump {
                try FileManager.default.createDirectory(at: dump, withIntermediateDirectories: true)
                var table = analyzer.blockFeatureTable()
                // Append the true label of each block.
                var lines = table.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                var cursor = 0
                for k in lines.indices where !lines[k].isEmpty {
                    if k == 0 { lines[k] += "\ttruth\tpred"; continue }
                    let t = (Double(k - 1) + 0.5) * 0.1
                    while cursor < truth.timeline.count && truth.timeline[cursor].end <= t { cursor += 1 }
                    let l = cursor < truth.timeline.count ? truth.timeline[cursor].label.rawValue : "silence"
                    let p = r.timeline.first { $0.start <= t && t < $0.end }?.label.rawValue ?? "silence"
                    lines[k] += "\t\(l)\t\(p)"
                }
                table = lines.joined(separator: "\n")
                try table.write(to: dump.appendingPathComponent(truth.file + ".tsv"), atomically: true, encoding: .utf8)
            }
        }
        let pooled = TimelineScore.pooled(scores)
        print("== pooled over \(scores.count) lessons, \(String(format: "%.0f", audioSeconds)) s of audio, analysis \(String(format: "%.1f", audioSeconds / max(analysisSeconds, 1e-9)))x realtime per core (thread CPU time, this build)")
        print(pooled.table)
        print("mean |teacher-ratio error| \(String(format: "%.3f", scores.map { abs($0.teacherRatioError) }.reduce(0, +) / Double(scores.count))), max \(String(format: "%.3f", scores.map { abs($0.teacherRatioError) }.max() ?? 0)), min accuracy \(String(format: "%.3f", scores.map(\.accuracy).min() ?? 0))")
    }

    /// Peak memory for a long recording: `LESSONLENS_EVAL_HOURS=3` streams that many hours of
    /// synthetic audio (voice bursts over noise, generated chunk by chunk so the test holds no audio)
    /// and prints the process's peak resident size before and after.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["LESSONLENS_EVAL_HOURS"] != nil))
    func longRecordingMemory() throws {
        let hours = Double(ProcessInfo.processInfo.environment["LESSONLENS_EVAL_HOURS"] ?? "") ?? 3
        func maxRSSMB() -> Double {
            var u = rusage()
            getrusage(RUSAGE_SELF.rawValue, &u)
            return Double(u.ru_maxrss) / 1024
        }
        let before = maxRSSMB()
        let analyzer = VoiceAnalyzer()
        let voice = VoiceAnalyzerTests.voice(seconds: 1, hz: 150, level: 0.1)
        var noise = VoiceAnalyzerTests.noise(count: 16000, rms: 0.002)
        let seconds = Int(hours * 3600)
        let cpu0 = Self.threadCPUSeconds()
        for k in 0..<seconds {
            var chunk = noise
            // Speech in 7 of every 10 seconds.
            if k % 10 < 7 { for i in 0..<16000 { chunk[i] += voice[i] } }
            chunk.withUnsafeBufferPointer { analyzer.consume($0) }
            noise.swapAt(k % 16000, (k * 7919) % 16000)
        }
        let r = analyzer.finish(durationSeconds: Double(seconds))
        let cpu = Self.threadCPUSeconds() - cpu0
        print(String(format: "long recording: %.1f h, %d segments, peak RSS %.1f MB before, %.1f MB after; %.0fx realtime per core",
                     hours, r.timeline.count, before, maxRSSMB(), Double(seconds) / cpu))
        #expect(r.timeline.last?.end == Double(seconds))
    }

    static func threadCPUSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// Decodes any media file to 16 kHz mono Float32 with the ffmpeg CLI (tests only).
    static func decode(_ url: URL) throws -> [Float] {
        let r = try Tool.run("/usr/bin/ffmpeg", ["-nostdin", "-v", "error", "-i", url.path, "-f", "f32le", "-ac", "1", "-ar", "16000", "-"])
        guard r.status == 0 else { throw CocoaError(.fileReadCorruptFile) }
        let data = r.data
        return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }
}
