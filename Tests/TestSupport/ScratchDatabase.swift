import Foundation
import PQ
import Store

/// A database of its own for one test, cloned from a migrated template, dropped at the end.
///
/// The template (`muamala_test_template`) is made once per cluster, from `Schema/`, under an
/// advisory lock; it is made again when the schema files change (its name carries their hash).
public struct ScratchDatabase: Sendable {
    public let name: String
    public let config: ConnectionConfig
    /// The URL form, for daemons started as processes.
    public let url: String
    /// The cluster's maintenance connection settings.
    let cluster: ConnectionConfig

    /// Creates a new database with the current schema, on the test cluster or another one.
    public static func create(cluster: ConnectionConfig? = nil, clusterURL: String? = nil) async throws -> ScratchDatabase {
        let base = cluster ?? TestDatabase.config
        let admin = try await Connection.connect(base)
        let migrations = try Migration.load(from: TestDatabase.repositoryRoot.appendingPathComponent("Schema"))
        // FNV-1a over the checksums: stable across processes (hashValue is not).
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in migrations.map(\.checksum).joined().utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        let fingerprint = String(hash % 1_000_000_007)
        let template = "muamala_template_" + fingerprint
        try await admin.query("SELECT pg_advisory_lock(7316742002)")
        do {
            let exists = try await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [template]).count == 1
            if !exists {
                // Built under another name and renamed when complete: a half-made template is never used.
                let building = template + "_building"
                try await admin.execute("DROP DATABASE IF EXISTS " + building + " WITH (FORCE)")
                try await admin.execute("CREATE DATABASE " + building)
                var config = base
                config.parameters["dbname"] = building
                let connection = try await Connection.connect(config)
                try await Migrator(migrations: migrations).migrate(connection)
                await connection.close()
                try await admin.execute("ALTER DATABASE " + building + " RENAME TO " + template)
            }
            let name = TestDatabase.uniqueName("scratch")
            try await admin.execute("CREATE DATABASE " + name + " TEMPLATE " + template)
            try await admin.query("SELECT pg_advisory_unlock(7316742002)")
            var config = base
            config.parameters["dbname"] = name
            return ScratchDatabase(name: name, config: config, url: Self.url(replacingDatabaseIn: clusterURL ?? TestDatabase.url, with: name),
                                   cluster: base)
        } catch {
            _ = try? await admin.query("SELECT pg_advisory_unlock(7316742002)")
            throw error
        }
    }

    /// The same database through another connection string (several hosts, say, after a
    /// failover); dropping it still goes through the cluster it was made on.
    public func reached(through url: String) -> ScratchDatabase {
        ScratchDatabase(name: name, config: ConnectionConfig(connectionString: url), url: url, cluster: cluster)
    }

    /// Drops the database (any sessions still open are closed first).
    public func drop() async {
        guard let admin = try? await Connection.connect(cluster) else { return }
        _ = try? await admin.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
    }

    public func connect() async throws -> Connection {
        try await Connection.connect(config)
    }

    /// Runs `body` on a session of its own, closed afterwards.
    public func run<T: Sendable>(_ body: @escaping @Sendable (isolated Connection) throws -> T) async throws -> T {
        let connection = try await connect()
        return try await connection.run(body)
    }

    public func pool(size: Int = 4) -> ConnectionPool {
        ConnectionPool(.init(connection: config, maxConnections: size, checkoutTimeout: .seconds(30)))
    }

    /// `postgresql:///muamala?host=…` with another database name.
    static func url(replacingDatabaseIn url: String, with name: String) -> String {
        guard var components = URLComponents(string: url) else { return url }
        components.path = "/" + name
        return components.string ?? url
    }
}

/// Runs `body` with a scratch database, dropped afterwards even when `body` throws.
public func withScratchDatabase<T>(_ body: (ScratchDatabase) async throws -> T) async throws -> T {
    let database = try await ScratchDatabase.create()
    do {
        let value = try await body(database)
        await database.drop()
        return value
    } catch {
        await database.drop()
        throw error
    }
}
