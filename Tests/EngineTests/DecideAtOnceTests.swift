import Domain
@testable import Engine
import Foundation
import PQ
import Store
import Testing
import TestSupport

/// Intake as the daemon runs it: a submission whose caller waits for the decision is decided
/// in the transaction that accepts it when nothing is due ahead of it on its subject.
@Suite("Intake: deciding at once")
struct DecideAtOnceTests {
    @Test("a waiting submission with nothing ahead on its subject is decided and recorded in the accepting transaction")
    func decidedAtOnce() async throws {
        try await withScratchDatabase { database in
            let engine = try TestEngine(database)
            try await engine.run { db in try Fixtures.establishment("1-1", on: db) }
            let worker = Fixtures.person(1)
            let hiring = hiringPayloads(worker, at: "1-1", arrived: "2026-11-01")
            var answers: [RequestRecord] = []
            for (service, payload) in hiring {
                answers.append(try await engine.submit(service, payload, as: staff, waiting: true))
            }
            // The permit saw the registration that was decided just before it.
            #expect(answers.map(\.state) == [.completed, .completed])
            #expect(answers.allSatisfy { $0.attempts == 1 && $0.decidedAt != nil })
            #expect(try await engine.scalar("SELECT count(*)::int FROM requests", as: Int.self) == 0)
            // Each answer is exactly what history holds, and the events name the request.
            for answer in answers {
                #expect(try await engine.find(answer.id) == answer)
                #expect(try await engine.scalar("SELECT count(*)::int FROM events WHERE request_id = $1", [answer.id], as: Int.self) > 0)
            }
            // Paid: the permit is active, and its expiry timer is queued as a worker's decision would queue it.
            let due = try #require(answers[1].outcome?["amount_due"]?.numberValue)
            let paid = try await engine.submit("work-permit.pay", ["worker_id": .string(worker.digits), "amount": .number(due)], as: staff, waiting: true)
            #expect(paid.state == .completed)
            answers.append(paid)
            #expect(try await engine.scalar("SELECT state FROM permits WHERE worker_id = $1", [worker.digits], as: String.self) == "active")
            #expect(try await engine.scalar("SELECT count(*)::int FROM requests WHERE service = 'work-permit.expire' AND subject = $1",
                                            ["worker:" + worker.digits], as: Int.self) == 1)
            let verification = try await engine.run { db in try EventLog.verify(on: db) }
            #expect(verification.isIntact)
            // The same key again: the same decided request, not a second one.
            let again = try await engine.submit(hiring[0].0, hiring[0].1, as: staff, key: try #require(answers[0].idempotencyKey), waiting: true)
            #expect(again == answers[0])
            #expect(try await engine.scalar("SELECT count(*)::int FROM request_history", as: Int.self) == 3)
            await engine.close()
        }
    }

    @Test("a submission that does not wait is queued, and one that waits behind it on its subject is queued behind it")
    func queuedBehind() async throws {
        try await withScratchDatabase { database in
            let engine = try TestEngine(database)
            try await engine.run { db in try Fixtures.establishment("1-1", on: db) }
            let worker = Fixtures.person(2)
            let hiring = hiringPayloads(worker, at: "1-1", arrived: "2026-11-01")
            let registration = try await engine.submit(hiring[0].0, hiring[0].1, as: staff)
            #expect(registration.state == .queued)
            // Decided at once, the permit would be refused: the worker is not registered yet.
            let permit = try await engine.submit(hiring[1].0, hiring[1].1, as: staff, waiting: true)
            #expect(permit.state == .queued)
            #expect(permit.seq > registration.seq)
            // Another subject is not held up by it.
            let other = try await engine.submit(
                "worker.register", hiringPayloads(Fixtures.person(3), at: "1-1", arrived: "2026-11-01")[0].1, as: staff, waiting: true)
            #expect(other.state == .completed)
            try await engine.drain()
            #expect(try await engine.find(registration.id)?.state == .completed)
            #expect(try await engine.find(permit.id)?.state == .completed)
            await engine.close()
        }
    }

    @Test("a waiting submission queues behind a timer of its subject that is due")
    func behindDueTimer() async throws {
        try await withScratchDatabase { database in
            let engine = try TestEngine(database, clock: .simulated)
            try await engine.run { db in
                try Fixtures.simulate(from: Day(year: 2026, month: 11, day: 1), on: db)
                try Fixtures.establishment("1-1", on: db)
            }
            let worker = Fixtures.person(4)
            var invoice: RequestRecord?
            for (service, payload) in hiringPayloads(worker, at: "1-1", arrived: "2026-10-20") {
                invoice = try await engine.submit(service, payload, as: staff, waiting: true)
                #expect(invoice?.state == .completed)
            }
            let due = try #require(invoice?.outcome?["amount_due"]?.numberValue)
            #expect(try await engine.submit("work-permit.pay", ["worker_id": .string(worker.digits), "amount": .number(due)], as: staff, waiting: true).state == .completed)
            // A year and more later the permit's expiry timer is due but not yet run.
            try await engine.run { db in _ = try ClockStore.set(Day(year: 2027, month: 12, day: 1).start, by: "test", on: db) }
            let timers = try await engine.scalar(
                "SELECT count(*)::int FROM requests WHERE service = 'work-permit.expire' AND subject = $1 AND not_before <= $2",
                ["worker:" + worker.digits, Day(year: 2027, month: 12, day: 1).start], as: Int.self)
            #expect(timers == 1)
            let renewal = try await engine.submit("work-permit.renew", ["worker_id": .string(worker.digits), "establishment_id": "1-1", "months": 12], as: staff, waiting: true)
            #expect(renewal.state == .queued)
            try await engine.drain()
            // The expiry ran first; the renewal was decided against the expired permit.
            let decided = try #require(try await engine.find(renewal.id))
            #expect(decided.isFinished)
            let order = try await engine.scalar("""
                SELECT string_agg(service, ',' ORDER BY finished_at) FROM request_history WHERE subject = $1
                """, ["worker:" + worker.digits], as: String.self)
            #expect(order == "worker.register,work-permit.issue,work-permit.pay,work-permit.expire,work-permit.renew")
            await engine.close()
        }
    }

    @Test("a decision that meets a concurrent writer is not kept: the request is queued and decided once")
    func conflictFallsBackToQueue() async throws {
        try await withScratchDatabase { database in
            let engine = try TestEngine(database)
            let worker = Fixtures.person(5)
            try await engine.run { db in
                try Fixtures.establishment("1-1", on: db)
                try Fixtures.worker(worker, at: "1-1", arrivedOn: Day(Date()).adding(days: -10).iso, on: db)
            }
            // Another writer (a worker of another daemon, say) issues the worker a permit and
            // has not committed yet.
            let holder = try await database.connect()
            try await holder.execute("BEGIN")
            try await holder.run { db in try Fixtures.permit(worker, at: "1-1", expiresOn: "2027-06-01", on: db) }
            let submission = Task {
                try await engine.submit("work-permit.issue", ["worker_id": .string(worker.digits), "establishment_id": "1-1", "months": 12],
                                        as: staff, waiting: true)
            }
            // The decision saw no permit and waits on the other writer's row, then fails when it commits.
            try await waitUntil {
                try await engine.scalar("""
                    SELECT count(*)::int FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'
                    """, as: Int.self) > 0
            }
            try await holder.execute("COMMIT")
            let answer = try await submission.value
            #expect(answer.state == .queued, "\(answer.reasonCode ?? "") \(answer.outcome ?? .null)")
            #expect(try await engine.scalar("SELECT count(*)::int FROM request_history", as: Int.self) == 0)
            try await engine.drain()
            let decided = try #require(try await engine.find(answer.id))
            #expect(decided.state == .rejected)
            #expect(decided.attempts == 1)
            #expect(try await engine.scalar("SELECT count(*)::int FROM permits WHERE worker_id = $1", [worker.digits], as: Int.self) == 1)
            #expect(try await engine.scalar("SELECT count(*)::int FROM events WHERE request_id = $1", [answer.id], as: Int.self) == 0)
            await engine.close()
        }
    }

    @Test("concurrent waiting submissions on one subject: each decided at once, one batch after another")
    func concurrentOnOneSubject() async throws {
        try await withScratchDatabase { database in
            let engine = try TestEngine(database)
            try await engine.run { db in try Fixtures.establishment("1-1", on: db) }
            let worker = Fixtures.person(6)
            let hiring = hiringPayloads(worker, at: "1-1", arrived: "2026-11-01")
            #expect(try await engine.submit(hiring[0].0, hiring[0].1, as: staff, waiting: true).state == .completed)
            // Twenty permit requests at once: exactly one can be issued, whichever way they batch.
            let answers = try await withThrowingTaskGroup(of: RequestRecord.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        try await engine.submit("work-permit.issue", ["worker_id": .string(worker.digits), "establishment_id": "1-1", "months": 12],
                                                as: staff, waiting: true)
                    }
                }
                return try await group.reduce(into: [RequestRecord]()) { $0.append($1) }
            }
            // One batch holds one request per subject, the next ones wait for it: every one
            // was decided at once, none queued for a worker.
            #expect(answers.allSatisfy { $0.isFinished })
            #expect(try await engine.scalar("SELECT count(*)::int FROM requests WHERE origin <> 'timer'", as: Int.self) == 0)
            try await engine.drain()
            let states = try await engine.run { db in try answers.map { try RequestQueue.find($0.id, on: db)?.state } }
            #expect(states.filter { $0 == .completed }.count == 1)
            #expect(states.filter { $0 == .rejected }.count == 19)
            #expect(try await engine.scalar("SELECT count(*)::int FROM permits WHERE worker_id = $1", [worker.digits], as: Int.self) == 1)
            // The one completed is the first in history's order of decision for the subject.
            let first = try await engine.scalar("""
                SELECT state FROM request_history WHERE subject = $1 AND service = 'work-permit.issue' ORDER BY decided_at, seq LIMIT 1
                """, ["worker:" + worker.digits], as: String.self)
            #expect(first == "completed")
            #expect(try await engine.run { db in try EventLog.verify(on: db) }.isIntact)
            await engine.close()
        }
    }

    @Test("which entries of a batch may be decided at once")
    func decidableInBatch() {
        func entry(_ n: Int, key: String?, waits: Bool) -> IntakeBatcher.Candidate {
            IntakeBatcher.Candidate(subject: "worker:" + Fixtures.person(n).digits, actorKey: key.map { "staff:tests\u{1F}" + $0 }, waits: waits)
        }
        let rule = IntakeBatcher.decidableAtOnce([
            entry(7, key: "k1", waits: true),      // the first of its subject: yes
            entry(7, key: "k2", waits: true),      // behind the first on the same subject: no
            entry(8, key: "k3", waits: false),     // does not wait: no
            entry(9, key: "k4", waits: true),      // yes
            entry(10, key: "twice", waits: true),  // a key twice in the batch: neither
            entry(11, key: "twice", waits: true),
            entry(12, key: nil, waits: true),      // no key: yes
            entry(8, key: "k5", waits: true),      // behind one of its subject that does not wait: no
        ])
        #expect(rule == [true, false, false, true, false, false, true, false])
    }
}
