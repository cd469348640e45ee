import ArgumentParser

extension LessonLens {
    /// Every subcommand, in the order `--help` lists them.
    static var allSubcommands: [any ParsableCommand.Type] {
        [ProbeCommand.self]
    }
}
