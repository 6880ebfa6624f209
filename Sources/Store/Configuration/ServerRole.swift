import PQ

/// Whether the server a session reached takes writes. A standby of streaming replication
/// answers reads but refuses every write; after a failover, the old primary may come back
/// as one. `/readyz` says not ready while the daemon's sessions reach only a standby.
public enum ServerRole {
    static let inRecovery = Statement("server_in_recovery", "SELECT pg_is_in_recovery()")

    public static func isWritable(_ connection: Connection) async throws -> Bool {
        try await !connection.query(inRecovery).single().decode(Bool.self, at: 0)
    }
}
