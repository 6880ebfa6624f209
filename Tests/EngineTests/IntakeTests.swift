import Domain
import Engine
import Foundation
import PQ
import Store
import Testing
import TestSupport

@Suite("Intake")
struct IntakeTests {
    @Test("concurrent duplicate submissions give one request")
    func concurrentDuplicates() async throws {
        try await withScratchDatabase { database in
            let engine = try TestEngine(database)
            try await engine.run { db in try Fixtures.establishment("1-1", on: db) }
            let worker = Fixtures.person(1)
            let payload = hiringPayloads(worker, at: "1-1", arrived: "2026-11-01")[0].1
            let ids = try await withThrowingTaskGroup(of: UUID.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        try await engine.submit("worker.register", payload, as: staff, key: "same-key").id
                    }
                }
                return try await group.reduce(into: [UUID]()) { $0.append($1) }
            }
            #expect(Set(ids).count == 1)
            #expect(try await engine.scalar("SELECT count(*)::int FROM requests", as: Int.self) == 1)
            // After the decision, the same key still answers with the same (now decided) request.
            try await engine.drain()
            let again = try await engine.submit("worker.register", payload, as: staff, key: "same-key")
            #expect(again.id == ids[0])
            #expect(again.state == .completed)
            #expect(try await engine.scalar("SELECT count(*)::int FROM request_history", as: Int.self) == 1)
            await engine.close()
        }
    }

    @Test("many concurrent submissions are written together, each queued once with its own answer")
    func groupCommit() async throws {
        try await withScratchDatabase { database in
            let engine = try TestEngine(database)
            try await engine.run { db in try Fixtures.establishment("1-1", on: db) }
            let records = try await withThrowingTaskGroup(of: (Int, RequestRecord).self) { group in
                for n in 0..<200 {
                    group.addTask {
                        let payload = hiringPayloads(Fixtures.person(1000 + n), at: "1-1", arrived: "2026-11-01")[0].1
                        return (n, try await engine.submit("worker.register", payload, as: staff, key: "group-\(n)"))
                    }
                }
                return try await group.reduce(into: [Int: RequestRecord]()) { $0[$1.0] = $1.1 }
            }
            #expect(records.count == 200)
            #expect(Set(records.values.map(\.id)).count == 200)
            for (n, record) in records {
                #expect(record.payload["worker_id"]?.stringValue == Fixtures.person(1000 + n).digits)
                #expect(record.idempotencyKey == "group-\(n)")
            }
            #expect(try await engine.scalar("SELECT count(*)::int FROM requests", as: Int.self) == 200)
            // Fewer commits than submissions: they were written in batches.
            #expect(try await engine.scalar("SELECT count(DISTINCT submitted_at)::int FROM requests", as: Int.self) < 200)
            // Each answer is built from what was sent (only seq comes back from the insert):
            // it must be exactly the request as the queue holds it.
            let stored = try await engine.run { db in try records.values.map { try RequestQueue.find($0.id, on: db) } }
            for (answer, row) in zip(records.values, stored) {
                #expect(row == answer)
            }
            await engine.close()
        }
    }

    @Test("the same key with a different payload is a conflict, and nothing is queued")
    func keyConflict() async throws {
        try await withScratchDatabase { database in
            let engine = try TestEngine(database)
            let worker = Fixtures.person(2)
            try await engine.submit("work-permit.issue", ["worker_id": .string(worker.digits), "establishment_id": "1-1", "months": 12], as: staff, key: "k")
            let result = try await engine.intake.submit(
                .init(service: "work-permit.issue", payload: ["worker_id": .string(worker.digits), "establishment_id": "1-1", "months": 6], idempotencyKey: "k"),
                by: staff)
            guard case .failure(.idempotencyConflict) = result else {
                Issue.record("expected a conflict, got \(result)")
                return
            }
            #expect(try await engine.scalar("SELECT count(*)::int FROM requests", as: Int.self) == 1)
            await engine.close()
        }
    }

    @Test("bad payloads are refused field by field, bilingually, and never queued")
    func invalidPayloads() async throws {
        try await withScratchDatabase { database in
            let engine = try TestEngine(database)
            let cases: [(JSONValue, [String])] = [
                (["worker_id": "2000000000", "establishment_id": "1-1", "months": 12], ["worker_id"]),          // Luhn
                (["worker_id": "3000000001", "establishment_id": "1-1", "months": 12], ["worker_id"]),          // prefix
                (["worker_id": 2000000014, "establishment_id": "x", "months": "12"], ["establishment_id", "months", "worker_id"]),
                (["establishment_id": "1-1", "months": 12, "colour": "red"], ["colour", "worker_id"]),
                ("not an object", ["$"]),
            ]
            for (payload, fields) in cases {
                let result = try await engine.intake.submit(.init(service: "work-permit.issue", payload: payload, idempotencyKey: UUID().uuidString), by: staff)
                guard case .failure(.invalidPayload(let errors)) = result else {
                    Issue.record("expected field errors for \(payload), got \(result)")
                    continue
                }
                #expect(errors.map(\.field).sorted() == fields)
                for error in errors {
                    #expect(!error.reason.arabic.isEmpty && !error.reason.english.isEmpty)
                    #expect(!error.reason.arabic.contains("{") && !error.reason.english.contains("{"))
                }
            }
            let unknown = try await engine.intake.submit(.init(service: "no.such-service", payload: [:], idempotencyKey: "u"), by: staff)
            guard case .failure(.unknownService) = unknown else {
                Issue.record("expected unknown service, got \(unknown)")
                return
            }
            #expect(try await engine.scalar("SELECT count(*)::int FROM requests", as: Int.self) == 0)
            #expect(try await engine.scalar("SELECT count(*)::int FROM idempotency_keys", as: Int.self) == 0)
            await engine.close()
        }
    }

    @Test("a role the service does not accept is refused; timers cannot be submitted by people")
    func roles() async throws {
        try await withScratchDatabase { database in
            let engine = try TestEngine(database)
            try await engine.run { db in try Fixtures.establishment("1-1", company: "7000000001", on: db) }
            let owner = try await engine.run { db in try Fixtures.user(.owner, company: "7000000001", on: db) }
            let payment = try await engine.intake.submit(
                .init(service: "work-permit.pay", payload: ["worker_id": .string(Fixtures.person(3).digits), "amount": 100], idempotencyKey: "p"),
                by: owner.principal)
            guard case .failure(.roleNotAllowed(.owner)) = payment else {
                Issue.record("an owner reported a payment: \(payment)")
                return
            }
            let timer = try await engine.intake.submit(
                .init(service: "work-permit.expire", payload: ["worker_id": .string(Fixtures.person(3).digits), "permit_id": "00000000-0000-4000-8000-000000000000", "expires_on": "2026-01-01"], idempotencyKey: "t"),
                by: owner.principal)
            guard case .failure(.roleNotAllowed) = timer else {
                Issue.record("an owner submitted a timer: \(timer)")
                return
            }
            await engine.close()
        }
    }
}
