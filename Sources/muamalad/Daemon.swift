import API
import Web
import Domain
import Engine
import Foundation
import Hummingbird
import Logging
import Metrics
import PQ
import Prometheus
import ServiceLifecycle
import Store

/// `muamalad` assembled: the connection pool, the HTTP API, the queue workers, the listener
/// and the queue sampler, run as one `ServiceGroup` that stops gracefully on SIGTERM/SIGINT
/// (the workers finish the batch in flight).
struct Daemon: Sendable {
    /// The `Server` header of every response.
    static let serverName = "muamalad"
    let configuration: Settings
    let registry: PrometheusCollectorRegistry

    init(configuration: Settings, registry: PrometheusCollectorRegistry) {
        self.configuration = configuration
        self.registry = registry
    }

    /// The session settings: the database the daemon was told (never a fallback), or the
    /// standby that serves reads.
    func connectionConfig(url explicit: String? = nil) throws -> ConnectionConfig {
        let url = try explicit ?? configuration.database(allowDevelopmentCluster: false)
        var setup: [String] = []
        if let role = configuration.databaseRole {
            guard role.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                throw ConfigurationError(key: "MUAMALA_DATABASE_ROLE", value: role, expected: "a plain role name (letters, digits, _)")
            }
            setup.append("SET ROLE " + role)
        }
        return ConnectionConfig(connectionString: url, connectTimeout: .seconds(10), applicationName: "muamalad", setupStatements: setup)
    }

    /// The migrations the daemon expects, from the schema folder.
    func migrator() throws -> Migrator {
        Migrator(migrations: try Migration.load(from: try configuration.schemaFolder()))
    }

    /// Runs until SIGTERM or SIGINT, then finishes the work in flight and returns.
    func run() async throws {
        let logger = Logger(label: "muamalad")
        let connection = try connectionConfig()
        let pool = ConnectionPool(.init(connection: connection, maxConnections: configuration.databaseConnections))
        let migrator = try migrator()
        let rulebook = try configuration.rulebook()
        let clock = EngineClock(mode: configuration.clockMode == .simulated ? .simulated : .system)
        try await pool.withConnection { connection in
            try await connection.run { db in try clock.checkAgrees(on: db) }
        }

        let wake = WakeSignal()
        let waiters = DecisionWaiters()
        let processor = BatchProcessor(rulebook: rulebook, clock: clock, batchSize: configuration.batchSize)
        let intake = Intake(pool: pool, clock: clock, wake: wake, decider: processor, maxPending: configuration.intakeQueueLimit)
        // The identity provider's keys are read at start: a source that cannot be used stops the
        // daemon here, with its reason, rather than turning every person away later. They are
        // read again on a schedule (`JWKSRefresher`) and when a token names an unknown key.
        var identityProvider: IdentityProvider?
        var refresher: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let settings = configuration.identityProvider {
            let provider = try await IdentityProvider(settings)
            identityProvider = provider
            refresher = [.init(service: JWKSRefresher(provider: provider, interval: settings.refreshInterval, logger: logger))]
        }
        // Reads on a standby, when one is given: sampled once a second, used while close behind.
        var reads: ReadRouting?
        var lagSampler: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let readURL = configuration.readDatabaseURL {
            let standby = ConnectionPool(.init(connection: try connectionConfig(url: readURL), maxConnections: max(2, configuration.databaseConnections / 2)))
            let routing = ReadRouting(primary: pool, standby: standby, maxLag: configuration.readMaxLag)
            reads = routing
            lagSampler = [.init(service: PoolService(pool: standby, logger: logger)),
                          .init(service: StandbyLagSampler(routing: routing, logger: logger))]
        }
        let environment = APIEnvironment(
            pool: pool, intake: intake, waiters: waiters, rulebook: rulebook, clock: clock, maxBodyBytes: configuration.maxBodyBytes,
            identityProvider: identityProvider, reads: reads)
        let router = APIRouter.make(environment: environment, migrator: migrator, registry: registry, pages: WebPages.routes)
        try WebPages.register(on: router, environment: environment, publicOrigin: configuration.publicOrigin)
        let application = Application(
            router: router,
            server: APIRouter.server(),
            configuration: .init(address: .hostname(configuration.httpHost, port: configuration.httpPort), serverName: Self.serverName),
            onServerRunning: { channel in
                logger.info("muamalad is serving", metadata: [
                    "address": "\(channel.localAddress.map { "\($0)" } ?? "?")", "clock": .string(clock.mode.rawValue),
                ])
            },
            logger: logger)

        let settings = QueueWorker.Settings(
            maxAttempts: configuration.maxAttempts, pollInterval: configuration.pollInterval, initialBackoff: configuration.retryBackoff)
        let workers: [ServiceGroupConfiguration.ServiceConfiguration] = (0..<configuration.workers).map { index in
            .init(service: QueueWorker(
                name: "worker-\(index + 1)", pool: pool, processor: processor, wake: wake, waiters: waiters,
                settings: settings, logger: logger))
        }
        var checkpoints: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let key = configuration.checkpointKey, let folder = configuration.checkpointDirectory {
            let checkpointer = Checkpointer(
                directory: CheckpointDirectory(URL(fileURLWithPath: folder)), signer: try CheckpointSigner(file: URL(fileURLWithPath: key)))
            checkpoints = [.init(service: CheckpointService(checkpointer: checkpointer, pool: pool, interval: configuration.checkpointInterval, logger: logger))]
        }
        // Services stop in reverse order: HTTP first, then workers (finishing their batch),
        // then the listener, sampler and key purger, and the pool last.
        var groupConfiguration = ServiceGroupConfiguration(
            services: [.init(service: PoolService(pool: pool, logger: logger)),
                       .init(service: QueueListener(
                           connection: connection, wake: wake, waiters: waiters,
                           accountsChanged: { [principals = environment.principals] change in
                               switch change {
                               case .everyone: principals.removeAll()
                               case .person(let person): principals.forget(person: person)
                               }
                           }, logger: logger)),
                       .init(service: QueueSampler(pool: pool, clock: clock, logger: logger)),
                       .init(service: IdempotencyKeyPurger(pool: pool, retention: configuration.idempotencyRetention, logger: logger))]
                + checkpoints
                + refresher
                + lagSampler
                + workers
                + [.init(service: application)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            cancellationSignals: [],
            logger: logger)
        // Past the grace period, the services are cancelled: the process stops anyway.
        groupConfiguration.maximumGracefulShutdownDuration = configuration.shutdownGrace
        try await ServiceGroup(configuration: groupConfiguration).run()
        logger.info("muamalad stopped")
    }
}
