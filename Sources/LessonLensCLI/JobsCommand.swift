import ArgumentParser
import Catalog
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
    func openStore(create: Bool = false) throws -> CatalogStore { try CatalogStore(path: catalogPath, create: create) }

    /// Opens the catalog for reading only (`jobs list`, `jobs show`): works on read-only media.
    func openStoreForReading() throws -> CatalogStore { try CatalogStore(path: catalogPath, readOnly: true) }
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

extension JobState: ExpressibleByArgument {}

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
        var state: JobState?
        @Option(name: .long, help: "At most this many jobs.") var limit: Int?

        func validate() throws {
            if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        }

        func run() async throws {
            try await runReportingErrors {
                let jobs = try location.openStoreForReading().jobs(state: state, limit: limit)
                if json {
                    print(try CatalogExport.jobsJSON(jobs))
                    return
                }
                print("ID\tSTATE\tTRIES\tFILE\tERROR")
                for j in jobs {
                    // Quoted and escaped: a file name may hold tabs or newlines.
                    print("\(j.id)\t\(j.state.rawValue)\t\(j.attempts)\t\(String(reflecting: j.path))\t\(j.error.map { String(reflecting: $0) } ?? "")")
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one job as JSON (with its result when done).")
        @OptionGroup var location: CatalogOptions
        @Argument(help: "Job id (see `lessonlens jobs list`).") var id: Int64

        func run() async throws {
            try await runReportingErrors {
                let store = try location.openStoreForReading()
                let job = try store.job(id: id)
                print(try CatalogExport.jobJSON(job))
                if job.state == .done, let result = try store.results().first(where: { $0.jobID == job.id }) {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                    print(String(decoding: try encoder.encode(result.summary), as: UTF8.self))
                }
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
                let job = try location.openStore().retry(id: id)
                print("job \(job.id) queued again: \(String(reflecting: job.path))")
            }
        }
    }
}
