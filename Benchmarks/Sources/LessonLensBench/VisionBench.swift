// Vision path speed: MediaReader luma extraction + SlideDetector + MotionAnalyzer on a 10-minute 720p
// H.264 file, against `ffmpeg -i F -an -f null -` and PySceneDetect's content detector on the same file,
// all measured in the same run. CPU seconds (user + system) are the main figure: the machine is shared,
// so wall time is printed too but is noisy.
import Analysis
import Foundation
import MediaCore
import MediaIO

/// CPU seconds (user + system) of this process and of its waited-for children.
private func cpuSeconds() -> (own: Double, children: Double) {
    var me = rusage(), kids = rusage()
    getrusage(RUSAGE_SELF.rawValue, &me)
    getrusage(RUSAGE_CHILDREN.rawValue, &kids)
    let s: (rusage) -> Double = {
        Double($0.ru_utime.tv_sec) + Double($0.ru_utime.tv_usec) / 1e6 + Double($0.ru_stime.tv_sec) + Double($0.ru_stime.tv_usec) / 1e6
    }
    return (s(me), s(kids))
}

private func wallSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

/// Runs a command to completion (output discarded); returns false when it could not run or failed.
@discardableResult
private func runTool(_ path: String, _ args: [String]) -> Bool {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = args
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    do { try p.run() } catch { return false }
    p.waitUntilExit()
    return p.terminationStatus == 0
}

private func findTool(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin"
    for dir in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
        return "\(dir)/\(name)"
    }
    return nil
}

private struct Timing {
    var cpu: Double
    var wall: Double
}

/// Times `body` in this process (own CPU) or a child (children's CPU).
private func timed(child: Bool = false, _ body: () throws -> Void) rethrows -> Timing {
    let c0 = cpuSeconds(), w0 = wallSeconds()
    try body()
    let c1 = cpuSeconds(), w1 = wallSeconds()
    return Timing(cpu: child ? c1.children - c0.children : c1.own - c0.own, wall: w1 - w0)
}

/// The benchmark file: 10 min of 1280×720 25 fps H.264 (keyframe every 2 s, x264 scene cuts on) + AAC.
/// Slide-like content: a test pattern stepping in brightness every 20 s, with a moving box (the "teacher").
private func visionBenchFile() -> String? {
    let path = ProcessInfo.processInfo.environment["LESSONLENS_BENCH_VIDEO"] ?? "/tmp/lessonlens-bench/vision-720p-10min.mp4"
    if FileManager.default.fileExists(atPath: path) { return path }
    try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    guard let ffmpeg = findTool("ffmpeg") else { return nil }
    print("vision: generating \(path) (10 min 720p H.264 + AAC: one minute encoded, looped by stream copy)…")
    // Slides: a test pattern whose brightness steps every 20 s; a dark box walks across it. Encoding ten
    // minutes of 720p on a shared 2-core machine takes too long, so one minute is encoded and repeated.
    let video = "testsrc=size=1280x720:rate=25:duration=60,eq=brightness='0.25*mod(floor(t/20),3)-0.25':eval=frame,"
        + "drawbox=x='mod(t*40,1100)':y=380:w=120:h=340:color=black@1:t=fill"
    let piece = path + ".piece.mp4"
    let ok = runTool(ffmpeg, ["-nostdin", "-y", "-loglevel", "error", "-f", "lavfi", "-i", video,
                              "-f", "lavfi", "-i", "sine=frequency=220:sample_rate=48000:duration=60",
                              "-c:v", "libx264", "-preset", "veryfast", "-g", "50", "-crf", "28", "-pix_fmt", "yuv420p",
                              "-c:a", "aac", "-b:a", "64k", piece])
        && runTool(ffmpeg, ["-nostdin", "-y", "-loglevel", "error", "-stream_loop", "9", "-i", piece, "-c", "copy",
                            "-movflags", "+faststart", path + ".part.mp4"])
    unlink(piece)
    guard ok, rename(path + ".part.mp4", path) == 0 else { return nil }
    return path
}

/// Vision suite: prints CPU and wall seconds per pass and the ratios to ffmpeg and PySceneDetect.
func runVisionBenchmarks() {
    if let dir = ProcessInfo.processInfo.environment["LESSONLENS_EVAL_DIR"] {
        runVisionEvaluation(dir: dir)
        return
    }
    guard let file = visionBenchFile() else {
        print("vision: skipped (ffmpeg CLI missing or the benchmark file could not be made)")
        return
    }
    let duration = 600.0
    func ours(_ sampling: VideoSampling, detectors: Bool) -> (Timing, Int, SlideResult?) {
        var frames = 0
        var result: SlideResult? = nil
        let t = timed {
            var options = ReadOptions(decodeAudio: false, video: sampling)
            options.videoThreads = 1
            guard let reader = try? MediaReader(path: file, options: options) else { return }
            let slides = SlideDetector()
            let motion = MotionAnalyzer()
            _ = try? reader.run(onAudio: { _ in }, onVideo: { f in
                frames += 1
                if detectors { slides.consume(f); motion.consume(f) }
            })
            if detectors { result = slides.finish(); _ = motion.finish() }
        }
        return (t, frames, result)
    }
    func line(_ name: String, _ t: Timing, extra: String = "") {
        print(String(format: "  %-44@ cpu %7.2f s  wall %7.2f s  %7.0fx realtime (cpu)%@", name as NSString, t.cpu, t.wall,
                     duration / max(t.cpu, 1e-6), extra as NSString))
    }
    print("vision: \(file)")
    let (fps2Luma, n2, _) = ours(.fps(2), detectors: false)
    line("MediaReader luma .fps(2)", fps2Luma, extra: "  \(n2) frames")
    let (fps2, _, r2) = ours(.fps(2), detectors: true)
    line("luma .fps(2) + SlideDetector + MotionAnalyzer", fps2, extra: "  \(r2?.changes.count ?? -1) changes")
    let (key, nk, rk) = ours(.keyframes, detectors: true)
    line("luma .keyframes + SlideDetector + Motion", key, extra: "  \(nk) frames, \(rk?.changes.count ?? -1) changes")
    var ffmpegT: Timing? = nil
    if let ffmpeg = findTool("ffmpeg") {
        let t = timed(child: true) { runTool(ffmpeg, ["-nostdin", "-loglevel", "error", "-threads", "1", "-i", file, "-an", "-f", "null", "-"]) }
        line("ffmpeg -threads 1 -i F -an -f null -", t)
        ffmpegT = t
    }
    var sceneT: Timing? = nil
    if let scenedetect = findTool("scenedetect") {
        var ok = false
        let t = timed(child: true) { ok = runTool(scenedetect, ["-q", "-i", file, "detect-content"]) }
        if ok { line("PySceneDetect detect-content (CLI)", t); sceneT = t } else { print("  PySceneDetect: failed to run") }
    } else {
        print("  PySceneDetect: not installed (pip install scenedetect opencv-python-headless)")
    }
    if let f = ffmpegT {
        print(String(format: "  ratio: ffmpeg full decode / ours .fps(2) = %.1fx, / ours .keyframes = %.1fx (cpu)", f.cpu / fps2.cpu, f.cpu / key.cpu))
    }
    if let s = sceneT {
        print(String(format: "  ratio: PySceneDetect / ours .fps(2) = %.1fx, / ours .keyframes = %.1fx (cpu)", s.cpu / fps2.cpu, s.cpu / key.cpu))
    }
}

// MARK: - accuracy through the real decoder (not a speed figure)

private struct EvalTruth: Decodable {
    struct KP: Decodable { var title: String; var start: Double; var end: Double }
    var durationSeconds: Double
    var slideChanges: [Double]
    var knowledgePoints: [KP]
    var timeline: [Segment]
}

/// Slide-change F1 (±1 s) and knowledge-point boundary F1 (±15 s, with the plan's titles, the truth timeline
/// standing in for the voice analyser) over `dir/*.mp4` with `*.truth.json`, decoding through MediaReader
/// with each sampling. Run: `LESSONLENS_EVAL_DIR=DIR LessonLensBench vision`.
func runVisionEvaluation(dir: String) {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { print("vision eval: cannot list \(dir)"); return }
    for sampling in [VideoSampling.fps(2), .keyframes] {
        var slideF1: [Double] = [], boundaryF1: [Double] = [], cpu = 0.0, seconds = 0.0
        for name in names.sorted() where name.hasSuffix(".truth.json") {
            let base = dir + "/" + name.replacingOccurrences(of: ".truth.json", with: "")
            guard let media = ["mp4", "mkv", "flv", "ts", "mov", "m4a"].map({ base + "." + $0 }).first(where: {
                      FileManager.default.fileExists(atPath: $0) }),
                  let data = FileManager.default.contents(atPath: dir + "/" + name),
                  let truth = try? JSONDecoder().decode(EvalTruth.self, from: data) else { continue }
            let detector = SlideDetector()
            var failed = false
            let audioOnly = media.hasSuffix(".m4a")
            let t = timed {
                if audioOnly { return }  // no video: micro-lessons from audio cues alone, no slide score
                do {
                    let reader = try MediaReader(path: media, options: ReadOptions(decodeAudio: false, video: sampling))
                    _ = try reader.run(onAudio: { _ in }, onVideo: { detector.consume($0) })
                } catch { failed = true; print("  \(name): \(error)") }
            }
            if failed { continue }
            if !audioOnly {
                cpu += t.cpu
                seconds += truth.durationSeconds
            }
            let r = detector.finish()
            let s = SlideScoring.f1(truth: truth.slideChanges, predicted: r.changes, tolerance: 1)
            let plan = truth.knowledgePoints.map { KnowledgePoint(title: $0.title) }
            let lessons = Segmenter.segment(duration: truth.durationSeconds, timeline: truth.timeline, slideChanges: r.changes,
                                            plan: plan, config: SegmenterConfig(), slideStrengths: r.changeStrengths)
            func bounds(_ spans: [(Double, Double)]) -> [Double] { spans.map(\.0) + (spans.last.map { [$0.1] } ?? []) }
            let b = SlideScoring.f1(truth: bounds(truth.knowledgePoints.map { ($0.start, $0.end) }),
                                    predicted: bounds(lessons.map { ($0.start, $0.end) }), tolerance: 15)
            if !audioOnly { slideF1.append(s.f1) }
            boundaryF1.append(b.f1)
            print(String(format: "  %@ %@: slide P %.2f R %.2f F1 %.2f; boundary F1 %.2f", "\(sampling)" as NSString, name as NSString,
                         s.precision, s.recall, s.f1, b.f1))
            if s.f1 < 1 {
                print("    truth \(truth.slideChanges)\n    pred  \(r.changes.map { ($0 * 100).rounded() / 100 })")
            }
        }
        let mean: ([Double]) -> Double = { $0.isEmpty ? 0 : $0.reduce(0, +) / Double($0.count) }
        print(String(format: "vision eval %@ %@: slide F1 %.3f over %d video lessons, boundary F1 %.3f over %d lessons, %.0fx realtime (cpu)",
                     dir as NSString, "\(sampling)" as NSString, mean(slideF1), slideF1.count, mean(boundaryF1), boundaryF1.count,
                     seconds / max(cpu, 1e-6)))
    }
}
