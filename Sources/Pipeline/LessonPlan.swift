import Foundation
import MediaCore
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

    /// Reads a plan file. A missing file exits 66; a malformed one is a usage error (64) naming the file.
    public static func load(path: String) throws -> LessonPlan {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SimpleError(.inputMissing, "cannot read lesson plan '\(path)': no such file or not readable")
        }
        let text = String(decoding: data, as: UTF8.self)
        do {
            let plan = try YAMLDecoder().decode(LessonPlan.self, from: text)
            if let lang = plan.language, !["zh", "en"].contains(lang) {
                throw SimpleError(.usage, "lesson plan '\(path)': language must be zh or en, not '\(lang)'")
            }
            return plan
        } catch let e as SimpleError {
            throw e
        } catch {
            throw SimpleError(.usage, "cannot parse lesson plan '\(path)': \(error) (expected YAML or JSON with title, teacher, subject, knowledgePoints)")
        }
    }

    public var meta: LessonMeta {
        LessonMeta(title: title, teacher: teacher, subject: subject, date: date, school: school, knowledgePoints: knowledgePoints)
    }
}
