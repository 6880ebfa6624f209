import API
import Domain
import Engine
import Foundation
import HummingbirdTesting
import PQ
import Store
import Testing
import TestSupport

/// Each workflow's main path and main refusals, through the HTTP API, with timers driven by
/// the simulated clock (never by sleeping).
@Suite("Workflows end to end")
struct WorkflowEndToEndTests {
    /// The portal's view: tokens, submissions, the engine deciding what is due, the clock.
    struct Portal {
        let client: any TestClientProtocol
        let api: TestAPI
        let processor: BatchProcessor
        let tokens: [String: String]

        func token(_ who: String) -> String { tokens[who] ?? who }

        /// Submits, lets the engine decide everything due, and returns the decided request.
        @discardableResult
        func submit(_ service: String, _ payload: JSONValue, as who: String, expect state: String = "completed",
                    sourceLocation: SourceLocation = #_sourceLocation) async throws -> JSONValue {
            let reply = try await client.call(.post, "/v1/requests", token: token(who), key: UUID().uuidString,
                                              body: #"{"service":"\#(service)","payload":\#(payload.jsonText)}"#)
            #expect(reply.status == .accepted, "\(service) as \(who): \(reply.json)", sourceLocation: sourceLocation)
            guard let id = reply.json["id"]?.stringValue else { return reply.json }
            try await drain()
            let decided = try await client.call(.get, "/v1/requests/\(id)", token: token("staff"))
            #expect(decided.json["state"]?.stringValue == state,
                    "\(service) as \(who): \(decided.json["reason"]?["code"]?.stringValue ?? decided.json["state"]?.stringValue ?? "?")",
                    sourceLocation: sourceLocation)
            return decided.json
        }

        /// Submits something the caller may not do: 403, nothing queued.
        func forbidden(_ service: String, _ payload: JSONValue, as who: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
            let reply = try await client.call(.post, "/v1/requests", token: token(who), key: UUID().uuidString,
                                              body: #"{"service":"\#(service)","payload":\#(payload.jsonText)}"#)
            #expect(reply.status == .forbidden, "\(service) as \(who)", sourceLocation: sourceLocation)
        }

        /// Submits something that must be refused with `code`.
        func refused(_ service: String, _ payload: JSONValue, as who: String, code: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
            let decided = try await submit(service, payload, as: who, expect: "rejected", sourceLocation: sourceLocation)
            #expect(decided["reason"]?["code"]?.stringValue == code, sourceLocation: sourceLocation)
            #expect(decided["reason"]?["message_ar"]?.stringValue?.isEmpty == false, sourceLocation: sourceLocation)
        }

        func drain() async throws {
            let processor = self.processor
            while try await api.pool.withConnection({ connection in
                try await connection.withTransaction { db in try processor.run(on: db).claimed }
            }) > 0 {}
        }

        /// Moves the simulated clock forward through the API, then decides what fell due.
        func advance(days: Double) async throws {
            let reply = try await client.call(.post, "/v1/clock/advance", token: token("staff"), body: #"{"days": \#(days)}"#)
            #expect(reply.status == .ok, "\(reply.json)")
            try await drain()
        }

        func scalar<T: PostgresDecodable>(_ sql: String, _ parameters: [(any PostgresEncodable)?] = [], as: T.Type = T.self) async throws -> T {
            try await api.pool.withConnection { try await $0.query(sql, parameters).single().decode(T.self, at: 0) }
        }
    }

    static let w = Fixtures.person(1)            // resident at 1-1
    static let guardian = Fixtures.person(2)     // resident at 1-1, with a dependent
    static let dependent = Fixtures.person(3)
    static let other = Fixtures.person(4)        // resident at 1-1

    /// Two companies opened through the API, green with Saudis registered, and residents with permits.
    static func withPortal(_ body: @escaping @Sendable (Portal) async throws -> Void) async throws {
        try await withScratchDatabase { database in
            let api = try TestAPI(database, clock: .simulated)
            let tokens = try await api.run { db -> [String: String] in
                try Fixtures.simulate(from: Day(year: 2026, month: 1, day: 10), on: db)
                return [
                    "staff": try Fixtures.user(.staff, on: db).token,
                    "system": try Fixtures.user(.system, on: db).token,
                    "ownerA": try Fixtures.user(.owner, company: "7000000001", on: db).token,
                    "ownerB": try Fixtures.user(.owner, company: "7000000002", on: db).token,
                    "worker": try Fixtures.user(.worker, person: w, on: db).token,
                    "guardian": try Fixtures.user(.worker, person: guardian, on: db).token,
                ]
            }
            let processor = BatchProcessor(rulebook: try TestRulebook.load(), clock: api.environment.clock, batchSize: 64)
            try await api.application.test(.router) { client in
                let portal = Portal(client: client, api: api, processor: processor, tokens: tokens)
                // Three establishments of two companies, each with six Saudis paid in full.
                for (index, (id, company, owner, cr)) in [("1-1", "7000000001", "ownerA", "1000000011"), ("1-2", "7000000001", "ownerA", "1000000012"),
                                                          ("2-1", "7000000002", "ownerB", "1000000021")].enumerated() {
                    try await portal.submit("establishment.open", [
                        "establishment_id": .string(id), "unified_number": .string(company), "cr_number": .string(cr),
                        "name_ar": "منشأة", "name_en": .string("Establishment " + id), "activity": "construction", "cr_expires_on": "2030-01-01",
                    ], as: owner)
                    for n in 0..<6 {
                        let saudi = Fixtures.person(100 + 10 * index + n, saudi: true)
                        try await portal.submit("worker.register", registration(saudi, at: id, wage: 6000, occupation: "accountant"), as: "system")
                    }
                }
                for person in [w, guardian, other] {
                    try await portal.submit("worker.register", registration(person, at: "1-1", contractEnds: "2026-02-01"), as: "system")
                    let invoice = try await portal.submit("work-permit.issue", ["worker_id": .string(person.digits), "establishment_id": "1-1", "months": 12], as: "ownerA")
                    try await portal.submit("work-permit.pay", ["worker_id": .string(person.digits), "amount": invoice["outcome"]?["amount_due"] ?? 0], as: "system")
                }
                var dependent = registration(Self.dependent, at: "1-1")
                if case .object(var object) = dependent {
                    object["guardian_id"] = .string(guardian.digits)
                    object["birth_date"] = "2000-05-05"
                    dependent = .object(object)
                }
                try await portal.submit("worker.register", dependent, as: "system")
                try await body(portal)
            }
            await api.pool.close()
        }
    }

    static func registration(_ person: PersonID, at establishment: String, wage: Int = 2500, occupation: String = "laborer",
                             contractEnds: String = "2027-12-31") -> JSONValue {
        [
            "worker_id": .string(person.digits), "establishment_id": .string(establishment), "name": "Worker", "nationality": person.isSaudi ? "SAU" : "IND",
            "birth_date": "1990-01-01", "occupation": .string(occupation), "wage": .number(Double(wage)), "arrived_on": "2026-01-05",
            "contract_ends_on": .string(contractEnds), "iqama_expires_on": "2028-01-01",
        ]
    }

    static func worker(_ person: PersonID = w, _ more: [String: JSONValue] = [:]) -> JSONValue {
        .object(["worker_id": .string(person.digits)].merging(more) { $1 })
    }

    @Test("work permit: refused too early, renewed in the window; expiry and its gate when time passes")
    func workPermit() async throws {
        try await Self.withPortal { portal in
            let renewal = Self.worker(Self.w, ["establishment_id": "1-1", "months": 6])
            try await portal.refused("work-permit.renew", renewal, as: "ownerA", code: "permit.renewal_too_early")
            try await portal.forbidden("work-permit.renew", renewal, as: "ownerB")
            try await portal.advance(days: 200)
            let renewed = try await portal.submit("work-permit.renew", renewal, as: "ownerA")
            #expect(renewed["outcome"]?["expires_on"]?.stringValue == "2027-07-10")
            // The other residents' permits expire the day after 2027-01-10: the company's gate closes.
            try await portal.advance(days: 166)
            #expect(try await portal.scalar("SELECT count(*)::int FROM permits WHERE state = 'expired'", as: Int.self) == 2)
            try await portal.refused("saudization-certificate.issue", ["establishment_id": "1-2"], as: "ownerA", code: "establishment.expired_permits")
            // Renewing them reopens it.
            for person in [Self.guardian, Self.other] {
                try await portal.submit("work-permit.renew", Self.worker(person, ["establishment_id": "1-1", "months": 12]), as: "ownerA")
            }
            let certificate = try await portal.submit("saudization-certificate.issue", ["establishment_id": "1-2"], as: "ownerA")
            #expect(certificate["outcome"]?["band"]?.stringValue == "platinum")
        }
    }

    @Test("final exit: the worker asks, the employer is silent, it is issued to the worker; departure ends employment")
    func finalExit() async throws {
        try await Self.withPortal { portal in
            try await portal.advance(days: 25)   // past the contract's end (2026-02-01)
            try await portal.forbidden("final-exit.request", Self.worker(Self.other), as: "worker")
            try await portal.submit("final-exit.request", Self.worker(), as: "worker")
            try await portal.refused("final-exit.request", Self.worker(), as: "worker", code: "case.already_open")
            try await portal.advance(days: 11)
            #expect(try await portal.scalar("SELECT state FROM cases WHERE kind = 'final_exit'", as: String.self) == "issued")
            try await portal.submit("worker.depart", Self.worker(), as: "system")
            #expect(try await portal.scalar("SELECT employment FROM workers WHERE id = $1", [Self.w.digits], as: String.self) == "departed")
            #expect(try await portal.scalar("SELECT state FROM permits WHERE worker_id = $1", [Self.w.digits], as: String.self) == "void")
            #expect(try await portal.scalar("SELECT headcount FROM establishments WHERE id = '1-1'", as: Int.self) == 8)
            // An unused final exit lapses with its fine.
            try await portal.submit("final-exit.issue", Self.worker(Self.other, ["establishment_id": "1-1"]), as: "ownerA")
            try await portal.advance(days: 61)
            #expect(try await portal.scalar("SELECT details->>'fine' FROM cases WHERE worker_id = $1", [Self.other.digits], as: String.self) == "1000")
        }
    }

    @Test("service transfer: requested, accepted, consented, paid; the worker and permit move")
    func transfer() async throws {
        try await Self.withPortal { portal in
            try await portal.submit("service-transfer.request", Self.worker(Self.w, ["establishment_id": "2-1"]), as: "ownerB")
            try await portal.refused("service-transfer.request", Self.worker(Self.w, ["establishment_id": "2-1"]), as: "ownerB", code: "case.already_open")
            try await portal.submit("service-transfer.accept", Self.worker(), as: "worker")
            // Mid-contract and green: the current employer must consent.
            try await portal.forbidden("service-transfer.consent", Self.worker(Self.w, ["establishment_id": "1-1"]), as: "ownerB")
            let consented = try await portal.submit("service-transfer.consent", Self.worker(Self.w, ["establishment_id": "1-1"]), as: "ownerA")
            // Consented mid-contract: the 90 days' notice, then the fee (DOMAIN.md; #35.5).
            #expect(consented["outcome"]?["state"] == "notice_period")
            try await portal.refused("service-transfer.pay", Self.worker(Self.w, ["amount": 2000]), as: "system", code: "case.not_allowed_in_state")
            try await portal.advance(days: 90)
            #expect(try await portal.scalar("SELECT state FROM cases WHERE worker_id = $1 AND kind = 'transfer'", [Self.w.digits], as: String.self) == "notice_period")
            try await portal.advance(days: 1)
            #expect(try await portal.scalar("SELECT state FROM cases WHERE worker_id = $1 AND kind = 'transfer'", [Self.w.digits], as: String.self) == "awaiting_fee")
            try await portal.refused("service-transfer.pay", Self.worker(Self.w, ["amount": 500]), as: "system", code: "fee.amount_mismatch")
            try await portal.submit("service-transfer.pay", Self.worker(Self.w, ["amount": 2000]), as: "system")
            #expect(try await portal.scalar("SELECT establishment_id FROM workers WHERE id = $1", [Self.w.digits], as: String.self) == "2-1")
            #expect(try await portal.scalar("SELECT establishment_id FROM permits WHERE worker_id = $1", [Self.w.digits], as: String.self) == "2-1")
            #expect(try await portal.scalar("SELECT transfer_count FROM workers WHERE id = $1", [Self.w.digits], as: Int.self) == 1)
            // A request nobody answers lapses after 10 days; an answer on day 11 would be too late.
            try await portal.submit("service-transfer.request", Self.worker(Self.other, ["establishment_id": "2-1"]), as: "ownerB")
            try await portal.advance(days: 11)
            #expect(try await portal.scalar("SELECT state FROM cases WHERE worker_id = $1", [Self.other.digits], as: String.self) == "lapsed")
            try await portal.refused("service-transfer.accept", Self.worker(Self.other), as: "staff", code: "case.not_found")
        }
    }

    @Test("#35.12: the worker's next steps name the current employer for a transfer's answer: consent and refuse are open to it")
    func nextStepsOfATransfer() async throws {
        try await Self.withPortal { portal in
            try await portal.submit("service-transfer.request", Self.worker(Self.w, ["establishment_id": "2-1"]), as: "ownerB")
            try await portal.submit("service-transfer.accept", Self.worker(), as: "worker")
            let processor = portal.processor
            let options = try await portal.api.pool.withConnection { connection in
                try await connection.run { db in
                    try NextSteps.forWorker(Self.w, rulebook: try TestRulebook.load(), clock: processor.clock, on: db)
                }
            }
            for service in ["service-transfer.consent", "service-transfer.refuse"] {
                let option = options.first { $0.service == service }
                #expect(option?.allowed == true, "\(service): \(String(describing: option?.reason))")
            }
        }
    }

    @Test("dependents move with a transfer; an adult dependent's own transfer needs the guardian")
    func dependents() async throws {
        try await Self.withPortal { portal in
            try await portal.submit("dependent-transfer.request", [
                "dependent_id": .string(Self.dependent.digits), "establishment_id": "2-1", "occupation": "mason", "wage": 4500,
            ], as: "ownerB")
            try await portal.forbidden("dependent-transfer.approve", ["dependent_id": .string(Self.dependent.digits), "guardian_id": .string(Self.guardian.digits)], as: "worker")
            try await portal.submit("dependent-transfer.approve", ["dependent_id": .string(Self.dependent.digits), "guardian_id": .string(Self.guardian.digits)], as: "guardian")
            try await portal.submit("dependent-transfer.complete", ["dependent_id": .string(Self.dependent.digits), "establishment_id": "2-1"], as: "ownerB")
            #expect(try await portal.scalar("SELECT employment || ' ' || establishment_id FROM workers WHERE id = $1", [Self.dependent.digits], as: String.self) == "employed 2-1")
        }
    }

    @Test("branch change: within the company only; the worker accepts and moves")
    func branchChange() async throws {
        try await Self.withPortal { portal in
            // Another company's establishment is not the owner's to name (403 at intake); staff hear why.
            try await portal.forbidden("branch-change.request", Self.worker(Self.w, ["establishment_id": "1-1", "target_establishment_id": "2-1"]), as: "ownerA")
            try await portal.refused("branch-change.request", Self.worker(Self.w, ["establishment_id": "1-1", "target_establishment_id": "2-1"]),
                                     as: "staff", code: "branch.other_company")
            try await portal.submit("branch-change.request", Self.worker(Self.w, ["establishment_id": "1-1", "target_establishment_id": "1-2"]), as: "ownerA")
            try await portal.submit("branch-change.accept", Self.worker(), as: "worker")
            #expect(try await portal.scalar("SELECT establishment_id FROM workers WHERE id = $1", [Self.w.digits], as: String.self) == "1-2")
            #expect(try await portal.scalar("SELECT headcount FROM establishments WHERE id = '1-2'", as: Int.self) == 7)
        }
    }

    @Test("occupation change: reserved occupations refused; a generic title corrected once for free; a change approved and paid")
    func occupationChange() async throws {
        try await Self.withPortal { portal in
            try await portal.refused("occupation-change.request", Self.worker(Self.w, ["establishment_id": "1-1", "occupation": "receptionist"]),
                                     as: "ownerA", code: "occupation.reserved_for_saudis")
            try await portal.submit("occupation-change.correct", Self.worker(Self.w, ["establishment_id": "1-1", "occupation": "mason"]), as: "ownerA")
            try await portal.refused("occupation-change.correct", Self.worker(Self.w, ["establishment_id": "1-1", "occupation": "carpenter"]),
                                     as: "ownerA", code: "occupation.not_generic")
            try await portal.submit("occupation-change.request", Self.worker(Self.w, ["establishment_id": "1-1", "occupation": "electrician"]), as: "ownerA")
            try await portal.submit("occupation-change.accept", Self.worker(), as: "worker")
            try await portal.submit("occupation-change.pay", Self.worker(Self.w, ["amount": 2000]), as: "system")
            #expect(try await portal.scalar("SELECT occupation FROM workers WHERE id = $1", [Self.w.digits], as: String.self) == "electrician")
        }
    }

    @Test("absence report: cancelled in time; another becomes final; cleared as malicious, the employer is suspended")
    func absenceReport() async throws {
        try await Self.withPortal { portal in
            let report = Self.worker(Self.w, ["establishment_id": "1-1"])
            try await portal.submit("absence-report.file", report, as: "ownerA")
            // While it is open the worker disappears from the establishment's services.
            try await portal.refused("final-exit.issue", report, as: "ownerA", code: "worker.case_open")
            try await portal.advance(days: 15)
            try await portal.submit("absence-report.cancel", report, as: "ownerA")
            try await portal.submit("absence-report.file", report, as: "ownerA")
            try await portal.advance(days: 16)
            // Final: the worker is no longer the establishment's, so nothing about him is.
            try await portal.refused("absence-report.cancel", report, as: "ownerA", code: "worker.not_employed_here")
            #expect(try await portal.scalar("SELECT employment FROM workers WHERE id = $1", [Self.w.digits], as: String.self) == "absconded")
            let finalID = try await portal.scalar("SELECT id::text FROM cases WHERE state = 'final'", as: String.self)
            try await portal.forbidden("absence-report.clear", Self.worker(Self.w, ["case_id": .string(finalID)]), as: "ownerA")
            let cleared = try await portal.submit("absence-report.clear", Self.worker(Self.w, ["case_id": .string(finalID)]), as: "staff")
            #expect(cleared["outcome"]?["suspended_until"]?.stringValue != nil)
            try await portal.refused("saudization-certificate.issue", ["establishment_id": "1-1"], as: "ownerA", code: "establishment.suspended")
            // The worker is free to move: no consent needed.
            try await portal.submit("service-transfer.request", Self.worker(Self.w, ["establishment_id": "2-1"]), as: "ownerB")
            let accepted = try await portal.submit("service-transfer.accept", Self.worker(), as: "worker")
            #expect(accepted["outcome"]?["state"]?.stringValue == "awaiting_fee")
        }
    }

    @Test("activity change recomputes the band; the new band's blocks apply at once")
    func activityChange() async throws {
        try await Self.withPortal { portal in
            let changed = try await portal.submit("establishment.change-activity", ["establishment_id": "1-1", "activity": "healthcare"], as: "ownerA")
            #expect(changed["outcome"]?["band"]?.stringValue == "platinum")
            try await portal.refused("establishment.change-activity", ["establishment_id": "1-1", "activity": "labor_rental"], as: "ownerA",
                                     code: "establishment.labor_rental_barred")
        }
    }
}
