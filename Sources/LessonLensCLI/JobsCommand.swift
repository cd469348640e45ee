import ArgumentParser
import Foundation
import MediaCore
import Pipeline

/// `--out` and `--catalog`, shared by `watch` and `jobs`.
struct CatalogOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Output folder (reports, and the catalog unless --catalog).", valueName: "DIR"))
    var out: String = "./lessonlens-out"

    @Option(name: .long, help: ArgumentHelp("Catalog database (default: catalog.sqlite in the output folder).",
                                            valueName: "FILE"))
    var catalog: String?

    /// The catalog file to open.
    var catalogPath: String { catalog ?? (out as NSString).appendingPathComponent("catalog.sqlite") }

    /// Opens the catalog; `create: false` for commands that only read or edit existing jobs.
    func openStore(create: Bool = false) throws -> JobCatalog { try JobCatalog(path: catalogPath, create: create) }

    /// Opens the catalog for reading only (`jobs list`, `jobs show`): works on read-only media.
    func openStoreForReading() throws -> JobCatalog { try JobCatalog(readingAt: catalogPath) }
}

/// Runs a command body; a `LessonLensError` is printed as `error: …` on stderr and becomes its exit
/// code (docs/ARCHITECTURE.md §5) instead of ArgumentParser's generic 1.
func runReportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let e as any LessonLensError {
        FileHandle.standardError.write(Data("error: \(e.message)\n".utf8))
        throw ArgumentParser.ExitCode(e.exitCode.rawValue)
    }
}

/// A job state for `--state` (the catalog's states, `JobCatalog.stateNames`).
struct JobStateArgument: ExpressibleByArgument, Sendable {
    var name: String
    init?(argument: String) {
        guard JobCatalog.stateNames.contains(argument) else { return nil }
        name = argument
    }
    static var allValueStrings: [String] { JobCatalog.stateNames }
    var defaultValueDescription: String { name }
}

/// `lessonlens jobs list|show|retry`.
struct JobsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs",
        abstract: "List, inspect and retry the jobs in the catalog.",
        subcommands: [List.self, Show.self, Retry.self],
        defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List jobs, oldest first.",
            discussion: "--json prints an array of objects with at least id, file, sha256, state, error, reportDir.")

        @OptionGroup var location: CatalogOptions
        @Flag(name: .long, help: "Print JSON instead of a table.") var json = false
        @Option(name: .long, help: "Only jobs in this state (queued, running, done, failed, duplicate).")
        var state: JobStateArgument?
        @Option(name: .long, help: "At most this many jobs.") var limit: Int?

        func validate() throws {
            if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        }

        func run() async throws {
            try await runReportingErrors {
                if let url = location.catalog, SharedCatalog.isPostgres(url) {
                    print(try await SharedCatalog.jobsListing(url, state: state?.name, limit: limit, json: json))
                    return
                }
                print(try location.openStoreForReading().jobsListing(state: state?.name, limit: limit, json: json))
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one job as JSON (with its result when done).")
        @OptionGroup var location: CatalogOptions
        @Argument(help: "Job id (see `lessonlens jobs list`).") var id: Int64

        func run() async throws {
            try await runReportingErrors {
                for text in try location.openStoreForReading().jobDescription(id: id) { print(text) }
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Queue a failed job again (a running `lessonlens watch` picks it up).")
        @OptionGroup var location: CatalogOptions
        @Argument(help: "Job id of a failed job.") var id: Int64

        func run() async throws {
            try await runReportingErrors {
                print(try location.openStore().retry(id: id))
            }
        }
    }
}
