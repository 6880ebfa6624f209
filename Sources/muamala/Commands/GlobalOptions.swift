import ArgumentParser
import PQ
import Store

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .customLong("database-url"), help: "libpq connection string or URI (default: MUAMALA_DATABASE_URL, then the embedded cluster).")
    var databaseURL: String?

    @Flag(help: "Print JSON instead of text.")
    var json = false

    /// The connection settings, or a clear error saying how to give them.
    func connectionConfig() throws -> ConnectionConfig {
        ConnectionConfig(
            connectionString: try DatabaseLocation.resolve(explicit: databaseURL),
            connectTimeout: .seconds(10), applicationName: "muamala-cli")
    }

    func connect() async throws -> Connection {
        try await Connection.connect(try connectionConfig())
    }
}
