import Domain
import Engine
import Foundation
import PQ
import Store
import Testing
import TestSupport

/// Two daemons on one database draw visas from one balance at once.
@Suite("Recruitment under two daemons")
struct RecruitmentConcurrencyTests {
    @Test("two daemons deciding visa issues from one balance at once never overdraw it: exactly the balance is drawn")
    func noOverdraw() async throws {
        try await withScratchDatabase { database in
            // Two engines, each with its own pool: two daemons.
            let first = try TestEngine(database, clock: .simulated, batchSize: 8)
            let second = try TestEngine(database, clock: .simulated, batchSize: 8)
            try await first.run { db in
                try Fixtures.simulate(from: Day(year: 2026, month: 3, day: 1), on: db)
                try Fixtures.establishment("1-1", on: db)
                for n in 1...4 { try Fixtures.worker(Fixtures.person(100 + n, saudi: true), at: "1-1", on: db) }
            }
            try await first.submit("recruitment.balance-request", ["establishment_id": "1-1", "occupation": "mason", "count": 10], as: staff)
            #expect(try await first.drain() == 1)
            #expect(try await first.scalar("SELECT remaining FROM visa_balances WHERE establishment_id = '1-1'", as: Int.self) == 10)

            // 24 requests of one visa each: some queued, some decided at once as they arrive
            // (a waiting caller), on both daemons, while both drain the queue.
            let issue: JSONValue = ["establishment_id": "1-1", "occupation": "mason", "nationality": "IND", "count": 1]
            for _ in 0..<8 { try await first.submit("recruitment.visa-issue", issue, as: staff) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for engine in [first, second] {
                    group.addTask {
                        for _ in 0..<8 { try await engine.submit("recruitment.visa-issue", issue, as: staff, waiting: Bool.random()) }
                    }
                    group.addTask { for _ in 0..<20 { try await engine.drain() } }
                }
                try await group.waitForAll()
            }
            try await first.drain()
            try await second.drain()
            #expect(try await first.scalar("SELECT count(*)::int FROM requests", as: Int.self) > 0, "the lapse timers wait")
            let completed = try await first.scalar(
                "SELECT count(*)::int FROM request_history WHERE service = 'recruitment.visa-issue' AND state = 'completed'", as: Int.self)
            let refused = try await first.scalar("""
                SELECT count(*)::int FROM request_history
                WHERE service = 'recruitment.visa-issue' AND state = 'rejected' AND reason_code = 'recruitment.balance_insufficient'
                """, as: Int.self)
            #expect(completed == 10 && refused == 14, "\(completed) completed, \(refused) refused")
            #expect(try await first.scalar("SELECT remaining FROM visa_balances WHERE establishment_id = '1-1'", as: Int.self) == 0)
            #expect(try await first.scalar("SELECT count(*)::int FROM cases WHERE kind = 'visa_issue' AND state = 'awaiting_fee'", as: Int.self) == 10)
            await first.close()
            await second.close()
        }
    }
}
