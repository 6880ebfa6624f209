import Domain
import Foundation
import Testing
import TestSupport

/// Each window with a day in it, through the HTTP API with the simulated clock: the action on
/// day N is served, and on day N+1 the window has closed (the engine's timer has run). Two
/// workers open the same case on the same day; one acts on day N, the other is tried on N+1.
/// Day N−1 and the rules' other sides are in `DeadlineTests` (Domain).
@Suite("Boundaries end to end")
struct BoundaryEndToEndTests {
    typealias E2E = WorkflowEndToEndTests
    static let w = E2E.w
    static let other = E2E.other
    static let guardian = E2E.guardian

    func state(_ portal: E2E.Portal, _ kind: String, of person: PersonID) async throws -> String {
        try await portal.scalar("SELECT state FROM cases WHERE worker_id = $1 AND kind = $2 ORDER BY opened_at DESC LIMIT 1",
                                [person.digits, kind], as: String.self)
    }

    @Test("consent by silence: the employer consents on day 10; on day 11 its silence has consented for it")
    func consentBySilence() async throws {
        try await E2E.withPortal { portal in
            for person in [Self.w, Self.other] {
                try await portal.submit("service-transfer.request", E2E.worker(person, ["establishment_id": "2-1"]), as: "ownerB")
                try await portal.submit("service-transfer.accept", E2E.worker(person), as: "staff")
            }
            try await portal.advance(days: 10)
            let consented = try await portal.submit("service-transfer.consent", E2E.worker(Self.w, ["establishment_id": "1-1"]), as: "ownerA")
            #expect(consented["outcome"]?["state"] == "notice_period")
            try await portal.advance(days: 1)
            #expect(try await state(portal, "transfer", of: Self.other) == "notice_period")
            try await portal.refused("service-transfer.refuse", E2E.worker(Self.other, ["establishment_id": "1-1", "reason": "late"]),
                                     as: "ownerA", code: "case.not_allowed_in_state")
        }
    }

    @Test("the fee of a transfer: paid on day 30; on day 31 the transfer has lapsed")
    func feeDeadline() async throws {
        try await E2E.withPortal { portal in
            try await portal.advance(days: 25)  // past the contracts' end: no consent, no notice
            for person in [Self.w, Self.other] {
                try await portal.submit("service-transfer.request", E2E.worker(person, ["establishment_id": "2-1"]), as: "ownerB")
                let accepted = try await portal.submit("service-transfer.accept", E2E.worker(person), as: "staff")
                #expect(accepted["outcome"]?["state"] == "awaiting_fee")
            }
            try await portal.advance(days: 30)
            try await portal.submit("service-transfer.pay", E2E.worker(Self.w, ["amount": 2000]), as: "system")
            try await portal.advance(days: 1)
            #expect(try await state(portal, "transfer", of: Self.other) == "lapsed")
            try await portal.refused("service-transfer.pay", E2E.worker(Self.other, ["amount": 2000]), as: "system", code: "case.not_found")
        }
    }

    @Test("a dependent's transfer: completed on day 14 after the guardian's approval; lapsed on day 15")
    func dependentCompletion() async throws {
        try await E2E.withPortal { portal in
            let second = Fixtures.person(5)
            var registration = E2E.registration(second, at: "1-1")
            if case .object(var object) = registration {
                object["guardian_id"] = .string(Self.guardian.digits)
                object["birth_date"] = "2001-03-03"
                registration = .object(object)
            }
            try await portal.submit("worker.register", registration, as: "system")
            for dependent in [E2E.dependent, second] {
                try await portal.submit("dependent-transfer.request", [
                    "dependent_id": .string(dependent.digits), "establishment_id": "2-1", "occupation": "mason", "wage": 4500,
                ], as: "ownerB")
                try await portal.submit("dependent-transfer.approve", [
                    "dependent_id": .string(dependent.digits), "guardian_id": .string(Self.guardian.digits)], as: "guardian")
            }
            try await portal.advance(days: 14)
            try await portal.submit("dependent-transfer.complete", ["dependent_id": .string(E2E.dependent.digits), "establishment_id": "2-1"], as: "ownerB")
            try await portal.advance(days: 1)
            #expect(try await state(portal, "dependent_transfer", of: second) == "lapsed")
            try await portal.refused("dependent-transfer.complete", ["dependent_id": .string(second.digits), "establishment_id": "2-1"],
                                     as: "ownerB", code: "case.not_found")
        }
    }

    @Test("a final exit from the employer: used on day 60; expired with its fine on day 61")
    func finalExitValidity() async throws {
        try await E2E.withPortal { portal in
            for person in [Self.w, Self.other] {
                try await portal.submit("final-exit.issue", E2E.worker(person, ["establishment_id": "1-1"]), as: "ownerA")
            }
            try await portal.advance(days: 60)
            try await portal.submit("worker.depart", E2E.worker(Self.w), as: "system")
            try await portal.advance(days: 1)
            #expect(try await state(portal, "final_exit", of: Self.other) == "expired")
            try await portal.refused("worker.depart", E2E.worker(Self.other), as: "system", code: "case.not_found")
        }
    }

    @Test("#35.6: workers reported absent ask to leave; issued at once for 15 days: used on day 15, expired on day 16")
    func abscondedExit() async throws {
        try await E2E.withPortal { portal in
            for person in [Self.w, Self.guardian] {
                try await portal.submit("absence-report.file", E2E.worker(person, ["establishment_id": "1-1"]), as: "ownerA")
            }
            try await portal.advance(days: 16)
            for (person, token) in [(Self.w, "worker"), (Self.guardian, "guardian")] {
                #expect(try await portal.scalar("SELECT employment FROM workers WHERE id = $1", [person.digits], as: String.self) == "absconded")
                let asked = try await portal.submit("final-exit.request", E2E.worker(person), as: token)
                #expect(asked["outcome"]?["state"] == "issued")
            }
            try await portal.advance(days: 15)
            try await portal.submit("worker.depart", E2E.worker(Self.w), as: "system")
            #expect(try await portal.scalar("SELECT employment FROM workers WHERE id = $1", [Self.w.digits], as: String.self) == "departed")
            try await portal.advance(days: 1)
            #expect(try await state(portal, "final_exit", of: Self.guardian) == "expired")
        }
    }

    @Test("removal: an expired permit is renewed on the last day of three months; the next day its worker is removed")
    func removal() async throws {
        try await E2E.withPortal { portal in
            // Permits of 2026-01-10 for 12 months: expired from 2027-01-11; three months after
            // 2027-01-10 is 2027-04-10 (day N, 455 days on), removal on 2027-04-11.
            try await portal.advance(days: 455)
            #expect(try await portal.scalar("SELECT state FROM permits WHERE worker_id = $1", [Self.w.digits], as: String.self) == "expired")
            try await portal.submit("work-permit.renew", E2E.worker(Self.w, ["establishment_id": "1-1", "months": 3]), as: "ownerA")
            try await portal.advance(days: 1)
            #expect(try await portal.scalar("SELECT employment FROM workers WHERE id = $1", [Self.other.digits], as: String.self) == "removed")
            #expect(try await portal.scalar("SELECT employment FROM workers WHERE id = $1", [Self.w.digits], as: String.self) == "employed")
        }
    }

    @Test("a suspension: still refused on its last day, served the day after")
    func suspensionEnd() async throws {
        try await E2E.withPortal { portal in
            // Renew the others first, so that no expired permit closes the company's gate meanwhile.
            try await portal.advance(days: 200)
            for person in [Self.guardian, Self.other] {
                try await portal.submit("work-permit.renew", E2E.worker(person, ["establishment_id": "1-1", "months": 12]), as: "ownerA")
            }
            try await portal.submit("absence-report.file", E2E.worker(Self.w, ["establishment_id": "1-1"]), as: "ownerA")
            try await portal.advance(days: 16)
            let finalID = try await portal.scalar("SELECT id::text FROM cases WHERE state = 'final'", as: String.self)
            let cleared = try await portal.submit("absence-report.clear", E2E.worker(Self.w, ["case_id": .string(finalID)]), as: "staff")
            let until = try #require(cleared["outcome"]?["suspended_until"]?.stringValue.flatMap(Day.init(iso:)))
            let today = try await portal.scalar("SELECT (simulated_now AT TIME ZONE 'Asia/Riyadh')::date::text FROM clock", as: String.self)
            let days = try #require(Day(iso: today)).days(until: until)
            try await portal.advance(days: Double(days))
            try await portal.refused("saudization-certificate.issue", ["establishment_id": "1-1"], as: "ownerA", code: "establishment.suspended")
            try await portal.advance(days: 1)
            try await portal.submit("saudization-certificate.issue", ["establishment_id": "1-1"], as: "ownerA")
        }
    }
}
