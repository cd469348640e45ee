public import Analysis
import Foundation
public import MediaCore

/// Ground truth of a generated lesson (`*.truth.json`, docs/TRUTH-FORMAT.md).
public struct LessonTruth: Codable, Sendable {
    public struct TruthQuestion: Codable, Sendable {
        public var time: Double
        public var waitSeconds: Double?
    }
    public struct TruthSpan: Codable, Sendable {
        public var title: String?
        public var start: Double
        public var end: Double
    }
    public struct TruthST: Codable, Sendable {
        public var intervalSeconds: Double?
        public var rule: String?
        public var sequence: String?
        public var rt: Double
        public var ch: Double
        public var mode: String
    }
    public var file: String?
    public var durationSeconds: Double
    public var language: String?
    public var timeline: [Segment]
    public var slideChanges: [Double]?
    public var knowledgePoints: [TruthSpan]?
    public var questions: [TruthQuestion]?
    public var st: TruthST?
    public var tuning: Bool?
    /// Real recordings (SampleMedia/real): the reference comes from the clean sources, not a generator.
    public var real: Bool?
    /// `dev` (may be tuned on) or `heldout` (only reported); without it `tuning` decides.
    public var split: String?

    /// `split`, else `dev` for `tuning: true`, `heldout` for `tuning: false`, nil when neither is given.
    public var splitName: String? { split ?? tuning.map { $0 ? "dev" : "heldout" } }
}

/// The scores of one lesson against its truth.
public struct LessonScore: Codable, Sendable {
    public var file: String
    public var tuning: Bool?
    public var durationSeconds: Double
    public var frameAccuracy: Double?
    public var recall: [String: Double]?
    public var precision: [String: Double]?
    /// Seconds, rows = truth label, columns = predicted label, in `TimelineScore.labels` order.
    public var confusion: [[Double]]?
    public var teacherRatioError: Double?
    public var modeTruth: String?
    public var modePredicted: String?
    public var rtError: Double?
    public var chError: Double?
    public var questionsTruth: Int?
    public var questionsMatched: Int?
    public var questionsPredicted: Int?
    /// Median over matched answered questions of |predicted wait − true wait|, seconds.
    public var medianWaitError: Double?
    /// |median predicted wait − median true wait|, seconds.
    public var lessonMedianWaitError: Double?
    public var slideF1: Double?
    public var slidePrecision: Double?
    public var slideRecall: Double?
    public var boundaryF1: Double?
    /// `dev` / `heldout` (LessonTruth.splitName) and whether the recording is real.
    public var split: String?
    public var real: Bool?
    /// Speech / no-speech frame error on 10 ms frames, pauses < 1.5 s inside speech counted as speech
    /// (SpeechScore); `speech` holds the frame counts, which pool by adding.
    public var speechFrameError: Double?
    public var speechMissRate: Double?
    public var speechFalseAlarmRate: Double?
    /// Shares of the reference `silence` predicted silence / media / multi / teacher-or-student.
    public var silenceKeptSilence: Double?
    public var silenceAsMedia: Double?
    public var silenceAsMulti: Double?
    public var silenceAsSpeech: Double?
    /// Share of the reference `media` predicted `media`.
    public var mediaKeptMedia: Double?
    public var speech: SpeechScore?
    public var elapsedSeconds: Double
    public var error: String?

    public init(file: String, tuning: Bool?, durationSeconds: Double, elapsedSeconds: Double, error: String? = nil) {
        self.file = file
        self.tuning = tuning
        self.durationSeconds = durationSeconds
        self.elapsedSeconds = elapsedSeconds
        self.error = error
    }
}

extension LessonScore {
    /// Stores a speech score and its derived shares.
    public mutating func setSpeech(_ sp: SpeechScore) {
        speech = sp
        speechFrameError = sp.frames > 0 ? sp.frameError : nil
        speechMissRate = sp.missRate
        speechFalseAlarmRate = sp.falseAlarmRate
        silenceKeptSilence = sp.silenceKeptSilence
        silenceAsMedia = sp.silenceAsMedia
        silenceAsMulti = sp.silenceAsMulti
        silenceAsSpeech = sp.silenceAsSpeech
        mediaKeptMedia = sp.mediaKeptMedia
    }
}

/// Scores analyses against truth files: timeline, S-T, questions and wait time, slides, knowledge points.
public enum Evaluation {
    /// Tolerances of the issues' targets: slide changes ±1 s, knowledge-point boundaries ±15 s, and a
    /// question counts as found when a predicted question ends within 2 s of the true one (about one
    /// syllable-to-pause transition plus the merge rule's smoothing).
    public static let slideToleranceSeconds = 1.0
    public static let boundaryToleranceSeconds = 15.0
    public static let questionMatchSeconds = 2.0

    /// Media files in `directory` (not recursive) that have a `.truth.json` sidecar, sorted.
    public static func lessons(in directory: String) -> [(media: String, truth: String)] {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: directory, isDirectory: &isDir), !isDir.boolValue {
            let truth = (directory as NSString).deletingPathExtension + ".truth.json"
            return fm.fileExists(atPath: truth) ? [(directory, truth)] : []
        }
        let names = ((try? fm.contentsOfDirectory(atPath: directory)) ?? []).sorted()
        let mediaExtensions: Set = ["mp4", "mov", "ts", "flv", "mkv", "m4a", "mp3", "wav"]
        return names.compactMap { name in
            guard mediaExtensions.contains((name as NSString).pathExtension.lowercased()) else { return nil }
            let media = (directory as NSString).appendingPathComponent(name)
            let truth = (media as NSString).deletingPathExtension + ".truth.json"
            return fm.fileExists(atPath: truth) ? (media, truth) : nil
        }
    }

    public static func loadTruth(_ path: String) throws -> LessonTruth {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PipelineError.truthMissing(path: path)
        }
        do { return try JSONDecoder().decode(LessonTruth.self, from: data) }
        catch { throw PipelineError.truthInvalid(path: path, reason: "\(error)") }
    }

    /// Compares a report with its truth.
    public static func score(report: Report, truth: LessonTruth, file: String, elapsed: Double) -> LessonScore {
        var s = LessonScore(file: file, tuning: truth.tuning, durationSeconds: truth.durationSeconds, elapsedSeconds: elapsed)
        s.split = truth.splitName
        s.real = truth.real
        if !truth.timeline.isEmpty, report.recording.audio != nil {
            let duration = min(truth.durationSeconds, report.recording.durationSeconds)
            let t = TimelineScoring.frameAccuracy(truth: truth.timeline, predicted: report.timeline, duration: duration)
            s.frameAccuracy = t.accuracy
            s.recall = Dictionary(uniqueKeysWithValues: t.recall.map { ($0.key.rawValue, $0.value) })
            s.precision = Dictionary(uniqueKeysWithValues: t.precision.map { ($0.key.rawValue, $0.value) })
            s.confusion = t.confusion
            s.teacherRatioError = t.teacherRatioError
            s.setSpeech(TimelineScoring.speechScore(truth: truth.timeline, predicted: report.timeline, duration: duration))
        }
        if let tst = truth.st, let pst = report.st {
            s.modeTruth = tst.mode
            s.modePredicted = pst.mode.rawValue
            s.rtError = abs(pst.rt - tst.rt)
            s.chError = abs(pst.ch - tst.ch)
        }
        if let tq = truth.questions, report.recording.audio != nil {
            let pq = report.interaction.questions
            s.questionsTruth = tq.count
            s.questionsPredicted = pq.count
            var used = Set<Int>()
            var errors: [Double] = []
            var matched = 0
            for q in tq {
                let best = pq.indices.filter { !used.contains($0) && abs(pq[$0].time - q.time) <= questionMatchSeconds }
                    .min { abs(pq[$0].time - q.time) < abs(pq[$1].time - q.time) }
                guard let b = best else { continue }
                used.insert(b)
                matched += 1
                if let tw = q.waitSeconds, let pw = pq[b].waitSeconds { errors.append(abs(tw - pw)) }
            }
            s.questionsMatched = matched
            s.medianWaitError = Analytics.median(errors)
            let trueMedian = Analytics.median(tq.compactMap(\.waitSeconds))
            if let a = trueMedian, let b = report.interaction.medianWaitSeconds { s.lessonMedianWaitError = abs(a - b) }
        }
        // Scored only when the video was analysed (motion is reported exactly then); a pipeline with
        // video off has no slide changes to score, which is not an F1 of 0.
        if let changes = truth.slideChanges, report.recording.video != nil, report.motion != nil {
            let f = SlideScoring.f1(truth: changes, predicted: report.slides.changes, tolerance: slideToleranceSeconds)
            s.slideF1 = f.f1
            s.slidePrecision = f.precision
            s.slideRecall = f.recall
        }
        // Boundary F1 is defined with a plan (N points → N micro-lessons); without one the count is a guess.
        if let kps = truth.knowledgePoints, !kps.isEmpty, report.lesson?.knowledgePoints.isEmpty == false {
            let truthB = boundaries(kps.map { ($0.start, $0.end) })
            let predB = boundaries(report.microLessons.map { ($0.start, $0.end) })
            s.boundaryF1 = SlideScoring.f1(truth: truthB, predicted: predB, tolerance: boundaryToleranceSeconds).f1
        }
        return s
    }

    /// Starts and ends of spans, with an end and the next start closer than 1 s counted once.
    static func boundaries(_ spans: [(Double, Double)]) -> [Double] {
        var out: [Double] = []
        for (a, b) in spans {
            for t in [a, b] where !out.contains(where: { abs($0 - t) < 1 }) { out.append(t) }
        }
        return out.sorted()
    }

    /// A printable summary table of many lessons, pooled.
    public static func table(_ scores: [LessonScore]) -> String {
        func f(_ v: Double?, _ digits: Int = 3) -> String { v.map { String(format: "%.\(digits)f", $0) } ?? "-" }
        var lines = ["file                              acc    tRatioErr mode(truth/pred)      dRt    dCh   q(found/true/pred) waitErr slideF1 kpF1"]
        for s in scores {
            if let e = s.error { lines.append("\(s.file.padding(toLength: 33, withPad: " ", startingAt: 0)) ERROR \(e)"); continue }
            let mode = "\(s.modeTruth ?? "-")/\(s.modePredicted ?? "-")"
            let q = "\(s.questionsMatched.map(String.init) ?? "-")/\(s.questionsTruth.map(String.init) ?? "-")/\(s.questionsPredicted.map(String.init) ?? "-")"
            lines.append("\(s.file.prefix(33).padding(toLength: 33, withPad: " ", startingAt: 0)) \(f(s.frameAccuracy)) \(f(s.teacherRatioError).padding(toLength: 9, withPad: " ", startingAt: 0)) \(mode.padding(toLength: 21, withPad: " ", startingAt: 0)) \(f(s.rtError)) \(f(s.chError)) \(q.padding(toLength: 18, withPad: " ", startingAt: 0)) \(f(s.medianWaitError, 2).padding(toLength: 7, withPad: " ", startingAt: 0)) \(f(s.slideF1).padding(toLength: 7, withPad: " ", startingAt: 0)) \(f(s.boundaryF1))")
        }
        let ok = scores.filter { $0.error == nil }
        func mean(_ xs: [Double]) -> Double? { xs.isEmpty ? nil : xs.reduce(0, +) / Double(xs.count) }
        let weighted = ok.compactMap { s in s.frameAccuracy.map { ($0 * s.durationSeconds, s.durationSeconds) } }
        let acc = weighted.isEmpty ? nil : weighted.map(\.0).reduce(0, +) / weighted.map(\.1).reduce(0, +)
        let modes = ok.filter { $0.modeTruth != nil }
        let modeRight = modes.filter { $0.modeTruth == $0.modePredicted }.count
        lines.append("")
        lines.append("lessons: \(ok.count) scored, \(scores.count - ok.count) failed")
        lines.append("frame accuracy (duration-weighted): \(f(acc))   mean |teacher talk-ratio error|: \(f(mean(ok.compactMap { $0.teacherRatioError.map(abs) })))   max: \(f(ok.compactMap { $0.teacherRatioError.map(abs) }.max()))")
        lines.append("S-T mode right: \(modeRight)/\(modes.count)   mean |ΔRt|: \(f(mean(ok.compactMap(\.rtError))))   max |ΔRt|: \(f(ok.compactMap(\.rtError).max()))   mean |ΔCh|: \(f(mean(ok.compactMap(\.chError))))")
        let qt = ok.compactMap(\.questionsTruth).reduce(0, +), qm = ok.compactMap(\.questionsMatched).reduce(0, +), qp = ok.compactMap(\.questionsPredicted).reduce(0, +)
        lines.append("questions found: \(qm)/\(qt) true, \(qp) predicted   median wait error (median of lessons): \(f(Analytics.median(ok.compactMap(\.medianWaitError)), 2)) s")
        lines.append("slide-change F1 (±1 s): mean \(f(mean(ok.compactMap(\.slideF1))))   knowledge-point boundary F1 (±15 s): mean \(f(mean(ok.compactMap(\.boundaryF1))))")
        return lines.joined(separator: "\n")
    }

    /// Speech / no-speech table: one line per file, then the pooled counts of each split (`dev`,
    /// `heldout`, files without a split as `-`), never dev and held-out together.
    public static func speechTable(_ scores: [LessonScore]) -> String {
        func f(_ v: Double?) -> String { (v.map { String(format: "%.3f", $0) } ?? "-").padding(toLength: 6, withPad: " ", startingAt: 0) }
        func row(_ name: String, _ split: String, _ sp: SpeechScore) -> String {
            let secs = { (n: Int) in String(format: "%6.1f", Double(n) * SpeechScore.frameSeconds) }
            return "\(name.prefix(33).padding(toLength: 33, withPad: " ", startingAt: 0)) \(split.padding(toLength: 7, withPad: " ", startingAt: 0)) \(f(sp.frameError)) \(f(sp.missRate)) \(f(sp.falseAlarmRate)) \(secs(sp.referenceSilenceFrames)) \(f(sp.silenceKeptSilence)) \(f(sp.silenceAsMedia)) \(f(sp.silenceAsMulti)) \(f(sp.silenceAsSpeech)) \(secs(sp.referenceMediaFrames)) \(f(sp.mediaKeptMedia))"
        }
        var lines = ["speech/no-speech, 10 ms frames, pauses < 1.5 s inside speech = speech (speech = teacher|student|multi)",
                     "file                              split   frmErr miss   falseA refSil  >sil   >media >multi >spch  refMed >media"]
        let ok = scores.filter { $0.error == nil && $0.speech != nil }
        for s in ok { lines.append(row(s.file, s.split ?? "-", s.speech!)) }
        lines.append("")
        var splits: [String] = []
        for s in ok where !splits.contains(s.split ?? "-") { splits.append(s.split ?? "-") }
        for name in splits.sorted(by: { ($0 == "dev" ? 0 : $0 == "heldout" ? 1 : 2, $0) < ($1 == "dev" ? 0 : $1 == "heldout" ? 1 : 2, $1) }) {
            let group = ok.filter { ($0.split ?? "-") == name }
            lines.append(row("POOLED \(name) (\(group.count) files)", name, SpeechScore.pooled(group.compactMap(\.speech))))
        }
        return lines.joined(separator: "\n")
    }
}
