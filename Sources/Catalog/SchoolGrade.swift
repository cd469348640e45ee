import Foundation

/// The grade (年级) a class name names, as the school numbers it: 1–6 primary, 7–9 junior secondary
/// (初一–初三 = 7–9), 10–12 senior secondary (高一–高三 = 10–12). The school view groups lessons by it
/// (issue 11: distributions per subject and grade).
///
/// A rule-based reading of the forms timetables write, not a model: `七年级3班`, `七(3)班`, `初二(3)班`,
/// `高一3班`, `高1`, `3年级`, `Grade 7B`, `Gr. 7`, `G7`, `Year 9`, `7B`, `7-2`, `10A`. `Year N` is taken as
/// the school's own number N (no conversion between school systems). A cohort name (`2023级`, `高2023级`)
/// names the entrance year, not a grade, and a name with no grade (`Chemistry club`) gives nil: those
/// lessons are grouped under `?`, never guessed.
public enum SchoolGrade {
    /// The grade number 1–12, or nil when the name does not state one.
    public static func parse(_ className: String) -> Int? {
        let s = className.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !s.isEmpty, s.count <= 200 else { return nil }
        let chars = Array(s)
        // A 4-digit year followed by 级/届 is a cohort, not a grade.
        if s.range(of: #"(19|20)\d\d\s*[级屆届]"#, options: .regularExpression) != nil { return nil }
        // 初一 / 初1 / 高三 / 高3 (junior and senior secondary).
        for (i, c) in chars.enumerated() where c == "初" || c == "高" {
            guard i + 1 < chars.count, let n = number(chars, from: i + 1), (1...3).contains(n.value) else { continue }
            // 高中 / 初中 are not grades; `number` only reads numerals, so 初中 never matches here.
            return (c == "初" ? 6 : 9) + n.value
        }
        // N年级 / 七年级, and 七(3)班 / 七3班 (a numeral followed by the class number in brackets or 班).
        for i in chars.indices {
            guard let n = number(chars, from: i), (1...12).contains(n.value) else { continue }
            if i > 0, isNumeral(chars[i - 1]) { continue }
            let next = n.end < chars.count ? chars[n.end] : nil
            if next == "年" { return n.value }
            if n.chinese, let next, "(（〈-—".contains(next) || next.isNumber { return n.value }
            if n.chinese { continue }
        }
        // English forms: Grade / Gr. / G / Year / Yr followed by a number.
        let lower = s.lowercased()
        if let m = lower.range(of: #"\b(grade|gr\.?|g|year|yr\.?|class|form)\s*(\d{1,2})(?!\d)"#, options: .regularExpression) {
            let digits = lower[m].filter(\.isASCII).filter(\.isNumber)
            if let n = Int(digits), (1...12).contains(n) { return n }
        }
        // A name that starts with the grade: 7B, 7-2, 10A, 7/3, 9.1.
        if let m = lower.range(of: #"^(\d{1,2})(?=\s*[a-z]|\s*[-/.]\s*\d|\s*\(|\s*班|$)"#, options: .regularExpression),
           let n = Int(lower[m]), (1...12).contains(n) { return n }
        return nil
    }

    static let chineseDigits: [Character: Int] = ["一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
                                                  "十": 10]

    static func isNumeral(_ c: Character) -> Bool { chineseDigits[c] != nil || (c.isASCII && c.isNumber) }

    /// The numeral (Chinese 一…十二 or ASCII digits, at most two) starting at `i`.
    static func number(_ chars: [Character], from i: Int) -> (value: Int, end: Int, chinese: Bool)? {
        guard i < chars.count else { return nil }
        if chars[i].isASCII, chars[i].isNumber {
            var j = i, v = 0
            while j < chars.count, chars[j].isASCII, let d = chars[j].wholeNumberValue, j - i < 3 { v = v * 10 + d; j += 1 }
            return j - i <= 2 ? (v, j, false) : nil
        }
        guard let first = chineseDigits[chars[i]] else { return nil }
        if first == 10, i + 1 < chars.count, let d = chineseDigits[chars[i + 1]], d < 10 { return (10 + d, i + 2, true) }
        return (first, i + 1, true)
    }

    /// How the portal shows a grade: `七年级` / `高一` in Chinese, `Grade 7` in English; `?` for none.
    public static func label(_ grade: Int?, chinese: Bool) -> String {
        guard let g = grade else { return "?" }
        if !chinese { return "Grade \(g)" }
        let names = ["一", "二", "三", "四", "五", "六", "七", "八", "九"]
        if g >= 10 { return "高" + names[g - 10] }
        return names[g - 1] + "年级"
    }
}
