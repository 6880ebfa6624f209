import Foundation
import PQ
import Store
import Testing
import TestSupport

/// The console's chart of the last hour (`RequestQueue.finishedPerMinute`).
@Suite("The queue's last hour")
struct QueueChartTests {
    @Test("sixty minutes of the database's clock, oldest first, empty ones as zero, the current one last; older requests left out")
    func lastHour() async throws {
        try await withScratchDatabase { database in
            let connection = try await database.connect()
            // Minutes ago of each finished request: two now, one 5 and one 59 minutes ago, one an hour ago (out).
            let ago = [0, 0, 5, 59, 60]
            for _ in 0..<3 {
                let (minute, buckets) = try await connection.run { db -> (Int64, [(minute: Date, count: Int)]) in
                    _ = try db.query("DELETE FROM request_history")
                    let now = try db.query("SELECT EXTRACT(EPOCH FROM date_trunc('minute', clock_timestamp()))::bigint").single().decode(Int64.self, at: 0)
                    for (n, minutes) in ago.enumerated() {
                        _ = try db.query("""
                            INSERT INTO request_history (id, seq, service, subject, actor_id, actor_role, payload, priority, origin,
                                                         submitted_at, not_before, attempts, state, decided_at, finished_at)
                            VALUES (gen_random_uuid(), $1, 'work-permit.renew', 'worker:1', 'test', 'staff', '{}', 0, 'api',
                                    now(), now(), 1, 'completed', now(), to_timestamp($2) + interval '10 seconds')
                            """, [n, now - Int64(minutes * 60)])
                    }
                    return (now, try RequestQueue.finishedPerMinute(on: db))
                }
                // The minute turned between the inserts and the chart: measure again.
                guard let last = buckets.last, Int64(last.minute.timeIntervalSince1970) == minute else { continue }
                #expect(buckets.count == 60)
                #expect(buckets.map(\.count).reduce(0, +) == 4)
                #expect(buckets[59].count == 2 && buckets[54].count == 1 && buckets[0].count == 1)
                #expect(zip(buckets, buckets.dropFirst()).allSatisfy { $1.minute.timeIntervalSince($0.minute) == 60 })
                return
            }
            Issue.record("the minute turned three times in a row")
        }
    }
}
