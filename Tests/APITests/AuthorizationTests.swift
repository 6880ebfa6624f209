import API
import Domain
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import PQ
import Store
import Testing
import TestSupport

@Suite("Authentication and authorization")
struct AuthorizationTests {
    @Test("the 401/403 matrix over roles × own and foreign establishments")
    func matrix() async throws {
        try await withScratchDatabase { database in
            let api = try TestAPI(database)
            let worker = Fixtures.person(1)
            let tokens = try await api.run { db -> [String: String] in
                try Fixtures.establishment("1-1", company: "7000000001", cr: "1000000011", on: db)
                try Fixtures.establishment("1-2", company: "7000000001", cr: "1000000012", on: db)
                try Fixtures.establishment("2-1", company: "7000000002", cr: "1000000021", on: db)
                try Fixtures.worker(worker, at: "1-1", on: db)
                return [
                    "ownerA": try Fixtures.user(.owner, company: "7000000001", on: db).token,
                    "ownerB": try Fixtures.user(.owner, company: "7000000002", on: db).token,
                    "delegate": try Fixtures.user(.delegate, grants: [("1-1", ["work-permit.issue"])], on: db).token,
                    "agent": try Fixtures.user(.agent, grants: [("1-1", ["*"])], on: db).token,
                    "worker": try Fixtures.user(.worker, person: worker, on: db).token,
                    "staff": try Fixtures.user(.staff, on: db).token,
                ]
            }
            let issue: @Sendable (String) -> String = { establishment in
                #"{"worker_id":"\#(worker.digits)","establishment_id":"\#(establishment)","months":12}"#
            }
            // (who, service, establishment, expected status)
            let matrix: [(String?, String, String, Int)] = [
                (nil, "work-permit.issue", "1-1", 401),
                ("not-a-token", "work-permit.issue", "1-1", 401),
                ("ownerA", "work-permit.issue", "1-1", 202),
                ("ownerA", "work-permit.issue", "1-2", 202),
                ("ownerA", "work-permit.issue", "2-1", 403),
                ("ownerA", "work-permit.issue", "9-9", 403),
                ("ownerB", "work-permit.issue", "1-1", 403),
                ("delegate", "work-permit.issue", "1-1", 202),
                ("delegate", "work-permit.renew", "1-1", 403),
                ("delegate", "work-permit.issue", "1-2", 403),
                ("agent", "work-permit.issue", "1-1", 202),
                ("agent", "work-permit.renew", "1-1", 202),
                ("agent", "work-permit.issue", "2-1", 403),
                ("worker", "work-permit.issue", "1-1", 403),
                ("staff", "work-permit.issue", "2-1", 202),
                ("staff", "work-permit.issue", "9-9", 202),
            ]
            try await api.application.test(.router) { client in
                var forbiddenBodies: Set<JSONValue> = []
                for (who, service, establishment, expected) in matrix {
                    let token = who.map { tokens[$0] ?? $0 }
                    let reply = try await client.submit(service, issue(establishment), token: token)
                    #expect(reply.status.code == expected, "\(who ?? "anonymous") \(service) at \(establishment)")
                    if expected == 401 {
                        #expect(reply.errorCode == "auth.unauthenticated")
                        #expect(reply.headers[.wwwAuthenticate] != nil)
                    }
                    if expected == 403 && service == "work-permit.issue" && who != "worker" {
                        forbiddenBodies.insert(reply.json)
                    }
                }
                // A foreign establishment and one that does not exist get the same answer.
                #expect(forbiddenBodies.count == 1)
            }
            #expect(try await api.queued() == matrix.filter { $0.3 == 202 }.count)
            await api.pool.close()
        }
    }

    @Test("every establishment a request names must be the caller's: an agent of one branch cannot move a worker into another")
    func everyEstablishmentNamed() async throws {
        try await withScratchDatabase { database in
            let api = try TestAPI(database)
            let worker = Fixtures.person(1)
            let tokens = try await api.run { db -> [String: String] in
                try Fixtures.establishment("1-1", company: "7000000001", cr: "1000000011", on: db)
                try Fixtures.establishment("1-2", company: "7000000001", cr: "1000000012", on: db)
                try Fixtures.establishment("2-1", company: "7000000002", cr: "1000000021", on: db)
                try Fixtures.worker(worker, at: "1-1", on: db)
                return [
                    "agent": try Fixtures.user(.agent, grants: [("1-1", ["*"])], on: db).token,
                    "agentOfBoth": try Fixtures.user(.agent, grants: [("1-1", ["*"]), ("1-2", ["*"])], on: db).token,
                    "delegate": try Fixtures.user(.delegate, grants: [("1-1", ["branch-change.request"]), ("1-2", ["work-permit.issue"])], on: db).token,
                    "owner": try Fixtures.user(.owner, company: "7000000001", on: db).token,
                    "ownerB": try Fixtures.user(.owner, company: "7000000002", on: db).token,
                ]
            }
            let move: @Sendable (String) -> String = { target in
                #"{"worker_id":"\#(worker.digits)","establishment_id":"1-1","target_establishment_id":"\#(target)"}"#
            }
            // (who, target, expected)
            let cases: [(String, String, Int)] = [
                ("agent", "1-2", 403), ("agent", "2-1", 403), ("agent", "9-9", 403),
                ("delegate", "1-2", 403),  // granted the branch, not this service there
                ("agentOfBoth", "1-2", 202), ("owner", "1-2", 202), ("owner", "2-1", 403), ("ownerB", "1-2", 403),
            ]
            try await api.application.test(.router) { client in
                var refusals: Set<JSONValue> = []
                for (who, target, expected) in cases {
                    let reply = try await client.submit("branch-change.request", move(target), token: tokens[who])
                    #expect(reply.status.code == expected, "\(who) moving to \(target)")
                    if expected == 403 { refusals.insert(reply.json) }
                }
                #expect(refusals.count == 1, "every refusal alike: \(refusals)")
            }
            #expect(try await api.queued() == 2)
            await api.pool.close()
        }
    }

    @Test("the Authorization scheme in any case, spaces and tabs around the token and the key; other schemes are 401")
    func headerForms() async throws {
        try await withScratchDatabase { database in
            let api = try TestAPI(database)
            let token = try await api.run { db in
                try Fixtures.establishment("1-1", on: db)
                return try Fixtures.user(.staff, on: db).token
            }
            let body = #"{"service":"establishment.change-activity","payload":{"establishment_id":"1-1","activity":"manufacturing"}}"#
            // (Authorization header, Idempotency-Key header, expected status)
            let cases: [(String, String, Int)] = [
                ("Bearer \(token)", "k1", 202),
                ("bearer \(token)", "k2", 202),
                ("BEARER \t\(token)  ", " \tk3\t ", 202),
                ("Basic \(token)", "k4", 401),
                ("Bearer", "k5", 401),
                ("Bearer    ", "k6", 401),
                ("Bearer \(token)", " \t ", 400),
            ]
            try await api.application.test(.router) { client in
                for (authorization, key, expected) in cases {
                    var headers = HTTPFields()
                    headers[.authorization] = authorization
                    headers[HTTPField.Name("Idempotency-Key")!] = key
                    headers[.contentType] = "application/json"
                    let status = try await client.execute(
                        uri: "/v1/requests", method: .post, headers: headers, body: ByteBuffer(string: body)) { $0.status.code }
                    #expect(status == expected, "\(authorization.debugDescription) with key \(key.debugDescription)")
                }
            }
            // The trimmed key is the key: the same request again under " k3 " is the first one.
            #expect(try await api.run { db in
                try db.query("SELECT count(*)::int FROM idempotency_keys WHERE key = 'k3'").single().decode(Int.self, at: 0)
            } == 1)
            #expect(try await api.queued() == 3)
            await api.pool.close()
        }
    }

    @Test("reading a request: its submitter and those who may act for its establishment, nobody else")
    func readAccess() async throws {
        try await withScratchDatabase { database in
            let api = try TestAPI(database)
            let worker = Fixtures.person(2)
            let tokens = try await api.run { db -> [String: String] in
                try Fixtures.establishment("1-1", company: "7000000001", cr: "1000000011", on: db)
                try Fixtures.establishment("2-1", company: "7000000002", cr: "1000000021", on: db)
                try Fixtures.worker(worker, at: "1-1", on: db)
                return [
                    "ownerA": try Fixtures.user(.owner, company: "7000000001", on: db).token,
                    "ownerB": try Fixtures.user(.owner, company: "7000000002", on: db).token,
                    "agent": try Fixtures.user(.agent, grants: [("1-1", ["*"])], on: db).token,
                    "foreignAgent": try Fixtures.user(.agent, grants: [("2-1", ["*"])], on: db).token,
                    "worker": try Fixtures.user(.worker, person: worker, on: db).token,
                    "otherWorker": try Fixtures.user(.worker, person: Fixtures.person(3), on: db).token,
                ]
            }
            try await api.application.test(.router) { client in
                let submitted = try await client.submit("work-permit.issue", #"{"worker_id":"\#(worker.digits)","establishment_id":"1-1","months":12}"#, token: tokens["ownerA"])
                let id = try #require(submitted.json["id"]?.stringValue)
                let expectations: [(String, Int)] = [
                    ("ownerA", 200), ("agent", 200), ("worker", 200), ("ownerB", 404), ("foreignAgent", 404), ("otherWorker", 404),
                ]
                let missing = try await client.call(.get, "/v1/requests/\(UUID().uuidString)", token: tokens["ownerA"])
                #expect(missing.status == .notFound)
                for (who, status) in expectations {
                    let reply = try await client.call(.get, "/v1/requests/\(id)", token: tokens[who])
                    #expect(reply.status.code == status, "\(who)")
                    // Someone else's request is answered exactly as one that does not exist.
                    if status == 404 { #expect(reply.json == missing.json, "\(who)") }
                }
                // Lists: an owner lists his establishment, not another company's.
                #expect(try await client.call(.get, "/v1/requests?establishment=1-1", token: tokens["ownerA"]).status == .ok)
                #expect(try await client.call(.get, "/v1/requests?establishment=1-1", token: tokens["ownerB"]).status == .forbidden)
                let own = try await client.call(.get, "/v1/requests", token: tokens["worker"])
                #expect(own.json["requests"]?.arrayValue?.count == 1)
                // Withdrawal: a foreign owner cannot (it is not there for him); those who may see
                // it but did not submit it (the agent, the worker it is about) may not; the submitter can.
                #expect(try await client.call(.post, "/v1/requests/\(id)/cancel", token: tokens["ownerB"]).status == .notFound)
                #expect(try await client.call(.post, "/v1/requests/\(id)/cancel", token: tokens["agent"]).status == .forbidden)
                #expect(try await client.call(.post, "/v1/requests/\(id)/cancel", token: tokens["worker"]).status == .forbidden)
                let cancelled = try await client.call(.post, "/v1/requests/\(id)/cancel", token: tokens["ownerA"])
                #expect(cancelled.status == .ok)
                #expect(cancelled.json["state"]?.stringValue == "cancelled")
                let again = try await client.call(.post, "/v1/requests/\(id)/cancel", token: tokens["ownerA"])
                #expect(again.status == .conflict)
                #expect(again.errorCode == "request.not_cancellable")

                // The engine's timers are nobody's on the portal to withdraw: not the worker's
                // (his absence report becoming final), not his employer's.
                let timer = UUID()
                try await api.run { db in
                    try db.query("""
                        INSERT INTO requests (id, service, establishment_id, subject, actor_id, actor_role, payload, origin, submitted_at, not_before, retry_at)
                        VALUES ($1, 'absence-report.finalize', '1-1', $2, 'engine', 'system', '{}', 'timer', now(), now() + interval '15 days', now())
                        """, [timer, "worker:" + worker.digits])
                }
                for who in ["worker", "ownerA", "agent"] {
                    let reply = try await client.call(.post, "/v1/requests/\(timer)/cancel", token: tokens[who])
                    #expect(reply.status == .forbidden, "\(who) withdrew a timer")
                }
            }
            #expect(try await api.run { db in try db.query("SELECT count(*)::int FROM requests WHERE origin = 'timer'").single().decode(Int.self, at: 0) } == 1)
            await api.pool.close()
        }
    }
}
