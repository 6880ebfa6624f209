import Domain
import Engine
import Foundation
import Logging
import PQ
import Store
import Testing
import TestSupport

@Suite("Technical failures")
struct RetryTests {
    @Test("a poison request is retried with back-off, parked as failed, and holds up nobody else; a re-drive completes it")
    func poisonRequest() async throws {
        try await withScratchDatabase { database in
            let engine = try TestEngine(database, batchSize: 16)
            try await engine.run { db in
                try Fixtures.establishment("1-1", on: db)
                // A fault injected in the database: storing this worker fails, every time.
                try db.execute("""
                    CREATE FUNCTION inject_fault() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN
                        IF NEW.name = 'POISON' THEN RAISE EXCEPTION 'injected fault'; END IF;
                        RETURN NEW;
                    END $$;
                    CREATE TRIGGER inject_fault BEFORE INSERT OR UPDATE ON workers FOR EACH ROW EXECUTE FUNCTION inject_fault();
                    """)
            }
            let poisoned = Fixtures.person(1)
            var poison = hiringPayloads(poisoned, at: "1-1", arrived: "2026-11-01")[0].1
            if case .object(var object) = poison { object["name"] = "POISON"; poison = .object(object) }
            let poisonRecord = try await engine.submit("worker.register", poison, as: staff)
            // Behind it on the same subject: must wait until the poison is parked.
            let follower = try await engine.submit("work-permit.issue", ["worker_id": .string(poisoned.digits), "establishment_id": "1-1", "months": 12], as: staff)
            for n in 2...21 {
                try await engine.submit("worker.register", hiringPayloads(Fixtures.person(n), at: "1-1", arrived: "2026-11-01")[0].1, as: staff)
            }

            let wake = WakeSignal()
            let worker = QueueWorker(
                name: "test", pool: engine.pool, processor: engine.processor, wake: wake, waiters: DecisionWaiters(),
                settings: .init(maxAttempts: 3, pollInterval: .milliseconds(20), initialBackoff: .milliseconds(20), maxBackoff: .milliseconds(200)),
                logger: Logger(label: "test"))
            let task = Task { try await worker.run() }
            defer { task.cancel() }
            let deadline = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < deadline {
                let queued = try await engine.scalar("SELECT count(*)::int FROM requests", as: Int.self)
                if queued == 0 { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            task.cancel()
            _ = await task.result

            let parked = try #require(try await engine.find(poisonRecord.id))
            #expect(parked.state == .failed)
            #expect(parked.attempts == 3)
            #expect(parked.lastError?.contains("injected fault") == true)
            #expect(parked.outcome?["error"]?.stringValue?.contains("injected fault") == true)
            #expect(try await engine.scalar("SELECT count(*)::int FROM request_history WHERE service = 'worker.register' AND state = 'completed'", as: Int.self) == 20)
            let followed = try #require(try await engine.find(follower.id))
            #expect(followed.state == .rejected)
            // The worker was never registered, so he is nobody's employee.
            #expect(followed.reasonCode == "worker.not_employed_here")

            // The fault is fixed; an operator re-drives the request.
            _ = try await engine.run { db in try db.execute("DROP TRIGGER inject_fault ON workers") }
            let redriven = try await engine.run { db in try RequestQueue.redrive(poisonRecord.id, at: Date(), on: db) }
            guard case .success(let again) = redriven else {
                Issue.record("re-drive refused: \(redriven)")
                return
            }
            #expect(again.state == .queued)
            #expect(again.attempts == 0)
            try await engine.drain()
            #expect(try await engine.find(poisonRecord.id)?.state == .completed)
            // Re-driving anything but a failed request is refused.
            let refused = try await engine.run { db in try RequestQueue.redrive(poisonRecord.id, at: Date(), on: db) }
            #expect(refusal(of: refused) == .wrongState(.completed))
            await engine.close()
        }
    }

    @Test("withdrawing: a queued request can be cancelled; a decided one cannot")
    func cancel() async throws {
        try await withScratchDatabase { database in
            let engine = try TestEngine(database)
            try await engine.run { db in try Fixtures.establishment("1-1", on: db) }
            let first = try await engine.submit("worker.register", hiringPayloads(Fixtures.person(1), at: "1-1", arrived: "2026-11-01")[0].1, as: staff)
            let cancelled = try await engine.run { db in try RequestQueue.cancel(first.id, by: staff.user.actor, at: Date(), on: db) }
            guard case .success(let record) = cancelled else {
                Issue.record("cancel refused: \(cancelled)")
                return
            }
            #expect(record.state == .cancelled)
            let second = try await engine.submit("worker.register", hiringPayloads(Fixtures.person(2), at: "1-1", arrived: "2026-11-01")[0].1, as: staff)
            try await engine.drain()
            let late = try await engine.run { db in try RequestQueue.cancel(second.id, by: staff.user.actor, at: Date(), on: db) }
            #expect(refusal(of: late) == .wrongState(.completed))
            #expect(try await engine.scalar("SELECT count(*)::int FROM workers", as: Int.self) == 1)
            await engine.close()
        }
    }
}

private func refusal(of result: Result<RequestRecord, RequestQueue.ChangeRefusal>) -> RequestQueue.ChangeRefusal? {
    if case .failure(let refusal) = result { return refusal }
    return nil
}
