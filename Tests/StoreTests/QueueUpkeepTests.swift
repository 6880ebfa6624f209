import Foundation
import PQ
import Store
import Testing
import TestSupport

@Suite("Queue upkeep")
struct QueueUpkeepTests {
    @Test("dead queue rows are counted and a vacuum clears them; only an owner may vacuum")
    func vacuumClearsDeadRows() async throws {
        try await withScratchDatabase { database in
            let connection = try await database.connect()
            try await connection.execute("""
                INSERT INTO requests (id, service, subject, actor_id, actor_role, payload, submitted_at, not_before, retry_at)
                SELECT gen_random_uuid(), 'work-permit.renew', 'worker:' || n, 'test', 'staff', '{}', now(), now(), now()
                FROM generate_series(1, 500) AS n;
                DELETE FROM requests;
                """)
            // Statistics reach the shared counters at the end of a transaction, at most once a second unless forced.
            _ = try await connection.query("SELECT pg_stat_force_next_flush()")
            let dead = try await connection.run { db in try RequestQueue.deadRows(on: db) }
            #expect(dead >= 500)

            #expect(try await connection.run { db in try RequestQueue.mayVacuum(on: db) })
            try await connection.run { db in try RequestQueue.vacuum(on: db) }
            #expect(try await connection.run { db in try RequestQueue.deadRows(on: db) } == 0)

            let asApp = try await Connection.connect({
                var config = database.config
                config.setupStatements = ["SET ROLE muamala_app"]
                return config
            }())
            #expect(try await asApp.run { db in try RequestQueue.mayVacuum(on: db) } == false)
        }
    }
}
