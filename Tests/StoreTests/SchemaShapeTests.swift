import Foundation
import PQ
import Testing
import TestSupport

/// Rules of the schema that come from measurements (BENCHMARKS.md): each would cost the
/// drain or the HTTP path dearly if a later migration undid it, and none shows in a
/// functional test.
@Suite("Schema shape")
struct SchemaShapeTests {
    @Test("identifier columns compare as bytes (COLLATE \"C\"), whatever the cluster's locale")
    func identifiersCompareAsBytes() async throws {
        try await withScratchDatabase { database in
            let connection = try await database.connect()
            let identifiers = [
                "establishments.id", "establishments.unified_number", "establishments.cr_number",
                "workers.id", "workers.establishment_id", "workers.guardian_id",
                "permits.worker_id", "permits.establishment_id",
                "cases.worker_id", "cases.establishment_id", "cases.counterpart_id",
                "certificates.establishment_id", "streams.stream", "events.stream", "events.establishment_id",
                "requests.subject", "requests.establishment_id", "requests.actor_id",
                "request_history.subject", "request_history.establishment_id", "request_history.actor_id",
                "idempotency_keys.actor_id", "idempotency_keys.key", "grants.establishment_id",
            ]
            let rows = try await connection.run { db in
                try db.query("""
                    SELECT c.relname || '.' || a.attname, coalesce(k.collname, '')
                    FROM pg_attribute a
                    JOIN pg_class c ON c.oid = a.attrelid
                    LEFT JOIN pg_collation k ON k.oid = a.attcollation
                    WHERE c.relnamespace = 'public'::regnamespace AND (c.relname || '.' || a.attname) = ANY($1::text[])
                    """, [identifiers]).map { (try $0.decode(String.self, at: 0), try $0.decode(String.self, at: 1)) }
            }
            #expect(rows.count == identifiers.count)
            for (column, collation) in rows {
                #expect(collation == "C", "\(column) collates as \(collation)")
            }
            await connection.close()
        }
    }

    @Test("the claim index leads with due time, so a claim's scan ends where due requests end")
    func claimIndexLeadsWithDueTime() async throws {
        try await withScratchDatabase { database in
            let connection = try await database.connect()
            let definition = try await connection.run { db in
                try db.query("SELECT pg_get_indexdef('requests_claim'::regclass)").single().decode(String.self, at: 0)
            }
            #expect(definition.hasSuffix("USING btree (not_before, seq)"), "\(definition)")
            await connection.close()
        }
    }

    @Test("no index on permits holds a column a renewal changes, so renewals stay HOT updates")
    func renewalsCanBeHOT() async throws {
        try await withScratchDatabase { database in
            let connection = try await database.connect()
            let (indexed, options) = try await connection.run { db -> ([String], String) in
                let indexed = try db.query("""
                    SELECT DISTINCT a.attname
                    FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
                    WHERE i.indrelid = 'permits'::regclass
                    UNION
                    SELECT unnest(regexp_matches(pg_get_expr(i.indpred, i.indrelid), '[a-z_]+', 'g'))
                    FROM pg_index i WHERE i.indrelid = 'permits'::regclass AND i.indpred IS NOT NULL
                    """).map { try $0.decode(String.self, at: 0) }
                let options = try db.query("SELECT coalesce(array_to_string(reloptions, ','), '') FROM pg_class WHERE oid = 'permits'::regclass")
                    .single().decode(String.self, at: 0)
                return (indexed, options)
            }
            let changedByRenewal: Set = ["valid_from", "expires_on", "months", "levy", "fee", "extensions", "updated_at", "version"]
            #expect(changedByRenewal.isDisjoint(with: indexed), "indexed: \(indexed.sorted())")
            // Room on each page for the new version of a row.
            #expect(options.contains("fillfactor="), "\(options)")
            await connection.close()
        }
    }

    @Test("every table that changes under load is analyzed from a small sample, every column included")
    func statisticsStaySmall() async throws {
        try await withScratchDatabase { database in
            let connection = try await database.connect()
            // PostgreSQL 15: -1 means the default target (100, a 30,000-row sample). A column
            // added later without its own target would bring back the 340 ms analyze of history
            // (`Schema/0011`), the 172 ms one of the queue (`Schema/0013`) or the 0.6 s of a
            // core that the aggregates' took in one autovacuum visit (`Schema/0015`).
            let tables = ["request_history", "events", "idempotency_keys", "requests",
                          "establishments", "workers", "permits", "cases", "certificates", "streams"]
            let targets = try await connection.run { db in
                try db.query("""
                    SELECT c.relname, a.attname, a.attstattarget::int, a.atttypid = 'jsonb'::regtype
                    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
                    WHERE c.relname = ANY($1::text[]) AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
                    """, [tables]).map {
                    (table: try $0.decode(String.self, at: 0), column: try $0.decode(String.self, at: 1),
                     target: try $0.decode(Int.self, at: 2), document: try $0.decode(Bool.self, at: 3))
                }
            }
            #expect(Set(targets.map(\.table)) == Set(tables))
            #expect(targets.count > 110)
            for column in targets {
                #expect((0...10).contains(column.target), "\(column.table).\(column.column) has statistics target \(column.target)")
                if column.document {
                    #expect(column.target == 0, "\(column.table).\(column.column) is a document, never filtered on")
                }
            }
            await connection.close()
        }
    }
}
