import Analysis
import Catalog
import Foundation
import MediaCore
import MediaIO
import Reports

/// What one analysis is asked to do.
public struct AnalyzeRequest: Sendable {
    public var path: String
    public var outDir: String
    public var config: PipelineConfig
    public var plan: LessonPlan?
    /// Report language; nil = the plan's, else the pipeline's `report.language`.
    public var language: String?
    /// Records the finished report (the catalog row) after its folder is in place; when it throws, the
    /// folder is removed again (and an older report restored), so report and row exist together or not at all.
    public var commit: (@Sendable (_ report: Report, _ reportDir: String) throws -> Void)?
    /// The recording's path as shown in the report, logs and catalog, when `path` is not its name: a
    /// file whose name is not valid UTF-8 is opened by its bytes and read through `/proc/self/fd/N`,
    /// and shown with the bad bytes escaped (`caf\xE9.mp4`).
    public var displayPath: String?

    public init(path: String, outDir: String, config: PipelineConfig, plan: LessonPlan? = nil, language: String? = nil) {
        self.path = path
        self.outDir = outDir
        self.config = config
        self.plan = plan
        self.language = language
    }
}

/// Progress of one analysis: media seconds decoded so far out of the expected duration.
public struct AnalyzeProgress: Sendable {
    public var file: String
    public var stage: String
    public var mediaSeconds: Double
    public var durationSeconds: Double
}

/// The result of one analysis: where the report folder is and the report itself.
public struct AnalyzeOutcome: Sendable {
    public var reportDir: String
    public var report: Report
    public var warnings: [String]
    /// Wall-clock seconds the analysis took.
    public var elapsedSeconds: Double
}

/// The watcher's entry point: analyse `path` into `outDir/<id>/` with `config`. A lesson plan next to the
/// recording (`<stem>.plan.yml`, `.plan.yaml` or `.plan.json`) is used when present.
public func analyzeJob(path: String, outDir: String, config: PipelineConfig) async throws -> (reportDir: String, report: Report) {
    let plan = try AnalyzePipeline.siblingPlan(for: path).map { try LessonPlan.load(path: $0) }
    let outcome = try AnalyzePipeline.run(AnalyzeRequest(path: path, outDir: outDir, config: config, plan: plan))
    return (outcome.reportDir, outcome.report)
}

/// decode once → voice + vision detectors → timeline → analytics → micro-lessons → report files.
public enum AnalyzePipeline {
    /// Runs one analysis synchronously (call it from a task of its own; it is CPU-bound).
    public static func run(_ request: AnalyzeRequest, progress: (AnalyzeProgress) -> Void = { _ in }) throws -> AnalyzeOutcome {
        let clock = ContinuousClock.now
        let config = request.config
        let path = request.path
        let fileName = ((request.displayPath ?? path) as NSString).lastPathComponent

        // The voice-activity model before anything else: without it nothing would be decided right.
        let speechModel = try Models.speechModel(for: config)

        // Open first: a missing or non-media file fails here with its own message and exit code.
        let audioTrack = config.integer("audio.track")
        let teacherTrack = config.integer("audio.teacherTrack")
        var options = ReadOptions(audioTrack: audioTrack >= 0 ? audioTrack : nil,
                                  decodeAudio: config.flag("voice.enabled"),
                                  video: config.flag("video.enabled") ? .fps(config.number("video.sampleFps")) : nil)
        // The lapel track is decoded alongside the room track (MediaReader picks the room track among
        // the others); in a file with one audio track, that track is analysed alone.
        options.secondAudioTrack = teacherTrack >= 0 ? teacherTrack : nil
        options.videoThreads = 1
        // Optional so that it can be closed right after the read: the demuxer holds the container's
        // index (about 10 MB per hour of MP4), and the clip and thumbnail writers open the file again.
        var reader: MediaReader? = try MediaReader(path: path, options: options)
        let info = reader!.info
        // Every job has a time budget proportional to what the file can hold (MediaReader.deadline).
        reader!.deadline = ContinuousClock.now + .seconds(timeBudgetSeconds(mediaSeconds: reader!.decodeLimitSeconds))

        let attributes = try fileAttributes(path)
        progress(AnalyzeProgress(file: fileName, stage: "hashing", mediaSeconds: 0, durationSeconds: info.durationSeconds))
        let sha = try SHA256.hexDigest(ofFileAt: path)
        let id = String(sha.prefix(16))

        var voiceConfig = VoiceConfig()
        voiceConfig.soundtrackMedia = config.flag("voice.soundtrackMedia")
        voiceConfig.speakerTimbreBIC = config.flag("voice.speakerTimbreBIC")
        let voice = VoiceAnalyzer(config: voiceConfig, speechModel: speechModel)
        let slides = config.flag("slides.enabled") ? SlideDetector(config: SlideDetectorConfig()) : nil
        let motion = MotionAnalyzer()
        let summary = try reader!.run(
            onAudio: { chunk in chunk.samples.withUnsafeBufferPointer { voice.consume($0) } },
            onSecondAudio: { chunk in chunk.samples.withUnsafeBufferPointer { voice.consumeTeacherTrack($0) } },
            onVideo: { frame in
                slides?.consume(frame)
                motion.consume(frame)
            },
            onProgress: { t in progress(AnalyzeProgress(file: fileName, stage: "decoding", mediaSeconds: t, durationSeconds: info.durationSeconds)) })
        reader = nil

        let hasAudio = info.audio != nil && options.decodeAudio && summary.audioSeconds > 0
        let hasVideo = info.video != nil && options.video != nil && summary.videoFrames > 0
        let duration = lessonDuration(info: info, summary: summary, hasAudio: hasAudio)
        progress(AnalyzeProgress(file: fileName, stage: "analysing", mediaSeconds: duration, durationSeconds: duration))

        var analyticsConfig = AnalyticsConfig()
        analyticsConfig.stIntervalSeconds = config.number("st.intervalSeconds")
        analyticsConfig.stRule = STRule(rawValue: config.text("st.rule")) ?? .windowMajority
        analyticsConfig.teacherTalkRatioMax = config.number("findings.teacherTalkRatioMax")
        analyticsConfig.minWaitSeconds = config.number("findings.minWaitSeconds")
        analyticsConfig.monologueSeconds = config.number("findings.monologueSeconds")
        analyticsConfig.studentTalkRatioMin = config.number("findings.studentTalkRatioMin")
        analyticsConfig.longSilenceSeconds = config.number("findings.longSilenceSeconds")

        var notes: [String] = []
        var findings: [Finding] = []
        var timeline: [Segment] = []
        var risingPitchEnds: [Double] = []
        var voiceActivity: VoiceActivitySummary?
        if hasAudio {
            let voiceResult = voice.finish(durationSeconds: duration)
            voiceActivity = voiceResult.voiceActivity
            timeline = voiceResult.timeline
            risingPitchEnds = voiceResult.risingPitchEnds
            notes += voiceResult.notes
        }
        let analytics = Analytics.analyse(timeline: timeline, duration: duration, risingPitchEnds: risingPitchEnds,
                                          config: analyticsConfig)
        notes += analytics.notes
        if hasAudio {
            findings += analytics.findings
        } else {
            findings.append(Analytics.noAudioFinding())
        }

        // A recording much shorter than its container says (a cut-off upload or copy) is analysed as far as
        // it goes, but never silently: a warning finding in the report and a warning line.
        var shortWarnings: [String] = []
        if let short = truncatedRecordingFinding(statedSeconds: info.durationSeconds, decodedSeconds: duration) {
            findings.insert(short, at: 0)
            shortWarnings.append(short.message)
        }

        var slideResult: SlideResult?
        if hasVideo, let detector = slides { slideResult = detector.finish() ; notes += slideResult?.notes ?? [] }
        if !hasVideo {
            notes.append(info.video == nil ? "The recording has no video: slide changes and motion are not reported."
                                           : "Video analysis was turned off by the pipeline.")
        }
        for w in summary.warnings { notes.append("Warning while reading the file: \(w).") }

        let language = request.language ?? request.plan?.language ?? config.text("report.language")
        let recording = RecordingSummary(id: id, file: fileName, path: request.displayPath ?? path, sha256: sha, sizeBytes: attributes.size,
                                         durationSeconds: duration, startSeconds: info.startSeconds, container: info.container,
                                         video: info.video, audio: hasAudio ? info.audio : nil)
        var report = Report(generator: "lessonlens \(LessonLensVersion.string)", generatedAt: iso8601(Date()),
                            language: language, recording: recording, lesson: request.plan?.meta, pipeline: config.summary,
                            // Without audio there is no timeline to speak of: empty, with the no-audio finding.
                            timeline: hasAudio ? analytics.timeline : [], talk: hasAudio ? analytics.talk : TalkSummary(),
                            st: hasAudio ? analytics.st : nil,
                            interaction: hasAudio ? analytics.interaction : InteractionSummary(), phases: hasAudio ? analytics.phases : [],
                            slides: SlidesSummary(changes: slideResult?.changes ?? []),
                            motion: hasVideo ? motion.finish() : nil, microLessons: [], findings: findings, notes: notes)
        report.voiceActivity = voiceActivity

        // Write everything into a hidden temporary folder, then rename it into place: a failed job leaves
        // nothing that looks like a finished report. Temporary folders of killed runs go first.
        let fm = FileManager.default
        let finalDir = (request.outDir as NSString).appendingPathComponent(id)
        OutputFolder.recoverTemporaries(in: request.outDir)
        // Clips are remuxed, never re-encoded: together they are at most about the recording's size.
        let clipBytes = config.flag("microLessons.enabled") && config.flag("clips.enabled") ? attributes.size : 0
        try OutputFolder.requireFreeSpace(in: request.outDir, bytes: clipBytes + OutputFolder.reportReserveBytes,
                                          for: "the report of '\(fileName)'")
        // The clip and thumbnail writers open the path again: it must still be the file that was hashed.
        let identity = FileIdentity.of(path: path)
        func checkSameFile(_ stage: String) throws {
            guard let identity, let now = FileIdentity.of(path: path), now == identity, now.size == attributes.size,
                  abs(now.mtime.timeIntervalSince(attributes.mtime)) < 0.001 else {
                throw SimpleError(.ioError, "'\(fileName)' was replaced or changed during the analysis (\(stage)): it will be analysed again as the new file")
            }
        }
        let tempDir = (request.outDir as NSString).appendingPathComponent(".\(id).partial-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try OutputFolder.create(tempDir, reportingAs: request.outDir)
        do {
            if config.flag("microLessons.enabled") {
                progress(AnalyzeProgress(file: fileName, stage: "cutting clips", mediaSeconds: duration, durationSeconds: duration))
                try checkSameFile("before cutting clips")
                report.microLessons = try MicroLessonWriter.make(
                    path: path, duration: duration, timeline: analytics.timeline, slides: slideResult,
                    plan: request.plan, config: config, hasVideo: hasVideo, into: tempDir, notes: &report.notes)
                if let keyframes = slideResult?.keyframeTimes, hasVideo {
                    try checkSameFile("before slide thumbnails")
                    report.slides.thumbnails = MicroLessonWriter.slideThumbnails(path: path, times: keyframes, into: tempDir)
                }
            }
            try checkSameFile("at the end")
            try ReportWriter.json(report).write(to: URL(fileURLWithPath: tempDir + "/report.json"))
            try Data(ReportWriter.html(report, language: ReportLanguage(rawValue: language) ?? .zh).utf8)
                .write(to: URL(fileURLWithPath: tempDir + "/report.html"))
            try Data(ReportWriter.timelineCSV(report).utf8).write(to: URL(fileURLWithPath: tempDir + "/timeline.csv"))
            try Data(ReportWriter.chaptersVTT(report).utf8).write(to: URL(fileURLWithPath: tempDir + "/chapters.vtt"))
            try publish(tempDir, at: finalDir) { try request.commit?(report, finalDir) }
        } catch {
            try? fm.removeItem(atPath: tempDir)
            if let e = error as? LessonLensError { throw e }
            throw SimpleError(.ioError, "cannot write the report for '\(fileName)' into '\(request.outDir)': \((error as NSError).localizedDescription)")
        }
        report.recording.path = request.displayPath ?? path
        let elapsed = ContinuousClock.now - clock
        return AnalyzeOutcome(reportDir: finalDir, report: report, warnings: shortWarnings + summary.warnings,
                              elapsedSeconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    /// The lesson's length: the decoded audio when there is audio (exact to a sample; a truncated file is as
    /// long as what could be read), else the container's duration bounded by the last decoded frame.
    static func lessonDuration(info: MediaInfo, summary: ReadSummary, hasAudio: Bool) -> Double {
        if hasAudio { return summary.audioSeconds }
        if info.durationSeconds > 0 { return min(info.durationSeconds, summary.endSeconds + 2) }
        return summary.endSeconds
    }

    /// The `truncated-recording` warning when the decoded length falls well short of the container's
    /// stated length: under 90 % of it and more than 2 s short (a recording's last frame and priming
    /// make a few tenths of a second; a cut-off file loses minutes). Nil otherwise, or without a stated length.
    public static func truncatedRecordingFinding(statedSeconds: Double, decodedSeconds: Double) -> Finding? {
        guard statedSeconds > 0, statedSeconds.isFinite, decodedSeconds < 0.9 * statedSeconds,
              statedSeconds - decodedSeconds > 2 else { return nil }
        let message = "The recording is shorter than its container says: \(Format.clock(decodedSeconds)) of \(Format.clock(statedSeconds)) could be read (the file is truncated or damaged); the report covers only what was read."
        return Finding(code: "truncated-recording", severity: .warning, message: message,
                       values: ["statedSeconds": statedSeconds, "decodedSeconds": decodedSeconds])
    }

    /// Wall-clock seconds the reading of a recording may take: 60 s plus one second per second of media
    /// (the decode limit: stated duration with slack, bounded by the file size). The analysis runs at
    /// 20-50x realtime on one core, so only a file that decodes far more than it says runs out; it then
    /// fails as bad media (65) saying so, instead of running for hours.
    public static func timeBudgetSeconds(mediaSeconds: Double) -> Double {
        60 + max(0, mediaSeconds.isFinite ? mediaSeconds : 0)
    }

    /// `<dir>/<stem>.plan.yml` (or .yaml/.json) next to a recording, when it exists.
    public static func siblingPlan(for path: String) -> String? {
        let stem = (path as NSString).deletingPathExtension
        return ["yml", "yaml", "json"].map { "\(stem).plan.\($0)" }.first { FileManager.default.fileExists(atPath: $0) }
    }

    /// Size and mtime by `stat(2)`, which follows the `/proc/self/fd/N` link of a file opened by its bytes.
    static func fileAttributes(_ path: String) throws -> (size: Int64, mtime: Date) {
        if let id = FileIdentity.of(path: path) { return (id.size, id.mtime) }
        let a = try FileManager.default.attributesOfItem(atPath: path)
        return ((a[.size] as? NSNumber)?.int64Value ?? 0, (a[.modificationDate] as? Date) ?? Date())
    }

    /// Moves `temp` to `final`, replacing an older report of the same recording.
    static func replaceDirectory(at final: String, with temp: String) throws {
        try publish(temp, at: final, commit: {})
    }

    /// Moves `temp` to `final` (keeping an older report aside), then runs `commit` (the catalog row). If the
    /// commit throws, the new folder is removed and the older report put back, so the report folder and the
    /// catalog row exist together or not at all. A kill between the steps leaves `<id>.old-<pid>-<n>` or a
    /// folder whose job is not done; `OutputFolder.recoverTemporaries` and the watcher's recovery resolve them.
    static func publish(_ temp: String, at final: String, commit: () throws -> Void) throws {
        let fm = FileManager.default
        var old: String?
        if fm.fileExists(atPath: final) {
            let aside = final + ".old-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            try fm.moveItem(atPath: final, toPath: aside)
            old = aside
        }
        do {
            try fm.moveItem(atPath: temp, toPath: final)
        } catch {
            if let old { try? fm.moveItem(atPath: old, toPath: final) }
            throw error
        }
        do {
            try commit()
        } catch {
            try? fm.removeItem(atPath: final)
            if let old { try? fm.moveItem(atPath: old, toPath: final) }
            throw error
        }
        if let old { try? fm.removeItem(atPath: old) }
    }

    static func iso8601(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: date)
    }
}
