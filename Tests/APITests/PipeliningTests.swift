import API
import Domain
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import TestSupport

/// Submissions over real connections: the answer a caller gets is the request as stored, and
/// pipelined requests are answered in the order they came.
@Suite("Submissions over a connection")
struct PipeliningTests {
    static func registration(_ n: Int) -> String {
        #"{"service":"worker.register","payload":{"worker_id":"\#(Fixtures.person(n).digits)","establishment_id":"1-1","name":"W","#
            + #""nationality":"IND","birth_date":"1990-01-01","occupation":"mason","wage":2500,"#
            + #""arrived_on":"\#(Day(Date()).adding(days: -5).iso)"}}"#
    }

    @Test("a decided answer is the request as stored, and Location names it")
    func decidedAnswer() async throws {
        try await withScratchDatabase { database in
            let api = try TestAPI(database)
            let token = try await api.run { db in
                try Fixtures.establishment("1-1", on: db)
                return try Fixtures.user(.staff, on: db).token
            }
            try await api.application.test(.live) { client in
                let decided = try await client.call(.post, "/v1/requests?wait=5", token: token, key: "again", body: Self.registration(300))
                #expect(decided.status == .ok)
                let id = try #require(decided.json["id"]?.stringValue)
                #expect(decided.headers[.location] == "/v1/requests/\(id)")
                #expect(try await client.call(.get, "/v1/requests/\(id)", token: token).json == decided.json)
                let stranger = try await client.submit("worker.register", Self.registration(301), token: "nobody")
                #expect(stranger.status == .unauthorized)
            }
            await api.pool.close()
        }
    }

    @Test("pipelined requests are answered in order")
    func pipelinedOrder() async throws {
        try await withScratchDatabase { database in
            let api = try TestAPI(database)
            let token = try await api.run { db in
                try Fixtures.establishment("1-1", on: db)
                return try Fixtures.user(.staff, on: db).token
            }
            try await api.application.test(.live) { client in
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
            }
            await api.pool.close()
        }
    }
}
