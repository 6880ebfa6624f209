import Domain
import Foundation
import PQ

/// The world as it stood at a moment, copied into temporary tables of a connection of its own
/// (`muamala simulate`): every table the engine decides from, under its own name, so that the
/// engine's own loads and writes, run on that connection, read and change the copy.
///
/// PostgreSQL looks a name up in the session's temporary schema first, and a connection
/// prepares each statement on first use: on a fresh connection that made the copy, every
/// statement reaches the copy. Temporary tables are the session's alone: the copy takes no
/// lock that the daemons wait for, and it is gone with the connection.
public enum ScratchWorld {
    /// The versioned tables (Schema/0025), and the registered people (never changed once
    /// registered: the copy keeps those registered before the moment).
    static let versioned = ["establishments", "workers", "permits", "cases", "certificates", "visas", "visa_balances",
                            "authorizations", "establishment_owners"]

    /// Copies the world as it stood just before `moment`, with the rows first written
    /// outside the engine before `until` taken as given (a population loaded on the first
    /// day, at the same business time as the first decisions); returns the rows copied by
    /// table. Then the session is made read-only: only its temporary tables can be written,
    /// so that no statement of the replay can reach the daemons' tables.
    public static func create(before moment: Date, givenUntil until: Date, on db: isolated Connection) throws -> [String: Int] {
        _ = try db.execute("SET TimeZone = 'UTC'")
        var rows: [String: Int] = [:]
        for table in versioned {
            // Every column a row can be given (not the generated ones: `cases.open`).
            let columns = try db.query(insertableColumns, [table]).single().decode(String.self, at: 0)
            try db.execute("""
                CREATE TEMPORARY TABLE \(table) (LIKE public.\(table) INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING CONSTRAINTS INCLUDING INDEXES)
                """)
            rows[table] = try db.query("""
                INSERT INTO pg_temp.\(table) (\(columns))
                SELECT \(columns) FROM (
                    SELECT DISTINCT ON (key) image, removed FROM aggregate_versions a
                    WHERE entity = '\(table)'
                      AND (at < $1 OR (source <> 'engine' AND at < $2
                                       AND NOT EXISTS (SELECT 1 FROM aggregate_versions f WHERE f.entity = a.entity AND f.key = a.key AND f.n < a.n)))
                    ORDER BY key, at DESC, n DESC
                ) v CROSS JOIN LATERAL jsonb_populate_record(NULL::public.\(table), v.image) r
                WHERE NOT v.removed
                """, [moment, until]).affectedRows
        }
        try db.execute("CREATE TEMPORARY TABLE users (LIKE public.users INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES)")
        rows["users"] = try db.query("""
            INSERT INTO pg_temp.users SELECT * FROM public.users WHERE role <> 'person' OR registered_on < ($1::timestamptz AT TIME ZONE 'Asia/Riyadh')::date
            """, [moment]).affectedRows
        try db.execute("ANALYZE " + (versioned + ["users"]).map { "pg_temp." + $0 }.joined(separator: ", "))
        // Every name the engine uses must now be the copy's; and nothing else may be written.
        let shadowed = try db.query(shadowedTables, [versioned + ["users"]]).single().decode(Int.self, at: 0)
        guard shadowed == versioned.count + 1 else {
            throw PQError(.client, "the scratch world does not shadow every table (\(shadowed) of \(versioned.count + 1)): nothing was replayed")
        }
        try db.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        return rows
    }

    /// When the record of versions began to hold the whole world: when migration 0025
    /// recorded the rows already there (nil when there were none then: it holds everything).
    public static func recordBegins(on db: isolated Connection) throws -> Date? {
        try db.query(recordBeginsStatement).first?.decode(Date.self, at: 0)
    }

    /// One decided request of the history, as it was claimed, and what it was decided then.
    public struct Decided: Sendable {
        public let request: RequestQueue.Claimed
        public let decidedAt: Date
        public let completed: Bool
        public let reasonCode: String?
        public let outcome: JSONValue
        /// Where it stands in the order of decisions (the next page starts after it).
        public let position: Position
    }

    /// Decisions are in the order they were written: by business time, then the order each
    /// batch recorded them (`finished_at`, its clock at each row), then the queue's order.
    public struct Position: Sendable {
        let decidedAt: Date
        let finishedAt: Date
        let seq: Int64
        public static let start = Position(decidedAt: .distantPast, finishedAt: .distantPast, seq: 0)
    }

    /// The decided (completed or refused) requests of `[from, to)`, after `after`, at most `limit`.
    public static func decided(from: Date, to: Date, after: Position, limit: Int, on db: isolated Connection) throws -> [Decided] {
        try db.query(decidedStatement, [from, to, after.decidedAt, after.finishedAt, after.seq, limit]).map { row in
            let claimed = RequestQueue.Claimed(
                id: try row.decode(UUID.self, at: 0), seq: try row.decode(Int64.self, at: 1),
                service: try row.decode(String.self, at: 2), establishmentID: try row.decode(String?.self, at: 3),
                subject: try row.decode(String.self, at: 4), actorID: try row.decode(String.self, at: 5),
                actorRole: try row.decode(String.self, at: 6), payloadText: try row.decode(String.self, at: 7),
                submittedAt: try row.decode(Date.self, at: 8), attempts: 0, notify: false)
            let decidedAt = try row.decode(Date.self, at: 9)
            return Decided(
                request: claimed, decidedAt: decidedAt, completed: try row.decode(String.self, at: 10) == "completed",
                reasonCode: try row.decode(String?.self, at: 11), outcome: try JSONCoding.decode(try row.decode(String.self, at: 12)),
                position: Position(decidedAt: decidedAt, finishedAt: try row.decode(Date.self, at: 13), seq: claimed.seq))
        }
    }

    /// How many requests `decided(from:to:…)` pages through.
    public static func decidedCount(from: Date, to: Date, on db: isolated Connection) throws -> Int {
        try db.query(decidedCountStatement, [from, to]).single().decode(Int.self, at: 0)
    }

    /// Every establishment of the copy, as it stands now.
    public static func establishments(on db: isolated Connection) throws -> [Establishment] {
        try db.query(copiedEstablishments).map { try AggregateRows.establishment($0).0 }
    }

    /// Every establishment as it stood just before `moment`, in the record (not the copy).
    public static func recordedEstablishments(before moment: Date, on db: isolated Connection) throws -> [Establishment] {
        try db.query(recordedEstablishmentsStatement, [moment]).map { try AggregateRows.establishment($0).0 }
    }
}

extension ScratchWorld {
    /// How many of the named tables resolve to this session's temporary schema.
    static let shadowedTables = Statement("scratch_world_shadowed", """
        SELECT count(*)::int FROM unnest($1::text[]) AS t(name)
        WHERE (SELECT relnamespace FROM pg_class WHERE oid = to_regclass(t.name)) = pg_my_temp_schema()
        """)

    /// Every row there was when migration 0025 ran got a version at the same moment.
    static let recordBeginsStatement = Statement("scratch_world_record_begins", """
        SELECT at FROM aggregate_versions WHERE source = 'migration' LIMIT 1
        """)

    static let insertableColumns = Statement("scratch_world_columns", """
        SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute
        WHERE attrelid = ('public.' || $1)::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = ''
        """)

    static let decidedStatement = Statement("scratch_world_decided", """
        SELECT id, seq, service, establishment_id, subject, actor_id, actor_role, payload::text, submitted_at, decided_at,
               state, reason_code, outcome::text, finished_at
        FROM request_history
        WHERE decided_at >= $1 AND decided_at < $2 AND state IN ('completed', 'rejected')
          AND (decided_at, finished_at, seq) > ($3, $4, $5)
        ORDER BY decided_at, finished_at, seq
        LIMIT $6
        """)

    static let decidedCountStatement = Statement("scratch_world_decided_count", """
        SELECT count(*)::int FROM request_history WHERE decided_at >= $1 AND decided_at < $2 AND state IN ('completed', 'rejected')
        """)

    static let copiedEstablishments = Statement("scratch_world_establishments", """
        SELECT \(AggregateRows.establishmentColumns) FROM pg_temp.establishments ORDER BY id
        """)

    static let recordedEstablishmentsStatement = Statement("scratch_world_recorded_establishments", """
        SELECT \(AggregateRows.establishmentColumns) FROM \(StateHistory.everyRow(of: "establishments")) WHERE NOT v.removed ORDER BY id
        """)
}
