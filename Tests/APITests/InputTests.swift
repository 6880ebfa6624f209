import API
import Domain
import Foundation
import HummingbirdTesting
import PQ
import Store
import Testing
import TestSupport

@Suite("Bad input")
struct InputTests {
    @Test("malformed JSON, wrong types, oversized bodies, unknown services: a bilingual 4xx, nothing queued")
    func refusals() async throws {
        try await withScratchDatabase { database in
            let api = try TestAPI(database, maxBodyBytes: 2048)
            let token = try await api.run { db in try Fixtures.user(.staff, on: db).token }
            try await api.application.test(.router) { client in
                let cases: [(String, Int, String)] = [
                    (#"{"service": "work-permit.issue", "payload": {"#, 400, "request.malformed_json"),
                    (#"[1, 2]"#, 400, "request.field_type"),
                    (#"{"service": 12, "payload": {}}"#, 422, "request.field_type"),
                    (#"{"payload": {}}"#, 422, "request.field_missing"),
                    (#"{"service": "work-permit.issue", "payload": [], "extra": 1}"#, 422, "request.field_unknown"),
                    (#"{"service": "work-permit.issue", "payload": {"worker_id": 2000000014, "establishment_id": "1-1", "months": "twelve"}}"#, 422, "request.field_type"),
                    (#"{"service": "work-permit.issue", "payload": {"worker_id": "2000000015", "establishment_id": "1-1", "months": 12}}"#, 422, "identifier.checksum"),
                    (#"{"service": "no.such", "payload": {}}"#, 404, "request.unknown_service"),
                    (#"{"service": "work-permit.issue", "payload": {"pad": "\#(String(repeating: "x", count: 4000))"}}"#, 413, "request.body_too_large"),
                ]
                for (body, status, code) in cases {
                    let reply = try await client.call(.post, "/v1/requests", token: token, key: UUID().uuidString, body: body)
                    #expect(reply.status.code == status, "\(body.prefix(60))")
                    #expect(reply.errorCode == code, "\(body.prefix(60)): \(reply.json)")
                    let error = reply.json["error"]
                    #expect(error?["message_ar"]?.stringValue?.isEmpty == false)
                    #expect(error?["message_en"]?.stringValue?.isEmpty == false)
                    #expect(error?["message"] == error?["message_en"])
                }
                // Field errors list every field at fault.
                let fields = try await client.call(.post, "/v1/requests", token: token, key: "f", body: #"{"service": "work-permit.issue", "payload": {"months": 99}}"#)
                let named = fields.json["error"]?["fields"]?.arrayValue?.compactMap { $0["field"]?.stringValue }.sorted()
                #expect(named == ["establishment_id", "months", "worker_id"])
                // Without an idempotency key nothing is accepted.
                let keyless = try await client.call(.post, "/v1/requests", token: token, body: #"{"service": "work-permit.issue", "payload": {}}"#)
                #expect(keyless.status == .badRequest)
                #expect(keyless.errorCode == "request.idempotency_key_missing")
                // Arabic when asked for.
                let arabic = try await client.call(.post, "/v1/requests", token: token, key: "a", language: "ar-SA,en;q=0.5", body: "{")
                #expect(arabic.json["error"]?["message"] == arabic.json["error"]?["message_ar"])
                #expect(arabic.headers[.contentLanguage] == "ar")
                // Unknown routes and ids are bilingual too.
                let nowhere = try await client.call(.get, "/v1/nowhere", token: token)
                #expect(nowhere.status == .notFound)
                #expect(nowhere.errorCode == "request.route_not_found")
                #expect(try await client.call(.get, "/v1/requests/not-a-uuid", token: token).errorCode == "request.not_found")
            }
            #expect(try await api.queued() == 0)
            #expect(try await api.run { db in try db.query("SELECT count(*)::int FROM idempotency_keys").single().decode(Int.self, at: 0) } == 0)
            await api.pool.close()
        }
    }

    @Test("the same key twice returns the first request; with other content it is a 409")
    func idempotency() async throws {
        try await withScratchDatabase { database in
            let api = try TestAPI(database)
            let token = try await api.run { db in try Fixtures.user(.staff, on: db).token }
            try await api.application.test(.router) { client in
                let payload = #"{"worker_id":"2000000014","establishment_id":"1-1","months":12}"#
                let first = try await client.submit("work-permit.issue", payload, token: token, key: "k1")
                let second = try await client.submit("work-permit.issue", payload, token: token, key: "k1")
                #expect(first.status == .accepted)
                #expect(first.json["id"] == second.json["id"])
                let other = try await client.submit("work-permit.issue", #"{"worker_id":"2000000014","establishment_id":"1-1","months":6}"#, token: token, key: "k1")
                #expect(other.status == .conflict)
                #expect(other.errorCode == "request.idempotency_conflict")
            }
            #expect(try await api.queued() == 1)
            await api.pool.close()
        }
    }
}

@Suite("Operator refusals")
struct OperatorRefusalTests {
    @Test("wrong method, bad query, a clock that cannot move, re-driving what did not fail, withdrawing what is being processed")
    func refusals() async throws {
        try await withScratchDatabase { database in
            let api = try TestAPI(database)
            let (staff, owner) = try await api.run { db in
                (try Fixtures.user(.staff, on: db).token, try Fixtures.user(.owner, company: "7000000001", on: db).token)
            }
            try await api.application.test(.router) { client in
                let method = try await client.call(.delete, "/v1/requests", token: staff)
                #expect(method.status == .methodNotAllowed || method.status == .notFound)
                #expect(["request.method_not_allowed", "request.route_not_found"].contains(method.errorCode ?? ""))
                #expect(try await client.call(.get, "/v1/requests?state=bogus", token: staff).errorCode == "request.bad_query")
                #expect(try await client.call(.get, "/v1/requests?limit=0", token: staff).errorCode == "request.bad_query")
                let clock = try await client.call(.post, "/v1/clock/advance", token: staff, body: #"{"days": 1}"#)
                #expect(clock.status == .conflict)
                #expect(clock.errorCode == "clock.not_simulated")
                #expect(try await client.call(.post, "/v1/clock/advance", token: owner, body: #"{"days": 1}"#).status == .forbidden)

                let submitted = try await client.submit("work-permit.issue", #"{"worker_id":"2000000014","establishment_id":"1-1","months":12}"#, token: staff)
                let id = try #require(submitted.json["id"]?.stringValue)
                let notFailed = try await client.call(.post, "/v1/requests/\(id)/retry", token: staff)
                #expect(notFailed.status == .conflict)
                #expect(notFailed.errorCode == "request.not_failed")
                #expect(try await client.call(.post, "/v1/requests/\(id)/retry", token: owner).status == .forbidden)

                // A worker holds the request's row (as while deciding it): withdrawing must wait, not block.
                let holder = try await database.connect()
                try await holder.execute("BEGIN")
                try await holder.query("SELECT id FROM requests WHERE id = $1 FOR UPDATE", [UUID(uuidString: id)!])
                let busy = try await client.call(.post, "/v1/requests/\(id)/cancel", token: staff)
                #expect(busy.status == .conflict)
                #expect(busy.errorCode == "request.being_processed")
                try await holder.execute("ROLLBACK")
            }
            await api.pool.close()
        }
    }

    @Test("a database that cannot be reached is a bilingual 503, not a hang")
    func unavailable() async throws {
        try await withScratchDatabase { database in
            let api = try TestAPI(database)
            let token = try await api.run { db in try Fixtures.user(.staff, on: db).token }
            // Warm the principal cache, then take the database away.
            try await api.application.test(.router) { client in
                _ = try await client.call(.get, "/v1/requests", token: token)
                await database.drop()
                let reply = try await client.call(.get, "/v1/requests/\(UUID().uuidString)", token: token)
                #expect(reply.status == .serviceUnavailable || reply.status == .internalServerError)
                #expect(reply.json["error"]?["message_ar"]?.stringValue?.isEmpty == false)
                let ready = try await client.call(.get, "/readyz")
                #expect(ready.status == .serviceUnavailable)
            }
            await api.pool.close()
        }
    }
}
