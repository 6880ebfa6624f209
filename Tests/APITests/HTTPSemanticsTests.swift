@testable import API
import Domain
import Engine
import Foundation
import HTTPTypes
import HummingbirdTesting
import PQ
import Store
import Testing
import TestSupport

/// HTTP as a client expects it: 405 with `Allow` for a known path, errors mapped by their
/// type, and a request's technical trouble shown as a code (its text to staff only).
@Suite("HTTP semantics")
struct HTTPSemanticsTests {
    @Test("a known path with a method it does not take is 405 with Allow; an unknown path is 404")
    func methodNotAllowed() async throws {
        try await withScratchDatabase { database in
            let api = try TestAPI(database)
            try await api.application.test(.router) { client in
                let cases: [(HTTPRequest.Method, String, String)] = [
                    (.init("TRACE")!, "/v1/requests", "GET, POST"),
                    (.delete, "/v1/requests", "GET, POST"),
                    (.put, "/v1/requests/\(UUID().uuidString)", "GET"),
                    (.get, "/v1/requests/\(UUID().uuidString)/cancel", "POST"),
                    (.options, "/healthz", "GET"),
                    (.post, "/v1/clock", "GET"),
                    (.patch, "/v1/services/work-permit.renew", "GET"),
                ]
                for (method, path, allowed) in cases {
                    let reply = try await client.call(method, path)
                    #expect(reply.status == .methodNotAllowed, "\(method) \(path)")
                    #expect(reply.headers[.allow] == allowed, "\(method) \(path)")
                    #expect(reply.errorCode == "request.method_not_allowed")
                    #expect(reply.json["error"]?["message_ar"]?.stringValue?.isEmpty == false)
                }
                for path in ["/v1/nowhere", "/v1/requests/a/b/c", "/v2/requests"] {
                    let reply = try await client.call(.init("TRACE")!, path)
                    #expect(reply.status == .notFound, "\(path)")
                    #expect(reply.headers[.allow] == nil)
                }
            }
            await api.pool.close()
        }
    }

    @Test("errors map by their type: the database unable to serve is 503 with Retry-After, anything else 500 without detail")
    func mapping() {
        let unavailable: [any Error] = [
            PQError(.poolTimeout, "waited too long"), PQError(.poolClosed, "closed"), PQError(.connection, "lost"),
            PQError(.server, "shutting down", sqlState: .adminShutdown), PQError(.server, "too many", sqlState: .tooManyConnections),
            PQError(.server, "now a standby", sqlState: .readOnlySQLTransaction),
            TransactionError(phase: .commit, underlying: PQError(.server, "race", sqlState: .serializationFailure)),
            Intake.Overloaded(retryAfterSeconds: 1), CancellationError(),
        ]
        for error in unavailable {
            let mapped = APIError.mapping(error, maxBodyBytes: 65_536)
            #expect(mapped.status == .serviceUnavailable, "\(error)")
            #expect(mapped.headers[.retryAfter] == "1", "\(error)")
            #expect(mapped.reason.code == .unavailable)
        }
        struct Unexpected: Error { let secret = "password=hunter2" }
        for error in [Unexpected(), PQError(.server, "syntax error at or near \"hunter2\"", sqlState: .syntaxError)] as [any Error] {
            let mapped = APIError.mapping(error, maxBodyBytes: 65_536)
            #expect(mapped.status == .internalServerError)
            #expect(!mapped.reason.english.contains("hunter2") && !mapped.reason.arabic.contains("hunter2"))
        }
    }

    @Test("a request's technical error is a code with both texts; its text goes to staff only")
    func technicalErrorShown() async throws {
        try await withScratchDatabase { database in
            let api = try TestAPI(database)
            let (staff, owner, id) = try await api.run { db -> (String, String, UUID) in
                try Fixtures.establishment("1-1", company: "7000000001", on: db)
                let owner = try Fixtures.user(.owner, company: "7000000001", on: db)
                let id = UUID()
                try db.query("""
                    INSERT INTO requests (id, service, establishment_id, subject, actor_id, actor_role, payload, submitted_at, not_before, retry_at, attempts, last_error)
                    VALUES ($1, 'saudization-certificate.issue', '1-1', 'establishment:1-1', $2, 'owner', '{"establishment_id":"1-1"}', now(), now(), now(), 2,
                            'PQError(server 23505): duplicate key value violates unique constraint')
                    """, [id, owner.principal.user.actor.id])
                return (try Fixtures.user(.staff, on: db).token, owner.token, id)
            }
            try await api.application.test(.router) { client in
                let seenByOwner = try await client.call(.get, "/v1/requests/\(id)", token: owner)
                #expect(seenByOwner.status == .ok)
                #expect(seenByOwner.json["error"]?["code"] == "request.technical_retrying")
                #expect(seenByOwner.json["error"]?["message_ar"]?.stringValue?.isEmpty == false)
                #expect(seenByOwner.json["error_detail"] == nil)
                #expect(!seenByOwner.json.jsonText.contains("23505"))
                let seenByStaff = try await client.call(.get, "/v1/requests/\(id)", token: staff)
                #expect(seenByStaff.json["error"]?["code"] == "request.technical_retrying")
                #expect(seenByStaff.json["error_detail"]?.stringValue?.contains("23505") == true)
            }
            await api.pool.close()
        }
    }
}
