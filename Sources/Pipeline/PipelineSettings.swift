public import Analysis
public import MediaCore
import MediaIO

/// Which voice-activity method a pipeline runs (`voice.activity`).
public enum VoiceActivityMethod: String, Sendable, CaseIterable {
    /// The learned Silero VAD model weighed with the acoustic cues (the default).
    case silero
    /// The hand-set acoustic cues alone (for comparisons).
    case acoustic
}

/// How video is read for slides and motion (`video.sampling`, issue 10).
public enum VideoReadMethod: String, Sendable, CaseIterable {
    /// Keyframes first; only the GOPs whose two keyframes differ are decoded at `video.sampleFps`.
    case keyframeFirst
    /// Every GOP decoded, sampled at `video.sampleFps` (the method before issue 10; for comparisons).
    case dense
}

/// Every setting of one analysis, typed. The detector configs themselves are held here, so their
/// defaults are the pipeline's defaults (written once, in `AnalyticsConfig`, `SegmenterConfig`,
/// `VoiceConfig`); the parameter table (`Parameters.table`) points into this struct by key path for
/// `pipelines/*.yml`, `--set`, validation and `--help`.
public struct PipelineSettings: Sendable, Equatable {
    /// Audio stream analysed (index among the audio streams); -1 = the best one.
    public var audioTrack = -1
    /// Audio stream of the teacher's lapel microphone; -1 = none.
    public var teacherTrack = -1
    public var voiceEnabled = true
    public var voiceActivity = VoiceActivityMethod.silero
    /// The voice analysis' own settings (`voice.soundtrackMedia`).
    public var voice = VoiceConfig()
    public var videoEnabled = true
    /// Frames per second sampled for slides and motion.
    public var videoSampleFps = 2.0
    public var videoRead = VideoReadMethod.keyframeFirst
    /// Keyframe-first: most media decoded densely, as a share of the duration (`KeyframeRefinement`).
    public var videoRefineShare = KeyframeRefinement().maxShare
    public var slidesEnabled = true
    /// S-T coding and the findings' thresholds.
    public var analytics = AnalyticsConfig()
    public var microLessonsEnabled = true
    /// Micro-lesson bounds without a plan.
    public var segmenter = SegmenterConfig()
    public var clipsEnabled = true
    public var reportLanguage = ReportLanguage.zh

    public init() {}

    /// Whether the run writes micro-lesson clips (and needs room for them: about the recording's size).
    public var writesClips: Bool { microLessonsEnabled && clipsEnabled }
}

/// How one row of the parameter table reads and writes its setting, and which values it accepts.
public struct SettingBinding: Sendable {
    public let kind: ParameterKind
    let get: @Sendable (PipelineSettings) -> ParameterValue
    /// Sets a value already validated against `kind` (canonical form: numbers as `.number`).
    let set: @Sendable (inout PipelineSettings, ParameterValue) -> Void

    public static func integer(_ path: WritableKeyPath<PipelineSettings, Int> & Sendable, _ range: ClosedRange<Int>) -> SettingBinding {
        SettingBinding(kind: .integer(range), get: { .number(Double($0[keyPath: path])) },
                       set: { s, v in if case .number(let d) = v { s[keyPath: path] = Int(d) } })
    }

    public static func number(_ path: WritableKeyPath<PipelineSettings, Double> & Sendable, _ range: ClosedRange<Double>) -> SettingBinding {
        SettingBinding(kind: .number(range), get: { .number($0[keyPath: path]) },
                       set: { s, v in if case .number(let d) = v { s[keyPath: path] = d } })
    }

    public static func number(_ path: WritableKeyPath<PipelineSettings, Double> & Sendable, oneOf values: [Double]) -> SettingBinding {
        SettingBinding(kind: .numberChoice(values), get: { .number($0[keyPath: path]) },
                       set: { s, v in if case .number(let d) = v { s[keyPath: path] = d } })
    }

    public static func flag(_ path: WritableKeyPath<PipelineSettings, Bool> & Sendable) -> SettingBinding {
        SettingBinding(kind: .flag, get: { .flag($0[keyPath: path]) },
                       set: { s, v in if case .flag(let b) = v { s[keyPath: path] = b } })
    }

    /// A choice among an enum's cases, written as their raw values.
    public static func choice<E: RawRepresentable & CaseIterable & Sendable>(_ path: WritableKeyPath<PipelineSettings, E> & Sendable)
        -> SettingBinding where E.RawValue == String {
        SettingBinding(kind: .choice(E.allCases.map(\.rawValue)), get: { .text($0[keyPath: path].rawValue) },
                       set: { s, v in if case .text(let t) = v, let e = E(rawValue: t) { s[keyPath: path] = e } })
    }
}
