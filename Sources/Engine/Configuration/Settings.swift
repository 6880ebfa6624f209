import Domain
import Foundation
import Logging
import Store

/// Everything Muamala can be told, read from environment variables in this one place: the
/// daemon's settings, and those it shares with the CLI (the database, the rulebook, the
/// schema folder, the checkpoint key). Nothing else reads Muamala's settings from the
/// environment (the CLI reads `USER` alone, to name the operator in the history).
///
/// Every key is listed in `Settings.keys` with its meaning and default; the README's table,
/// `muamalad --help` and the docker-compose test all come from that list.
///
/// Nothing falls back silently to a development setting: the daemon connects only to the
/// database it is given (`database(allowDevelopmentCluster: false)`); the CLI may use the
/// checkout's own cluster (Scripts/pg) and says so when it does.
public struct Settings: Sendable {
    /// libpq connection string or URI.
    public var databaseURL: String?
    /// A standby for the portal's reads and the open data (`ReadRouting`); nil: the primary.
    public var readDatabaseURL: String?
    /// How far behind the standby may be and still serve reads.
    public var readMaxLag: Duration = .seconds(5)
    /// The rulebook file (`Rulebook/rulebook.json` found upwards when not set).
    public var rulebookPath: String?
    /// A role to `SET ROLE` to after connecting (the daemon's limited role, `muamala_app`).
    public var databaseRole: String?
    /// Database sessions in the pool (workers use one each while they run a batch).
    public var databaseConnections: Int = 8
    public var httpHost: String = "127.0.0.1"
    public var httpPort: Int = 8080
    /// Where people reach the web pages (behind a proxy that terminates TLS); nil: judged
    /// from each request's Host.
    public var publicOrigin: PublicOrigin?
    /// Queue workers: each claims and decides batches on its own session.
    public var workers: Int = 2
    /// Requests claimed per batch (one commit per batch).
    public var batchSize: Int = BatchProcessor.defaultBatchSize
    /// Attempts after which a request that keeps failing for technical reasons is `failed`.
    public var maxAttempts: Int = 5
    /// How long a worker sleeps when no NOTIFY wakes it (the polling fallback).
    public var pollInterval: Duration = .milliseconds(500)
    /// How long a graceful shutdown may take before the process stops anyway.
    public var shutdownGrace: Duration = .seconds(10)
    public var logLevel: Logger.Level = .info
    public var logFormat: LogFormat = .text
    /// `system` (production) or `simulated` (demos, replays, tests): see `muamala clock`.
    public var clockMode: ClockMode = .system
    /// Largest request body accepted, in bytes.
    public var maxBodyBytes: Int = 64 * 1024
    /// Where `Schema/` is, to tell whether the database's migrations are current (`/readyz`).
    public var schemaDirectory: String?
    /// The first back-off after a technical failure; it doubles with each attempt.
    public var retryBackoff: Duration = .seconds(1)
    /// How long an idempotency key is honoured (at least); older keys are purged.
    public var idempotencyRetention: Duration = .seconds(30 * 24 * 3600)
    /// The private key that signs checkpoints of the history, and the folder they go to:
    /// both or neither (see `muamala checkpoint`).
    public var checkpointKey: String?
    public var checkpointDirectory: String?
    public var checkpointInterval: Duration = .seconds(3600)
    /// Submissions that may wait for an intake batch; past it a submission is refused with 503.
    public var intakeQueueLimit: Int = Intake.defaultMaxPending
    /// The national identity provider whose signed tokens (JWT) portal users present; nil:
    /// only this system's own tokens are accepted.
    public var identityProvider: IdentityProviderSettings?

    public struct IdentityProviderSettings: Sendable, Equatable {
        /// A JWKS file (the provider's public keys), or
        public var jwksFile: String?
        /// the URL the provider publishes them at (one of the two).
        public var jwksURL: String?
        /// How often the keys are read again (and when a token names an unknown key).
        public var refreshInterval: Duration = .seconds(3600)
        public var issuer: String
        public var audience: String
        /// The claim that carries the national ID or iqama number.
        public var idClaim: String = "national_id"
        public var leeway: Duration = .seconds(60)
    }

    public enum LogFormat: String, Sendable, CaseIterable {
        case text, json
    }

    public enum ClockMode: String, Sendable, CaseIterable {
        case system, simulated
    }

    public init() {}

    /// One documented environment variable.
    public struct Key: Sendable {
        public let name: String
        public let meaning: String
        public let defaultValue: String
    }

    public static let keys: [Key] = [
        Key(name: "MUAMALA_DATABASE_URL", meaning: "libpq connection string or URI (required by the daemon; the CLI falls back to this checkout's Scripts/pg cluster and says so)", defaultValue: "none"),
        Key(name: "MUAMALA_READ_DATABASE_URL", meaning: "a standby (streaming replication) for the portal's reads and the open data; the primary serves them while the standby is further behind than MUAMALA_READ_MAX_LAG_SECONDS or unreachable", defaultValue: "none: the primary"),
        Key(name: "MUAMALA_READ_MAX_LAG_SECONDS", meaning: "how far behind (replay lag) the standby may be and still serve reads", defaultValue: "5"),
        Key(name: "MUAMALA_DATABASE_ROLE", meaning: "role to SET ROLE to after connecting (e.g. muamala_app)", defaultValue: "none"),
        Key(name: "MUAMALA_DB_CONNECTIONS", meaning: "database sessions in the pool", defaultValue: "8, and at least the workers + 4"),
        Key(name: "MUAMALA_HTTP_HOST", meaning: "address the HTTP API listens on", defaultValue: "127.0.0.1"),
        Key(name: "MUAMALA_HTTP_PORT", meaning: "port of the HTTP API", defaultValue: "8080"),
        Key(name: "MUAMALA_PUBLIC_URL", meaning: "the origin people reach the web pages at, e.g. https://muamala.example behind a proxy: the console's forms must come from it, and its cookies are Secure when it is https", defaultValue: "none: the request's Host, cookies Secure except on a loopback address"),
        Key(name: "MUAMALA_WORKERS", meaning: "queue workers (each decides batches on its own session)", defaultValue: "2"),
        Key(name: "MUAMALA_BATCH_SIZE", meaning: "requests claimed per batch (one commit each)", defaultValue: "256"),
        Key(name: "MUAMALA_MAX_ATTEMPTS", meaning: "technical failures before a request is parked as failed", defaultValue: "5"),
        Key(name: "MUAMALA_POLL_MS", meaning: "polling fallback when no NOTIFY arrives, in milliseconds", defaultValue: "500"),
        Key(name: "MUAMALA_SHUTDOWN_GRACE_SECONDS", meaning: "time a graceful shutdown may take", defaultValue: "10"),
        Key(name: "MUAMALA_LOG_LEVEL", meaning: "trace, debug, info, notice, warning, error or critical", defaultValue: "info"),
        Key(name: "MUAMALA_LOG_FORMAT", meaning: "text or json (one object per line)", defaultValue: "text"),
        Key(name: "MUAMALA_CLOCK", meaning: "system, or simulated (time kept in the database, moved by staff)", defaultValue: "system"),
        Key(name: "MUAMALA_MAX_BODY_BYTES", meaning: "largest request body accepted", defaultValue: "65536"),
        Key(name: "MUAMALA_SCHEMA_DIR", meaning: "the Schema folder, to check that migrations are current", defaultValue: "Schema/ found upwards"),
        Key(name: "MUAMALA_RULEBOOK", meaning: "the rulebook file (fees, windows, thresholds by effective date)", defaultValue: "Rulebook/rulebook.json found upwards"),
        Key(name: "MUAMALA_RETRY_BACKOFF_MS", meaning: "first back-off after a technical failure (doubles each attempt, with jitter)", defaultValue: "1000"),
        Key(name: "MUAMALA_IDEMPOTENCY_RETENTION_HOURS", meaning: "how long an Idempotency-Key is honoured at least; older keys are purged", defaultValue: "720 (30 days)"),
        Key(name: "MUAMALA_CHECKPOINT_KEY", meaning: "private key file that signs checkpoints of the history (muamala checkpoint keygen); with MUAMALA_CHECKPOINT_DIR", defaultValue: "none: no checkpoints"),
        Key(name: "MUAMALA_CHECKPOINT_DIR", meaning: "folder the signed checkpoints go to, away from the database", defaultValue: "none"),
        Key(name: "MUAMALA_CHECKPOINT_MINUTES", meaning: "minutes between checkpoints", defaultValue: "60"),
        Key(name: "MUAMALA_INTAKE_QUEUE_LIMIT", meaning: "submissions that may wait for an intake batch; past it, 503 with Retry-After", defaultValue: "4096"),
        Key(name: "MUAMALA_IDP_JWKS_FILE", meaning: "the national identity provider's public keys (a JWKS file, RSA or P-256): portal users may then present its signed tokens (RS256, ES256); with MUAMALA_IDP_ISSUER and MUAMALA_IDP_AUDIENCE", defaultValue: "none: only this system's tokens"),
        Key(name: "MUAMALA_IDP_JWKS_URL", meaning: "instead of the file: the https URL the identity provider publishes its keys at", defaultValue: "none"),
        Key(name: "MUAMALA_IDP_JWKS_REFRESH_MINUTES", meaning: "how often the provider's keys are read again (also when a token names an unknown key, at most once a minute)", defaultValue: "60"),
        Key(name: "MUAMALA_IDP_ISSUER", meaning: "the iss every identity token must carry", defaultValue: "none"),
        Key(name: "MUAMALA_IDP_AUDIENCE", meaning: "the aud every identity token must include (this back end's client id)", defaultValue: "none"),
        Key(name: "MUAMALA_IDP_ID_CLAIM", meaning: "the claim holding the person's national ID or iqama number", defaultValue: "national_id"),
        Key(name: "MUAMALA_IDP_LEEWAY_SECONDS", meaning: "clock skew allowed on exp and nbf", defaultValue: "60"),
    ]

    /// Reads the configuration; an unusable value is an error that names the variable.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Settings {
        var configuration = Settings()
        let reader = EnvironmentReader(environment: environment)
        configuration.databaseURL = reader.string("MUAMALA_DATABASE_URL")
        configuration.databaseRole = reader.string("MUAMALA_DATABASE_ROLE")
        configuration.readDatabaseURL = reader.string("MUAMALA_READ_DATABASE_URL")
        if let seconds = try reader.integer("MUAMALA_READ_MAX_LAG_SECONDS", in: 1...3600) { configuration.readMaxLag = .seconds(seconds) }
        configuration.httpHost = reader.string("MUAMALA_HTTP_HOST") ?? configuration.httpHost
        configuration.httpPort = try reader.integer("MUAMALA_HTTP_PORT", in: 0...65535) ?? configuration.httpPort
        if let text = reader.string("MUAMALA_PUBLIC_URL") {
            guard let origin = PublicOrigin(text) else {
                throw ConfigurationError(key: "MUAMALA_PUBLIC_URL", value: text, expected: "an origin: http or https, a host and perhaps a port, nothing after it (https://muamala.example)")
            }
            configuration.publicOrigin = origin
        }
        configuration.workers = try reader.integer("MUAMALA_WORKERS", in: 0...256) ?? configuration.workers
        configuration.databaseConnections = try reader.integer("MUAMALA_DB_CONNECTIONS", in: 1...1000)
            ?? max(configuration.databaseConnections, configuration.workers + 4)
        configuration.batchSize = try reader.integer("MUAMALA_BATCH_SIZE", in: 1...10_000) ?? configuration.batchSize
        configuration.maxAttempts = try reader.integer("MUAMALA_MAX_ATTEMPTS", in: 1...100) ?? configuration.maxAttempts
        if let milliseconds = try reader.integer("MUAMALA_POLL_MS", in: 1...3_600_000) {
            configuration.pollInterval = .milliseconds(milliseconds)
        }
        if let seconds = try reader.integer("MUAMALA_SHUTDOWN_GRACE_SECONDS", in: 1...3600) {
            configuration.shutdownGrace = .seconds(seconds)
        }
        if let level = reader.string("MUAMALA_LOG_LEVEL") {
            guard let parsed = Logger.Level(rawValue: level.lowercased()) else {
                throw ConfigurationError(key: "MUAMALA_LOG_LEVEL", value: level, expected: "one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            configuration.logLevel = parsed
        }
        configuration.logFormat = try reader.choice("MUAMALA_LOG_FORMAT", LogFormat.self) ?? configuration.logFormat
        configuration.clockMode = try reader.choice("MUAMALA_CLOCK", ClockMode.self) ?? configuration.clockMode
        configuration.maxBodyBytes = try reader.integer("MUAMALA_MAX_BODY_BYTES", in: 1024...(64 * 1024 * 1024)) ?? configuration.maxBodyBytes
        configuration.schemaDirectory = reader.string("MUAMALA_SCHEMA_DIR")
        configuration.rulebookPath = reader.string("MUAMALA_RULEBOOK")
        if let milliseconds = try reader.integer("MUAMALA_RETRY_BACKOFF_MS", in: 1...3_600_000) {
            configuration.retryBackoff = .milliseconds(milliseconds)
        }
        if let hours = try reader.integer("MUAMALA_IDEMPOTENCY_RETENTION_HOURS", in: 1...87_600) {
            configuration.idempotencyRetention = .seconds(hours * 3600)
        }
        configuration.checkpointKey = reader.string("MUAMALA_CHECKPOINT_KEY")
        configuration.checkpointDirectory = reader.string("MUAMALA_CHECKPOINT_DIR")
        if (configuration.checkpointKey == nil) != (configuration.checkpointDirectory == nil) {
            let given = configuration.checkpointKey == nil ? "MUAMALA_CHECKPOINT_DIR" : "MUAMALA_CHECKPOINT_KEY"
            throw ConfigurationError(key: given, value: reader.string(given) ?? "", expected: "MUAMALA_CHECKPOINT_KEY and MUAMALA_CHECKPOINT_DIR set together")
        }
        if let minutes = try reader.integer("MUAMALA_CHECKPOINT_MINUTES", in: 1...10_080) {
            configuration.checkpointInterval = .seconds(minutes * 60)
        }
        configuration.intakeQueueLimit = try reader.integer("MUAMALA_INTAKE_QUEUE_LIMIT", in: 1...1_000_000) ?? configuration.intakeQueueLimit
        let file = reader.string("MUAMALA_IDP_JWKS_FILE"), url = reader.string("MUAMALA_IDP_JWKS_URL")
        if file != nil || url != nil {
            if let file, url != nil {
                throw ConfigurationError(key: "MUAMALA_IDP_JWKS_URL", value: url ?? "", expected: "either it or MUAMALA_IDP_JWKS_FILE (\(file)), not both")
            }
            if let url {
                guard let parsed = URL(string: url), ["https", "http"].contains(parsed.scheme?.lowercased() ?? ""), parsed.host != nil else {
                    throw ConfigurationError(key: "MUAMALA_IDP_JWKS_URL", value: url, expected: "an https:// URL")
                }
            }
            let key = file != nil ? "MUAMALA_IDP_JWKS_FILE" : "MUAMALA_IDP_JWKS_URL"
            guard let issuer = reader.string("MUAMALA_IDP_ISSUER"), let audience = reader.string("MUAMALA_IDP_AUDIENCE") else {
                throw ConfigurationError(key: key, value: file ?? url ?? "", expected: "MUAMALA_IDP_ISSUER and MUAMALA_IDP_AUDIENCE set with it")
            }
            var provider = IdentityProviderSettings(jwksFile: file, jwksURL: url, issuer: issuer, audience: audience)
            provider.idClaim = reader.string("MUAMALA_IDP_ID_CLAIM") ?? provider.idClaim
            if let seconds = try reader.integer("MUAMALA_IDP_LEEWAY_SECONDS", in: 0...600) { provider.leeway = .seconds(seconds) }
            if let minutes = try reader.integer("MUAMALA_IDP_JWKS_REFRESH_MINUTES", in: 1...10_080) { provider.refreshInterval = .seconds(minutes * 60) }
            configuration.identityProvider = provider
        } else if let stray = ["MUAMALA_IDP_ISSUER", "MUAMALA_IDP_AUDIENCE"].first(where: { reader.string($0) != nil }) {
            throw ConfigurationError(key: stray, value: reader.string(stray) ?? "", expected: "MUAMALA_IDP_JWKS_FILE or MUAMALA_IDP_JWKS_URL set with it")
        }
        return configuration
    }
}

extension Settings {
    /// Where the database is: `explicit` (a CLI flag), else MUAMALA_DATABASE_URL; else, only
    /// when allowed (the CLI), the cluster Scripts/pg runs for this checkout, said on
    /// standard error. The daemon is never allowed: a production daemon whose setting is
    /// missing must stop, not find a development database.
    public func database(explicit: String? = nil, allowDevelopmentCluster: Bool) throws -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        if let databaseURL { return databaseURL }
        if allowDevelopmentCluster, let embedded = DatabaseLocation.embeddedClusterURL() {
            FileHandle.standardError.write(Data("note: MUAMALA_DATABASE_URL is not set; using this checkout's development cluster (\(embedded))\n".utf8))
            return embedded
        }
        throw ConfigurationError(
            key: "MUAMALA_DATABASE_URL", value: "",
            expected: allowDevelopmentCluster
                ? "a libpq URL (or --database-url; or start this checkout's cluster with Scripts/pg start)"
                : "a libpq URL: the daemon connects only where it is told (for this checkout's cluster: MUAMALA_DATABASE_URL=$(Scripts/pg url))")
    }

    /// The rulebook, from MUAMALA_RULEBOOK or found upwards.
    public func rulebook() throws -> Domain.Rulebook {
        try ProjectFiles.loadRulebook(path: rulebookPath)
    }

    /// The Schema folder, from MUAMALA_SCHEMA_DIR or found upwards.
    public func schemaFolder() throws -> URL {
        if let schemaDirectory { return URL(fileURLWithPath: schemaDirectory) }
        guard let found = ProjectFiles.find("Schema") else {
            throw ConfigurationError(key: "MUAMALA_SCHEMA_DIR", value: "", expected: "the path of the Schema folder (not found upwards from here)")
        }
        return found
    }
}

/// A configuration value that cannot be used, named plainly.
/// Where people reach the web pages: a scheme and an authority (`https://muamala.example`).
public struct PublicOrigin: Sendable, Equatable {
    public let scheme: String
    /// Host and port as a browser's `Origin` header writes them (`muamala.example`, `[::1]:8443`).
    public let authority: String

    public var isHTTPS: Bool { scheme == "https" }
    /// As a browser's `Origin` header writes it.
    public var serialized: String { "\(scheme)://\(authority)" }

    public init?(_ text: String) {
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = url.host, !host.isEmpty, url.user == nil, url.password == nil, url.query == nil, url.fragment == nil,
              url.path.isEmpty || url.path == "/" else { return nil }
        let defaultPort = scheme == "https" ? 443 : 80
        let port = url.port.flatMap { $0 == defaultPort ? nil : $0 }
        let bracketed = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        self.scheme = scheme
        self.authority = bracketed.lowercased() + (port.map { ":\($0)" } ?? "")
    }
}

public struct ConfigurationError: Error, CustomStringConvertible {
    public let key: String
    public let value: String
    public let expected: String

    public init(key: String, value: String, expected: String) {
        self.key = key
        self.value = value
        self.expected = expected
    }

    public var description: String { "\(key)=\(value) cannot be used: expected \(expected)" }
}

private struct EnvironmentReader {
    let environment: [String: String]

    func string(_ key: String) -> String? {
        guard let value = environment[key]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }

    func integer(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = string(key) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw ConfigurationError(key: key, value: text, expected: "a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    func choice<T: RawRepresentable & CaseIterable>(_ key: String, _ type: T.Type) throws -> T? where T.RawValue == String {
        guard let text = string(key) else { return nil }
        guard let value = T(rawValue: text.lowercased()) else {
            throw ConfigurationError(key: key, value: text, expected: "one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }
}
