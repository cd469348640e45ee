import ArgumentParser
import Foundation
import MediaCore
import Pipeline

/// `lessonlens report DIR --lang en`: re-render report.html from report.json, without re-analysis.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Re-render report.html (and timeline.csv, chapters.vtt) from a report folder's report.json.",
        discussion: "Use it to switch a report's language or to pick up a newer report layout; nothing is decoded.")

    @Argument(help: ArgumentHelp("A report folder (containing report.json).", valueName: "REPORT_DIR"))
    var directory: String

    @Option(name: .long, help: "Language: zh or en (default: the report's own).")
    var lang: String?

    @Option(name: .long, help: ArgumentHelp("Write the HTML here instead of REPORT_DIR/report.html.", valueName: "FILE"))
    var output: String?

    func validate() throws {
        if let l = lang, !["zh", "en"].contains(l) { throw ValidationError("--lang must be zh or en, not '\(l)'") }
    }

    func run() async throws {
        let path = try ReportRenderer.render(directory: directory, language: lang, output: output)
        print(path)
    }
}
