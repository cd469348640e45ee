import Analysis
import Catalog
public import Foundation
public import MediaCore
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
    /// The content's SHA-256 as the caller computed it, with the size and modification time the file had
    /// then (the watcher hashed it to queue the job): when the file still has them, it is not read a
    /// second time to hash it; otherwise it is hashed as usual.
    public var knownContent: (sha256: String, size: Int64, mtime: Date)?
    /// Publish-after-commit (the queue workers): the report is written to `<outDir>/.<id>.partial-<suffix>`
    /// and left there, `commit` is not called, and `AnalyzeOutcome.stagedDir` names the folder; the caller
    /// commits the result in its queue and only then renames the folder into place. Nil: written and
    /// published here (`commit` runs after the rename).
    public var stagingSuffix: String?

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
    /// With `AnalyzeRequest.stagingSuffix`: the written, unpublished report folder (to rename to `reportDir`).
    public var stagedDir: String?
}

/// The watcher's entry point: analyse `path` into `outDir/<id>/` with `config`. A lesson plan next to the
/// recording (`<stem>.plan.yml`, `.plan.yaml` or `.plan.json`) is used when present.
public func analyzeJob(path: String, outDir: String, config: PipelineConfig) async throws -> (reportDir: String, report: Report) {
    let plan = try AnalyzePipeline.siblingPlan(for: path).map { try LessonPlan.load(path: $0) }
    let outcome = try AnalyzePipeline.run(AnalyzeRequest(path: path, outDir: outDir, config: config, plan: plan))
    return (outcome.reportDir, outcome.report)
}

/// decode once → voice + vision detectors → timeline → analytics → micro-lessons → report files, in four
/// stages: `decode` (open, hash, decode and run the detectors), `analyse` (analytics, findings, notes),
/// `assemble` (the report) and `write` (clips, thumbnails and report files into a hidden folder, then
/// published with the catalog row).
public enum AnalyzePipeline {
    /// What the first stage read from the recording.
    struct Decoded {
        var fileName: String
        var info: MediaInfo
        var summary: ReadSummary
        var attributes: (size: Int64, mtime: Date)
        var sha: String
        var id: String
        var hasAudio: Bool
        var hasVideo: Bool
        /// Seconds: the decoded audio, else the video's.
        var duration: Double
        var voice: VoiceResult?
        var slides: SlideResult?
        var motion: MotionSummary?
    }

    /// What the second stage concluded.
    struct Analysed {
        var analytics: LessonAnalytics
        var findings: [Finding]
        var notes: [MethodNote]
        /// Warning lines for the user (a truncated recording).
        var shortWarnings: [String]
    }

    /// Runs one analysis synchronously (call it from a task of its own; it is CPU-bound).
    public static func run(_ request: AnalyzeRequest, progress: (AnalyzeProgress) -> Void = { _ in }) throws -> AnalyzeOutcome {
        let clock = ContinuousClock.now
        let decoded = try decode(request, progress: progress)
        progress(AnalyzeProgress(file: decoded.fileName, stage: "analysing", mediaSeconds: decoded.duration, durationSeconds: decoded.duration))
        let analysed = analyse(decoded, config: request.config)
        var report = assemble(decoded, analysed, request: request)
        let (reportDir, stagedDir) = try write(&report, decoded, analysed, request: request, progress: progress)
        report.recording.path = request.displayPath ?? request.path
        let elapsed = ContinuousClock.now - clock
        return AnalyzeOutcome(reportDir: reportDir, report: report, warnings: analysed.shortWarnings + decoded.summary.warnings,
                              elapsedSeconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
                              stagedDir: stagedDir)
    }

    /// Stage 1: opens the recording, hashes it (unless the caller already did) and decodes it once, feeding
    /// the voice, slide and motion detectors, which are finished here.
    static func decode(_ request: AnalyzeRequest, progress: (AnalyzeProgress) -> Void) throws -> Decoded {
        let config = request.config
        let path = request.path
        let settings = config.settings
        let fileName = ((request.displayPath ?? path) as NSString).lastPathComponent

        // The voice-activity model before anything else: without it nothing would be decided right.
        let speechModel = try Models.speechModel(for: config)
        let speakerModel = try Models.speakerModel(for: config)

        // Open first: a missing or non-media file fails here with its own message and exit code.
        let audioTrack = settings.audioTrack
        let teacherTrack = settings.teacherTrack
        let keyframeFirst = settings.videoRead == .keyframeFirst
        let sampling: VideoSampling = keyframeFirst
            ? .keyframeFirst(KeyframeRefinement(fps: settings.videoSampleFps, maxShare: settings.videoRefineShare))
            : .fps(settings.videoSampleFps)
        var options = ReadOptions(audioTrack: audioTrack >= 0 ? audioTrack : nil,
                                  decodeAudio: settings.voiceEnabled,
                                  video: settings.videoEnabled ? sampling : nil)
        // The lapel track is decoded alongside the room track (MediaReader picks the room track among
        // the others); in a file with one audio track, that track is analysed alone.
        options.secondAudioTrack = teacherTrack >= 0 ? teacherTrack : nil
        options.videoThreads = 1
        // Audio (with the voice analysis in onAudio) and video (the slide detector in onVideo) on two cores.
        options.videoOnOwnThread = true
        // Optional so that it can be closed right after the read: the demuxer holds the container's
        // index (about 10 MB per hour of MP4), and the clip and thumbnail writers open the file again.
        var reader: MediaReader? = try MediaReader(path: path, options: options)
        let info = reader!.info
        // Every job has a time budget proportional to what the file can hold (MediaReader.deadline).
        reader!.deadline = ContinuousClock.now + .seconds(timeBudgetSeconds(mediaSeconds: reader!.decodeLimitSeconds))

        let attributes = try fileAttributes(path)
        progress(AnalyzeProgress(file: fileName, stage: "hashing", mediaSeconds: 0, durationSeconds: info.durationSeconds))
        let sha: String
        if let known = request.knownContent, known.size == attributes.size, abs(known.mtime.timeIntervalSince(attributes.mtime)) < 1e-6 {
            sha = known.sha256
        } else {
            sha = try SHA256.hexDigest(ofFileAt: path)
        }

        let voice = VoiceAnalyzer(config: settings.voice, speechModel: speechModel, speakerModel: speakerModel)
        let slides = settings.slidesEnabled ? SlideDetector(config: SlideDetectorConfig()) : nil
        let motion = MotionAnalyzer()
        // Keyframe first: the slide detector says which GOPs to look at densely (motion needs none: it is
        // measured between keyframes, evenly spaced, so its values stay comparable within the recording).
        reader!.keyframesDiffer = { a, b in slides?.keyframesDiffer(a, b) ?? false }
        reader!.frameMatchesKeyframe = { frame, key in slides?.frameMatchesKeyframe(frame, key) ?? false }
        let summary = try reader!.run(
            onAudio: { chunk in chunk.samples.withUnsafeBufferPointer { voice.consume($0) } },
            onSecondAudio: { chunk in chunk.samples.withUnsafeBufferPointer { voice.consumeTeacherTrack($0) } },
            onVideo: { frame in
                slides?.consume(frame)
                if !keyframeFirst || frame.isKeyframe { motion.consume(frame) }
            },
            onProgress: { t in progress(AnalyzeProgress(file: fileName, stage: "decoding", mediaSeconds: t, durationSeconds: info.durationSeconds)) })
        reader = nil

        let hasAudio = info.audio != nil && options.decodeAudio && summary.audioSeconds > 0
        let hasVideo = info.video != nil && options.video != nil && summary.videoFrames > 0
        let duration = lessonDuration(info: info, summary: summary, hasAudio: hasAudio)
        return Decoded(fileName: fileName, info: info, summary: summary, attributes: attributes, sha: sha, id: String(sha.prefix(16)),
                       hasAudio: hasAudio, hasVideo: hasVideo, duration: duration,
                       voice: hasAudio ? voice.finish(durationSeconds: duration) : nil,
                       slides: hasVideo ? slides?.finish() : nil,
                       motion: hasVideo ? motion.finish() : nil)
    }

    /// Stage 2: the timeline's analytics, the findings (with the truncated-recording warning first) and
    /// the method notes in the order the report lists them.
    static func analyse(_ decoded: Decoded, config: PipelineConfig) -> Analysed {
        var notes: [MethodNote] = []
        var findings: [Finding] = []
        if let voice = decoded.voice { notes += voice.notes }
        let analytics = Analytics.analyse(timeline: decoded.voice?.timeline ?? [], duration: decoded.duration,
                                          risingPitchEnds: decoded.voice?.risingPitchEnds ?? [], config: config.settings.analytics)
        notes += analytics.notes
        if decoded.hasAudio {
            findings += analytics.findings
        } else {
            findings.append(Analytics.noAudioFinding())
        }
        // A recording much shorter than its container says (a cut-off upload or copy) is analysed as far as
        // it goes, but never silently: a warning finding in the report and a warning line.
        var shortWarnings: [String] = []
        if let short = truncatedRecordingFinding(statedSeconds: decoded.info.durationSeconds, decodedSeconds: decoded.duration) {
            findings.insert(short, at: 0)
            shortWarnings.append(short.message)
        }
        notes += decoded.slides?.notes ?? []
        if decoded.hasVideo, let r = decoded.summary.refinement {
            notes.append(MethodNote(.keyframeFirstVideo, [
                "keyframes": .number(Double(r.keyframes)), "refinedGOPs": .number(Double(r.refinedGOPs)),
                "refinedSeconds": .number(r.refinedSeconds), "fps": .number(config.settings.videoSampleFps),
                "longestGOPSeconds": .number(r.longestGOPSeconds),
            ]))
            if r.unrefinedGOPs > 0 {
                notes.append(MethodNote(.refinementBudgetSpent, [
                    "unrefinedGOPs": .number(Double(r.unrefinedGOPs)),
                    "refineSharePercent": .number((config.settings.videoRefineShare * 100).rounded()),
                ]))
            }
        }
        if !decoded.hasVideo {
            notes.append(MethodNote(decoded.info.video == nil ? .noVideo : .videoAnalysisOff))
        }
        for w in decoded.summary.warnings { notes.append(MethodNote(.readWarning, ["warning": .text(w)])) }
        return Analysed(analytics: analytics, findings: findings, notes: notes, shortWarnings: shortWarnings)
    }

    /// The report's language: the request's, else the plan's, else the pipeline's.
    static func language(of request: AnalyzeRequest) -> String {
        request.language ?? request.plan?.language ?? request.config.settings.reportLanguage.rawValue
    }

    /// Stage 3: the report (without micro-lessons and thumbnails, which the last stage cuts).
    static func assemble(_ decoded: Decoded, _ analysed: Analysed, request: AnalyzeRequest) -> Report {
        let info = decoded.info, hasAudio = decoded.hasAudio, analytics = analysed.analytics
        var recording = RecordingSummary(id: decoded.id, file: decoded.fileName, path: request.displayPath ?? request.path,
                                         sha256: decoded.sha, sizeBytes: decoded.attributes.size,
                                         durationSeconds: decoded.duration, startSeconds: info.startSeconds, container: info.container,
                                         video: info.video, audio: hasAudio ? info.audio : nil)
        recording.creationTime = info.creationTime
        var report = Report(generator: "lessonlens \(LessonLensVersion.string)", generatedAt: iso8601(Date()),
                            language: OpenEnum(rawValue: language(of: request)), recording: recording, lesson: request.plan?.meta,
                            pipeline: request.config.summary,
                            // Without audio there is no timeline to speak of: empty, with the no-audio finding.
                            timeline: hasAudio ? analytics.timeline : [], talk: hasAudio ? analytics.talk : TalkSummary(),
                            st: hasAudio ? analytics.st : nil,
                            interaction: hasAudio ? analytics.interaction : InteractionSummary(), phases: hasAudio ? analytics.phases : [],
                            slides: SlidesSummary(changes: decoded.slides?.changes ?? []),
                            motion: decoded.motion, microLessons: [], findings: analysed.findings)
        report.setNotes(analysed.notes)
        report.voiceActivity = decoded.voice?.voiceActivity
        return report
    }

    /// Stage 4: cuts the micro-lesson clips and slide thumbnails and writes the report files into a hidden
    /// temporary folder, then renames it into place together with the catalog row (`request.commit`): a
    /// failed job leaves nothing that looks like a finished report. Returns the report folder, and the
    /// staged folder when the request asks to publish after its own commit (`stagingSuffix`).
    static func write(_ report: inout Report, _ decoded: Decoded, _ analysed: Analysed, request: AnalyzeRequest,
                      progress: (AnalyzeProgress) -> Void) throws -> (reportDir: String, stagedDir: String?) {
        let settings = request.config.settings
        let path = request.path, fileName = decoded.fileName, duration = decoded.duration
        let fm = FileManager.default
        let finalDir = (request.outDir as NSString).appendingPathComponent(decoded.id)
        // Temporary folders of killed runs go first.
        OutputFolder.recoverTemporaries(in: request.outDir)
        // Clips are remuxed, never re-encoded: together they are at most about the recording's size.
        let clipBytes = settings.writesClips ? decoded.attributes.size : 0
        try OutputFolder.requireFreeSpace(in: request.outDir, bytes: clipBytes + OutputFolder.reportReserveBytes,
                                          for: "the report of '\(fileName)'")
        // The clip and thumbnail writers open the path again: it must still be the file that was hashed.
        let identity = FileIdentity.of(path: path)
        let attributes = decoded.attributes
        func checkSameFile(_ stage: String) throws {
            // Between stages, an abandoned job (its lease was lost, the watcher stops) ends here.
            try Task.checkCancellation()
            guard let identity, let now = FileIdentity.of(path: path), now == identity, now.size == attributes.size,
                  abs(now.mtime.timeIntervalSince(attributes.mtime)) < 0.001 else {
                throw PipelineError.fileChanged(file: fileName, stage: stage)
            }
        }
        let suffix = request.stagingSuffix ?? "\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let tempDir = (request.outDir as NSString).appendingPathComponent(".\(decoded.id).partial-\(suffix)")
        try OutputFolder.create(tempDir, reportingAs: request.outDir)
        do {
            if settings.microLessonsEnabled {
                progress(AnalyzeProgress(file: fileName, stage: "cutting clips", mediaSeconds: duration, durationSeconds: duration))
                try checkSameFile("before cutting clips")
                var clipNotes: [MethodNote] = []
                report.microLessons = try MicroLessonWriter.make(
                    path: path, duration: duration, timeline: analysed.analytics.timeline, slides: decoded.slides,
                    plan: request.plan, config: request.config, hasVideo: decoded.hasVideo, into: tempDir, notes: &clipNotes)
                for note in clipNotes { report.addNote(note) }
                if decoded.hasVideo {
                    try checkSameFile("before thumbnails")
                    report.slides.thumbnails = MicroLessonWriter.pictures(path: path, lessons: &report.microLessons,
                                                                          slideTimes: decoded.slides?.keyframeTimes ?? [], into: tempDir)
                }
            }
            try checkSameFile("at the end")
            let finished = report
            try ReportWriter.json(finished).write(to: URL(fileURLWithPath: tempDir + "/report.json"))
            try Data(ReportWriter.html(finished, language: ReportLanguage(rawValue: language(of: request)) ?? .zh).utf8)
                .write(to: URL(fileURLWithPath: tempDir + "/report.html"))
            try Data(ReportWriter.timelineCSV(finished).utf8).write(to: URL(fileURLWithPath: tempDir + "/timeline.csv"))
            try Data(ReportWriter.chaptersVTT(finished).utf8).write(to: URL(fileURLWithPath: tempDir + "/chapters.vtt"))
            if request.stagingSuffix != nil { return (finalDir, tempDir) }
            try publish(tempDir, at: finalDir) { try request.commit?(finished, finalDir) }
        } catch {
            try? fm.removeItem(atPath: tempDir)
            if let e = error as? LessonLensError { throw e }
            if error is CancellationError { throw error }
            // A file-system failure (disk full, I/O) may pass; anything else (an encoding error) is a bug
            // that a retry would only repeat.
            if error is EncodingError { throw PipelineError.reportBuildFailed(file: fileName, reason: "\(error)") }
            throw PipelineError.reportWriteFailed(file: fileName, outDir: request.outDir, reason: (error as NSError).localizedDescription)
        }
        return (finalDir, nil)
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
        return Finding(code: .truncatedRecording, severity: .warning, message: message,
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
        return ["yml", "yaml", "json"].map { "\(stem).plan.\($0)" }.first { candidate in
            Watcher.withUsablePath(candidate) { FileManager.default.fileExists(atPath: $0) }
        }
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
