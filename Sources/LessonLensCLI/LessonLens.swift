import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif
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
            70 internal error, 73 cannot create output, 74 I/O error, 78 configuration (`serve` without accounts).
            """,
        version: LessonLensVersion.string,
        subcommands: LessonLens.allSubcommands
    )
}

@main
enum Main {
    /// glibc raises its mmap threshold each time a large block is freed (up to 32 MiB), so once the first
    /// demuxer is closed, the next recording index (libavformat's MP4 sample table: ~25 MiB for 3 hours)
    /// comes from the heap and stays there, fragmented, after it is freed too. The clip writer opens the
    /// recording once per clip, so a 3-hour MP4 went from 102 MiB while decoding to 131 MiB while cutting
    /// (issue 10). A fixed threshold (glibc's starting value, 128 KiB) keeps large blocks mmapped and
    /// returned on free: 105 MiB (`MALLOC_MMAP_THRESHOLD_=131072` gave the same before this code).
    static func fixMallocMmapThreshold() {
        #if canImport(Glibc)
        // <malloc.h> is not in Swift's Glibc module: `mallopt` is looked up by name; M_MMAP_THRESHOLD is -3.
        typealias MallOpt = @convention(c) (Int32, Int32) -> Int32
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") {  // RTLD_DEFAULT
            _ = unsafeBitCast(symbol, to: MallOpt.self)(-3, 128 * 1024)
        }
        #endif
    }

    static func main() async {
        fixMallocMmapThreshold()
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
