import Catalog
import Foundation
import MediaCore
import Pipeline
import Testing
import TestSupport

/// Issue 11: timetable import and attribution, measured on a generated term.
@Suite struct TimetableAttributionTests {
    static let header = "school,room,weekday,date,start,end,teacher_id,teacher_name,subject,class,term"

    /// A generated term: 2 schools × 6 rooms × 5 weekdays × 8 periods of 45 min (10 min breaks from 08:00),
    /// about 80 % of them taught; plus a few dated slots (swaps).
    static func generatedTimetable(_ rng: inout SeededRNG) -> (csv: String, occupied: [String: Int]) {
        var lines = [header]
        var occupied: [String: Int] = [:]   // "school|room|weekday|period" -> line
        let subjects = ["数学", "语文", "English", "Physics", "生物"]
        for school in ["一中", "Second School"] {
            for room in 1...6 {
                for weekday in 1...5 {
                    for period in 0..<8 where rng.uniform(0, 1) < 0.8 {
                        let start = 8 * 60 + period * 55, end = start + 45
                        let teacher = rng.int(30)
                        lines.append("\(school),R\(room),\(weekday),,\(clock(start)),\(clock(end)),T\(school.count)-\(teacher),"
                                     + "\"Teacher, \(school) \(teacher)\",\(subjects[teacher % 5]),Class \(room),2026-autumn")
                        occupied["\(school)|R\(room)|\(weekday)|\(period)"] = lines.count
                    }
                }
            }
        }
        return (lines.joined(separator: "\n") + "\n", occupied)
    }

    static func clock(_ m: Int) -> String { String(format: "%02d:%02d", m / 60, m % 60) }

    @Test func generatedTermAttributesAtLeast99PercentToTheRightSlot() throws {
        var rng = SeededRNG(seed: 11)
        let (csv, occupied) = Self.generatedTimetable(&rng)
        let (slots, errors) = Timetable.parse(csv)
        #expect(errors.isEmpty)
        // Ids as the catalog gives them: the CSV line stands in for the row id.
        let stored = slots.map { s -> TimetableSlot in var s = s; s.id = Int64(s.line); return s }
        let zone = TimeZone(identifier: "Asia/Shanghai")!
        let attributor = try Attributor(slots: stored, timeZone: zone)
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = zone
        let termStart = cal.date(from: DateComponents(year: 2026, month: 9, day: 7))!   // a Monday
        var right = 0, wrong = 0, unmatchedTaught = 0, taught = 0, free = 0, freeUnmatched = 0
        let iso = ISO8601DateFormatter()
        for n in 0..<500 {
            let school = n % 2 == 0 ? "一中" : "Second School"
            let room = "R\(1 + rng.int(6))", weekday = 1 + rng.int(5), week = rng.int(18)
            let key = { (p: Int) in "\(school)|\(room)|\(weekday)|\(p)" }
            // 95 % of recordings are of taught periods, the rest of free ones (a meeting, a recorder left on).
            let wantTaught = rng.uniform(0, 1) < 0.95
            let periods = (0..<8).filter { (occupied[key($0)] != nil) == wantTaught }
            guard let period = periods.isEmpty ? nil : periods[rng.int(periods.count)] else { continue }
            // Recorders start a little early or late (±4 min), sometimes much later (up to 15 min), and run
            // 35-50 minutes.
            var jitter = rng.uniform(-4, 4)
            if rng.uniform(0, 1) < 0.1 { jitter = rng.uniform(4, 15) }
            let startMinutes = Double(8 * 60 + period * 55) + jitter
            let duration = rng.uniform(35, 50) * 60
            let day = cal.date(byAdding: .day, value: week * 7 + weekday - 1, to: termStart)!
            let start = day.addingTimeInterval(startMinutes * 60)
            let placement: Attributor.Placement
            if n % 5 == 0 {
                // No time in the name: the container's creation_time (UTC) says when.
                placement = attributor.placement(path: "/srv/in/\(school)/\(room)/capture-\(n).mp4", creationTime: iso.string(from: start))
            } else {
                let f = DateFormatter()
                f.timeZone = zone
                f.dateFormat = "yyyyMMdd-HHmmss"
                placement = attributor.placement(path: "/srv/in/\(school)/\(room)/\(f.string(from: start)).mp4", creationTime: nil)
            }
            #expect(placement.room == room && placement.school == school)
            let slot = attributor.match(placement, durationSeconds: duration)
            if wantTaught {
                taught += 1
                if let slot { if slot.id == Int64(occupied[key(period)]!) { right += 1 } else { wrong += 1 } } else { unmatchedTaught += 1 }
            } else {
                free += 1
                if slot == nil { freeUnmatched += 1 } else { wrong += 1 }
            }
        }
        let share = Double(right) / Double(taught)
        print("attribution on a generated term: \(right)/\(taught) taught recordings matched to the right slot (\(String(format: "%.1f", share * 100)) %), "
              + "\(unmatchedTaught) unmatched, \(wrong) wrong; \(freeUnmatched)/\(free) recordings of free periods unmatched")
        #expect(taught + free >= 480)
        #expect(share >= 0.99)
        #expect(wrong == 0)
        #expect(freeUnmatched == free)
    }

    @Test func validationErrorsCarryLineNumbersAndImportNothing() async throws {
        let dir = try TempFolder("timetable")
        defer { dir.remove() }
        let catalog = try JobCatalog(path: dir.path("catalog.sqlite"))
        let good = dir.path("good.csv"), bad = dir.path("bad.csv")
        try (Self.header + "\nS,R1,1,,08:00,08:45,T1,Ann,Math,7A,t1\nS,R1,2,,08:00,08:45,T2,Bob,Art,7B,t1\n").write(toFile: good, atomically: true, encoding: .utf8)
        _ = try await catalog.importTimetable(good)
        try (Self.header + "\nS,R1,1,,08:00,08:45,T1,Ann,Math,7A,t1\nS,R1,9,,08:00,07:45,T2,Bob,Art,7B,t1\nS,,1,,8h,08:45,T3,Cy,Art,7B,t1\n")
            .write(toFile: bad, atomically: true, encoding: .utf8)
        await #expect {
            _ = try await catalog.importTimetable(bad)
        } throws: { error in
            let m = (error as? TimetableError)?.message ?? ""
            return m.contains("line 3: weekday '9'") && m.contains("end 07:45 is not after start 08:00")
                && m.contains("line 4: room is empty") && m.contains("start '8h' is not HH:mm") && !m.contains("line 2")
                && m.hasSuffix("nothing was imported")
        }
        // The earlier import stands; a re-import of the term replaces it whole.
        let check = try JobCatalog(path: dir.path("catalog.sqlite"))
        #expect(try await check.timetableSlotCount() == 2)
        try (Self.header + "\nS,R2,3,,10:00,10:45,T9,Zed,Music,8C,t1\n").write(toFile: good, atomically: true, encoding: .utf8)
        #expect(try await catalog.importTimetable(good) == ["term t1: 1 slots imported"])
        #expect(try await check.timetableSlotCount() == 1)
    }

    /// The portal's page imports text; a school administrator's import holds only her school's rows.
    @Test func importTextLimitedToOneSchool() async throws {
        let dir = try TempFolder("timetable-school")
        defer { dir.remove() }
        let catalog = try JobCatalog(path: dir.path("catalog.sqlite"))
        let mixed = Self.header + "\nS1,R1,1,,08:00,08:45,T1,Ann,Math,7A,t1\nS2,R1,1,,08:00,08:45,T2,Bob,Art,7B,t1\n"
        await #expect {
            _ = try await Timetable.importText(mixed, into: catalog, onlySchool: "S1")
        } throws: { error in
            ((error as? TimetableError)?.message ?? "").contains("rows of other schools (S2)")
        }
        #expect(try await catalog.timetableSlotCount() == 0, "nothing imported")
        #expect(try await Timetable.importText(mixed, into: catalog) == ["term t1: 2 slots imported"])
        let own = Self.header + "\nS1,R2,2,,09:00,09:45,T1,Ann,Math,7A,t2\n"
        #expect(try await Timetable.importText(own, into: catalog, onlySchool: "S1") == ["term t2: 1 slots imported"])
    }

    @Test func quotedCellsAndWeekdayNamesAndDatedSlots() throws {
        let csv = Self.header + "\r\n\"一中, 东校区\",\"Room \"\"A\"\"\",周三,,08:00,08:45,T1,\"王, 老师\",数学,七(1),t\r\nS,R,,2026-09-09,08:00,08:45,T2,B,Art,7B,t\r\n"
        let (slots, errors) = Timetable.parse(csv)
        #expect(errors.isEmpty)
        #expect(slots.count == 2)
        #expect(slots[0].school == "一中, 东校区" && slots[0].room == "Room \"A\"" && slots[0].weekday == 3 && slots[0].teacherName == "王, 老师")
        #expect(slots[1].date == "2026-09-09" && slots[1].line == 3)
    }
}
