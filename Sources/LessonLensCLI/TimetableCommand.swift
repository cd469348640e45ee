import ArgumentParser
import Foundation
import MediaCore
import Pipeline

/// `lessonlens timetable …`: which lesson is whose (issue 11).
struct TimetableCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "timetable",
        abstract: "Import the timetable and attribute lessons to teachers.",
        subcommands: [Import.self, Attribute.self, Unmatched.self, Assign.self])

    struct CatalogOptions: ParsableArguments {
        @Option(name: .long, help: portalCatalogHelp)
        var catalog: String = "./lessonlens-out/catalog.sqlite"
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a timetable CSV; each term in the file replaces that term (all or nothing).",
            discussion: """
                Header line, then one row per lesson slot. Columns: school, room, weekday (1-7, Mon-Sun, 周一-周日) \
                or date (YYYY-MM-DD), start and end (HH:mm), teacher_id, teacher_name, subject, class, term. \
                Every problem is reported with its line number and nothing is imported (exit 64).
                """)
        @Argument(help: ArgumentHelp("The CSV file.", valueName: "FILE.csv")) var file: String
        @OptionGroup var options: CatalogOptions
        @Option(name: .long, help: ArgumentHelp("Where recordings keep school, room and start time, e.g. '\(Attributor.defaultPattern)' (stored in the catalog).", valueName: "PATTERN"))
        var pathPattern: String?

        func run() async throws {
            try await runReportingErrors {
                try await withPortalCatalog(options.catalog, create: true) { catalog in
                    for line in try await catalog.importTimetable(file, pathPattern: pathPattern) { print(line) }
                    let c = try await catalog.attributeAll()
                    print("lessons: \(c.timetable) matched to the timetable, \(c.plan) from plans, \(c.manual) assigned, \(c.unmatched) unmatched")
                }
            }
        }
    }

    struct Attribute: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Attribute every analysed lesson again (assignments are kept).")
        @OptionGroup var options: CatalogOptions
        @Option(name: .long, help: ArgumentHelp("Path pattern to use and store (default '\(Attributor.defaultPattern)').", valueName: "PATTERN"))
        var pathPattern: String?

        func run() async throws {
            try await runReportingErrors {
                let c = try await withPortalCatalog(options.catalog, create: false) { try await $0.attributeAll(pathPattern: pathPattern) }
                print("lessons: \(c.timetable) matched to the timetable, \(c.plan) from plans, \(c.manual) assigned, \(c.unmatched) unmatched")
            }
        }
    }

    struct Unmatched: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List lessons no timetable slot matched (JOB, RECORDED_AT, SCHOOL, ROOM, FILE).")
        @OptionGroup var options: CatalogOptions

        func run() async throws {
            try await runReportingErrors {
                for line in try await withPortalCatalog(options.catalog, create: false, { try await $0.unmatchedListing() }) { print(line) }
            }
        }
    }

    struct Assign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Assign a lesson (its job id) to a teacher id from the timetable.")
        @Argument(help: ArgumentHelp("The lesson's job id (`timetable unmatched`, `jobs list`).", valueName: "JOB")) var job: Int64
        @Argument(help: ArgumentHelp("The teacher id.", valueName: "TEACHER")) var teacher: String
        @OptionGroup var options: CatalogOptions

        func run() async throws {
            try await runReportingErrors {
                print(try await withPortalCatalog(options.catalog, create: false) { try await $0.assign(jobID: job, teacherID: teacher) })
            }
        }
    }
}

/// `--catalog` of `serve`, `users` and `timetable`.
let portalCatalogHelp = ArgumentHelp("Catalog: a SQLite file or postgres://user@host:port/db (the catalog the workers share).",
                                     valueName: "FILE|URL")

/// Opens the catalog of `serve`, `users` and `timetable` (a SQLite file or a `postgres://` URL), runs
/// `body` with it, and closes it after (a PostgreSQL catalog's connections), also when `body` throws.
func withPortalCatalog<T>(_ location: String, create: Bool, _ body: (PortalCatalogHandle) async throws -> T) async throws -> T {
    let catalog = try await PortalCatalogHandle.open(location, create: create)
    do {
        let result = try await body(catalog)
        await catalog.close()
        return result
    } catch {
        await catalog.close()
        throw error
    }
}
