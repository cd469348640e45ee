public import Catalog
public import Foundation
public import MediaCore

/// Which lesson is whose (issue 11): the room and start time from the recording's path (a pattern such as
/// `{school}/{room}/{yyyyMMdd-HHmmss}.*`), else the start from the container's `creation_time`; then the
/// timetable slot of that room overlapping the recording most. A lesson plan that names the teacher wins.
public struct Attributor: Sendable {
    /// The default layout recording servers write: school folder, room folder, start time as the name.
    public static let defaultPattern = "{school}/{room}/{yyyyMMdd-HHmmss}.*"
    /// The catalog setting holding the pattern (`timetable import|attribute --path-pattern`).
    public static let patternSetting = "attribution.pathPattern"
    /// A slot must cover at least this share of the shorter of recording and slot to be matched.
    public static let minOverlapShare = 0.5

    public let pattern: String
    let regex: NSRegularExpression
    let fields: [Field]
    /// The same pattern with its time fields matching any name (`capture-17.mp4`): school and room still come
    /// from the folders when the file name carries no time, and the start then from `creation_time`.
    let untimedRegex: NSRegularExpression
    let untimedFields: [Field]
    public let timeZone: TimeZone
    public let slots: [TimetableSlot]
    let slotsByRoom: [String: [TimetableSlot]]
    let teacherIDsByName: [String: String]

    enum Field { case school, room, time(String) }

    /// What the path and the container say about a recording.
    public struct Placement: Sendable, Equatable {
        public var school: String?
        public var room: String?
        /// Local wall-clock start.
        public var start: DateComponents?
    }

    public init(pattern: String = Attributor.defaultPattern, slots: [TimetableSlot], teachers: [(id: String, name: String)] = [],
                timeZone: TimeZone = .current) throws {
        self.pattern = pattern
        self.timeZone = timeZone
        self.slots = slots
        slotsByRoom = Dictionary(grouping: slots, by: \.room)
        var names: [String: String] = [:]
        for t in teachers { names[t.name] = t.id }
        for s in slots { names[s.teacherName] = s.teacherID }
        teacherIDsByName = names
        var re = "(?:^|/)", untimed = "(?:^|/)"
        var fields: [Field] = [], untimedFields: [Field] = []
        var rest = Substring(pattern)
        while let c = rest.first {
            if c == "{", let close = rest.firstIndex(of: "}") {
                let name = String(rest[rest.index(after: rest.startIndex)..<close])
                rest = rest[rest.index(after: close)...]
                switch name {
                case "school": re += "([^/]+?)"; fields.append(.school); untimed += "([^/]+?)"; untimedFields.append(.school)
                case "room": re += "([^/]+?)"; fields.append(.room); untimed += "([^/]+?)"; untimedFields.append(.room)
                case "*": re += "[^/]*"; untimed += "[^/]*"
                default:
                    guard !name.isEmpty, name.allSatisfy({ "yMdHms-_ T:.".contains($0) }) else {
                        throw SimpleError(.usage, "path pattern '\(pattern)': unknown field {\(name)} (use {school}, {room}, {yyyyMMdd-HHmmss}-style times, *)")
                    }
                    var part = ""
                    for ch in name { part += "yMdHms".contains(ch) ? "[0-9]" : NSRegularExpression.escapedPattern(for: String(ch)) }
                    re += "(\(part))"; fields.append(.time(name)); untimed += "[^/]*?"
                }
            } else {
                rest = rest.dropFirst()
                let piece = c == "*" ? "[^/]*" : NSRegularExpression.escapedPattern(for: String(c))
                re += piece; untimed += piece
            }
        }
        re += "$"; untimed += "$"
        do { regex = try NSRegularExpression(pattern: re) } catch {
            throw SimpleError(.usage, "path pattern '\(pattern)' is not usable: \(error)")
        }
        self.fields = fields
        do { untimedRegex = try NSRegularExpression(pattern: untimed) } catch {
            throw SimpleError(.usage, "path pattern '\(pattern)' is not usable: \(error)")
        }
        self.untimedFields = untimedFields
    }

    /// School, room and start from `path` (and `creationTime` when the path has no time).
    public func placement(path: String, creationTime: String?) -> Placement {
        var p = Placement()
        let ns = path as NSString
        let range = NSRange(location: 0, length: ns.length)
        let matched = regex.firstMatch(in: path, range: range).map { ($0, fields) }
            ?? untimedRegex.firstMatch(in: path, range: range).map { ($0, untimedFields) }
        if let (m, fields) = matched {
            for (i, f) in fields.enumerated() {
                let r = m.range(at: i + 1)
                guard r.location != NSNotFound else { continue }
                let v = ns.substring(with: r)
                switch f {
                case .school: p.school = v
                case .room: p.room = v
                case .time(let format): p.start = Self.components(v, format: format)
                }
            }
        }
        if p.start == nil, let creationTime, let date = Self.parseISO(creationTime) {
            var cal = Calendar(identifier: .gregorian)
            cal.timeZone = timeZone
            p.start = cal.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        }
        return p
    }

    static func components(_ v: String, format: String) -> DateComponents? {
        var c = DateComponents()
        let vs = Array(v), fs = Array(format)
        guard vs.count == fs.count else { return nil }
        var acc: [Character: String] = [:]
        for (f, ch) in zip(fs, vs) where "yMdHms".contains(f) { acc[f, default: ""].append(ch) }
        c.year = acc["y"].flatMap { Int($0) }
        c.month = acc["M"].flatMap { Int($0) }
        c.day = acc["d"].flatMap { Int($0) }
        c.hour = acc["H"].flatMap { Int($0) } ?? 0
        c.minute = acc["m"].flatMap { Int($0) } ?? 0
        c.second = acc["s"].flatMap { Int($0) } ?? 0
        guard let y = c.year, let mo = c.month, let d = c.day, y > 1900, (1...12).contains(mo), (1...31).contains(d),
              (0...23).contains(c.hour!), (0...59).contains(c.minute!), (0...60).contains(c.second!) else { return nil }
        return c
    }

    static func parseISO(_ s: String) -> Date? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: s) { return d }
        f.formatOptions = [.withInternetDateTime]
        return f.date(from: s)
    }

    /// The slot of `placement`'s room overlapping `[start, start + durationSeconds)` most, if it covers at
    /// least `minOverlapShare` of the shorter of the two.
    public func match(_ placement: Placement, durationSeconds: Double) -> TimetableSlot? {
        guard let room = placement.room, let start = placement.start, let y = start.year, let mo = start.month, let d = start.day,
              let candidates = slotsByRoom[room] else { return nil }
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        guard let day = cal.date(from: DateComponents(year: y, month: mo, day: d)) else { return nil }
        let weekday = (cal.component(.weekday, from: day) + 5) % 7 + 1   // Monday = 1
        let dateText = String(format: "%04d-%02d-%02d", y, mo, d)
        let s = Double((start.hour ?? 0) * 60 + (start.minute ?? 0)) + Double(start.second ?? 0) / 60
        let e = s + max(durationSeconds, 0) / 60
        var best: (TimetableSlot, Double)?
        for slot in candidates {
            if let school = placement.school, school != slot.school { continue }
            if let date = slot.date { if date != dateText { continue } } else if slot.weekday != weekday { continue }
            let overlap = min(e, Double(slot.endMinute)) - max(s, Double(slot.startMinute))
            let needed = Self.minOverlapShare * min(e - s, Double(slot.endMinute - slot.startMinute))
            guard overlap > 0, overlap >= needed else { continue }
            // A dated slot (a swap, an exam) beats the weekly one it replaces.
            let score = overlap + (slot.date != nil ? 0.001 : 0)
            if best == nil || score > best!.1 { best = (slot, score) }
        }
        return best?.0
    }

    /// The attribution of a recording at `path` whose report is `report`.
    public func attribute(path: String, report: Report) -> Attribution {
        let p = placement(path: path, creationTime: report.recording.creationTime)
        let recordedAt = p.start.map { c in
            String(format: "%04d-%02d-%02d %02d:%02d:%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
        }
        let slot = match(p, durationSeconds: report.recording.durationSeconds)
        if let lesson = report.lesson, let teacher = lesson.teacher, !teacher.isEmpty {
            let id = teacherIDsByName[teacher] ?? (slots.contains { $0.teacherID == teacher } ? teacher : slot?.teacherID)
            return Attribution(school: lesson.school ?? p.school ?? slot?.school, room: p.room, teacherID: id,
                               subject: lesson.subject ?? slot?.subject, className: slot?.className, recordedAt: recordedAt,
                               slotID: slot?.id, source: .plan)
        }
        guard let slot else {
            return Attribution(school: p.school, room: p.room, recordedAt: recordedAt, source: .unmatched)
        }
        return Attribution(school: slot.school, room: slot.room, teacherID: slot.teacherID, subject: slot.subject,
                           className: slot.className, recordedAt: recordedAt, slotID: slot.id, source: .timetable)
    }
}

extension Attributor {
    /// The attributor of `catalog` (either backend): its timetable and its stored path pattern.
    static func of(_ catalog: any PortalCatalog) async throws -> Attributor {
        let pattern = try await catalog.setting(patternSetting) ?? defaultPattern
        return try Attributor(pattern: pattern, slots: try await catalog.timetableSlots(),
                              teachers: try await catalog.teachers().map { ($0.id, $0.name) })
    }

    /// `of(_:)` on the SQLite store, synchronously: the analysis's commit runs inside the synchronous
    /// `AnalyzePipeline.run` (on the analysis's own threads, never the cooperative pool).
    static func of(store: CatalogStore) throws -> Attributor {
        let pattern = try store.setting(patternSetting) ?? defaultPattern
        return try Attributor(pattern: pattern, slots: try store.timetableSlots(),
                              teachers: try store.teachers().map { ($0.id, $0.name) })
    }

    /// Attributes job `jobID` right after its result was recorded; never fails the analysis (a catalog
    /// without a timetable leaves the lesson unmatched, listed for an administrator).
    static func attributeQuietly(_ catalog: any PortalCatalog, jobID: Int64, path: String, report: Report) async {
        guard let attributor = try? await of(catalog) else { return }
        // A manual assignment stays: an administrator decided it.
        if let existing = try? await catalog.attribution(jobID: jobID), existing.source == .manual { return }
        try? await catalog.setAttribution(jobID: jobID, attributor.attribute(path: path, report: report))
    }

    /// The queue workers' attribution (issue 12): after the result is committed and the report published,
    /// from the published `report.json` (a report that does not decode, e.g. `--stub-sleep`'s, is left alone).
    static func attributeQuietly(_ catalog: any PortalCatalog, jobID: Int64, path: String, reportDir: String) async {
        let json = (reportDir as NSString).appendingPathComponent("report.json")
        guard let data = FileManager.default.contents(atPath: json),
              let report = try? JSONDecoder().decode(Report.self, from: data) else { return }
        await attributeQuietly(catalog, jobID: jobID, path: path, report: report)
    }

    /// `attributeQuietly(_:…)` on the SQLite store, synchronously (inside the analysis's commit of
    /// `analyze` and `watch`, right after the store recorded the result).
    static func attributeQuietly(store: CatalogStore, jobID: Int64, path: String, report: Report) {
        guard let attributor = try? of(store: store) else { return }
        if let existing = try? store.attribution(jobID: jobID), existing.source == .manual { return }
        try? store.setAttribution(jobID: jobID, attributor.attribute(path: path, report: report))
    }
}

extension PortalCatalogHandle {
    /// `timetable import`: validates and imports a CSV file (all or nothing).
    public func importTimetable(_ path: String, pathPattern: String? = nil) async throws -> [String] {
        if let pathPattern { try await setPathPattern(pathPattern) }
        return try await Timetable.importFile(path, into: portal)
    }

    /// Stores the path pattern analyze, watch and `timetable attribute` use (validated first).
    public func setPathPattern(_ pattern: String) async throws {
        _ = try Attributor(pattern: pattern, slots: [])
        try await portal.setSetting(Attributor.patternSetting, pattern)
    }

    /// `timetable attribute`: attributes every done lesson again from its report.json (manual
    /// assignments are kept). Returns (matched, unmatched, plan, manual) counts.
    public func attributeAll(pathPattern: String? = nil) async throws -> (timetable: Int, unmatched: Int, plan: Int, manual: Int) {
        if let pathPattern { try await setPathPattern(pathPattern) }
        let attributor = try await Attributor.of(portal)
        var counts = (timetable: 0, unmatched: 0, plan: 0, manual: 0)
        try await portal.forEachDoneJob { job in
            if let existing = try await portal.attribution(jobID: job.id), existing.source == .manual { counts.manual += 1; return }
            let json = (job.reportDir as NSString).appendingPathComponent("report.json")
            guard let data = FileManager.default.contents(atPath: json),
                  let report = try? JSONDecoder().decode(Report.self, from: data) else {
                try await portal.setAttribution(jobID: job.id, Attribution(source: .unmatched))
                counts.unmatched += 1
                return
            }
            let a = attributor.attribute(path: job.path, report: report)
            try await portal.setAttribution(jobID: job.id, a)
            switch a.source {
            case .timetable: counts.timetable += 1
            case .unmatched: counts.unmatched += 1
            case .plan: counts.plan += 1
            case .manual: counts.manual += 1
            }
        }
        return counts
    }

    /// `timetable unmatched`: the lessons no slot matched, one tab-separated line each.
    public func unmatchedListing() async throws -> [String] {
        try await portal.allUnmatchedLessons().map { u in
            "\(u.jobID)\t\(u.recordedAt ?? "-")\t\(u.school ?? "-")\t\(u.room ?? "-")\t\(String(reflecting: u.path))"
        }
    }

    /// `timetable assign JOB TEACHER`: an administrator's decision (kept by later re-attribution).
    public func assign(jobID: Int64, teacherID: String) async throws -> String {
        guard let teacher = try await portal.teachers().first(where: { $0.id == teacherID }) else { throw TimetableError.noSuchTeacher(teacherID) }
        let old = try await portal.attribution(jobID: jobID)
        let subject = try await portal.timetableSlots().first { $0.teacherID == teacherID }?.subject
        try await portal.setAttribution(jobID: jobID, Attribution(school: old?.school ?? teacher.school, room: old?.room, teacherID: teacherID,
                                                                  subject: old?.subject ?? subject, className: old?.className,
                                                                  recordedAt: old?.recordedAt, source: .manual))
        return "lesson \(jobID) assigned to \(teacher.name) (\(teacherID))"
    }

    /// Number of timetable slots in the catalog (all terms).
    public func timetableSlotCount() async throws -> Int { try await portal.timetableSlots().count }
}

extension JobCatalog {
    /// This SQLite catalog as the timetable and attribution commands use either backend.
    var portalCatalog: PortalCatalogHandle { PortalCatalogHandle(store) }

    /// `timetable import`: validates and imports a CSV file (all or nothing).
    public func importTimetable(_ path: String, pathPattern: String? = nil) async throws -> [String] {
        try await portalCatalog.importTimetable(path, pathPattern: pathPattern)
    }

    /// Stores the path pattern analyze, watch and `timetable attribute` use (validated first).
    public func setPathPattern(_ pattern: String) async throws { try await portalCatalog.setPathPattern(pattern) }

    /// `timetable attribute` (see `PortalCatalogHandle.attributeAll`).
    public func attributeAll(pathPattern: String? = nil) async throws -> (timetable: Int, unmatched: Int, plan: Int, manual: Int) {
        try await portalCatalog.attributeAll(pathPattern: pathPattern)
    }

    /// `timetable unmatched`: the lessons no slot matched, one tab-separated line each.
    public func unmatchedListing() async throws -> [String] { try await portalCatalog.unmatchedListing() }

    /// `timetable assign JOB TEACHER`: an administrator's decision (kept by later re-attribution).
    public func assign(jobID: Int64, teacherID: String) async throws -> String {
        try await portalCatalog.assign(jobID: jobID, teacherID: teacherID)
    }

    /// Number of timetable slots in the catalog (all terms).
    public func timetableSlotCount() async throws -> Int { try await portalCatalog.timetableSlotCount() }
}
