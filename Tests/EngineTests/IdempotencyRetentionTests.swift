import Domain
import Engine
import Foundation
import Logging
import PQ
import Store
import Testing
import TestSupport

/// Idempotency keys are honoured for their retention, then forgotten (they grew by one row
/// per request, forever).
@Suite("Idempotency key retention")
struct IdempotencyRetentionTests {
    @Test("a key past its retention is purged, and the same key then makes a new request; a younger key stays")
    func purged() async throws {
        try await withScratchDatabase { database in
            let engine = try TestEngine(database)
            try await engine.run { db in try Fixtures.establishment("1-1", on: db) }
            let old = hiringPayloads(Fixtures.person(1), at: "1-1", arrived: "2026-11-01")[0].1
            let young = hiringPayloads(Fixtures.person(2), at: "1-1", arrived: "2026-11-01")[0].1
            let first = try await engine.submit("worker.register", old, as: staff, key: "old-key")
            let kept = try await engine.submit("worker.register", young, as: staff, key: "young-key")
            #expect(try await engine.submit("worker.register", old, as: staff, key: "old-key").id == first.id)
            // The first key was made 31 days ago; the retention is 30.
            try await engine.run { db in
                try db.query("UPDATE idempotency_keys SET created_at = created_at - interval '31 days' WHERE key = 'old-key'")
            }
            let purger = IdempotencyKeyPurger(pool: engine.pool, retention: .seconds(30 * 24 * 3600), batch: 1, logger: Logger(label: "test"))
            #expect(try await purger.purgeOnce(now: Date()) == 1)
            #expect(try await purger.purgeOnce(now: Date()) == 0)
            let again = try await engine.submit("worker.register", old, as: staff, key: "old-key")
            #expect(again.id != first.id)
            #expect(try await engine.submit("worker.register", young, as: staff, key: "young-key").id == kept.id)
            #expect(try await engine.scalar("SELECT count(*)::int FROM idempotency_keys", as: Int.self) == 2)
            await engine.close()
        }
    }
}
