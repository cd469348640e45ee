import Analysis
import Foundation
import MediaCore
import MediaIO

/// Segments the lesson into knowledge-point micro-lessons and cuts each as a clip (remux, no re-encode).
enum MicroLessonWriter {
    static func make(path: String, duration: Double, timeline: [Segment], slides: SlideResult?, plan: LessonPlan?,
                     config: PipelineConfig, hasVideo: Bool, into dir: String, notes: inout [MethodNote]) throws -> [MicroLesson] {
        let settings = config.settings
        let segmenterConfig = settings.segmenter
        // LessonPlan.load refuses more; a plan built in code is held to the same bound here.
        let points = Array((plan?.knowledgePoints ?? []).prefix(LessonPlan.maxKnowledgePoints))
        var lessons = Segmenter.segment(duration: duration, timeline: timeline, slideChanges: slides?.changes ?? [],
                                        plan: points.isEmpty ? nil : points, config: segmenterConfig,
                                        slideStrengths: slides?.changeStrengths)
        guard settings.clipsEnabled, !lessons.isEmpty else { return lessons }
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir + "/clips", withIntermediateDirectories: true)
        var failures: [String] = []
        // One opening for every clip (ClipWriter.Source); a recording that cannot be opened fails each clip alike.
        let source = Result { try ClipWriter.Source(input: path) }
        for i in lessons.indices {
            // The preferred container; ClipWriter picks .mkv, .wav or .mka when it cannot hold the codecs (PCM, FLAC, Opus…).
            let name = String(format: "%02d-", lessons[i].index) + Slug.make(lessons[i].title) + (hasVideo ? ".mp4" : ".m4a")
            do {
                let info = try source.get().cut(output: dir + "/clips/" + name, start: lessons[i].start, end: lessons[i].end)
                lessons[i].clip = "clips/" + ((info.path as NSString).lastPathComponent)
            } catch {
                failures.append("\(name): \(error)")
            }
        }
        if !failures.isEmpty {
            notes.append(MethodNote(.clipsNotCut, ["failures": .text(failures.joined(separator: "; "))]))
        }
        return lessons
    }

    /// The pictures, from one opening of the recording (`ThumbnailWriter.Source`), after the clips are cut
    /// (each opening holds the container's index, ~25 MiB for a 3-hour MP4): a cover for every lesson
    /// with a clip, named `clips/NN.jpg` and set as its `thumbnail`, then one JPEG per slide (at a stable
    /// moment of it, `slideTimes`) named `slides/NN.jpg`, which are returned. Failures are skipped; a
    /// recording that cannot be opened gets no pictures.
    static func pictures(path: String, lessons: inout [MicroLesson], slideTimes: [Double], into dir: String) -> [String] {
        guard lessons.contains(where: { $0.clip != nil }) || !slideTimes.isEmpty,
              let source = try? ThumbnailWriter.Source(input: path) else { return [] }
        for i in lessons.indices where lessons[i].clip != nil {
            // A frame a little after the start shows the topic's slide rather than the transition.
            let thumb = String(format: "clips/%02d.jpg", lessons[i].index)
            let t = min(lessons[i].start + 3, (lessons[i].start + lessons[i].end) / 2)
            if (try? source.write(time: t, output: dir + "/" + thumb)) != nil {
                lessons[i].thumbnail = thumb
            }
        }
        guard !slideTimes.isEmpty, (try? FileManager.default.createDirectory(atPath: dir + "/slides", withIntermediateDirectories: true)) != nil
        else { return [] }
        var out: [String] = []
        for (i, t) in slideTimes.enumerated() {
            let rel = String(format: "slides/%02d.jpg", i + 1)
            if (try? source.write(time: t, output: dir + "/" + rel)) != nil { out.append(rel) }
        }
        return out
    }
}
