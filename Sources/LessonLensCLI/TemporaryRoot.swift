// TEMPORARY ROOT (branch `catalog` only) so watch/jobs/export can be run and tested before the lead's
// root command lands. The lead deletes this file (it replaced main.swift) and registers WatchCommand,
// JobsCommand and ExportCommand in the real root.
import ArgumentParser

@main
struct TemporaryRoot: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lessonlens",
        abstract: "LessonLens (temporary root of the catalog branch).",
        subcommands: [WatchCommand.self, JobsCommand.self, ExportCommand.self])
}
