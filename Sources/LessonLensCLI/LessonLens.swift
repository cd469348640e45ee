import ArgumentParser
import Foundation
import MediaCore
import Pipeline

/// The `lessonlens` command. Subcommands live one per file; this root only parses and maps errors to exit
/// codes (docs/ARCHITECTURE.md §5).
struct LessonLens: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lessonlens",
        abstract: "Turn classroom recordings into evidence teachers can use.",
        discussion: """
            Exit codes: 0 ok, 1 failure, 3 analysed but the recording is truncated (its report has a
            truncated-recording finding), 64 usage, 65 bad or corrupt media, 66 input missing or unreadable,
            69 a required model file is missing or damaged (install it with `make models`),
            70 internal error, 73 cannot create output, 74 I/O error.
            """,
        version: LessonLensVersion.string,
        subcommands: LessonLens.allSubcommands
    )
}

@main
enum Main {
    static func main() async {
        do {
            var command = try LessonLens.parseAsRoot()
            if var async = command as? AsyncParsableCommand {
                try await async.run()
            } else {
                try command.run()
            }
        } catch let error as LessonLensError {
            FileHandle.standardError.write(Data(("error: " + error.message + "\n").utf8))
            exit(error.exitCode.rawValue)
        } catch {
            LessonLens.exit(withError: error)
        }
    }
}

struct GlobalOptions: ParsableArguments {
    @Flag(name: .long, help: "Log FFmpeg warnings and pipeline details to stderr.")
    var verbose = false
}
