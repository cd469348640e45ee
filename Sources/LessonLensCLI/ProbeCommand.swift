import ArgumentParser
import Foundation
import MediaCore
import Pipeline

struct ProbeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Show what a recording holds: container, duration, start time, streams.",
        discussion: "Reads headers only (no decoding). Exits 66 if the file is missing, 65 if it is not usable media."
    )

    @Argument(help: "The recording to inspect.")
    var file: String

    @Flag(name: .long, help: "Print JSON (fields: durationSeconds, startSeconds, container, video, audio, streams).")
    var json = false

    @Option(name: .long, help: "Audio track to report as the chosen one (0-based among audio streams; default: the best).")
    var audioTrack: Int?

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if let t = audioTrack, t < 0 { throw ValidationError("--audio-track must be 0 or more") }
    }

    func run() async throws {
        LogSetup.bootstrap(verbose: global.verbose)
        let info = try Probe.run(path: file, audioTrack: audioTrack)
        if json {
            print(try Probe.json(info))
        } else {
            print(Probe.text(info))
        }
    }
}
