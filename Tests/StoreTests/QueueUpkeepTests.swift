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
            // The vacuum skips a table another vacuum holds (SKIP_LOCKED: autovacuum may have
            // picked these 500 dead rows up first), so it is asked again until it ran.
            var remaining = -1
            for _ in 0..<50 where remaining != 0 {
                try await connection.run { db in try RequestQueue.vacuum(on: db) }
                remaining = try await connection.run { db in try RequestQueue.deadRows(on: db) }
                if remaining != 0 { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(remaining == 0)

            let asApp = try await Connection.connect({
                var config = database.config
                config.setupStatements = ["SET ROLE muamala_app"]
                return config
            }())
            #expect(try await asApp.run { db in try RequestQueue.mayVacuum(on: db) } == false)
        }
    }

    @Test("queue statistics: exact for an operator, sampled (timers estimated) for the metrics")
    func statisticsExactAndSampled() async throws {
        try await withScratchDatabase { database in
            let connection = try await database.connect()
            let now = Date(timeIntervalSince1970: 1_800_000_000)
            // Three due (one waiting for a retry, the oldest submitted 90 s before now), four
            // timers, one failed request in history.
            try await connection.execute("""
                INSERT INTO requests (id, service, subject, actor_id, actor_role, payload, submitted_at, not_before, retry_at)
                SELECT gen_random_uuid(), 'work-permit.renew', 'worker:' || n, 'test', 'staff', '{}',
                       to_timestamp(1800000000 - 30 * n), to_timestamp(1800000000 - 30 * n),
                       to_timestamp(1800000000 + CASE WHEN n = 1 THEN 60 ELSE -60 END)
                FROM generate_series(1, 3) AS n;
                INSERT INTO requests (id, service, subject, actor_id, actor_role, payload, origin, submitted_at, not_before, retry_at)
                SELECT gen_random_uuid(), 'work-permit.expire', 'worker:t' || n, 'system', 'system', '{}', 'timer',
                       to_timestamp(1800000000), to_timestamp(1800000000 + 86400 * n), to_timestamp(1800000000)
                FROM generate_series(1, 4) AS n;
                INSERT INTO request_history (id, seq, service, subject, actor_id, actor_role, payload, priority, origin,
                                             submitted_at, not_before, attempts, state, decided_at)
                VALUES (gen_random_uuid(), 1, 'work-permit.renew', 'worker:f', 'test', 'staff', '{}', 0, 'api',
                        now(), now(), 5, 'failed', now());
                """)
            let exact = try await connection.run { db in
                try RequestQueue.statistics(businessNow: now, realNow: now, counting: .exact, on: db)
            }
            #expect(exact.due == 3)
            #expect(exact.retrying == 1)
            #expect(exact.scheduled == 4)
            #expect(exact.failed == 1)
            #expect(abs(exact.oldestDueAgeSeconds - 90) < 0.001)
            #expect(exact.finishedLastMinute != nil)

            // The estimate is the table's size at its last analyze, less what is due.
            try await connection.execute("ANALYZE requests")
            let sampled = try await connection.run { db in
                try RequestQueue.statistics(businessNow: now, realNow: now, counting: .sampled, on: db)
            }
            #expect(sampled.due == 3)
            #expect(sampled.retrying == 1)
            #expect(sampled.scheduled == 4)
            #expect(sampled.failed == 1)
            #expect(sampled.finishedLastMinute == nil)
            await connection.close()
        }
    }
}
