import Foundation
import PQ

/// Applies `Schema/` migrations in order, each in its own transaction.
///
/// A session-level advisory lock makes concurrent runs wait for each other; each applied
/// migration is recorded with its checksum, and a run refuses to go on when the file of an
/// applied migration has changed since.
public struct Migrator: Sendable {
    public let migrations: [Migration]

    public init(migrations: [Migration]) {
        self.migrations = migrations
    }

    /// An applied migration as recorded.
    public struct Applied: Sendable {
        public let version: Int
        public let name: String
        public let checksum: String
        public let appliedAt: Date
    }

    /// Where a database stands against the files.
    public struct Status: Sendable {
        public let applied: [Applied]
        public let pending: [Migration]
        /// Applied migrations whose file now differs (or is gone).
        public let changed: [Applied]

        public var isCurrent: Bool { pending.isEmpty && changed.isEmpty }
    }

    /// Reads what is applied and compares it with the files. Read-only: the daemon's limited
    /// role asks this for /readyz, and may not create tables.
    public func status(_ connection: Connection) async throws -> Status {
        let exists = try await connection.query(Self.tableExists).single().decode(Bool.self, at: 0)
        guard exists else { return compare([]) }
        let rows = try await connection.query(Self.listApplied)
        let applied = try rows.map { row in
            Applied(
                version: try row.decode(Int.self, "version"), name: try row.decode(String.self, "name"),
                checksum: try row.decode(String.self, "checksum"), appliedAt: try row.decode(Date.self, "applied_at"))
        }
        return compare(applied)
    }

    func compare(_ applied: [Applied]) -> Status {
        let files = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0) })
        let appliedVersions = Set(applied.map(\.version))
        let changed = applied.filter { files[$0.version]?.checksum != $0.checksum }
        let pending = migrations.filter { !appliedVersions.contains($0.version) }
        return Status(applied: applied, pending: pending, changed: changed)
    }

    /// Applies the pending migrations; returns those it applied.
    ///
    /// `progress` is told about each migration before it runs.
    @discardableResult
    public func migrate(_ connection: Connection, progress: @Sendable (Migration) -> Void = { _ in }) async throws -> [Migration] {
        // Lock first: two runs creating the bookkeeping table at once would collide.
        try await connection.query(Self.lock)
        do {
            try await connection.query(Self.createTable)
            let status = try await self.status(connection)
            if let changed = status.changed.first {
                throw MigrationError(
                    "migration \(changed.version)_\(changed.name) was applied with checksum \(changed.checksum.prefix(12))… "
                    + "but its file is now different or missing; restore the file, or add a new migration instead of editing an applied one")
            }
            if let newestApplied = status.applied.map(\.version).max(),
               let stray = status.pending.first(where: { $0.version < newestApplied }) {
                throw MigrationError(
                    "migration \(stray.version)_\(stray.name) is older than the newest applied one (\(newestApplied)); renumber it after \(newestApplied)")
            }
            for migration in status.pending {
                progress(migration)
                let sql = migration.sql
                do {
                    try await connection.withTransaction { db in
                        try db.execute(sql)
                        try db.query(Self.record, [migration.version, migration.name, migration.checksum])
                    }
                } catch {
                    throw MigrationError("migration \(migration.version)_\(migration.name) failed and was rolled back: \(Self.explain(error))")
                }
            }
            try await connection.query(Self.unlock)
            return status.pending
        } catch {
            _ = try? await connection.query(Self.unlock)
            throw error
        }
    }

    private static func explain(_ error: any Error) -> String {
        if let error = error as? TransactionError, let underlying = error.underlying as? PQError {
            return underlying.debugDescription
        }
        return "\(error)"
    }

    // MARK: SQL

    static let tableExists = Statement("migrations_table_exists", "SELECT to_regclass('schema_migrations') IS NOT NULL")

    static let createTable = Statement("migrations_create", """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version    integer PRIMARY KEY,
            name       text NOT NULL,
            checksum   text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT clock_timestamp()
        )
        """)
    /// An arbitrary constant that names Muamala's migration lock.
    static let lock = Statement("migrations_lock", "SELECT pg_advisory_lock(7316742001)")
    static let unlock = Statement("migrations_unlock", "SELECT pg_advisory_unlock(7316742001)")
    static let listApplied = Statement("migrations_applied", """
        SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version
        """)
    static let record = Statement("migrations_record", """
        INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)
        """)
}
