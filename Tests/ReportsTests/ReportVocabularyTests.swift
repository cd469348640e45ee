import Foundation
import Testing
import MediaCore
@testable import Reports

/// The typed report vocabulary (`STRule`, `STMode`, `ReportLanguage`, `FindingCode`, `MethodNote.Code`)
/// keeps report.json's spellings, and a spelling this version does not know reads back as `.other`.
@Suite("Report vocabulary in report.json")
struct ReportVocabularyTests {
    func json(_ r: Report) throws -> String { String(decoding: try ReportWriter.json(r), as: UTF8.self) }

    func sample() -> Report {
        var r = SampleReport.make()
        r.setNotes(NoteFixtures.notes)
        return r
    }

    @Test func spellingsAreThoseOfTheContract() throws {
        let r = sample()
        let text = try json(r)
        #expect(text.contains("\"language\" : \"zh\""))
        #expect(text.contains("\"rule\" : \"window-majority\""))
        #expect(text.contains("\"mode\" : \"\(r.st!.mode.rawValue)\""))
        #expect(text.contains("\"code\" : \"short-wait-time\""))
        #expect(text.contains("\"code\" : \"custom-pipeline-note\""))
        #expect(text.contains("\"code\" : \"st-coding\""))
        // Values are bare JSON numbers and strings.
        #expect(text.contains("\"intervalSeconds\" : 30,") || text.contains("\"intervalSeconds\" : 30\n"))
        #expect(text.contains("\"rule\" : \"window-majority\"\n"))
        let raw = try #require(try JSONSerialization.jsonObject(with: try ReportWriter.json(r)) as? [String: Any])
        #expect(raw["notes"] as? [String] == NoteFixtures.pairs.map(\.english))
        #expect((raw["methodNotes"] as? [[String: Any]])?.count == NoteFixtures.pairs.count)
        // Every case spells as its raw value.
        for m in STMode.allCases { #expect(OpenEnum(rawValue: m.rawValue) == .known(m)) }
        #expect(STRule.allCases.map(\.rawValue) == ["window-majority", "instant"])
        #expect(ReportLanguage.allCases.map(\.rawValue) == ["zh", "en"])
        #expect(FindingCode.allCases.count == 11)
    }

    @Test func roundTripIsByteForByte() throws {
        let r = sample()
        let data = try ReportWriter.json(r)
        let back = try JSONDecoder().decode(Report.self, from: data)
        #expect(back == r)
        #expect(try ReportWriter.json(back) == data)
    }

    /// A report.json from another version: every vocabulary field has a spelling this one does not know.
    @Test func unknownSpellingsReadBackAsOther() throws {
        var text = try json(sample())
        let st = sample().st!
        for (from, to) in [("\"language\" : \"zh\"", "\"language\" : \"fr\""),
                           ("\"rule\" : \"window-majority\",\n", "\"rule\" : \"every-10-s\",\n"),
                           ("\"mode\" : \"\(st.mode.rawValue)\"", "\"mode\" : \"seminar\""),
                           ("\"code\" : \"short-wait-time\"", "\"code\" : \"added-later\""),
                           ("\"code\" : \"st-coding\"", "\"code\" : \"new-note\"")] {
            #expect(text.contains(from), "\(from)")
            text = text.replacingOccurrences(of: from, with: to)
        }
        let r = try JSONDecoder().decode(Report.self, from: Data(text.utf8))
        #expect(r.language == .other("fr") && r.language.known == nil)
        #expect(r.st?.rule == .other("every-10-s"))
        #expect(r.st?.mode == .other("seminar"))
        #expect(r.findings.contains { $0.code == .other("added-later") })
        #expect(r.methodNotes?.contains { $0.code == .other("new-note") } == true)
        // Written back unchanged.
        #expect(try json(r) == text)
        // Rendered: the unknown spellings as given, the unknown note by its English sentence.
        for lang in ReportLanguage.allCases {
            let html = ReportWriter.html(r, language: lang)
            #expect(html.contains("seminar") && html.contains("every-10-s") && html.contains("added-later"))
            #expect(html.contains(escapeHTML(NoteFixtures.pairs[7].english)))
        }
        #expect(ReportWriter.summaryCSVRow(r).contains(",every-10-s,") && ReportWriter.summaryCSVRow(r).contains(",seminar,"))
    }

    /// A report.json written before `methodNotes` existed reads back without it and is written back without it.
    @Test func reportWithoutMethodNotes() throws {
        var r = SampleReport.make()
        r.methodNotes = nil
        let text = try json(r)
        #expect(!text.contains("methodNotes"))
        let back = try JSONDecoder().decode(Report.self, from: Data(text.utf8))
        #expect(back.methodNotes == nil && back.notes == r.notes)
        #expect(try json(back) == text)
    }

    @Test func openEnumComparesBySpelling() {
        #expect(OpenEnum<STMode>.other("lecture") == .known(.lecture))
        #expect(Set<OpenEnum<STMode>>([.other("lecture"), .known(.lecture)]).count == 1)
        #expect(OpenEnum<STMode>(rawValue: "lecture").known == .lecture)
        #expect(OpenEnum<STMode>(rawValue: "Lecture") == .other("Lecture"))
        #expect(OpenEnum<FindingCode>(rawValue: "").rawValue == "")
    }

    /// Values of a kind this version does not know are left out; the note itself reads back.
    @Test func noteValuesOfAnotherKindAreLeftOut() throws {
        let json = #"{"code": "timeline-merge", "values": {"a": null, "b": true, "c": [1], "d": {"e": 1}, "mergeGapSeconds": 2}}"#
        let note = try JSONDecoder().decode(MethodNote.self, from: Data(json.utf8))
        #expect(note == MethodNote(.timelineMerge, ["mergeGapSeconds": .number(2)]))
        #expect(NoteText.text(note, .zh) == "时间轴：同一类别的两段之间短于 2.0 秒的停顿，归入该类别。")
        let bare = try JSONDecoder().decode(MethodNote.self, from: Data(#"{"code": "wait-time"}"#.utf8))
        #expect(bare == MethodNote(.waitTime) && NoteText.text(bare, .en) != nil)
        let odd = try JSONDecoder().decode(MethodNote.self, from: Data(#"{"code": "timeline-merge", "values": [1, 2]}"#.utf8))
        #expect(odd.values.isEmpty && odd.english == nil)
    }

    @Test func noteValuesKeepTheirKind() throws {
        let note = MethodNote(.readWarning, ["warning": .text("12"), "n": .number(12)])
        let data = try JSONEncoder().encode(note)
        let back = try JSONDecoder().decode(MethodNote.self, from: data)
        #expect(back == note)
        #expect(String(decoding: data, as: UTF8.self).contains("\"12\""))
    }
}
