public import Catalog
import Foundation
public import MediaCore

/// The timetable (issue 11): CSV import with line-numbered validation, and attribution of a recording
/// to the slot that overlaps it most.
public enum Timetable {
    /// The CSV columns, in any order (a header line names them).
    public static let columns = ["school", "room", "weekday", "date", "start", "end", "teacher_id", "teacher_name",
                                 "subject", "class", "term"]
    /// Largest timetable file read (bytes) and most rows.
    public static let maxBytes = 16 << 20
    public static let maxRows = 200_000
    /// Longest cell (characters).
    public static let maxCell = 200

    /// Parses a timetable CSV (RFC 4180 quoting, UTF-8, optional BOM). Either `weekday` (1-7 or Mon…Sun,
    /// 周一…周日) or `date` (yyyy-MM-dd) per row. Every problem is collected with its line number.
    public static func parse(_ text: String) -> (slots: [TimetableSlot], errors: [String]) {
        var errors: [String] = []
        var rows = csvRows(text)
        guard !rows.isEmpty else { return ([], ["line 1: empty file (expected a header: \(columns.joined(separator: ","))"]) }
        let header = rows.removeFirst().fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased().replacingOccurrences(of: " ", with: "_") }
        var index: [String: Int] = [:]
        for (i, h) in header.enumerated() { index[h == "teacherid" ? "teacher_id" : h == "teachername" ? "teacher_name" : h] = i }
        let required = ["school", "room", "start", "end", "teacher_id", "teacher_name", "subject", "class", "term"]
        let missing = required.filter { index[$0] == nil }
        if !missing.isEmpty { return ([], ["line 1: missing column(s) \(missing.joined(separator: ", ")) (columns: \(columns.joined(separator: ",")))"]) }
        if index["weekday"] == nil && index["date"] == nil { return ([], ["line 1: needs a weekday or a date column"]) }
        if rows.count > maxRows { return ([], ["more than \(maxRows) rows"]) }
        var slots: [TimetableSlot] = []
        for row in rows {
            if row.fields.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { continue }
            func cell(_ name: String) -> String {
                guard let i = index[name], i < row.fields.count else { return "" }
                return row.fields[i].trimmingCharacters(in: .whitespaces)
            }
            var problems: [String] = []
            for name in required where cell(name).isEmpty { problems.append("\(name) is empty") }
            for name in columns where cell(name).count > maxCell { problems.append("\(name) is longer than \(maxCell) characters") }
            let weekdayText = cell("weekday"), dateText = cell("date")
            var weekday: Int?, date: String?
            if !weekdayText.isEmpty && !dateText.isEmpty { problems.append("give a weekday or a date, not both") }
            else if !weekdayText.isEmpty {
                weekday = parseWeekday(weekdayText)
                if weekday == nil { problems.append("weekday '\(weekdayText)' is not 1-7, Mon-Sun or 周一-周日") }
            } else if !dateText.isEmpty {
                if parseDate(dateText) == nil { problems.append("date '\(dateText)' is not yyyy-MM-dd") } else { date = dateText }
            } else { problems.append("weekday and date are both empty") }
            let start = parseClock(cell("start")), end = parseClock(cell("end"))
            if start == nil && !cell("start").isEmpty { problems.append("start '\(cell("start"))' is not HH:mm") }
            if end == nil && !cell("end").isEmpty { problems.append("end '\(cell("end"))' is not HH:mm") }
            if let s = start, let e = end, e <= s { problems.append("end \(cell("end")) is not after start \(cell("start"))") }
            if !problems.isEmpty {
                errors.append("line \(row.line): " + problems.joined(separator: "; "))
                continue
            }
            slots.append(TimetableSlot(term: cell("term"), school: cell("school"), room: cell("room"), weekday: weekday, date: date,
                                       startMinute: start!, endMinute: end!, teacherID: cell("teacher_id"),
                                       teacherName: cell("teacher_name"), subject: cell("subject"), className: cell("class"),
                                       line: row.line))
        }
        // One teacher id, one name: a second spelling is an error, not a silent rename.
        var names: [String: (String, Int)] = [:]
        for s in slots {
            if let (n, line) = names[s.teacherID], n != s.teacherName {
                errors.append("line \(s.line): teacher \(s.teacherID) is named '\(s.teacherName)' here but '\(n)' on line \(line)")
            } else { names[s.teacherID] = (s.teacherName, s.line) }
        }
        if errors.isEmpty && slots.isEmpty { errors.append("line 2: no rows") }
        return (slots, errors)
    }

    /// Imports `path` into `catalog`: all or nothing, each term in the file replacing that term's slots
    /// in one transaction. Returns a line per term.
    public static func importFile(_ path: String, into catalog: any PortalCatalog) async throws -> [String] {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { throw PipelineError.unreadable(path: path, reason: "no such file") }
        if let size = attributes[.size] as? NSNumber, size.intValue > maxBytes {
            throw TimetableError.invalid(path: path, errors: ["the file is larger than \(maxBytes >> 20) MiB"])
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw PipelineError.unreadable(path: path, reason: "cannot read") }
        guard let text = String(data: data, encoding: .utf8) else { throw TimetableError.invalid(path: path, errors: ["the file is not UTF-8"]) }
        return try await importText(text, into: catalog, path: path)
    }

    /// Imports a timetable's text (the portal's admin page, `importFile`): all or nothing, each term replacing
    /// that term's slots. `onlySchool`: every row must be of this school (a school administrator's import).
    public static func importText(_ text: String, into catalog: any PortalCatalog, path: String = "<form>",
                                  onlySchool: String? = nil) async throws -> [String] {
        guard text.utf8.count <= maxBytes else { throw TimetableError.invalid(path: path, errors: ["larger than \(maxBytes >> 20) MiB"]) }
        var (slots, errors) = parse(text)
        if let onlySchool, errors.isEmpty {
            let others = Set(slots.map(\.school)).subtracting([onlySchool]).sorted()
            if !others.isEmpty {
                errors.append("rows of other schools (\(others.prefix(5).joined(separator: ", "))): an account of '\(onlySchool)' imports only its own")
            }
        }
        if !errors.isEmpty { throw TimetableError.invalid(path: path, errors: errors) }
        let terms = Dictionary(grouping: slots, by: \.term)
        try await catalog.replaceTerms(terms.keys.sorted().map { ($0, terms[$0]!) }, now: Date())
        return terms.keys.sorted().map { "term \($0): \(terms[$0]!.count) slots imported" }
    }

    /// `importText` into a SQLite `JobCatalog`.
    public static func importText(_ text: String, into catalog: JobCatalog, path: String = "<form>",
                                  onlySchool: String? = nil) async throws -> [String] {
        try await importText(text, into: catalog.store, path: path, onlySchool: onlySchool)
    }

    /// `importText` into the catalog the command opened (`--catalog FILE|postgres://…`).
    public static func importText(_ text: String, into catalog: PortalCatalogHandle, path: String = "<form>",
                                  onlySchool: String? = nil) async throws -> [String] {
        try await importText(text, into: catalog.portal, path: path, onlySchool: onlySchool)
    }

    static func parseWeekday(_ s: String) -> Int? {
        if let n = Int(s), (1...7).contains(n) { return n }
        let names = [["mon", "monday", "周一", "星期一"], ["tue", "tuesday", "周二", "星期二"], ["wed", "wednesday", "周三", "星期三"],
                     ["thu", "thursday", "周四", "星期四"], ["fri", "friday", "周五", "星期五"], ["sat", "saturday", "周六", "星期六"],
                     ["sun", "sunday", "周日", "星期日", "周天", "星期天"]]
        return names.firstIndex(where: { $0.contains(s.lowercased()) }).map { $0 + 1 }
    }

    static func parseClock(_ s: String) -> Int? {
        let parts = s.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3, let h = Int(parts[0]), let m = Int(parts[1]), parts[1].count == 2,
              (0...24).contains(h), (0...59).contains(m), h * 60 + m <= 1440 else { return nil }
        return h * 60 + m
    }

    static func parseDate(_ s: String) -> DateComponents? {
        let p = s.split(separator: "-")
        guard s.count == 10, p.count == 3, let y = Int(p[0]), let m = Int(p[1]), let d = Int(p[2]),
              (1...12).contains(m), (1...31).contains(d) else { return nil }
        return DateComponents(year: y, month: m, day: d)
    }

    struct CSVRow { var line: Int; var fields: [String] }

    /// RFC 4180: quoted fields may hold commas, quotes ("") and newlines; `line` is where the row starts.
    static func csvRows(_ text: String) -> [CSVRow] {
        var rows: [CSVRow] = []
        var fields: [String] = [], field = "", quoted = false, line = 1, rowLine = 1, afterQuote = false
        var chars = Array(text)
        if chars.first == "\u{FEFF}" { chars.removeFirst() }
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if quoted {
                if c == "\"" {
                    if i + 1 < chars.count && chars[i + 1] == "\"" { field.append("\""); i += 1 } else { quoted = false; afterQuote = true }
                } else {
                    if c == "\n" || c == "\r\n" { line += 1 }
                    field.append(c)
                }
            } else if c == "\"" && field.isEmpty && !afterQuote {
                quoted = true
            } else if c == "," {
                fields.append(field); field = ""; afterQuote = false
            } else if c == "\n" || c == "\r\n" || c == "\r" {
                fields.append(field); field = ""; afterQuote = false
                rows.append(CSVRow(line: rowLine, fields: fields)); fields = []
                line += 1; rowLine = line
            } else {
                field.append(c)
            }
            i += 1
        }
        if !field.isEmpty || !fields.isEmpty { fields.append(field); rows.append(CSVRow(line: rowLine, fields: fields)) }
        return rows
    }
}

/// A timetable file that does not validate: every problem with its line; nothing was imported.
public enum TimetableError: LessonLensError {
    case invalid(path: String, errors: [String])
    case noSuchTeacher(String)

    public var exitCode: ExitCode { .usage }
    public var message: String {
        switch self {
        case .invalid(let path, let errors):
            let shown = errors.prefix(50).map { "\(path): \($0)" }
            return (shown + (errors.count > 50 ? ["\(path): … \(errors.count - 50) more"] : []) + ["nothing was imported"]).joined(separator: "\n")
        case .noSuchTeacher(let id):
            return "no teacher '\(id)' in the timetable (import it with `lessonlens timetable import`)"
        }
    }
}
