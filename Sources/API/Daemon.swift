import Foundation
import Hummingbird
import Logging
import Metrics
import PQ
import Prometheus
import ServiceLifecycle
import Store
import Engine

/// `muamalad` assembled: the connection pool, the HTTP API and the queue workers, run as
/// one `ServiceGroup` that stops gracefully on SIGTERM or SIGINT.
public struct Daemon: Sendable {
    public let configuration: DaemonConfiguration
    public let registry: PrometheusCollectorRegistry

    public init(configuration: DaemonConfiguration, registry: PrometheusCollectorRegistry) {
        self.configuration = configuration
        self.registry = registry
    }

    /// The pool's settings from the configuration.
    public func poolConfiguration() throws -> ConnectionPool.Configuration {
        let url = try DatabaseLocation.resolve(explicit: configuration.databaseURL)
        var setup: [String] = []
        if let role = configuration.databaseRole {
            guard role.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                throw ConfigurationError(key: "MUAMALA_DATABASE_ROLE", value: role, expected: "a plain role name (letters, digits, _)")
            }
            setup.append("SET ROLE " + role)
        }
        let connection = ConnectionConfig(
            connectionString: url, connectTimeout: .seconds(10), applicationName: "muamalad", setupStatements: setup)
        return ConnectionPool.Configuration(connection: connection, maxConnections: configuration.databaseConnections)
    }

    /// The migrations the daemon expects, from the schema folder.
    public func migrator() throws -> Migrator {
        let directory: URL
        if let configured = configuration.schemaDirectory {
            directory = URL(fileURLWithPath: configured)
        } else if let found = Migration.locateSchemaDirectory() {
            directory = found
        } else {
            throw ConfigurationError(key: "MUAMALA_SCHEMA_DIR", value: "", expected: "the path of the Schema folder (not found upwards from here)")
        }
        return Migrator(migrations: try Migration.load(from: directory))
    }

    /// Runs until SIGTERM or SIGINT, then finishes the work in flight and returns.
    public func run() async throws {
        let logger = Logger(label: "muamalad")
        let pool = ConnectionPool(try poolConfiguration())
        let migrator = try migrator()

        let router = Router(context: APIRequestContext.self)
        HealthRoutes(pool: pool, migrator: migrator, registry: registry).register(on: router)

        let application = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.httpHost, port: configuration.httpPort), serverName: "muamalad"),
            onServerRunning: { channel in
                logger.info("muamalad is serving", metadata: ["address": "\(channel.localAddress.map { "\($0)" } ?? "?")"])
            },
            logger: logger)

        var groupConfiguration = ServiceGroupConfiguration(
            services: [
                .init(service: PoolService(pool: pool, logger: logger)),
                .init(service: application),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            cancellationSignals: [],
            logger: logger)
        // Past the grace period, the services are cancelled: the process stops anyway.
        groupConfiguration.maximumGracefulShutdownDuration = configuration.shutdownGrace
        try await ServiceGroup(configuration: groupConfiguration).run()
        logger.info("muamalad stopped")
    }
}
