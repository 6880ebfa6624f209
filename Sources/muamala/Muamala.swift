import ArgumentParser

/// `muamala`: the operators' tool for Muamala's database, queue and history.
@main
struct Muamala: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "muamala",
        abstract: "Operate Muamala: schema, requests, queue, users, clock and history.",
        discussion: """
            Every command reads the database from --database-url, else MUAMALA_DATABASE_URL, \
            else the embedded cluster that Scripts/pg start runs for this checkout. \
            Add --json for machine-readable output.
            """,
        subcommands: [
            Migrate.self, Submit.self, RequestCommand.self, QueueCommand.self, UsersCommand.self,
            ClockCommand.self, Verify.self, History.self, Workflows.self, Services.self, WorkerCommand.self,
            EstablishmentCommand.self, RulebookCommand.self, SimulateCommand.self, StatsCommand.self, MaintenanceCommand.self, CheckpointCommand.self,
        ]
    )
}
