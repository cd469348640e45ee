import Foundation
public import MediaCore
import Analysis

/// What values a pipeline parameter accepts.
public enum ParameterKind: Sendable, Equatable {
    /// A whole number within the range.
    case integer(ClosedRange<Int>)
    /// A real number within the range.
    case number(ClosedRange<Double>)
    /// One of these numbers exactly.
    case numberChoice([Double])
    /// `true` or `false`.
    case flag
    /// One of these words.
    case choice([String])

    /// How the valid values are written in help and error messages.
    public var validValues: String {
        switch self {
        case .integer(let r): return "\(r.lowerBound)…\(r.upperBound) (whole number)"
        case .number(let r): return "\(ParameterValue.number(r.lowerBound))…\(ParameterValue.number(r.upperBound))"
        case .numberChoice(let values): return values.map { ParameterValue.number($0).description }.joined(separator: " or ")
        case .flag: return "true or false"
        case .choice(let words): return words.joined(separator: " | ")
        }
    }
}

/// One row of the parameter table.
public struct ParameterSpec: Sendable {
    /// Dotted key as written in `pipelines/*.yml`, e.g. `video.sampleFps`.
    public let key: String
    /// Where the value lives in `PipelineSettings`, and which values it accepts.
    public let binding: SettingBinding
    /// Unit of the value (`s`, `fps`, `ratio`), empty when it has none.
    public let unit: String
    /// One line for `--help` and the comments of the preset files.
    public let help: String

    public init(_ key: String, _ binding: SettingBinding, unit: String = "", _ help: String) {
        self.key = key
        self.binding = binding
        self.unit = unit
        self.help = help
    }

    public var kind: ParameterKind { binding.kind }
    /// The default: the value in a fresh `PipelineSettings` (that is, in the detector configs).
    public var defaultValue: ParameterValue { binding.get(PipelineSettings()) }
}

/// The one table of pipeline parameters: it feeds validation of `pipelines/*.yml`, the `--help` text
/// and the comments of the preset files. To add a parameter, add one row here (key, default, valid
/// values, unit, help); everything else picks it up.
public enum Parameters {
    public static let table: [ParameterSpec] = [
        ParameterSpec("audio.track", .integer(\.audioTrack, -1...63),
                      "Audio stream to analyse (index among the file's audio streams); -1 picks the best one."),
        ParameterSpec("audio.teacherTrack", .integer(\.teacherTrack, -1...63),
                      "Audio stream of the teacher's lapel microphone, if the recorder writes one (-1 = none). It is decoded alongside the room track (audio.track, or the best other track): the teacher is the voice much louder on the lapel than in the room. In a file with one audio track, that track is analysed alone."),
        ParameterSpec("voice.enabled", .flag(\.voiceEnabled),
                      "Analyse voices: who talks (teacher, student, several), silence, questions, wait time."),
        ParameterSpec("voice.activity", .choice(\.voiceActivity),
                      "Voice-activity method: silero = the learned Silero VAD model (weights installed by `make models`) weighed with the acoustic cues; acoustic = the hand-set acoustic cues alone (much worse on real noise; for comparisons)."),
        ParameterSpec("voice.soundtrackMedia", .flag(\.voice.soundtrackMedia),
                      "Recognise video clips played to the class (a voice over a music bed) as media, not as a student; turn off if no videos are played (it costs about half a percent of frame accuracy on lessons without them)."),
        ParameterSpec("voice.speakerTimbreBIC", .flag(\.voice.speakerTimbreBIC),
                      "Keep apart voices at the same distance from the microphone by their MFCC statistics (a BIC between diagonal Gaussians of the turns; issue 15). Off by default: on real similar-pitch voices it labels far more of the second voice as student, but it also splits the teacher into several clusters (held-out speaker set: frame accuracy 0.663 to 0.594, talk-ratio error 0.192 to 0.125)."),
        ParameterSpec("voice.speakerGMM", .flag(\.voice.speakerGMM),
                      "Keep apart voices at the same distance from the microphone by a background model of the recording's voices (a GMM of its MFCCs, weights and means MAP-adapted per turn and cluster, clustered bottom-up by the cross likelihood ratio; issue 15). Off by default: on real similar-pitch voices it labels less of the second voice as teacher (held-out speaker set: 82 to 63 percent), but it also splits or swaps the teacher of some recordings (frame accuracy 0.663 to 0.615, talk-ratio error 0.192 to 0.188)."),
        ParameterSpec("voice.speakerEmbedding", .flag(\.voice.speakerEmbedding),
                      "Tell voices apart by a learned speaker embedding (Resemblyzer's GE2E voice encoder, Apache-2.0; weights installed by `make models`), computed on 1.6 s windows inside the speech turns (at most one per voice.speakerEmbeddingSecondsPerPartial seconds). Off by default: it keeps real voices of similar pitch apart better, but it splits some single real lecturers over noise into two voices (docs/MEASUREMENTS.md, issue 15)."),
        ParameterSpec("voice.speakerEmbeddingMinCosine", .number(\.voice.speakerEmbeddingMinCosine, 0...1), unit: "ratio",
                      "With voice.speakerEmbedding: the smallest cosine between two voices' mean embeddings at which they are taken for one speaker."),
        ParameterSpec("voice.speakerEmbeddingSecondsPerPartial", .number(\.voice.speakerEmbeddingSecondsPerPartial, 0.5...600), unit: "s",
                      "With voice.speakerEmbedding: embed at most one 1.6 s window per this many seconds of recording (shared over the speech turns, every turn's first window before any turn's second); bounds the encoder's time."),
        ParameterSpec("voice.speakerEmbeddingMinPartials", .integer(\.voice.speakerEmbeddingMinPartials, 0...100_000),
                      "With voice.speakerEmbedding: windows any recording may have whatever its length (short recordings get all their turns' windows)."),
        ParameterSpec("voice.speakerEmbeddingSplit", .flag(\.voice.speakerEmbeddingSplit),
                      "With voice.speakerEmbedding: test whether the cluster with the most speech is two voices (its 1.6 s windows split in two, the split kept when consecutive windows of one turn fall in the same half more often than chance: a binomial test at 1 %) and split it. Off by default (docs/MEASUREMENTS.md, issue 15)."),
        ParameterSpec("video.enabled", .flag(\.videoEnabled),
                      "Decode video for slide changes, motion and thumbnails."),
        ParameterSpec("video.sampleFps", .number(\.videoSampleFps, 0.5...10), unit: "fps",
                      "Frames per second sampled from the video for slide and motion detection."),
        ParameterSpec("video.sampling", .choice(\.videoRead),
                      "How video is read: keyframeFirst = every keyframe, and video.sampleFps only inside the GOPs whose two keyframes differ (a fraction of the decoding); dense = every GOP at video.sampleFps (slower; for comparisons)."),
        ParameterSpec("video.refineShare", .number(\.videoRefineShare, 0...1), unit: "ratio",
                      "keyframeFirst: the most video decoded densely, as a share of the duration (at least a minute, and at least 24 changed GOPs whatever their length); past it, changes are placed at keyframes and the report says so."),
        ParameterSpec("st.intervalSeconds", .number(\.analytics.stIntervalSeconds, oneOf: [15, 30]), unit: "s",
                      "S-T analysis sampling interval."),
        ParameterSpec("st.rule", .choice(\.analytics.stRule),
                      "S-T window rule: T when teacher+media cover half the window, or the label at its middle."),
        ParameterSpec("findings.teacherTalkRatioMax", .number(\.analytics.teacherTalkRatioMax, 0...1), unit: "ratio",
                      "Flag a lesson whose teacher talk exceeds this share of the duration."),
        ParameterSpec("findings.minWaitSeconds", .number(\.analytics.minWaitSeconds, 0...30), unit: "s",
                      "Flag questions answered after less wait time than this (research recommends 3-5 s)."),
        ParameterSpec("findings.monologueSeconds", .number(\.analytics.monologueSeconds, 30...3600), unit: "s",
                      "Flag teacher talk running longer than this without a student turn."),
        ParameterSpec("findings.studentTalkRatioMin", .number(\.analytics.studentTalkRatioMin, 0...1), unit: "ratio",
                      "Flag a lesson whose student talk is below this share of the duration."),
        ParameterSpec("findings.longSilenceSeconds", .number(\.analytics.longSilenceSeconds, 10...3600), unit: "s",
                      "Flag silences longer than this."),
        ParameterSpec("slides.enabled", .flag(\.slidesEnabled),
                      "Detect slide and board changes (needs video)."),
        ParameterSpec("microLessons.enabled", .flag(\.microLessonsEnabled),
                      "Split the lesson into micro-lessons (chapters)."),
        ParameterSpec("microLessons.minSeconds", .number(\.segmenter.minSeconds, 30...3600), unit: "s",
                      "Shortest micro-lesson."),
        ParameterSpec("microLessons.maxSeconds", .number(\.segmenter.maxSeconds, 60...7200), unit: "s",
                      "Longest micro-lesson."),
        ParameterSpec("clips.enabled", .flag(\.clipsEnabled),
                      "Cut one video clip per micro-lesson (stream copy, no re-encoding)."),
        ParameterSpec("report.language", .choice(\.reportLanguage),
                      "Language of the HTML report."),
    ]

    /// The row for `key`, if it exists.
    public static func spec(_ key: String) -> ParameterSpec? { byKey[key] }

    /// Every key, sorted.
    public static var keys: [String] { table.map(\.key).sorted() }

    /// Every key with its default value.
    public static var defaults: [String: ParameterValue] {
        Dictionary(uniqueKeysWithValues: table.map { ($0.key, $0.defaultValue) })
    }

    private static let byKey: [String: ParameterSpec] = Dictionary(uniqueKeysWithValues: table.map { ($0.key, $0) })

    /// Checks `value` for `key` and returns it in canonical form (numbers as `.number`, words as
    /// `.text`); a quoted number or `"true"` is accepted. `source` names the file for the error.
    public static func validate(key: String, value: ParameterValue, source: String) throws -> ParameterValue {
        guard let spec = byKey[key] else {
            throw PipelineConfigError.unknownKey(key: key, file: source, validKeys: keys)
        }
        func bad() -> PipelineConfigError {
            .outOfRange(key: key, file: source, value: value.description, valid: spec.kind.validValues)
        }
        switch spec.kind {
        case .flag:
            switch value {
            case .flag: return value
            case .text(let s) where s == "true" || s == "false": return .flag(s == "true")
            default: throw bad()
            }
        case .choice(let words):
            guard case .text(let s) = value, words.contains(s) else { throw bad() }
            return value
        case .integer(let range):
            guard let d = number(value), d == d.rounded(), d >= Double(range.lowerBound), d <= Double(range.upperBound)
            else { throw bad() }
            return .number(d)
        case .number(let range):
            guard let d = number(value), d.isFinite, range.contains(d) else { throw bad() }
            return .number(d)
        case .numberChoice(let values):
            guard let d = number(value), values.contains(d) else { throw bad() }
            return .number(d)
        }
    }

    private static func number(_ value: ParameterValue) -> Double? {
        switch value {
        case .number(let d): return d
        case .text(let s): return Double(s.trimmingCharacters(in: .whitespaces))
        case .flag: return nil
        }
    }

    /// The parameter table for `--help`: per parameter a line `key (default D; valid values unit)` and
    /// an indented line of help. Two short lines rather than one aligned row, because help formatters
    /// rewrap long lines.
    public static func helpText() -> String {
        table.map { p in
            let unit = p.unit.isEmpty ? "" : " \(p.unit)"
            return "  \(p.key) (default \(p.defaultValue); \(p.kind.validValues)\(unit))\n      \(p.help)"
        }.joined(separator: "\n")
    }
}
