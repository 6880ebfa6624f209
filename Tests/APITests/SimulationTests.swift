import Domain
import Engine
import Foundation
import PQ
import Store
import Testing
import TestSupport

/// `muamala simulate` (`Simulator`): a history made through the API, decided again. With the
/// rulebook in force nothing flips; under a draft that raises the levy and tightens Nitaqat,
/// payments rise and bands fall; and the daemons' tables are never written.
@Suite("A draft rulebook tried on the past")
struct SimulationTests {
    typealias E2E = WorkflowEndToEndTests

    /// Three months of work through the API (2026-01-10 to 2026-04-13): residents hired, a transfer with its notice and
    /// fee, a final exit and a departure, renewals refused and made, a certificate.
    static func history(_ portal: E2E.Portal) async throws {
        try await portal.advance(days: 1)
        for n in 0..<30 {
            let person = Fixtures.person(300 + n)
            try await portal.submit("worker.register", E2E.registration(person, at: "2-1"), as: "system")
            let invoice = try await portal.submit("work-permit.issue", ["worker_id": .string(person.digits), "establishment_id": "2-1", "months": 12], as: "ownerB")
            try await portal.submit("work-permit.pay", ["worker_id": .string(person.digits), "amount": invoice["outcome"]?["amount_due"] ?? 0], as: "system")
        }
        // A small establishment's five residents' permits in one batch: the first four (in the
        // order the engine decides them) take its levy-exempt seats, the fifth pays. Replayed
        // in another order, another would pay.
        try await portal.submit("establishment.open", [
            "establishment_id": "1-3", "unified_number": "7000000001", "cr_number": "1000000013", "name_ar": "منشأة",
            "name_en": "Establishment 1-3", "activity": "construction", "cr_expires_on": "2030-01-01", "owner_full_time": true,
        ], as: "ownerA")
        let small = (0..<5).map { Fixtures.person(400 + $0) }
        for person in small { try await Self.queue(portal, "worker.register", E2E.registration(person, at: "1-3"), as: "system") }
        try await portal.drain()
        for person in small {
            try await Self.queue(portal, "work-permit.issue", ["worker_id": .string(person.digits), "establishment_id": "1-3", "months": 12], as: "ownerA")
        }
        try await portal.drain()
        #expect(try await portal.scalar("SELECT count(*)::int FROM permits WHERE establishment_id = '1-3' AND levy = 0", as: Int.self) == 4)
        try await portal.submit("service-transfer.request", E2E.worker(E2E.w, ["establishment_id": "2-1"]), as: "ownerB")
        try await portal.submit("service-transfer.accept", E2E.worker(), as: "worker")
        try await portal.submit("service-transfer.consent", E2E.worker(E2E.w, ["establishment_id": "1-1"]), as: "ownerA")
        try await portal.refused("work-permit.renew", E2E.worker(E2E.other, ["establishment_id": "1-1", "months": 6]), as: "ownerA",
                                 code: "permit.renewal_too_early")
        try await portal.advance(days: 91)
        try await portal.submit("service-transfer.pay", E2E.worker(E2E.w, ["amount": 2000]), as: "system")
        try await portal.submit("saudization-certificate.issue", ["establishment_id": "1-2"], as: "ownerA")
        try await portal.advance(days: 1)
        try await portal.submit("final-exit.issue", E2E.worker(E2E.w, ["establishment_id": "2-1"]), as: "ownerB")
        try await portal.submit("worker.depart", E2E.worker(), as: "system")
    }

    /// Submits without deciding: what is queued together is decided in one batch.
    static func queue(_ portal: E2E.Portal, _ service: String, _ payload: JSONValue, as who: String) async throws {
        let reply = try await portal.client.call(.post, "/v1/requests", token: portal.token(who), key: UUID().uuidString,
                                                 body: #"{"service":"\#(service)","payload":\#(payload.jsonText)}"#)
        #expect(reply.status == .accepted, "\(service): \(reply.json)")
    }

    /// Rows of every table of the database, and the versions and events: what a simulation must not change.
    static func footprint(_ database: ScratchDatabase) async throws -> [String: Int] {
        try await database.run { db in
            var counts: [String: Int] = [:]
            for table in ["establishments", "workers", "permits", "cases", "certificates", "visas", "visa_balances", "authorizations",
                          "establishment_owners", "users", "aggregate_versions", "events", "requests", "request_history"] {
                counts[table] = try db.query("SELECT count(*)::int FROM \(table)").single().decode(Int.self, at: 0)
            }
            counts["checksum"] = try db.query("SELECT hashtext(string_agg(to_jsonb(w)::text, '' ORDER BY id))::int FROM workers w")
                .single().decode(Int?.self, at: 0) ?? 0
            return counts
        }
    }

    /// The repository's rulebook with a draft edition from 2026-01-01: the levy at 1,000 / 900
    /// a month, and construction's high-green and platinum thresholds raised for small firms.
    static func draft() throws -> Rulebook {
        let url = TestDatabase.repositoryRoot.appendingPathComponent("Rulebook/rulebook.json")
        guard case .object(var book) = try JSONCoding.decode(String(decoding: try Data(contentsOf: url), as: UTF8.self)),
              case .array(var editions) = book["editions"] else { throw PQError(.client, "the rulebook is not an object with editions") }
        editions.append([
            "effective_from": "2026-01-01", "note": "draft",
            "parameters": [
                "levy": ["expat_majority_monthly": 1000, "saudi_majority_monthly": 900],
                "nitaqat": ["thresholds": ["construction": ["small": ["high_green": 20, "platinum": 80]]]],
            ],
        ])
        book["editions"] = .array(editions)
        return try Rulebook(json: Data(JSONCoding.encode(JSONValue.object(book)).utf8))
    }

    @Test("under the rulebook in force every decision comes out as it did, and nothing outside the session is written")
    func faithful() async throws {
        try await E2E.withPortal { portal in
            try await Self.history(portal)
            let database = portal.api.database
            let decided = try await portal.scalar("SELECT count(*)::int FROM request_history WHERE state IN ('completed', 'rejected')", as: Int.self)
            let before = try await Self.footprint(database)
            let connection = try await database.connect()
            let rulebook = try TestRulebook.load()
            let report = try await connection.run { db in
                try Simulator(draft: rulebook).run(from: Day(year: 2026, month: 1, day: 10), to: Day(year: 2026, month: 4, day: 13),
                                                   original: rulebook, on: db)
            }
            // The session the replay ran on cannot write a real table, whatever it is asked.
            await #expect(throws: PQError.self) { try await connection.execute("UPDATE public.workers SET wage = wage + 1") }
            await connection.close()
            #expect(report.replayed == decided, "every decided request of the period")
            #expect(report.flips.isEmpty, "\(report.flips)")
            #expect(report.bandChanges.isEmpty)
            #expect(report.paidBefore == report.paidAfter && report.paidBefore > 0 && report.repaid == 0)
            #expect(try await Self.footprint(database) == before)
        }
    }

    @Test("a draft raising the levy and tightening Nitaqat: payments made with the new amounts, bands fallen, refusals counted")
    func draftEdition() async throws {
        try await E2E.withPortal { portal in
            try await Self.history(portal)
            let connection = try await portal.api.database.connect()
            let original = try TestRulebook.load(), draft = try Self.draft()
            let report = try await connection.run { db in
                try Simulator(draft: draft).run(from: Day(year: 2026, month: 1, day: 10), to: Day(year: 2026, month: 4, day: 13),
                                                original: original, on: db)
            }
            await connection.close()
            // Every permit of the period (thirty at 2-1, three at 1-1, a year each) paid at the
            // draft's levy: 200 SAR a month more, whichever side of the majority.
            #expect(report.repaid == 33, "\(report)")
            #expect(report.paidAfter - report.paidBefore == 33 * 12 * 200, "\(report.paidBefore) → \(report.paidAfter)")
            // 1-1 (six Saudis in eight, after W left) falls below the draft's platinum; 2-1 (six
            // in thirty-six) and 1-3 (its owner alone in six) below its high green.
            let changes = Set(report.bandChanges.map { "\($0.before.rawValue)→\($0.after.rawValue)" })
            #expect(changes == ["platinum→high_green", "high_green→medium_green"], "\(report.bandChanges)")
            #expect(report.bandsChanged == 3, "\(report.bandChanges)")
            #expect(report.establishments.map(\.id) == ["1-1", "1-3", "2-1"])
        }
    }
}
