import Domain
import Foundation
import PQ

/// `muamala verify --state`: the current rows of every aggregate compared with their record
/// (`aggregate_versions`), each difference named.
///
/// `muamala verify` proves that nobody edited the history; this proves that the record is
/// complete and that everything in it was vouched for. It finds:
/// - a row that differs from its newest version, or has none: changed with the triggers off
///   (`session_replication_role = replica`, `ALTER TABLE … DISABLE TRIGGER`), or written
///   before the record began;
/// - a recorded row that is gone without a recorded removal (`TRUNCATE`, triggers off);
/// - a version nobody vouched for: written outside the engine, a bulk load and the
///   migrations, as by a superuser at a psql prompt (with who, when, and what changed);
/// - an establishment whose counts (moved by relative updates, which no version explains
///   one by one) are not what its workers and permits add up to: a delta lost or applied
///   twice. The weighted Saudi share is not rebuilt: a worker's weight is the rulebook's
///   when he joined.
public enum StateCheck {
    /// One finding.
    public struct Difference: Sendable, Encodable, CustomStringConvertible {
        public enum Kind: String, Sendable, Encodable {
            /// The row is not what its newest version says (or has no version).
            case unrecorded = "changed_without_record"
            /// A recorded row is missing, with no removal recorded.
            case missing = "removed_without_record"
            /// A change recorded as made outside the engine, a load or a migration.
            case outside = "changed_outside_the_engine"
            /// Counts that the establishment's workers and permits do not add up to.
            case counts = "counts_do_not_add_up"
        }

        public let kind: Kind
        /// The table and the row's key there.
        public let table: String
        public let key: String
        /// The columns that differ: the recorded (or previous) value and the current (or new) one.
        public let columns: [Column]
        /// For an outside change: when (business time) and by which database role.
        public let at: Date?
        public let by: String?

        public struct Column: Sendable, Encodable {
            public let name: String
            public let before: JSONValue?
            public let after: JSONValue?
        }

        public var description: String {
            let changes = columns.map { "\($0.name) \(Self.text($0.before)) → \(Self.text($0.after))" }.joined(separator: ", ")
            switch kind {
            case .unrecorded:
                return "\(table) \(key): differs from its record\(changes.isEmpty ? " (no version at all)" : ": " + changes)"
            case .missing:
                return "\(table) \(key): recorded, but gone with no removal recorded"
            case .outside:
                let when = at.map { " at \(ISO8601DateFormatter().string(from: $0))" } ?? ""
                return "\(table) \(key): changed outside the engine by \(by ?? "?")\(when)\(changes.isEmpty ? "" : ": " + changes)"
            case .counts:
                return "\(table) \(key): its counts are not what its workers and permits add up to: \(changes) (stored → added up)"
            }
        }

        static func text(_ value: JSONValue?) -> String {
            guard let value else { return "(none)" }
            return JSONCoding.encode(value)
        }
    }

    public struct Report: Sendable, Encodable {
        /// Rows compared, by table.
        public var rows: [String: Int] = [:]
        public var differences: [Difference] = []
        /// Findings beyond those listed (the list stops at `limit`).
        public var unlisted = 0
        public var isConsistent: Bool { differences.isEmpty && unlisted == 0 }
    }

    /// The tables checked, with the expression of a row's key (as the trigger writes it).
    static let tables: [(name: String, key: String)] = [
        ("establishments", "t.id"), ("workers", "t.id"), ("permits", "t.id::text"), ("cases", "t.id::text"),
        ("certificates", "t.id::text"), ("visas", "t.id"), ("visa_balances", "t.establishment_id || '/' || t.occupation"),
        ("authorizations", "t.id::text"), ("establishment_owners", "t.establishment_id || '/' || t.person_id"),
    ]

    /// Compares every table, in the caller's (repeatable-read) transaction. `progress` is
    /// told each table as it starts. At most `limit` findings are listed; the rest are counted.
    public static func run(limit: Int = 1000, progress: (String) -> Void = { _ in }, on db: isolated Connection) throws -> Report {
        // Rows are compared as the trigger writes them: timestamps in UTC.
        _ = try db.execute("SET TimeZone = 'UTC'")
        var report = Report()
        func add(_ difference: Difference) {
            if report.differences.count < limit { report.differences.append(difference) } else { report.unlisted += 1 }
        }
        progress("rows")
        for row in try db.query(countRows) { report.rows[try row.decode(String.self, at: 0)] = try row.decode(Int.self, at: 1) }
        progress("rows against their newest versions")
        for row in try db.query(unrecorded) {
            let recorded = try row.decode(String?.self, at: 2).map(JSONCoding.decode)
            let current = try JSONCoding.decode(try row.decode(String.self, at: 3))
            add(Difference(kind: .unrecorded, table: try row.decode(String.self, at: 0), key: try row.decode(String.self, at: 1),
                           columns: recorded.map { columns($0, current) } ?? [], at: nil, by: nil))
        }
        progress("recorded rows that are gone")
        for row in try db.query(missing) {
            add(Difference(kind: .missing, table: try row.decode(String.self, at: 0), key: try row.decode(String.self, at: 1),
                           columns: [], at: nil, by: nil))
        }
        progress("establishments' counts against their workers and permits")
        for row in try db.query(counts) {
            let names = ["headcount", "saudi_count", "levy_exempt_expats", "expired_permits"]
            let columns = try names.enumerated().compactMap { index, name -> Difference.Column? in
                let stored = try row.decode(Int.self, at: 1 + 2 * index), added = try row.decode(Int.self, at: 2 + 2 * index)
                return stored == added ? nil : Difference.Column(name: name, before: JSONValue(stored), after: JSONValue(added))
            }
            add(Difference(kind: .counts, table: "establishments", key: try row.decode(String.self, at: 0), columns: columns, at: nil, by: nil))
        }
        progress("changes outside the engine")
        for row in try db.query(outside) {
            let previous = try row.decode(String?.self, at: 4).map(JSONCoding.decode)
            let image = try JSONCoding.decode(try row.decode(String.self, at: 5))
            let removed = try row.decode(Bool.self, at: 6)
            add(Difference(kind: .outside, table: try row.decode(String.self, at: 0), key: try row.decode(String.self, at: 1),
                           columns: removed ? [] : columns(previous ?? .object([:]), image),
                           at: try row.decode(Date.self, at: 2), by: try row.decode(String.self, at: 3)))
        }
        return report
    }

    /// The columns whose values differ between two images of a row, in name order.
    static func columns(_ before: JSONValue, _ after: JSONValue) -> [Difference.Column] {
        let old = before.objectValue ?? [:], new = after.objectValue ?? [:]
        return Set(old.keys).union(new.keys).sorted().compactMap { name in
            old[name] == new[name] ? nil : Difference.Column(name: name, before: old[name], after: new[name])
        }
    }
}

extension StateCheck {
    /// One statement over every table: the tables' parts joined by UNION ALL. Only the
    /// tables' names and key expressions, fixed in `tables`, are written into the text;
    /// no value ever is.
    private static func everyTable(_ part: ((name: String, key: String)) -> String) -> String {
        tables.map(part).joined(separator: "\nUNION ALL\n")
    }

    static let countRows = Statement("state_check_count", """
        SELECT 'establishments', count(*)::int FROM establishments
        UNION ALL SELECT 'workers', count(*)::int FROM workers
        UNION ALL SELECT 'permits', count(*)::int FROM permits
        UNION ALL SELECT 'cases', count(*)::int FROM cases
        UNION ALL SELECT 'certificates', count(*)::int FROM certificates
        UNION ALL SELECT 'visas', count(*)::int FROM visas
        UNION ALL SELECT 'visa_balances', count(*)::int FROM visa_balances
        UNION ALL SELECT 'authorizations', count(*)::int FROM authorizations
        UNION ALL SELECT 'establishment_owners', count(*)::int FROM establishment_owners
        """)

    /// Rows whose newest version is not the row (or that have none), with both images.
    static let unrecorded = Statement("state_check_unrecorded", everyTable { table in
        """
        (SELECT '\(table.name)', c.key, v.image::text, c.image::text
         FROM (SELECT \(table.key) AS key, to_jsonb(t) AS image FROM \(table.name) t) c
         LEFT JOIN LATERAL (
             SELECT image, removed FROM aggregate_versions WHERE entity = '\(table.name)' AND key = c.key ORDER BY n DESC LIMIT 1
         ) v ON true
         WHERE v.image IS NULL OR v.removed OR v.image <> c.image
         ORDER BY c.key)
        """
    })

    /// Rows whose newest version is not a removal, and that are not there.
    static let missing = Statement("state_check_missing", everyTable { table in
        """
        (SELECT '\(table.name)', v.key FROM (
             SELECT DISTINCT ON (key) key, removed FROM aggregate_versions WHERE entity = '\(table.name)' ORDER BY key, n DESC
         ) v
         WHERE NOT v.removed AND NOT EXISTS (SELECT 1 FROM \(table.name) t WHERE \(table.key) = v.key)
         ORDER BY v.key)
        """
    })

    /// Each establishment whose stored counts differ from what its workers and permits add
    /// up to. Who is counted is `Nitaqat.counts`: employed, and not on a temporary permit
    /// that is not void (the newest permit); the same rule as Schema/0018's seats.
    static let counts = Statement("state_check_counts", """
        WITH counted AS (
            SELECT w.establishment_id AS id, count(*)::int AS headcount, (count(*) FILTER (WHERE w.id LIKE '1%'))::int AS saudis,
                   (count(*) FILTER (WHERE w.levy_exempt))::int AS exempt
            FROM workers w
            LEFT JOIN LATERAL (SELECT kind, state FROM permits p WHERE p.worker_id = w.id ORDER BY updated_at DESC LIMIT 1) p ON true
            WHERE w.employment = 'employed' AND NOT (p.kind IS NOT DISTINCT FROM 'temporary' AND p.state IS DISTINCT FROM 'void')
            GROUP BY w.establishment_id
        ), expired AS (
            SELECT establishment_id AS id, count(*)::int AS permits FROM permits WHERE state = 'expired' GROUP BY establishment_id
        )
        SELECT e.id, e.headcount, coalesce(c.headcount, 0), e.saudi_count, coalesce(c.saudis, 0),
               e.levy_exempt_expats, coalesce(c.exempt, 0), e.expired_permits, coalesce(x.permits, 0)
        FROM establishments e LEFT JOIN counted c ON c.id = e.id LEFT JOIN expired x ON x.id = e.id
        WHERE (e.headcount, e.saudi_count, e.levy_exempt_expats, e.expired_permits)
              IS DISTINCT FROM (coalesce(c.headcount, 0), coalesce(c.saudis, 0), coalesce(c.exempt, 0), coalesce(x.permits, 0))
        ORDER BY e.id
        """)

    /// Versions nobody vouched for, each with the version before it.
    static let outside = Statement("state_check_outside", """
        SELECT o.entity, o.key, o.at, o.changed_by, p.image::text, o.image::text, o.removed
        FROM aggregate_versions o
        LEFT JOIN LATERAL (
            SELECT image FROM aggregate_versions WHERE entity = o.entity AND key = o.key AND n < o.n ORDER BY n DESC LIMIT 1
        ) p ON true
        WHERE o.source = 'outside'
        ORDER BY o.n
        """)
}
