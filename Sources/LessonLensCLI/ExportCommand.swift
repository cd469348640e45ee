import ArgumentParser
import Foundation
import MediaCore
import Pipeline

/// `lessonlens export --format csv`: one row per analysed lesson for statistics tools.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export the results of analysed lessons (one row per lesson).",
        discussion: """
            Columns: job_id, file, path, sha256, pipeline, analysed_at, duration_s, teacher_ratio, student_ratio, \
            multi_ratio, silence_ratio, rt, ch, mode, median_wait_s, questions, turn_exchanges, findings, \
            slide_changes, micro_lessons, language, lesson_title, teacher, subject, school, report_dir. \
            Ratios are 0-1 of the whole duration; an empty field is a missing value.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case csv }

    @Option(name: .long, help: "Output format.") var format: Format = .csv
    @Option(name: .long, help: ArgumentHelp("Only lessons analysed at or after this time (YYYY-MM-DD, local time, or ISO-8601).",
                                            valueName: "DATE"))
    var since: String?
    @Option(name: .long, help: ArgumentHelp("Write to this file instead of standard output.", valueName: "FILE"))
    var out: String?
    @Option(name: .long, help: ArgumentHelp("Catalog database.", valueName: "FILE"))
    var catalog: String = "./lessonlens-out/catalog.sqlite"

    func validate() throws {
        if let since, CatalogExport.parseDate(since) == nil {
            throw ValidationError("--since '\(since)' is not a date: use YYYY-MM-DD or an ISO-8601 time such as 2026-09-01T08:00:00Z")
        }
    }

    func run() async throws {
        try await runReportingErrors {
            let text = SharedCatalog.isPostgres(catalog)
                ? try await SharedCatalog.resultsCSV(catalog, since: since.flatMap(CatalogExport.parseDate))
                : try JobCatalog(readingAt: catalog).resultsCSV(since: since.flatMap(CatalogExport.parseDate))
            if let out {
                do {
                    try Data(text.utf8).write(to: URL(fileURLWithPath: out), options: .atomic)
                } catch {
                    throw PipelineError.cannotWrite(path: out, reason: error.localizedDescription)
                }
            } else {
                FileHandle.standardOutput.write(Data(text.utf8))
            }
        }
    }
}
