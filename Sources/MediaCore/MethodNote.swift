/// One method note (how a number was obtained where it is a heuristic) as a code and the values it
/// speaks of: `report.json` → `methodNotes[i]`, whose English sentence is `notes[i]`.
///
/// The English sentence is part of the report.json contract (`notes`), so its wording lives here, beside
/// the codes, and every producer gets the same text; each report language renders its own text from the
/// code and `arguments` (Reports: `NoteText`), never by recognising the English sentence.
public struct MethodNote: Codable, Sendable, Equatable {
    /// Every note the analysis can write. Adding a case makes the compiler ask for its English template
    /// here and its Chinese one in Reports.
    public enum Code: String, Codable, Sendable, CaseIterable {
        // Analysis/Voice/VoiceAnalyzer.swift
        case voiceActivityModel = "voice-activity-model"
        case voiceTimeline = "voice-timeline"
        case speakerRoles = "speaker-roles"
        case risingPitchQuestions = "rising-pitch-questions"
        case lapelMicrophone = "lapel-microphone"
        case speakerEmbedding = "speaker-embedding"
        case speakerEmbeddingUnavailable = "speaker-embedding-unavailable"
        case unreadableAnalysisRecord = "unreadable-analysis-record"
        // Analysis/Analytics/LessonAnalytics.swift
        case timelineMerge = "timeline-merge"
        case stCoding = "st-coding"
        case questionDetection = "question-detection"
        case waitTime = "wait-time"
        case activityPhases = "activity-phases"
        // Analysis/Vision/SlideDetector.swift
        case slideChanges = "slide-changes"
        case frameSizeChanged = "frame-size-changed"
        // Pipeline/AnalyzeJob.swift, Pipeline/MicroLessonWriter.swift
        case noVideo = "no-video"
        case videoAnalysisOff = "video-analysis-off"
        case readWarning = "read-warning"
        case clipsNotCut = "clips-not-cut"
        case keyframeFirstVideo = "keyframe-first-video"
        case refinementBudgetSpent = "refinement-budget-spent"
    }

    /// A value a note speaks of: a number (seconds, a count) or a text (a rule name, FFmpeg's words).
    /// Encodes as a bare JSON number or string.
    public enum Value: Codable, Sendable, Equatable {
        case number(Double)
        case text(String)

        public init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let d = try? c.decode(Double.self) { self = .number(d) } else { self = .text(try c.decode(String.self)) }
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .number(let d): try c.encode(d)
            case .text(let s): try c.encode(s)
            }
        }
    }

    public var code: OpenEnum<Code>
    /// Keyed as in `slots(for:)`: seconds, counts and texts, unformatted.
    public var values: [String: Value]

    public init(code: OpenEnum<Code>, values: [String: Value] = [:]) {
        self.code = code
        self.values = values
    }

    public init(_ code: Code, _ values: [String: Value] = [:]) {
        self.init(code: .known(code), values: values)
    }

    private enum CodingKeys: String, CodingKey { case code, values }

    private struct ValueKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Leniently: a value that is neither a number nor a string (a newer version's kind of value) is left
    /// out, and missing `values` are none, so the note still reads back (and shows its English sentence
    /// from `notes` if it needed that value).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        code = try c.decode(OpenEnum<Code>.self, forKey: .code)
        values = [:]
        guard c.contains(.values), let v = try? c.nestedContainer(keyedBy: ValueKey.self, forKey: .values) else { return }
        for key in v.allKeys {
            if let value = try? v.decode(Value.self, forKey: key) { values[key.stringValue] = value }
        }
    }

    /// How a value is written into a sentence (the same digits in every language).
    public enum Format: Sendable, Equatable {
        /// Seconds rounded to 0.1 and printed as Swift prints a `Double` (`1.5`, `30.0`).
        case tenths
        /// A `Double` as Swift prints it (`1.5`, `0.25`).
        case plain
        /// A whole number (`16`).
        case whole
        /// Rounded to a whole number, halves to even (`%.0f`).
        case rounded
        /// A text, verbatim.
        case text
    }

    /// The values each note interpolates, in the order of its template's `{0}`, `{1}`, ….
    public static func slots(for code: Code) -> [(key: String, format: Format)] {
        switch code {
        case .voiceActivityModel, .voiceTimeline, .speakerRoles, .risingPitchQuestions, .lapelMicrophone, .waitTime, .speakerEmbeddingUnavailable,
             .noVideo, .videoAnalysisOff:
            []
        case .unreadableAnalysisRecord: [("minutes", .rounded)]
        case .speakerEmbedding: [("partials", .whole)]
        case .timelineMerge: [("mergeGapSeconds", .tenths)]
        case .stCoding: [("intervalSeconds", .tenths), ("rule", .text)]
        case .questionDetection: [("maxWaitSeconds", .tenths)]
        case .activityPhases: [("windowSeconds", .tenths)]
        case .slideChanges: [("blocksX", .whole), ("blocksY", .whole), ("changedBlocksPercent", .whole), ("stableSeconds", .plain)]
        case .frameSizeChanged: [("count", .whole)]
        case .readWarning: [("warning", .text)]
        case .clipsNotCut: [("failures", .text)]
        case .keyframeFirstVideo: [("keyframes", .whole), ("refinedGOPs", .whole), ("refinedSeconds", .rounded),
                                   ("fps", .plain), ("longestGOPSeconds", .tenths)]
        case .refinementBudgetSpent: [("unrefinedGOPs", .whole), ("refineSharePercent", .whole)]
        }
    }

    /// The English sentence of each note; `{i}` is the i-th entry of `slots(for:)`.
    public static func englishTemplate(_ code: Code) -> String {
        switch code {
        case .voiceActivityModel:
            "Voice activity (learned model): Silero VAD 16 kHz (MIT licence, weights from the silero-vad package), run by LessonLens's own kernels, gives a speech probability every 32 ms; it is weighed as evidence for voice against silence and music in the class costs below, so real noise (chairs, traffic, fans, coughs) counts as silence."
        case .voiceTimeline:
            "Voice timeline (heuristic): 10 ms frames give level, spectral flatness, flux, speech-band ratio, MFCCs and YIN pitch; 100 ms blocks are scored against silence, single voice, several voices and media with floor-relative cues (level above the recording's own noise floor, 3-8 Hz syllable rhythm, level variance, voicing and aperiodicity, spectral flatness and flux), and a Viterbi path with a switching penalty picks the labels. Music is recognised by its tonal, steady spectrum; a video clip (a voice over a music bed) by gaps between words that stay well above the floor and are tonal, with less energy in the speech band (unless voice.soundtrackMedia is off)."
        case .speakerRoles:
            "Teacher and students (heuristic): single-voice speech is cut into turns at pauses and at speaker changes, each turn is described by MFCC, pitch, level and syllable-rhythm statistics (level and rhythm depth reflect the distance to the microphone), turns are clustered, and the teacher is the cluster with the most speech time weighted towards the loudest, closest voice; no enrolment, so a student who talks longest and loudest would be taken for the teacher."
        case .risingPitchQuestions:
            "Questions (heuristic): without speech recognition, a teacher utterance whose pitch rises by at least 2 semitones over its last 0.6 s is marked as a possible question."
        case .speakerEmbeddingUnavailable:
            "Speaker turns: the learned speaker embedding was asked for but could not run (its temporary sample file could not be written or read back: a full or read-only temporary folder), so turns were clustered by timbre, distance and pitch alone."
        case .speakerEmbedding:
            "Speaker turns (learned model): Resemblyzer's GE2E voice encoder (Apache-2.0, weights from the Resemblyzer package), run by LessonLens's own kernels, describes {0} windows of 1.6 s taken inside the speech turns; turns are grouped by the cosine of their mean descriptions (turns too short for a window join the nearest group by timbre). The teacher is still the group with the most speech, weighted towards the closest voice."
        case .lapelMicrophone:
            "Teacher's lapel microphone: every speaker turn is also measured on the lapel track, and the teacher is the voice that is much louder there than on the room microphone (its level above the lapel's own noise floor minus its level above the room's)."
        case .unreadableAnalysisRecord:
            "About {0} minutes of the analysis record could not be read back from the temporary folder (disk error) and count as silence."
        case .timelineMerge:
            "Timeline: pauses shorter than {0} s between two stretches of the same label are counted as that label."
        case .stCoding:
            "S-T analysis: {0} s windows, rule {1}; teacher speech and media count as T, everything else as S; only full windows are coded."
        case .questionDetection:
            "Questions are detected acoustically, without speech recognition (a heuristic): a teacher utterance followed within {0} s by a student voice counts as an answered question; a teacher utterance ending with rising pitch, followed by a pause and then by the teacher again, counts as unanswered. Rhetorical questions and instructions answered by students are not told apart."
        case .waitTime:
            "Wait time is the silence between the end of the teacher's utterance and the first student voice."
        case .activityPhases:
            "Activity phases are a heuristic: the label mix in a {0} s sliding window scores each second, and a Viterbi smoothing ignores interruptions too short to outweigh a phase change."
        case .slideChanges:
            "Slide changes: block-wise luma differences ({0}×{1} blocks, a change needs {2} % of blocks changed and {3} s of stable new content); camera views away from the slides are recognised by their luma histogram and ignored (heuristic)."
        case .frameSizeChanged:
            "The video frame size changed {0} time(s); detection restarted there."
        case .noVideo:
            "The recording has no video: slide changes and motion are not reported."
        case .videoAnalysisOff:
            "Video analysis was turned off by the pipeline."
        case .readWarning:
            "Warning while reading the file: {0}."
        case .keyframeFirstVideo:
            "Video read keyframe first: {0} keyframes were compared, and only the {1} GOPs whose two keyframes differed ({2} s of video) were decoded at {3} frames/s to place changes; motion is measured between consecutive keyframes (up to {4} s apart)."
        case .refinementBudgetSpent:
            "In {0} GOPs whose keyframes differed, changes are placed at a keyframe (up to one GOP late): dense decoding is capped at {1} % of the recording (video.refineShare)."
        case .clipsNotCut:
            "Some micro-lesson clips could not be cut: {0}"
        }
    }

    /// The formatted values for `{0}`, `{1}`, …; nil when the code is unknown or a value is missing or of
    /// the wrong kind (a report.json edited by hand or written by another version).
    public var arguments: [String]? {
        guard let code = code.known else { return nil }
        var out: [String] = []
        for slot in Self.slots(for: code) {
            guard let part = values[slot.key].flatMap({ Self.format($0, slot.format) }) else { return nil }
            out.append(part)
        }
        return out
    }

    /// The English sentence (the `notes` entry), nil when `arguments` is nil.
    public var english: String? {
        guard let code = code.known, let parts = arguments else { return nil }
        return Self.fill(Self.englishTemplate(code), with: parts)
    }

    static func format(_ value: Value, _ format: Format) -> String? {
        switch (value, format) {
        case (.text(let s), .text): return s
        case (.text, _), (.number, .text): return nil
        case (.number(let d), .tenths): return String((d * 10).rounded() / 10)
        case (.number(let d), .plain): return String(d)
        case (.number(let d), .whole): return whole(d)
        case (.number(let d), .rounded): return whole(d.rounded(.toNearestOrEven))
        }
    }

    /// `d` without a fraction when it is a whole number that fits (hostile input must not trap), else as Swift prints it.
    private static func whole(_ d: Double) -> String {
        guard d.isFinite, abs(d) < 1e15 else { return String(d) }
        return String(Int64(d.rounded(.towardZero)))
    }

    /// `template` with `{0}`, `{1}`, … replaced by `parts`, in one pass, so that a part that itself contains
    /// "{1}" (free text from FFmpeg or a file name) is never rewritten. A placeholder without a part stays
    /// as written.
    public static func fill(_ template: String, with parts: [String]) -> String {
        var out = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            let afterOpen = rest.index(after: open)
            if let close = rest[afterOpen...].firstIndex(of: "}"), let i = Int(rest[afterOpen..<close]),
               parts.indices.contains(i) {
                out += parts[i]
                rest = rest[rest.index(after: close)...]
            } else {
                out += "{"
                rest = rest[afterOpen...]
            }
        }
        return out + rest
    }
}
