import API
import Domain
import Foundation
import HummingbirdTesting
import Testing
import TestSupport

@Suite("Submissions that wait for their decision")
struct WaitingSubmissionTests {
    @Test("a portal that waits gets the decision in the answer to its submission; one that does not gets 202")
    func decisionInTheAnswer() async throws {
        try await withScratchDatabase { database in
            let api = try TestAPI(database)
            let token = try await api.run { db in
                try Fixtures.establishment("1-1", on: db)
                return try Fixtures.user(.staff, on: db).token
            }
            @Sendable func registration(_ n: Int) -> String {
                #"{"worker_id":"\#(Fixtures.person(n).digits)","establishment_id":"1-1","name":"W","nationality":"IND","#
                    + #""birth_date":"1990-01-01","occupation":"mason","wage":2500,"arrived_on":"\#(Day(Date()).adding(days: -5).iso)"}"#
            }
            try await api.application.test(.router) { client in
                let waited = try await client.call(.post, "/v1/requests?wait=5", token: token, key: "w-1",
                                                   body: #"{"service":"worker.register","payload":\#(registration(1))}"#)
                #expect(waited.status == .ok)
                #expect(waited.json["state"]?.stringValue == "completed", "\(waited.json)")
                let id = try #require(waited.json["id"]?.stringValue)
                // The answer is the request as it is stored.
                let shown = try await client.call(.get, "/v1/requests/\(id)", token: token)
                #expect(shown.json == waited.json)
                #expect(try await api.queued() == 0)

                let acknowledged = try await client.submit("worker.register", registration(2), token: token, key: "w-2")
                #expect(acknowledged.status == .accepted)
                #expect(acknowledged.json["state"]?.stringValue == "queued")
                // Behind the queued registration on its subject (and nothing decides it here):
                // queued too, and after the wait still queued.
                let behind = try await client.call(
                    .post, "/v1/requests?wait=1", token: token, key: "w-3",
                    body: #"{"service":"work-permit.issue","payload":{"worker_id":"\#(Fixtures.person(2).digits)","establishment_id":"1-1","months":12}}"#)
                #expect(behind.status == .accepted)
                #expect(behind.json["state"]?.stringValue == "queued")
                #expect(try await api.queued() == 2)
            }
            await api.pool.close()
        }
    }
}
