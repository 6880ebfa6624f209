import ArgumentParser
import Engine
import Foundation
import PQ
import Store

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .customLong("database-url"), help: "libpq connection string or URI (default: MUAMALA_DATABASE_URL, then the embedded cluster).")
    var databaseURL: String?

    @Flag(help: "Print JSON instead of text.")
    var json = false

    /// Everything the environment says (`Settings`: the one reader of it).
    var settings: Settings {
        get throws { try Settings.fromEnvironment() }
    }

    /// The connection settings, or a clear error saying how to give them.
    func connectionConfig() throws -> ConnectionConfig {
        ConnectionConfig(
            connectionString: try settings.database(explicit: databaseURL, allowDevelopmentCluster: true),
            connectTimeout: .seconds(10), applicationName: "muamala-cli")
    }

    func connect() async throws -> Connection {
        try await Connection.connect(try connectionConfig())
    }

    /// A small pool for commands that use Engine types (intake).
    func pool() throws -> ConnectionPool {
        ConnectionPool(.init(connection: try connectionConfig(), maxConnections: 2))
    }

    /// The operations layer on a small pool of its own, as the daemon runs it: requests
    /// decided at once when a caller waits (`deciding`), no local waiters (a wait polls).
    func operations(deciding: Bool = false) async throws -> Operations {
        let pool = try pool()
        let clock = try await pool.withConnection { connection in try await connection.run { db in try Self.clock(on: db) } }
        let decider = deciding ? BatchProcessor(rulebook: try settings.rulebook(), clock: clock) : nil
        return Operations(pool: pool, intake: Intake(pool: pool, clock: clock, wake: nil, decider: decider), clock: clock, waiters: nil)
    }

    /// The clock the database runs on (for commands that submit or decide).
    func clock(_ connection: Connection) async throws -> EngineClock {
        try await connection.run { db in try Self.clock(on: db) }
    }

    /// The same, read on a session the caller holds.
    static func clock(on db: isolated Connection) throws -> EngineClock {
        EngineClock(mode: try ClockStore.read(on: db).mode == .simulated ? .simulated : .system)
    }
}

/// Who the CLI acts as: an operator (staff), or a portal user with `--as`.
struct ActorOptions: ParsableArguments {
    /// The operator running the command, as staff.
    static var operatorPrincipal: AccountStore.Principal {
        AccountStore.Principal(user: .cliOperator(ProcessInfo.processInfo.environment["USER"] ?? "operator"), grants: [])
    }

    @Option(name: .customLong("as"), help: "Act as this portal user (its id); default: you, as staff.")
    var user: String?

    func principal(_ connection: Connection) async throws -> AccountStore.Principal {
        guard let user else {
            return Self.operatorPrincipal
        }
        guard let id = UUID(uuidString: user) else { throw ValidationError("--as takes a user id (a UUID)") }
        guard let principal = try await connection.run({ db in try AccountStore.principal(id, on: db) }) else {
            throw ValidationError("no active user \(user)")
        }
        return principal
}
}
