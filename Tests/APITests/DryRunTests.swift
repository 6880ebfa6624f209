import API
import Domain
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import PQ
import Testing
import TestSupport

/// `POST /v1/requests?dry_run=true`: the decision the engine would make now, with the same
/// checks and access as a real submission, and nothing written anywhere.
@Suite("Dry runs")
struct DryRunTests {
    /// Rows of every table of the schema, by table.
    static func rowCounts(_ api: TestAPI) async throws -> [String: Int] {
        try await api.run { db in
            let tables = try db.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1").map { try $0.decode(String.self, at: 0) }
            var counts: [String: Int] = [:]
            for table in tables {
                counts[table] = try db.query("SELECT count(*)::int FROM \"\(table)\"").single().decode(Int.self, at: 0)
            }
            return counts
        }
    }

    @Test("completed or refused with its reason, as the role the caller would act in; refused before deciding as a submission is; nothing written")
    func writesNothing() async throws {
        try await withScratchDatabase { database in
            let api = try TestAPI(database)
            let worker = Fixtures.person(901), early = Fixtures.person(902)
            let tokens = try await api.run { db -> [String: String] in
                try Fixtures.establishment("1-1", company: "7000000001", cr: "1000000011", on: db)
                try Fixtures.establishment("2-1", company: "7000000002", cr: "1000000021", on: db)
                for n in 1...4 { try Fixtures.worker(Fixtures.person(910 + n, saudi: true), at: "1-1", on: db) }
                try Fixtures.worker(worker, at: "1-1", on: db)
                try Fixtures.permit(worker, at: "1-1", expiresOn: Day(Date()).adding(days: 30).iso, on: db)
                try Fixtures.worker(early, at: "1-1", on: db)
                try Fixtures.permit(early, at: "1-1", expiresOn: Day(Date()).adding(days: 300).iso, on: db)
                return [
                    "owner": try Fixtures.user(.owner, company: "7000000001", on: db).token,
                    "foreign": try Fixtures.user(.owner, company: "7000000002", on: db).token,
                    "delegate": try Fixtures.user(.delegate, grants: [("1-1", ["work-permit.renew"])], on: db).token,
                ]
            }
            let before = try await Self.rowCounts(api)
            @Sendable func renewal(_ person: PersonID) -> String { #"{"worker_id":"\#(person.digits)","establishment_id":"1-1","months":12}"# }
            try await api.application.test(.router) { client in
                func dryRun(_ body: String, token: String?, query: String = "?dry_run=true") async throws -> Reply {
                    // The key is checked as for any submission, and not kept.
                    try await client.call(.post, "/v1/requests\(query)", token: token, key: "dry-\(UUID().uuidString)", body: body)
                }
                let renewed = try await dryRun(#"{"service":"work-permit.renew","payload":\#(renewal(worker))}"#, token: tokens["delegate"])
                #expect(renewed.status == .ok && renewed.json["dry_run"] == true && renewed.json["state"] == "completed", "\(renewed.json)")
                #expect(renewed.json["actor_role"] == "delegate" && renewed.json["establishment_id"] == "1-1")
                #expect(renewed.json["events"]?.arrayValue?.isEmpty == false && renewed.json["outcome"]?["expires_on"] != nil, "\(renewed.json)")
                #expect(renewed.headers[.location] == nil)
                let tooEarly = try await dryRun(#"{"service":"work-permit.renew","payload":\#(renewal(early))}"#, token: tokens["owner"])
                #expect(tooEarly.json["state"] == "rejected" && tooEarly.json["reason"]?["code"] == "permit.renewal_too_early", "\(tooEarly.json)")
                #expect(tooEarly.json["reason"]?["message_ar"]?.stringValue?.isEmpty == false)
                // The same refusals as a real submission, before anything is decided.
                #expect(try await dryRun(#"{"service":"work-permit.renew","payload":\#(renewal(worker))}"#, token: tokens["foreign"]).status == .forbidden)
                #expect(try await dryRun(#"{"service":"final-exit.issue","payload":{"worker_id":"\#(worker.digits)","establishment_id":"1-1"}}"#,
                                         token: tokens["delegate"]).status == .forbidden)
                #expect(try await dryRun(#"{"service":"work-permit.renew","payload":{"worker_id":"12"}}"#, token: tokens["owner"]).status == .unprocessableContent)
                #expect(try await dryRun(#"{"service":"nothing.here","payload":{}}"#, token: tokens["owner"]).status == .notFound)
                #expect(try await dryRun("{}", token: nil).status == .unauthorized)
                #expect(try await dryRun(#"{"service":"work-permit.renew","payload":\#(renewal(worker))}"#, token: tokens["owner"], query: "?dry_run=maybe").status == .badRequest)
                #expect(try await dryRun(#"{"service":"work-permit.renew","payload":\#(renewal(worker))}"#, token: tokens["owner"], query: "?dry_run=true&wait=x").status == .badRequest)
                #expect(try await client.call(.post, "/v1/requests?dry_run=true", token: tokens["owner"],
                                              body: #"{"service":"work-permit.renew","payload":\#(renewal(worker))}"#).status == .badRequest, "no key")
            }
            #expect(try await Self.rowCounts(api) == before, "a dry run wrote something")
            // And the real submission still takes its course afterwards.
            try await api.application.test(.router) { client in
                let real = try await client.submit("work-permit.renew", renewal(worker), token: tokens["owner"])
                #expect(real.status.code == 202)
            }
            await api.pool.close()
        }
    }
}
