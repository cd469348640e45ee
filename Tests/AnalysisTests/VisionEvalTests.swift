import Analysis
import Foundation
import MediaCore
import TestSupport
import Testing

/// Development accuracy check on generated lessons (`SampleMedia/generate_lesson.py`), skipped unless
/// `LESSONLENS_EVAL_DIR` names a folder of `X.mp4` + `X.truth.json`. Frames come from the ffmpeg CLI (this
/// test target cannot import MediaIO), downscaled like MediaReader (integer box factor to ~256 px) and
/// sampled on the same k/rate grid (`LESSONLENS_EVAL_FPS`, default 2).
@Suite(.tags(.media, .slow)) struct VisionEvalTests {
    struct Truth: Decodable {
        struct KP: Decodable { var title: String; var start: Double; var end: Double }
        struct Video: Decodable { var width: Int; var height: Int; var fps: Int }
        var durationSeconds: Double
        var slideChanges: [Double]
        var knowledgePoints: [KP]
        var timeline: [Segment]
        var video: Video?
    }

    static var evalDir: String? { ProcessInfo.processInfo.environment["LESSONLENS_EVAL_DIR"] }

    /// Streams sampled luma frames of `path` (ffmpeg CLI, gray, box-downscaled) into `body`.
    static func frames(_ path: String, width: Int, height: Int, fps: Int, rate: Double, body: (LumaFrame) -> Void) throws {
        let factor = max(1, Int((Double(width) / 256).rounded()))
        let w = width / factor, h = height / factor
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
        p.arguments = ["-nostdin", "-loglevel", "error", "-i", path, "-an", "-vf", "scale=\(w):\(h):flags=area",
                       "-pix_fmt", "gray", "-f", "rawvideo", "-"]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        var index = 0
        var next = 0.0
        let size = w * h
        var buffer = Data()
        while true {
            let chunk = pipe.fileHandleForReading.readData(ofLength: 1 << 20)
            if chunk.isEmpty { break }
            buffer.append(chunk)
            while buffer.count >= size {
                let t = Double(index) / Double(fps)
                index += 1
                if t + 0.0005 >= next {
                    next = (floor((t + 0.0005) * rate) + 1) / rate
                    body(LumaFrame(timeSeconds: t, width: w, height: h, pixels: [UInt8](buffer.prefix(size)), isKeyframe: false))
                }
                buffer.removeFirst(size)
            }
        }
        p.waitUntilExit()
    }

    @Test(.enabled(if: evalDir != nil)) func slideAndBoundaryAccuracy() throws {
        let dir = Self.evalDir!
        let rate = Double(ProcessInfo.processInfo.environment["LESSONLENS_EVAL_FPS"] ?? "2") ?? 2
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".truth.json") }.sorted()
        var slideScores: [Double] = [], boundaryScores: [Double] = []
        var tp = 0.0, nTruth = 0, nPred = 0
        for f in files {
            let truth = try JSONDecoder().decode(Truth.self, from: Data(contentsOf: URL(fileURLWithPath: dir + "/" + f)))
            guard let v = truth.video else { continue }
            let media = dir + "/" + f.replacingOccurrences(of: ".truth.json", with: ".mp4")
            guard FileManager.default.fileExists(atPath: media) else { continue }
            let detector = SlideDetector()
            var scores: [SlideFrameScore] = []
            if ProcessInfo.processInfo.environment["LESSONLENS_EVAL_TRACE"] != nil { detector.onScore = { scores.append($0) } }
            try Self.frames(media, width: v.width, height: v.height, fps: v.fps, rate: rate) { detector.consume($0) }
            let r = detector.finish()
            let s = SlideScoring.f1(truth: truth.slideChanges, predicted: r.changes, tolerance: 1)
            slideScores.append(s.f1)
            tp += s.recall * Double(truth.slideChanges.count)
            nTruth += truth.slideChanges.count
            nPred += r.changes.count
            print("\(f): slide P \(fmt(s.precision)) R \(fmt(s.recall)) F1 \(fmt(s.f1))")
            print("  truth \(truth.slideChanges.map(fmt))")
            print("  strength \(r.changeStrengths.map(fmt))")
            print("  pred  \(r.changes.map(fmt)) cuts \(r.cameraCuts.map { "\(fmt($0.start))-\(fmt($0.end))" })")
            for sc in scores where sc.changedVsCurrent > 0.15 || (sc.changedVsCandidate ?? 0) > 0.15 {
                print("    t \(fmt(sc.timeSeconds)) cur \(fmt(Double(sc.changedVsCurrent))) cand \(sc.changedVsCandidate.map { fmt(Double($0)) } ?? "-") emd \(fmt(Double(sc.histogramDistance)))")
            }
            let plan = truth.knowledgePoints.map { KnowledgePoint(title: $0.title) }
            let lessons = Segmenter.segment(duration: truth.durationSeconds, timeline: truth.timeline, slideChanges: r.changes,
                                            plan: plan, config: SegmenterConfig(), slideStrengths: r.changeStrengths)
            let cands = Segmenter.candidates(duration: truth.durationSeconds, timeline: truth.timeline, slideChanges: r.changes,
                                             slideStrengths: r.changeStrengths, config: SegmenterConfig())
            print("  candidates \(cands.filter { $0.score > 0 }.map { "\(fmt($0.time)):\(fmt($0.score))" })")
            let truthB = Self.boundaries(truth.knowledgePoints.map { ($0.start, $0.end) })
            let predB = Self.boundaries(lessons.map { ($0.start, $0.end) })
            let b = SlideScoring.f1(truth: truthB, predicted: predB, tolerance: 15)
            boundaryScores.append(b.f1)
            print("  kp truth \(truthB.map(fmt)) pred \(predB.map(fmt)) F1 \(fmt(b.f1))")
        }
        let microP = nPred > 0 ? tp / Double(nPred) : 0, microR = nTruth > 0 ? tp / Double(nTruth) : 0
        let microF1 = microP + microR > 0 ? 2 * microP * microR / (microP + microR) : 0
        print("SUMMARY \(slideScores.count) lessons at \(rate) fps: slide F1 mean \(fmt(mean(slideScores))) pooled \(fmt(microF1)); "
              + "boundary F1 mean \(fmt(mean(boundaryScores)))")
    }

    /// Segment starts plus the end of the last one (the boundaries a listener would mark).
    static func boundaries(_ spans: [(Double, Double)]) -> [Double] {
        guard let last = spans.last else { return [] }
        return spans.map(\.0) + [last.1]
    }
}

private func mean(_ v: [Double]) -> Double { v.isEmpty ? 0 : v.reduce(0, +) / Double(v.count) }
private func fmt(_ v: Double) -> String { String(format: "%.2f", v) }
