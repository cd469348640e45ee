import ArgumentParser

extension LessonLens {
    /// Every subcommand, in the order `--help` lists them.
    static var allSubcommands: [any ParsableCommand.Type] {
        [AnalyzeCommand.self, ReportCommand.self, ProbeCommand.self, EvalCommand.self, WatchCommand.self, JobsCommand.self, ExportCommand.self, WorkerCommand.self, TimetableCommand.self, ServeCommand.self, UsersCommand.self]
    }
}
