import Foundation
public import MediaCore
import Yams

/// A lesson plan (`--lesson-plan`, YAML or JSON; docs/ARCHITECTURE.md §5).
public struct LessonPlan: Codable, Sendable, Equatable {
    public var title: String?
    public var teacher: String?
    public var subject: String?
    public var date: String?
    public var school: String?
    /// Report language for this lesson (`zh` or `en`), when the plan says.
    public var language: String?
    public var knowledgePoints: [KnowledgePoint]

    enum CodingKeys: String, CodingKey { case title, teacher, subject, date, school, language, knowledgePoints }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        title = try c.decodeIfPresent(String.self, forKey: .title)
        teacher = try c.decodeIfPresent(String.self, forKey: .teacher)
        subject = try c.decodeIfPresent(String.self, forKey: .subject)
        // YAML turns an unquoted 2024-03-01 into a date-like scalar; accept it as text either way.
        date = (try? c.decodeIfPresent(String.self, forKey: .date)) ?? nil
        school = try c.decodeIfPresent(String.self, forKey: .school)
        language = try c.decodeIfPresent(String.self, forKey: .language)
        knowledgePoints = try c.decodeIfPresent([KnowledgePoint].self, forKey: .knowledgePoints) ?? []
    }

    public init(title: String? = nil, knowledgePoints: [KnowledgePoint] = []) {
        self.title = title
        self.knowledgePoints = knowledgePoints
    }

    /// Most knowledge points a plan may have: each becomes a micro-lesson with its own clip, and a
    /// 45-minute lesson has tens of them (20,000 points made 5,927 clips before this bound).
    public static let maxKnowledgePoints = 200
    /// Longest title, teacher, subject, date, school or knowledge-point title (characters): a title,
    /// not a text; it is repeated in the report, the chapters and the clip names.
    public static let maxTextCharacters = 500
    /// Most keywords per knowledge point, and the longest keyword (characters).
    public static let maxKeywords = 100
    public static let maxKeywordCharacters = 200

    /// Reads a plan file. A missing file exits 66; a malformed one is a usage error (64) naming the file,
    /// in one line. The file is bounded before it is parsed (`YAMLLimits`: 1 MiB, aliases counted
    /// expanded), and the plan after (`maxKnowledgePoints`, `maxTextCharacters`, keywords).
    public static func load(path: String) throws -> LessonPlan {
        if let refusal = YAMLLimits.refusal(forPath: path) {
            throw PipelineError.planRefused(path: path, reason: refusal, tooLarge: refusal.hasPrefix("the file is"))
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PipelineError.planMissing(path: path)
        }
        let text = String(decoding: data, as: UTF8.self)
        do {
            guard let node = try YAMLLimits.compose(text) else {
                throw PipelineError.planEmpty(path: path)
            }
            let plan = try YAMLDecoder().decode(LessonPlan.self, from: node)
            if let lang = plan.language, !["zh", "en"].contains(lang) {
                throw PipelineError.planInvalid(path: path, problem: "language must be zh or en, not '\(YAMLLimits.oneLine(lang, limit: 40))'")
            }
            if let problem = plan.boundsProblem() {
                throw PipelineError.planInvalid(path: path, problem: problem)
            }
            return plan
        } catch let e as PipelineError {
            throw e
        } catch let refusal as YAMLLimits.Refusal {
            throw PipelineError.planOverLimits(path: path, reason: refusal.reason)
        } catch {
            throw PipelineError.planUnparsable(path: path, reason: YAMLLimits.oneLine("\(error)"))
        }
    }

    /// The first bound the plan breaks, in words, or nil.
    func boundsProblem() -> String? {
        let limit = Self.maxTextCharacters
        for (field, value) in [("title", title), ("teacher", teacher), ("subject", subject), ("date", date), ("school", school)] {
            if let v = value, v.count > limit {
                return "\(field) has \(v.count) characters; at most \(limit) are allowed (a title, not a text)"
            }
        }
        if knowledgePoints.count > Self.maxKnowledgePoints {
            return "\(knowledgePoints.count) knowledge points; at most \(Self.maxKnowledgePoints) are allowed (each becomes a micro-lesson and a clip)"
        }
        for (i, point) in knowledgePoints.enumerated() {
            if point.title.count > limit {
                return "knowledge point \(i + 1): title has \(point.title.count) characters; at most \(limit) are allowed (a title, not a text)"
            }
            let keywords = point.keywords ?? []
            if keywords.count > Self.maxKeywords {
                return "knowledge point \(i + 1): \(keywords.count) keywords; at most \(Self.maxKeywords) are allowed"
            }
            if let long = keywords.first(where: { $0.count > Self.maxKeywordCharacters }) {
                return "knowledge point \(i + 1): a keyword has \(long.count) characters; at most \(Self.maxKeywordCharacters) are allowed"
            }
        }
        return nil
    }

    public var meta: LessonMeta {
        LessonMeta(title: title, teacher: teacher, subject: subject, date: date, school: school, knowledgePoints: knowledgePoints)
    }
}
