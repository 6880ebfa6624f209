import Domain
import Engine
import Foundation
import PQ
import Store
import Testing
import TestSupport

@Suite("Processing")
struct ProcessingTests {
    @Test("the tracer: register, issue, pay, renew; state, events and outcomes agree")
    func permitPath() async throws {
        try await withScratchDatabase { database in
            let engine = try TestEngine(database, clock: .simulated)
            try await engine.run { db in
                try Fixtures.simulate(from: Day(year: 2026, month: 3, day: 1), on: db)
                try Fixtures.establishment("1-1", on: db)
                // Saudis paid in full, so that the establishment is green.
                for n in 1...4 { try Fixtures.worker(Fixtures.person(100 + n, saudi: true), at: "1-1", on: db) }
            }
            let worker = Fixtures.person(7)
            for (service, payload) in hiringPayloads(worker, at: "1-1", arrived: "2026-02-15") {
                try await engine.submit(service, payload, as: staff)
            }
            #expect(try await engine.drain() == 2)
            let issued = try await engine.run { db in try RequestQueue.list(.init(state: .completed), on: db) }
            let invoice = try #require(issued.first { $0.service == "work-permit.issue" })
            let due = try #require(invoice.outcome?["amount_due"]?.numberValue)
            // 4 Saudis and 1 resident: Saudi majority, 700 SAR a month, plus 100 SAR a year.
            #expect(due == 700 * 12 + 100)
            try await engine.submit("work-permit.pay", ["worker_id": .string(worker.digits), "amount": .number(due)], as: staff)
            #expect(try await engine.drain() == 1)
            #expect(try await engine.scalar("SELECT state FROM permits WHERE worker_id = $1", [worker.digits], as: String.self) == "active")
            // The expiry timer waits for its day.
            #expect(try await engine.scalar("SELECT count(*)::int FROM requests WHERE service = 'work-permit.expire'", as: Int.self) == 1)

            // Too early to renew (a year left): refused with the day it opens.
            let early = try await engine.submit("work-permit.renew", ["worker_id": .string(worker.digits), "establishment_id": "1-1", "months": 6], as: staff)
            try await engine.drain()
            let refused = try #require(try await engine.find(early.id))
            #expect(refused.state == .rejected)
            #expect(refused.reasonCode == "permit.renewal_too_early")
            #expect(refused.outcome?["message_ar"]?.stringValue?.isEmpty == false)

            // 200 days later the window is open: renewal extends from the current expiry.
            try await engine.run { db in _ = try ClockStore.advance(by: 200 * 86_400, by: "test", on: db) }
            let renewal = try await engine.submit("work-permit.renew", ["worker_id": .string(worker.digits), "establishment_id": "1-1", "months": 6], as: staff)
            try await engine.drain()
            let renewed = try #require(try await engine.find(renewal.id))
            #expect(renewed.state == .completed)
            #expect(renewed.outcome?["expires_on"]?.stringValue == "2027-09-01")
            let events = try await engine.run { db in try EventLog.history(stream: Subject.worker(worker).key, on: db) }
            #expect(events.map(\.type) == ["workerEmployed", "permitInvoiced", "permitActivated", "permitRenewed"])
            #expect(events.map(\.seq) == [1, 2, 3, 4])
            let verification = try await engine.run { db in try EventLog.verify(on: db) }
            #expect(verification.isIntact)
            await engine.close()
        }
    }

    @Test("a permit's expiry timer fires once when simulated time passes it; an early renewal makes it a no-op")
    func expiryTimer() async throws {
        try await withScratchDatabase { database in
            let engine = try TestEngine(database, clock: .simulated)
            let renewedWorker = Fixtures.person(11), lapsingWorker = Fixtures.person(12)
            try await engine.run { db in
                try Fixtures.simulate(from: Day(year: 2026, month: 1, day: 1), on: db)
                try Fixtures.establishment("1-1", on: db)
                for n in 1...4 { try Fixtures.worker(Fixtures.person(200 + n, saudi: true), at: "1-1", on: db) }
            }
            for worker in [renewedWorker, lapsingWorker] {
                for (service, payload) in hiringPayloads(worker, at: "1-1", arrived: "2025-12-20") {
                    try await engine.submit(service, payload, as: staff)
                }
                try await engine.drain()
                try await engine.submit("work-permit.pay", ["worker_id": .string(worker.digits), "amount": 8500], as: staff)
                try await engine.drain()
            }
            // Expiry on 2027-01-01; renew one worker in November.
            try await engine.run { db in _ = try ClockStore.set(Day(year: 2026, month: 11, day: 15).start, by: "test", on: db) }
            try await engine.submit("work-permit.renew", ["worker_id": .string(renewedWorker.digits), "establishment_id": "1-1", "months": 12], as: staff)
            try await engine.drain()
            // Day 2027-01-01 is the last valid day: nothing fires yet.
            try await engine.run { db in _ = try ClockStore.set(Day(year: 2027, month: 1, day: 1).start.addingTimeInterval(86_399), by: "test", on: db) }
            try await engine.drain()
            #expect(try await engine.scalar("SELECT count(*)::int FROM permits WHERE state = 'expired'", as: Int.self) == 0)
            // The next day it expires: once.
            try await engine.run { db in _ = try ClockStore.advance(by: 3600, by: "test", on: db) }
            try await engine.drain()
            try await engine.drain()
            #expect(try await engine.scalar("SELECT state FROM permits WHERE worker_id = $1", [lapsingWorker.digits], as: String.self) == "expired")
            #expect(try await engine.scalar("SELECT state FROM permits WHERE worker_id = $1", [renewedWorker.digits], as: String.self) == "active")
            #expect(try await engine.scalar("SELECT count(*)::int FROM events WHERE type = 'permitExpired'", as: Int.self) == 1)
            #expect(try await engine.scalar("SELECT expired_permits FROM establishments WHERE id = '1-1'", as: Int.self) == 1)
            // The renewal cancelled the old expiry timer: one expiry ran, the renewed permit's waits for 2028.
            #expect(try await engine.scalar("SELECT count(*)::int FROM request_history WHERE service = 'work-permit.expire'", as: Int.self) == 1)
            #expect(try await engine.scalar("SELECT count(*)::int FROM requests WHERE service = 'work-permit.expire'", as: Int.self) == 1)
            await engine.close()
        }
    }

    @Test("requests in one batch see what earlier ones did (one per subject per batch)")
    func batchSeesEarlierDecisions() async throws {
        try await withScratchDatabase { database in
            let engine = try TestEngine(database, batchSize: 500)
            try await engine.run { db in try Fixtures.establishment("1-1", on: db) }
            for n in 0..<30 {
                for (service, payload) in hiringPayloads(Fixtures.person(300 + n), at: "1-1", arrived: "2026-11-20") {
                    try await engine.submit(service, payload, as: staff)
                }
            }
            try await engine.drain()
            // Every registration counted once in the establishment's headcount.
            #expect(try await engine.scalar("SELECT headcount FROM establishments WHERE id = '1-1'", as: Int.self) == 30)
            #expect(try await engine.scalar("SELECT count(*)::int FROM permits WHERE state = 'invoiced'", as: Int.self) == 30)
            await engine.close()
        }
    }
}
