import Catalog
import Foundation
import Testing
@testable import Pipeline

@Suite struct CatalogExportTests {
    func row(path: String, title: String?) -> ResultRow {
        var s = fakeSummary("/out/r")
        s.lessonTitle = title
        s.rt = nil
        return ResultRow(jobID: 7, path: path, sha256: String(repeating: "a", count: 64), pipeline: "quick",
                         createdAt: Date(timeIntervalSince1970: 1_800_000_000), summary: s)
    }

    @Test func csvQuotesAndNeutralisesFormulas() {
        let csv = CatalogExport.csv([row(path: "/in/a,\"b\"\nc.mp4", title: "=HYPERLINK(\"x\")")])
        let lines = csv.components(separatedBy: "\r\n")
        #expect(lines[0] == CatalogExport.csvHeader.joined(separator: ","))
        #expect(csv.hasSuffix("\r\n"))
        // The file name with comma, quote and newline stays one quoted field.
        #expect(csv.contains("\"a,\"\"b\"\"\nc.mp4\""))
        #expect(csv.contains("\"'=HYPERLINK(\"\"x\"\")\""))
        // rt missing → empty field; ratios without exponent.
        #expect(csv.contains(",0.5,0.2,0,0.3,,0.2,mixed,2,1,1,0,0,1,zh,"))
        #expect(csv.contains("2027-01-15T08:00:00Z"))
    }

    @Test func jobsJSONHasContractFields() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try CatalogStore(path: dir.appendingPathComponent("c.sqlite").path)
        _ = try store.enqueue(path: "/in/第一课.mp4", sha256: String(repeating: "b", count: 64), size: 1, mtime: Date(),
                              pipeline: "standard", parameters: [:])
        let json = try CatalogExport.jobsJSON(store.jobs())
        let array = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        #expect(array.count == 1)
        for key in ["id", "file", "sha256", "state", "error", "reportDir"] { #expect(array[0].keys.contains(key), "\(key)") }
        #expect(array[0]["file"] as? String == "/in/第一课.mp4" && array[0]["state"] as? String == "queued")
        #expect(array[0]["error"] is NSNull)
    }

    @Test func sinceDates() {
        #expect(CatalogExport.parseDate("2026-09-01T08:00:00Z") == Date(timeIntervalSince1970: 1_788_249_600))
        #expect(CatalogExport.parseDate("2026-09-01") != nil)
        #expect(CatalogExport.parseDate("yesterday") == nil)
    }
}
