import Domain
import Foundation
import HummingbirdTesting
import Testing
import TestSupport

/// `?as_of=DAY` on the portal reads, against a history built by hand through the API with the
/// simulated clock (it starts on 2026-01-10): an establishment whose band falls when thirty
/// residents join it, a worker transferred to it and then exited, and the transfer's case.
/// Each change is read on both sides of its day.
@Suite("Reads as of a day")
struct AsOfReadTests {
    typealias E2E = WorkflowEndToEndTests

    @Test("a worker transferred then exited, an establishment changing band, a case: each read on both sides of each change")
    func bothSidesOfEachChange() async throws {
        try await E2E.withPortal { portal in
            func read(_ path: String, _ day: String?, as who: String = "staff") async throws -> (status: Int, json: JSONValue) {
                let reply = try await portal.client.call(.get, path + (day.map { "?as_of=" + $0 } ?? ""), token: portal.token(who))
                return (Int(reply.status.code), reply.json)
            }
            let worker = "/v1/workers/\(E2E.w.digits)"
            // 2026-01-11: thirty residents join 2-1 (six Saudis until then): its band falls.
            try await portal.advance(days: 1)
            for n in 0..<30 {
                try await portal.submit("worker.register", E2E.registration(Fixtures.person(300 + n), at: "2-1"), as: "system")
            }
            // The same day: W's transfer to 2-1 is asked, accepted, consented (90 days' notice).
            try await portal.submit("service-transfer.request", E2E.worker(E2E.w, ["establishment_id": "2-1"]), as: "ownerB")
            try await portal.submit("service-transfer.accept", E2E.worker(), as: "worker")
            try await portal.submit("service-transfer.consent", E2E.worker(E2E.w, ["establishment_id": "1-1"]), as: "ownerA")
            let transfer = try await portal.scalar("SELECT id::text FROM cases WHERE worker_id = $1 AND kind = 'transfer'", [E2E.w.digits], as: String.self)
            // 2026-04-12: the notice is over; the fee is paid and W moves.
            try await portal.advance(days: 91)
            try await portal.submit("service-transfer.pay", E2E.worker(E2E.w, ["amount": 2000]), as: "system")
            // His new employer reads him today, but not what he was at the old one.
            #expect(try await read(worker, "2026-04-12", as: "ownerB").status == 200)
            #expect(try await read(worker, "2026-01-10", as: "ownerB").status == 404)
            // 2026-04-13: his new employer gives him a final exit, and he leaves.
            try await portal.advance(days: 1)
            try await portal.submit("final-exit.issue", E2E.worker(E2E.w, ["establishment_id": "2-1"]), as: "ownerB")
            try await portal.submit("worker.depart", E2E.worker(), as: "system")


            // Before the record has him: as unknown.
            #expect(try await read(worker, "2026-01-09").status == 404)
            // 2026-01-10: at 1-1 with his permit there, nothing open.
            let first = try await read(worker, "2026-01-10")
            #expect(first.status == 200)
            #expect(first.json["as_of"] == "2026-01-10")
            #expect(first.json["employer_id"] == "1-1")
            #expect(first.json["permit"]?["establishment_id"] == "1-1")
            #expect(first.json["open_cases"] == [])
            #expect(first.json["next"] == [], "next steps are about now, not a past day")
            // 2026-01-11 and 2026-04-11: still at 1-1, the transfer open.
            for day in ["2026-01-11", "2026-04-11"] {
                let during = try await read(worker, day)
                #expect(during.json["employer_id"] == "1-1", "\(day)")
                #expect(during.json["open_cases"]?.arrayValue?.map { $0["kind"] } == ["transfer"], "\(day)")
            }
            // 2026-04-12: at 2-1, permit moved, transferred once, nothing open.
            let moved = try await read(worker, "2026-04-12")
            #expect(moved.json["employer_id"] == "2-1")
            #expect(moved.json["employment"] == "employed")
            #expect(moved.json["permit"]?["establishment_id"] == "2-1")
            #expect(moved.json["transfer_count"] == 1)
            #expect(moved.json["open_cases"] == [])
            // 2026-04-13 (today): departed, as today's file says.
            let gone = try await read(worker, "2026-04-13")
            #expect(gone.json["employment"] == "departed")
            let today = try await read(worker, nil)
            #expect(today.json["employment"] == "departed")
            #expect(today.json["as_of"] == nil)

            // The establishment's band, on both sides of the thirty residents.
            let before = try await read("/v1/establishments/2-1", "2026-01-10")
            let after = try await read("/v1/establishments/2-1", "2026-01-11")
            #expect(before.json["headcount"] == 6)
            #expect(after.json["headcount"] == 36)
            #expect(before.json["band"] == "platinum")
            #expect(after.json["band"] != before.json["band"], "\(after.json["band"] ?? .null)")
            // And W's arrival, then departure.
            #expect(try await read("/v1/establishments/2-1", "2026-04-12").json["headcount"] == 37)
            #expect(try await read("/v1/establishments/2-1", "2026-04-13").json["headcount"] == 36)

            // The case: not opened yet, open, completed.
            #expect(try await read("/v1/cases/\(transfer)", "2026-01-10").status == 404)
            #expect(try await read("/v1/cases/\(transfer)", "2026-01-11").json["state"] == "notice_period")
            #expect(try await read("/v1/cases/\(transfer)", "2026-04-12").json["state"] == "completed")

            // Who may read is today's question (his first employer may not read his past), and
            // then's too (his second may not read what he was at the first).
            #expect(try await read(worker, "2026-01-10", as: "ownerA").status == 404)
            #expect(try await read(worker, "2026-04-12", as: "worker").status == 200, "he reads his own past")
            #expect(try await read(worker, "2026-01-10", as: "worker").json["employer_id"] == "1-1")

            // A day after today (nothing recorded yet: 404, naming today), and a day that is no
            // day (400), in both languages.
            let future = try await read(worker, "2026-04-14")
            #expect(future.status == 404)
            #expect(future.json["error"]?["code"] == "request.as_of_after_today")
            #expect(future.json["error"]?["message_en"]?.stringValue?.contains("2026-04-13") == true)
            #expect(future.json["error"]?["message_ar"]?.stringValue?.contains("2026-04-13") == true)
            let malformed = try await read(worker, "2026-13-45")
            #expect(malformed.status == 400)
            #expect(malformed.json["error"]?["code"] == "request.bad_query")
        }
    }
}
