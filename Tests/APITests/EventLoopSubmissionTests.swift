import API
import Domain
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import TestSupport

/// `SubmissionHandler`: submissions answered on the event loop must be answered exactly as
/// the router answers them, and in the order the requests came.
@Suite("Submissions answered on the event loop")
struct EventLoopSubmissionTests {
    static func registration(_ n: Int) -> String {
        #"{"service":"worker.register","payload":{"worker_id":"\#(Fixtures.person(n).digits)","establishment_id":"1-1","name":"W","#
            + #""nationality":"IND","birth_date":"1990-01-01","occupation":"mason","wage":2500,"#
            + #""arrived_on":"\#(Day(Date()).adding(days: -5).iso)"}}"#
    }

    /// The exchanges compared, each as (path, key, body, Accept-Language); `n` keeps workers apart.
    static func exchanges(_ n: Int) -> [(path: String, key: String?, body: String, language: String?)] {
        [
            ("/v1/requests?wait=5", "decided-\(n)", registration(n), nil),
            ("/v1/requests", "queued-\(n)", registration(n + 1), nil),
            ("/v1/requests?wait=5", "decided-\(n)", registration(n), nil),  // the same key and request: the first one
            ("/v1/requests?wait=5", "decided-\(n)", registration(n + 2), nil),  // the same key, another request: 409
            ("/v1/requests", nil, registration(n + 3), nil),
            ("/v1/requests?wait=-1", "w-\(n)", registration(n + 3), nil),
            ("/v1/requests", "malformed-\(n)", #"{"service": "#, "ar"),
            ("/v1/requests", "shape-\(n)", #"{"service": 7, "payload": [], "extra": 1}"#, nil),
            ("/v1/requests", "unknown-\(n)", #"{"service": "no.such", "payload": {}}"#, "ar, en;q=0.5"),
            ("/v1/requests", "invalid-\(n)", #"{"service": "worker.register", "payload": {"worker_id": "12"}}"#, nil),
            ("/v1/requests", "large-\(n)", #"{"service": "worker.register", "payload": {"name": ""# + String(repeating: "x", count: 3000) + #""}}"#, nil),
        ]
    }

    /// What a reply says, with the request's own id and times left out (each path makes its own request).
    static func comparable(_ reply: Reply) -> String {
        var json = reply.json
        if case .object(var object) = json {
            for field in ["id", "seq", "submitted_at", "decided_at", "not_before", "idempotency_key", "subject", "payload", "outcome"] {
                object[field] = object[field] == nil ? nil : .string("…")
            }
            json = .object(object)
        }
        let headers = [HTTPField.Name.contentType, .contentLanguage, .wwwAuthenticate].map { reply.headers[$0] ?? "-" }
        return "\(reply.status.code) \(headers) \(json.jsonText)"
    }

    @Test("every kind of answer — decided, queued, replayed, conflicting, refused, too large — is the router's")
    func sameAnswers() async throws {
        try await withScratchDatabase { database in
            let api = try TestAPI(database, maxBodyBytes: 2048)
            let token = try await api.run { db in
                try Fixtures.establishment("1-1", on: db)
                return try Fixtures.user(.staff, on: db).token
            }
            let byRouter = try await api.application.test(.router) { client in
                var replies: [String] = []
                for exchange in Self.exchanges(100) {
                    replies.append(Self.comparable(try await client.call(
                        .post, exchange.path, token: token, key: exchange.key, language: exchange.language, body: exchange.body)))
                }
                return replies
            }
            #expect(api.environment.eventLoopAnswers.value == 0)
            try await api.application.test(.live) { client in
                // The first request reads the token (through the router); the handler takes the rest.
                _ = try await client.call(.get, "/v1/requests?limit=1", token: token)
                var replies: [String] = []
                for exchange in Self.exchanges(200) {
                    replies.append(Self.comparable(try await client.call(
                        .post, exchange.path, token: token, key: exchange.key, language: exchange.language, body: exchange.body)))
                }
                #expect(api.environment.eventLoopAnswers.value == Self.exchanges(200).count)
                #expect(replies.count == byRouter.count)
                for (index, (mine, theirs)) in zip(replies, byRouter).enumerated() {
                    #expect(mine == theirs, "exchange \(index): \(Self.exchanges(200)[index].key ?? "no key")")
                }

                // A decided answer is the request as stored; Location names it.
                let decided = try await client.call(.post, "/v1/requests?wait=5", token: token, key: "again", body: Self.registration(300))
                #expect(decided.status == .ok)
                let id = try #require(decided.json["id"]?.stringValue)
                #expect(decided.headers[.location] == "/v1/requests/\(id)")
                #expect(try await client.call(.get, "/v1/requests/\(id)", token: token).json == decided.json)

                // An unknown token is the router's to refuse.
                let before = api.environment.eventLoopAnswers.value
                let stranger = try await client.submit("worker.register", Self.registration(301), token: "nobody")
                #expect(stranger.status == .unauthorized)
                #expect(api.environment.eventLoopAnswers.value == before)
            }
            await api.pool.close()
        }
    }

    @Test("pipelined requests are answered in order, whichever path answers each")
    func pipelinedOrder() async throws {
        try await withScratchDatabase { database in
            let api = try TestAPI(database)
            let token = try await api.run { db in
                try Fixtures.establishment("1-1", on: db)
                return try Fixtures.user(.staff, on: db).token
            }
            try await api.application.test(.live) { client in
                _ = try await client.call(.get, "/v1/requests?limit=1", token: token)
                let port = try #require(client.port)
                func post(_ n: Int) -> String {
                    let body = Self.registration(n)
                    return "POST /v1/requests?wait=5 HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer \(token)\r\n"
                        + "Idempotency-Key: pipe-\(n)\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
                }
                let health = "GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n"
                let replies = try await HTTP.pipelined(port: port, post(1) + health + post(2) + post(3) + health + post(4), responses: 6)
                let kinds = replies.map { $0.contains("\"alive\"") ? "health" : $0.contains("Location: /v1/requests/") || $0.contains("location: /v1/requests/") ? "request" : $0 }
                #expect(kinds == ["request", "health", "request", "request", "health", "request"])
                for (index, n) in [(0, 1), (2, 2), (3, 3), (5, 4)] {
                    #expect(replies[index].contains(Fixtures.person(n).digits), "reply \(index) is not worker \(n)'s")
                }
                #expect(api.environment.eventLoopAnswers.value == 4)
            }
            await api.pool.close()
        }
    }
}
