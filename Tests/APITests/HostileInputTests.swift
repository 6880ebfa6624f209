import Domain
import Foundation
import PQ
import Store
import Testing
import TestSupport

/// Inputs an attacker sends, against a real daemon process: each gets a bilingual 4xx and the
/// daemon keeps serving. (Numbers past `Int` once stopped it with one request.)
@Suite("Hostile input against a running daemon", .serialized)
struct HostileInputTests {
    static let numbers = ["1e19", "9223372036854775808", "-9223372036854775809", "1e300", "1e400", "-1e400", "12.5"]

    @Test("numbers past Int in any integer field, by a delegate without grants and by staff: 422, the daemon stays up")
    func numbers() async throws {
        try await withScratchDatabase { database in
            let (staff, delegate) = try await database.run { db in
                try Fixtures.establishment("1-1", on: db)
                try Fixtures.simulate(from: Day(year: 2026, month: 12, day: 1), on: db)
                return (try Fixtures.user(.staff, on: db).token, try Fixtures.user(.delegate, on: db).token)
            }
            let daemon = try DaemonProcess(databaseURL: database.url, environment: ["MUAMALA_CLOCK": "simulated"])
            try await daemon.waitUntilReady()
            let worker = Fixtures.person(1).digits
            for token in [delegate, staff] {
                for number in Self.numbers {
                    for wait in ["", "?wait=2"] {
                        let (status, body) = try await HTTP.post(
                            "\(daemon.baseURL)/v1/requests\(wait)", headers: ["Authorization": "Bearer \(token)", "Idempotency-Key": UUID().uuidString],
                            json: #"{"service": "work-permit.renew", "payload": {"worker_id": "\#(worker)", "establishment_id": "1-1", "months": \#(number)}}"#)
                        #expect(status == 422, "months = \(number): \(String(decoding: body, as: UTF8.self))")
                        let error = JSONValue.parse(utf8: body)?["error"]
                        #expect(error?["fields"]?.arrayValue?.first?["field"] == "months")
                        #expect(error?["message_ar"]?.stringValue?.isEmpty == false)
                    }
                }
            }
            // The clock, staff only: out-of-range moves are 422, a body past the API's bound 413.
            for body in [#"{"days": 1e308}"#, #"{"days": 1e400}"#, #"{"seconds": -1}"#, #"{"days": "1"}"#, #"{}"#, #"{"hours": 1}"#] {
                let (status, reply) = try await HTTP.post("\(daemon.baseURL)/v1/clock/advance", headers: ["Authorization": "Bearer \(staff)"], json: body)
                #expect(status == 422, "\(body): \(String(decoding: reply, as: UTF8.self))")
            }
            let (padded, _) = try await HTTP.post("\(daemon.baseURL)/v1/clock/advance", headers: ["Authorization": "Bearer \(staff)"],
                                                  json: #"{"days": 1, "pad": "\#(String(repeating: "x", count: 5000))"}"#)
            #expect(padded == 422, "an unknown field, whatever its size within the bound")
            let (large, _) = try await HTTP.post("\(daemon.baseURL)/v1/clock/advance", headers: ["Authorization": "Bearer \(staff)"],
                                                 json: #"{"days": 1, "pad": "\#(String(repeating: "x", count: 70_000))"}"#)
            #expect(large == 413)
            let (moved, _) = try await HTTP.post("\(daemon.baseURL)/v1/clock/advance", headers: ["Authorization": "Bearer \(staff)"], json: #"{"days": 1.5}"#)
            #expect(moved == 200)
            #expect(daemon.exited == nil, "the daemon stopped:\n\(daemon.log.suffix(2000))")
            let (health, _) = try await HTTP.get("\(daemon.baseURL)/healthz")
            #expect(health == 200)
            #expect(try await database.run { db in try db.query("SELECT count(*)::int FROM requests").single().decode(Int.self, at: 0) } == 0)
            _ = try await daemon.terminate()
        }
    }
}
