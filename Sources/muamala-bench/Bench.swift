import ArgumentParser

/// `muamala-bench`: the measurements behind `Scripts/bench`. Prints figures; asserts nothing.
@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "muamala-bench",
        abstract: "Measure Muamala against a PostgreSQL cluster (used by Scripts/bench).",
        subcommands: [
            PQBench.self, PopulationCommand.self, QueueCommand.self, BodiesCommand.self, HTTPLoadCommand.self, MeasureCommand.self,
            SampleHostCommand.self, ReplayCommand.self, ReadLoadCommand.self,
        ]
    )
}
