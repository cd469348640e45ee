import Foundation
import MediaCore
import Reports

/// Re-renders a report folder's HTML (and CSV/VTT) from its `report.json`.
public enum ReportRenderer {
    /// - Returns: the path of the HTML written.
    public static func render(directory: String, language: String?, output: String?) throws -> String {
        let jsonPath = (directory as NSString).appendingPathComponent("report.json")
        guard let data = FileManager.default.contents(atPath: jsonPath) else {
            throw PipelineError.reportMissing(jsonPath: jsonPath, folder: directory)
        }
        let report: Report
        do {
            report = try JSONDecoder().decode(Report.self, from: data)
        } catch {
            throw PipelineError.notAReport(jsonPath: jsonPath, reason: "\(error)")
        }
        guard report.schemaVersion == 1 else {
            throw PipelineError.reportTooNew(jsonPath: jsonPath, schemaVersion: report.schemaVersion)
        }
        let lang = ReportLanguage(rawValue: language ?? report.language.rawValue) ?? .zh
        let target = output ?? (directory as NSString).appendingPathComponent("report.html")
        do {
            try Data(ReportWriter.html(report, language: lang).utf8).write(to: URL(fileURLWithPath: target), options: .atomic)
            if output == nil {
                try Data(ReportWriter.timelineCSV(report).utf8).write(to: URL(fileURLWithPath: directory + "/timeline.csv"), options: .atomic)
                try Data(ReportWriter.chaptersVTT(report).utf8).write(to: URL(fileURLWithPath: directory + "/chapters.vtt"), options: .atomic)
            }
        } catch {
            throw PipelineError.cannotWrite(path: target, reason: (error as NSError).localizedDescription)
        }
        return target
    }
}
