import API
import Domain
import Foundation
import HummingbirdTesting
import PQ
import Store
import Testing
import TestSupport

/// `GET /v1/statistics`: the open-data figures over the API, for those signed in.
@Suite("Statistics over the API")
struct StatisticsRouteTests {
    @Test("months and services in a day range; a bad date is 400, a backwards range empty; no token is 401")
    func statistics() async throws {
        try await withScratchDatabase { database in
            let api = try TestAPI(database)
            let token = try await api.run { db in try Fixtures.user(.owner, company: "7000000001", on: db).token }
            try await api.run { db in
                _ = try db.query("""
                    INSERT INTO request_history (id, seq, service, subject, actor_id, actor_role, payload, priority, origin,
                                                 submitted_at, not_before, attempts, state, decided_at)
                    SELECT gen_random_uuid(), n, 'work-permit.renew', 'worker:1', 'test', 'staff', '{}', 0, 'api', d, d, 1, 'completed', d
                    FROM (VALUES (1, timestamptz '2018-09-10 12:00Z'), (2, timestamptz '2018-09-11 12:00Z'),
                                 (3, timestamptz '2018-09-11 13:00Z'), (4, timestamptz '2018-12-01 12:00Z')) AS v(n, d)
                    """)
            }
            try await api.application.test(.router) { client in
                let reply = try await client.call(.get, "/v1/statistics?from=2018-09-01&to=2018-09-30", token: token)
                #expect(reply.status == .ok, "\(reply.json)")
                #expect(reply.json["calendar"] == "islamic-umm-al-qura")
                let months = reply.json["months"]?.arrayValue ?? []
                #expect(months.map { $0["hijri_month"]?.stringValue } == ["1439-12", "1440-01"])
                #expect(months.map { $0["total"]?["completed"] } == [1, 2])
                #expect(reply.json["total"]?["total"]?["total"] == 3)

                let everything = try await client.call(.get, "/v1/statistics", token: token)
                #expect(everything.json["total"]?["total"]?["total"] == 4)
                for query in ["from=2018-13-01", "to=yesterday", "from=18-10-01"] {
                    let bad = try await client.call(.get, "/v1/statistics?\(query)", token: token)
                    #expect(bad.status == .badRequest, "\(query)")
                    #expect(bad.errorCode == "request.bad_query", "\(query)")
                }
                // A period that ends before it begins is empty, as the spec's two dates allow.
                let backwards = try await client.call(.get, "/v1/statistics?from=2018-10-01&to=2018-09-01", token: token)
                #expect(backwards.status == .ok)
                #expect(backwards.json["months"]?.arrayValue?.isEmpty == true)
                #expect(backwards.json["total"]?["total"]?["total"] == 0)
                #expect(try await client.call(.get, "/v1/statistics").status == .unauthorized)
            }
        }
    }
}
