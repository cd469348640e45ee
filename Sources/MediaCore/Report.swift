/// The machine-readable report of one analysis: `report.json` (docs/ARCHITECTURE.md §4).
///
/// Field names are a contract: extend, never rename. Optional members that the contract says may be
/// `null` are written as explicit nulls; everything else optional is omitted when absent.
public struct Report: Codable, Sendable, Equatable {
    public var schemaVersion: Int = 1
    /// `lessonlens <version>`.
    public var generator: String
    /// ISO-8601 time the report was made.
    public var generatedAt: String
    /// Report language for texts: `zh` or `en`.
    public var language: OpenEnum<ReportLanguage>
    public var recording: RecordingSummary
    public var lesson: LessonMeta?
    public var pipeline: PipelineSummary
    public var timeline: [Segment]
    public var talk: TalkSummary
    public var st: STSummary?
    public var interaction: InteractionSummary
    public var phases: [Phase]
    public var slides: SlidesSummary
    public var motion: MotionSummary?
    public var microLessons: [MicroLesson]
    public var findings: [Finding]
    /// How each number was obtained where it is a heuristic (shown in the report's method section), in
    /// English: the sentence of each entry of `methodNotes`, in the same order.
    public var notes: [String]
    /// The same notes as code and values, one per entry of `notes` (`addNote`, `setNotes` keep the two
    /// aligned). Nil in a report.json written before this field existed; the HTML report renders from
    /// these only when there is one per note, else shows `notes` as written.
    public var methodNotes: [MethodNote]?
    /// Which voice-activity method decided speech against non-speech (absent without audio analysis).
    public var voiceActivity: VoiceActivitySummary?

    public init(generator: String, generatedAt: String, language: OpenEnum<ReportLanguage>, recording: RecordingSummary,
                lesson: LessonMeta? = nil, pipeline: PipelineSummary, timeline: [Segment] = [],
                talk: TalkSummary = TalkSummary(), st: STSummary? = nil,
                interaction: InteractionSummary = InteractionSummary(), phases: [Phase] = [],
                slides: SlidesSummary = SlidesSummary(), motion: MotionSummary? = nil,
                microLessons: [MicroLesson] = [], findings: [Finding] = [], notes: [String] = []) {
        self.generator = generator
        self.generatedAt = generatedAt
        self.language = language
        self.recording = recording
        self.lesson = lesson
        self.pipeline = pipeline
        self.timeline = timeline
        self.talk = talk
        self.st = st
        self.interaction = interaction
        self.phases = phases
        self.slides = slides
        self.motion = motion
        self.microLessons = microLessons
        self.findings = findings
        self.notes = notes
    }

    /// Appends `note`: its English sentence to `notes`, itself to `methodNotes`.
    public mutating func addNote(_ note: MethodNote) {
        notes.append(note.english ?? note.code.rawValue)
        methodNotes = (methodNotes ?? []) + [note]
    }

    /// Replaces the notes by `notes` (English sentences and structured form).
    public mutating func setNotes(_ notes: [MethodNote]) {
        self.notes = notes.map { $0.english ?? $0.code.rawValue }
        methodNotes = notes
    }
}

public struct RecordingSummary: Codable, Sendable, Equatable {
    /// Stable id of the recording: the first 16 hex digits of its SHA-256 (also the report folder name).
    public var id: String
    /// File name as given (last path component).
    public var file: String
    public var path: String?
    public var sha256: String
    public var sizeBytes: Int64
    public var durationSeconds: Double
    public var startSeconds: Double
    public var container: String
    public var video: VideoInfo?
    public var audio: AudioInfo?
    /// The container's `creation_time` tag (issue 11), when it has one.
    public var creationTime: String?

    public init(id: String, file: String, path: String? = nil, sha256: String, sizeBytes: Int64, durationSeconds: Double,
                startSeconds: Double, container: String, video: VideoInfo?, audio: AudioInfo?) {
        self.id = id
        self.file = file
        self.path = path
        self.sha256 = sha256
        self.sizeBytes = sizeBytes
        self.durationSeconds = durationSeconds
        self.startSeconds = startSeconds
        self.container = container
        self.video = video
        self.audio = audio
    }

    enum CodingKeys: String, CodingKey { case id, file, path, sha256, sizeBytes, durationSeconds, startSeconds, container, video, audio, creationTime }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(file, forKey: .file)
        try c.encodeIfPresent(path, forKey: .path)
        try c.encode(sha256, forKey: .sha256)
        try c.encode(sizeBytes, forKey: .sizeBytes)
        try c.encode(durationSeconds, forKey: .durationSeconds)
        try c.encode(startSeconds, forKey: .startSeconds)
        try c.encode(container, forKey: .container)
        try c.encode(video, forKey: .video)  // explicit null when absent
        try c.encode(audio, forKey: .audio)
        try c.encodeIfPresent(creationTime, forKey: .creationTime)
    }
}

/// What a lesson plan says about the lesson (docs/ARCHITECTURE.md §5).
public struct LessonMeta: Codable, Sendable, Equatable {
    public var title: String?
    public var teacher: String?
    public var subject: String?
    public var date: String?
    public var school: String?
    public var knowledgePoints: [KnowledgePoint]

    public init(title: String? = nil, teacher: String? = nil, subject: String? = nil, date: String? = nil,
                school: String? = nil, knowledgePoints: [KnowledgePoint] = []) {
        self.title = title
        self.teacher = teacher
        self.subject = subject
        self.date = date
        self.school = school
        self.knowledgePoints = knowledgePoints
    }
}

public struct KnowledgePoint: Codable, Sendable, Equatable {
    public var title: String
    public var keywords: [String]?
    public init(title: String, keywords: [String]? = nil) {
        self.title = title
        self.keywords = keywords
    }
}

/// A pipeline parameter value as written in `pipelines/*.yml`.
public enum ParameterValue: Codable, Sendable, Equatable, CustomStringConvertible {
    case number(Double)
    case text(String)
    case flag(Bool)

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let b = try? c.decode(Bool.self) { self = .flag(b) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else { self = .text(try c.decode(String.self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .number(let d): try c.encode(d)
        case .text(let s): try c.encode(s)
        case .flag(let b): try c.encode(b)
        }
    }

    public var description: String {
        switch self {
        case .number(let d): return d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        case .text(let s): return s
        case .flag(let b): return b ? "true" : "false"
        }
    }

    public var number: Double? { if case .number(let d) = self { return d } else { return nil } }
}

public struct PipelineSummary: Codable, Sendable, Equatable {
    public var name: String
    public var parameters: [String: ParameterValue]
    public init(name: String, parameters: [String: ParameterValue]) {
        self.name = name
        self.parameters = parameters
    }
}

/// Seconds and ratios per label (ratios over the whole duration).
public struct TalkSummary: Codable, Sendable, Equatable {
    public var teacherSeconds: Double = 0
    public var studentSeconds: Double = 0
    public var multiSeconds: Double = 0
    public var silenceSeconds: Double = 0
    public var mediaSeconds: Double = 0
    /// teacher seconds / duration.
    public var teacherRatio: Double = 0
    /// (student + multi) seconds / duration.
    public var studentRatio: Double = 0
    public var multiRatio: Double = 0
    public var silenceRatio: Double = 0
    public var mediaRatio: Double = 0
    /// teacher / (teacher + student + multi); nil when nobody talked.
    public var teacherShareOfTalk: Double?
    public init() {}
}

/// S-T analysis (docs/ARCHITECTURE.md §3).
public struct STSummary: Codable, Sendable, Equatable {
    public var intervalSeconds: Double
    /// `window-majority` or `instant`.
    public var rule: OpenEnum<STRule>
    /// One letter per full window: `T` or `S`.
    public var sequence: String
    public var rt: Double
    public var ch: Double
    /// `lecture`, `practice`, `dialogue` or `mixed`.
    public var mode: OpenEnum<STMode>
    /// Number of windows N.
    public var n: Int
    /// Number of runs g.
    public var runs: Int
    /// The S-T curve: cumulative (T, S) counts after each window, starting at (0, 0).
    public var curve: [STPoint]

    public init(intervalSeconds: Double, rule: OpenEnum<STRule>, sequence: String, rt: Double, ch: Double, mode: OpenEnum<STMode>,
                n: Int, runs: Int, curve: [STPoint]) {
        self.intervalSeconds = intervalSeconds
        self.rule = rule
        self.sequence = sequence
        self.rt = rt
        self.ch = ch
        self.mode = mode
        self.n = n
        self.runs = runs
        self.curve = curve
    }
}

public struct STPoint: Codable, Sendable, Equatable {
    public var t: Int
    public var s: Int
    public init(t: Int, s: Int) {
        self.t = t
        self.s = s
    }
}

/// A teacher question, found acoustically (turn structure and end-of-utterance pitch).
public struct Question: Codable, Sendable, Equatable {
    /// End of the teacher's question, seconds.
    public var time: Double
    /// Silence before a student answered; nil when no student answered.
    public var waitSeconds: Double?
    /// Start of the teacher utterance that ends in the question.
    public var utteranceStart: Double?
    /// Start of the student answer, when there is one.
    public var answerStart: Double?
    /// Whether the pitch rose at the end of the utterance.
    public var risingPitch: Bool?

    public init(time: Double, waitSeconds: Double?, utteranceStart: Double? = nil, answerStart: Double? = nil,
                risingPitch: Bool? = nil) {
        self.time = time
        self.waitSeconds = waitSeconds
        self.utteranceStart = utteranceStart
        self.answerStart = answerStart
        self.risingPitch = risingPitch
    }

    enum CodingKeys: String, CodingKey { case time, waitSeconds, utteranceStart, answerStart, risingPitch }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(time, forKey: .time)
        try c.encode(waitSeconds, forKey: .waitSeconds)  // explicit null: unanswered
        try c.encodeIfPresent(utteranceStart, forKey: .utteranceStart)
        try c.encodeIfPresent(answerStart, forKey: .answerStart)
        try c.encodeIfPresent(risingPitch, forKey: .risingPitch)
    }
}

public struct HistogramBin: Codable, Sendable, Equatable {
    /// Lower edge, seconds (inclusive).
    public var from: Double
    /// Upper edge, seconds (exclusive); nil for the open last bin.
    public var to: Double?
    public var count: Int
    public init(from: Double, to: Double?, count: Int) {
        self.from = from
        self.to = to
        self.count = count
    }
}

public struct InteractionSummary: Codable, Sendable, Equatable {
    public var turnExchanges: Int = 0
    public var questions: [Question] = []
    /// Median wait time over answered questions; nil when none was answered.
    public var medianWaitSeconds: Double?
    public var answeredQuestions: Int = 0
    public var waitHistogram: [HistogramBin] = []
    public init() {}

    enum CodingKeys: String, CodingKey { case turnExchanges, questions, medianWaitSeconds, answeredQuestions, waitHistogram }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(turnExchanges, forKey: .turnExchanges)
        try c.encode(questions, forKey: .questions)
        try c.encode(medianWaitSeconds, forKey: .medianWaitSeconds)  // explicit null
        try c.encode(answeredQuestions, forKey: .answeredQuestions)
        try c.encode(waitHistogram, forKey: .waitHistogram)
    }
}

/// An activity phase: a contiguous span of one kind of classroom activity.
public struct Phase: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case lecture, qa, discussion, seatwork, media
    }
    public var start: Double
    public var end: Double
    public var kind: Kind
    public init(start: Double, end: Double, kind: Kind) {
        self.start = start
        self.end = end
        self.kind = kind
    }
}

public struct SlidesSummary: Codable, Sendable, Equatable {
    /// Slide/board change times, seconds.
    public var changes: [Double] = []
    /// Keyframe thumbnail per slide (relative paths), first slide first.
    public var thumbnails: [String] = []
    public init(changes: [Double] = [], thumbnails: [String] = []) {
        self.changes = changes
        self.thumbnails = thumbnails
    }
}

/// Motion energy over time: mean absolute luma difference per interval, 0...255 scale.
public struct MotionSummary: Codable, Sendable, Equatable {
    public var intervalSeconds: Double
    public var energy: [Double]
    public init(intervalSeconds: Double, energy: [Double]) {
        self.intervalSeconds = intervalSeconds
        self.energy = energy
    }
}

public struct MicroLesson: Codable, Sendable, Equatable {
    public var index: Int
    public var start: Double
    public var end: Double
    public var title: String
    /// Relative path of the clip, e.g. `clips/01-light-reactions.mp4`; nil when no clip was cut.
    public var clip: String?
    public var thumbnail: String?
    public init(index: Int, start: Double, end: Double, title: String, clip: String? = nil, thumbnail: String? = nil) {
        self.index = index
        self.start = start
        self.end = end
        self.title = title
        self.clip = clip
        self.thumbnail = thumbnail
    }
}

/// A weak point a teaching researcher would flag, with the moments that show it.
public struct Finding: Codable, Sendable, Equatable {
    public enum Severity: String, Codable, Sendable, Comparable {
        case info, warning, critical
        private var rank: Int { self == .info ? 0 : self == .warning ? 1 : 2 }
        public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
    }
    /// Stable identifier, e.g. `short-wait-time`; Reports localises by it.
    public var code: OpenEnum<FindingCode>
    public var severity: Severity
    /// English message (the HTML report renders its own localised text from `code` and `values`).
    public var message: String
    /// The numbers the message speaks of (e.g. `teacherRatio`, `threshold`).
    public var values: [String: Double]
    public var moments: [TimeRange]

    public init(code: OpenEnum<FindingCode>, severity: Severity, message: String, values: [String: Double] = [:],
                moments: [TimeRange] = []) {
        self.code = code
        self.severity = severity
        self.message = message
        self.values = values
        self.moments = moments
    }

    public init(code: FindingCode, severity: Severity, message: String, values: [String: Double] = [:], moments: [TimeRange] = []) {
        self.init(code: .known(code), severity: severity, message: message, values: values, moments: moments)
    }
}

/// `report.json` → `voiceActivity`: the method behind every speech/no-speech decision.
public struct VoiceActivitySummary: Codable, Sendable, Equatable {
    /// `silero-vad-16k` (the learned model weighed with the acoustic cues) or `acoustic-cues`.
    public var method: String
    /// The weights file, when a model ran.
    public var model: String?
    /// Its SHA-256.
    public var modelSHA256: String?

    public init(method: String, model: String? = nil, modelSHA256: String? = nil) {
        self.method = method
        self.model = model
        self.modelSHA256 = modelSHA256
    }
}
