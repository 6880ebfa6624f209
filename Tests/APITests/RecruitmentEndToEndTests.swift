import API
import Domain
import Engine
import Foundation
import HummingbirdTesting
import PQ
import Store
import Testing
import TestSupport

/// Recruitment through the HTTP API and a real database: a balance, a visa issue (the
/// establishment's own case) paid and issued, a worker arriving on a visa, a cancellation,
/// the timers, and the rules the database enforces on its own.
@Suite("Recruitment end to end")
struct RecruitmentEndToEndTests {
    typealias Portal = WorkflowEndToEndTests.Portal
    static let newcomer = Fixtures.person(40)

    static func arrival(_ person: PersonID, visa: String) -> JSONValue {
        [
            "worker_id": .string(person.digits), "establishment_id": "1-1", "name": "Newcomer", "nationality": "IND",
            "birth_date": "1995-01-01", "occupation": "mason", "wage": 2000, "visa_id": .string(visa),
        ]
    }

    @Test("balance, visa issue, fee, visas, arrival on a visa, cancellation without refund once the issue was partly used")
    func pipeline() async throws {
        try await WorkflowEndToEndTests.withPortal { portal in
            try await portal.forbidden("recruitment.balance-request", ["establishment_id": "1-1", "occupation": "mason", "count": 3], as: "ownerB")
            let approved = try await portal.submit("recruitment.balance-request", ["establishment_id": "1-1", "occupation": "mason", "count": 3], as: "ownerA")
            #expect(approved["outcome"]?["remaining"] == 3)
            try await portal.refused("recruitment.balance-request", ["establishment_id": "1-1", "occupation": "cashier", "count": 1], as: "ownerA",
                                     code: "occupation.reserved_for_saudis")
            let asked = try await portal.submit("recruitment.visa-issue", ["establishment_id": "1-1", "occupation": "mason", "nationality": "IND", "count": 2], as: "ownerA")
            let caseID = try #require(asked["outcome"]?["case_id"]?.stringValue)
            #expect(asked["outcome"]?["fee"] == 4000 && asked["outcome"]?["state"] == "awaiting_fee")
            #expect(try await portal.scalar("SELECT worker_id IS NULL AND kind = 'visa_issue' FROM cases WHERE id = $1::uuid", [caseID], as: Bool.self))
            try await portal.refused("recruitment.visa-issue", ["establishment_id": "1-1", "occupation": "mason", "nationality": "IND", "count": 2], as: "ownerA",
                                     code: "recruitment.balance_insufficient")
            // The case is the establishment's: its owner reads it, another company does not learn it exists.
            let read = try await portal.client.call(.get, "/v1/cases/\(caseID)", token: portal.token("ownerA"))
            #expect(read.status == .ok && read.json["worker_id"] == .null && read.json["kind"] == "visa_issue")
            let foreign = try await portal.client.call(.get, "/v1/cases/\(caseID)", token: portal.token("ownerB"))
            #expect(foreign.status == .notFound)

            try await portal.refused("recruitment.visa-pay", ["establishment_id": "1-1", "case_id": .string(caseID), "amount": 2000], as: "system",
                                     code: "fee.amount_mismatch")
            let paid = try await portal.submit("recruitment.visa-pay", ["establishment_id": "1-1", "case_id": .string(caseID), "amount": 4000], as: "system")
            #expect(paid["outcome"]?["visas"] == ["1-1/1", "1-1/2"])
            #expect(try await portal.scalar("SELECT count(*)::int FROM visas WHERE establishment_id = '1-1' AND state = 'issued'", as: Int.self) == 2)
            #expect(try await portal.scalar("SELECT count(*)::int FROM requests WHERE service = 'recruitment.visa-expire'", as: Int.self) == 2)

            try await portal.submit("worker.register", Self.arrival(Self.newcomer, visa: "1-1/1"), as: "system")
            #expect(try await portal.scalar("SELECT state FROM visas WHERE id = '1-1/1'", as: String.self) == "used")
            try await portal.refused("worker.register", Self.arrival(Fixtures.person(41), visa: "1-1/1"), as: "system", code: "case.not_allowed_in_state")
            let newcomerPermit = try await portal.submit("work-permit.issue", ["worker_id": .string(Self.newcomer.digits), "establishment_id": "1-1", "months": 12], as: "ownerA")
            #expect(newcomerPermit["state"] == "completed")

            try await portal.refused("recruitment.visa-cancel", ["establishment_id": "2-1", "visa_id": "1-1/2"], as: "ownerB", code: "recruitment.visa_not_found")
            let cancelled = try await portal.submit("recruitment.visa-cancel", ["establishment_id": "1-1", "visa_id": "1-1/2"], as: "ownerA")
            #expect(cancelled["outcome"]?["refund"] == 0, "a visa of the same issue was used")
            #expect(try await portal.scalar("SELECT remaining FROM visa_balances WHERE establishment_id = '1-1' AND occupation = 'mason'", as: Int.self) == 2)
            #expect(try await portal.scalar("SELECT count(*)::int FROM requests WHERE service = 'recruitment.visa-expire'", as: Int.self) == 0,
                    "used and cancelled visas' expiry timers are gone")
            let establishment = try await portal.client.call(.get, "/v1/establishments/1-1", token: portal.token("ownerA"))
            #expect(establishment.json["recruitment"]?["balances"] == [["occupation": "mason", "approved": 3, "remaining": 2]])
            #expect(establishment.json["recruitment"]?["visas"] == ["issued": 0, "used": 1, "cancelled": 1, "expired": 0])
            // The visas' events are on the establishment's stream.
            let types = try await portal.api.pool.withConnection { connection in
                try await connection.query("SELECT type FROM events WHERE stream = 'establishment:1-1' ORDER BY seq").map { try $0.decode(String.self, at: 0) }
            }
            #expect(types.contains("visasIssued") && types.contains("visaIssued") && types.contains("visaCancelled"))
            let usedOn = try await portal.scalar("SELECT stream FROM events WHERE type = 'visaUsed'", as: String.self)
            #expect(usedOn == "worker:\(Self.newcomer.digits)", "arrival is the worker's request")
        }
    }

    @Test("an unpaid issue lapses after 30 days and its draw returns; an unused visa expires after its 365 days")
    func timers() async throws {
        try await WorkflowEndToEndTests.withPortal { portal in
            try await portal.submit("recruitment.balance-request", ["establishment_id": "1-1", "occupation": "mason", "count": 3], as: "ownerA")
            let unpaid = try await portal.submit("recruitment.visa-issue", ["establishment_id": "1-1", "occupation": "mason", "nationality": "IND", "count": 2], as: "ownerA")
            let paidFor = try await portal.submit("recruitment.visa-issue", ["establishment_id": "1-1", "occupation": "mason", "nationality": "IND", "count": 1], as: "ownerA")
            try await portal.submit("recruitment.visa-pay", ["establishment_id": "1-1", "case_id": paidFor["outcome"]?["case_id"] ?? .null, "amount": 2000], as: "system")
            try await portal.advance(days: 30)
            #expect(try await portal.scalar("SELECT state FROM cases WHERE id = $1::uuid", [unpaid["outcome"]?["case_id"]?.stringValue], as: String.self) == "awaiting_fee")
            try await portal.advance(days: 1)
            #expect(try await portal.scalar("SELECT state FROM cases WHERE id = $1::uuid", [unpaid["outcome"]?["case_id"]?.stringValue], as: String.self) == "lapsed")
            #expect(try await portal.scalar("SELECT remaining FROM visa_balances WHERE establishment_id = '1-1'", as: Int.self) == 2)
            try await portal.advance(days: 333)  // the visa's 365th day: still usable
            #expect(try await portal.scalar("SELECT state FROM visas WHERE id = '1-1/1'", as: String.self) == "issued")
            try await portal.advance(days: 1)
            #expect(try await portal.scalar("SELECT state FROM visas WHERE id = '1-1/1'", as: String.self) == "expired")
            try await portal.refused("worker.register", Self.arrival(Self.newcomer, visa: "1-1/1"), as: "system", code: "case.not_allowed_in_state")
        }
    }

    @Test("a compensatory visa for a worker who absconded; a second for him is refused, and the database refuses one too")
    func compensatory() async throws {
        try await WorkflowEndToEndTests.withPortal { portal in
            let other = WorkflowEndToEndTests.other
            let payload: JSONValue = ["establishment_id": "1-1", "replaces_worker_id": .string(other.digits), "nationality": "BGD"]
            try await portal.refused("recruitment.compensatory-visa", payload, as: "ownerA", code: "recruitment.not_replaceable")
            try await portal.submit("absence-report.file", ["worker_id": .string(other.digits), "establishment_id": "1-1"], as: "ownerA")
            try await portal.advance(days: 16)
            let asked = try await portal.submit("recruitment.compensatory-visa", payload, as: "ownerA")
            try await portal.refused("recruitment.compensatory-visa", payload, as: "ownerA", code: "recruitment.already_replaced")
            let paid = try await portal.submit("recruitment.visa-pay", ["establishment_id": "1-1", "case_id": asked["outcome"]?["case_id"] ?? .null, "amount": 2000], as: "system")
            #expect(paid["outcome"]?["visas"] == ["1-1/1"])
            #expect(try await portal.scalar("SELECT replaces_worker_id FROM visas WHERE id = '1-1/1'", as: String.self) == other.digits)
            try await portal.refused("recruitment.compensatory-visa", payload, as: "ownerA", code: "recruitment.already_replaced")
        }
    }

    @Test("the database refuses a balance below zero, a visa number twice, and a worker replaced twice, whatever SQL writes them")
    func databaseRules() async throws {
        try await WorkflowEndToEndTests.withPortal { portal in
            try await portal.submit("recruitment.balance-request", ["establishment_id": "1-1", "occupation": "mason", "count": 1], as: "ownerA")
            let asked = try await portal.submit("recruitment.visa-issue", ["establishment_id": "1-1", "occupation": "mason", "nationality": "IND", "count": 1], as: "ownerA")
            let caseID = try #require(asked["outcome"]?["case_id"]?.stringValue)
            try await portal.api.pool.withConnection { connection in
                await #expect(throws: PQError.self) {
                    try await connection.query("UPDATE visa_balances SET remaining = remaining - 1 WHERE establishment_id = '1-1'")
                }
                let insert = """
                    INSERT INTO visas (id, establishment_id, case_id, occupation, nationality, state, issued_on, expires_on, fee, replaces_worker_id)
                    VALUES ($1, '1-1', $2::uuid, 'mason', 'IND', 'issued', '2026-02-01', '2027-02-01', 2000, $3)
                    """
                try await connection.query(insert, ["1-1/7", caseID, WorkflowEndToEndTests.other.digits])
                await #expect(throws: PQError.self) { try await connection.query(insert, ["1-1/7", caseID, nil]) }
                await #expect(throws: PQError.self) { try await connection.query(insert, ["1-1/8", caseID, WorkflowEndToEndTests.other.digits]) }
                await #expect(throws: PQError.self) { try await connection.query(insert, ["1-1/08", caseID, nil]) }
                // Another establishment may replace the same worker (he may have left it too).
                try await connection.query(insert.replacingOccurrences(of: "'1-1'", with: "'2-1'"), ["2-1/1", caseID, WorkflowEndToEndTests.other.digits])
            }
        }
    }
}
