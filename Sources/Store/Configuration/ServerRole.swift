import PQ

/// Whether the server a session reached takes writes. A standby of streaming replication
/// answers reads but refuses every write; after a failover, the old primary may come back
/// as one; a primary may also be set read-only. `/readyz` says not ready then. The question
/// is the one libpq asks for `target_session_attrs=read-write`.
public enum ServerRole {
    static let readOnly = Statement("server_read_only", "SELECT current_setting('transaction_read_only') = 'on'")

    public static func isWritable(_ connection: Connection) async throws -> Bool {
        try await !connection.query(readOnly).single().decode(Bool.self, at: 0)
    }

    /// How far behind a standby's replay is, in seconds: 0 when it has replayed all it received
    /// (or is a primary); else the time since the last transaction it replayed committed.
    static let replayLagStatement = Statement("server_replay_lag", """
        SELECT CASE WHEN NOT pg_is_in_recovery() OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
                    ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END::float8
        """)

    public static func replayLag(_ connection: Connection) async throws -> Double {
        try await connection.query(replayLagStatement).single().decode(Double.self, at: 0)
    }
}
