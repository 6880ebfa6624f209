import Domain
import Foundation
import HTTPTypes
import Testing
import TestSupport

/// The portal's reads (`GET /v1/me`, `/v1/establishments/{id}`, `…/workers`,
/// `/v1/workers/{id}`, `/v1/cases/{id}`, `/v1/requests?subject=`), each within the access
/// policy of submissions: what a caller may not see is the same 404 as what does not exist.
@Suite("Portal reads")
struct PortalReadTests {
    typealias E2E = WorkflowEndToEndTests

    /// The world of `WorkflowEndToEndTests.withPortal`, with `w`'s transfer to 2-1 (of the other
    /// company) open, and more readers: delegates and an agent with grants, and other workers.
    struct World {
        let portal: E2E.Portal
        let tokens: [String: String]
        let transfer: String

        func get(_ path: String, as who: String?) async throws -> (status: HTTPResponse.Status, json: JSONValue) {
            let reply = try await portal.client.call(.get, path, token: who.map { tokens[$0] ?? portal.token($0) })
            return (reply.status, reply.json)
        }
    }

    static func withWorld(_ body: @escaping @Sendable (World) async throws -> Void) async throws {
        try await E2E.withPortal { portal in
            try await portal.submit("service-transfer.request", E2E.worker(E2E.w, ["establishment_id": "2-1"]), as: "ownerB")
            let transfer = try await portal.scalar("SELECT id::text FROM cases WHERE worker_id = $1 AND kind = 'transfer'",
                                                   [E2E.w.digits], as: String.self)
            let tokens = try await portal.api.run { db -> [String: String] in
                [
                    "delegateA": try Fixtures.user(.delegate, grants: [("1-1", ["work-permit.renew"])], on: db).token,
                    "delegateB": try Fixtures.user(.delegate, grants: [("2-1", ["*"])], on: db).token,
                    "agent12": try Fixtures.user(.agent, grants: [("1-2", ["*"])], on: db).token,
                    "otherWorker": try Fixtures.user(.worker, person: E2E.other, on: db).token,
                ]
            }
            try await body(World(portal: portal, tokens: tokens, transfer: transfer))
        }
    }

    /// Every reader, against every read, with the status each must get.
    @Test("the authorization matrix: every role against every read; the foreign answers as the unknown")
    func matrix() async throws {
        try await Self.withWorld { world in
            // "system": other government systems report facts; they do not read files.
            let readers = ["staff", "system", "ownerA", "ownerB", "delegateA", "delegateB", "agent12", "worker", "otherWorker", "guardian"]
            let w = E2E.w.digits
            let reads: [(path: String, allowed: Set<String>)] = [
                ("/v1/me", Set(readers)),
                ("/v1/establishments/1-1", ["staff", "ownerA", "delegateA"]),
                ("/v1/establishments/1-1/workers", ["staff", "ownerA", "delegateA"]),
                ("/v1/establishments/1-2", ["staff", "ownerA", "agent12"]),
                ("/v1/establishments/2-1/workers", ["staff", "ownerB", "delegateB"]),
                // The worker's file: his current employer's side and himself, not the establishment asking for him.
                ("/v1/workers/\(w)", ["staff", "ownerA", "delegateA", "worker"]),
                // The case: both sides of it, and its worker.
                ("/v1/cases/\(world.transfer)", ["staff", "ownerA", "delegateA", "ownerB", "delegateB", "worker"]),
            ]
            for (path, allowed) in reads {
                for reader in readers {
                    let (status, json) = try await world.get(path, as: reader)
                    if allowed.contains(reader) {
                        #expect(status == .ok, "\(reader) reads \(path): \(json)")
                    } else {
                        #expect(status == .notFound, "\(reader) must not see \(path): \(status)")
                        #expect(json["error"]?["code"] == "request.record_not_found", "\(reader) \(path)")
                    }
                }
                #expect(try await world.get(path, as: nil).status == .unauthorized, "no token: \(path)")
            }
            // What does not exist answers exactly as what may not be seen, malformed or not.
            // A delegate reads each request his establishment's list shows him, whatever its service.
            let listed = try await world.get("/v1/requests?establishment=1-1&limit=50", as: "delegateA").json["requests"]?.arrayValue ?? []
            let permit = try #require(listed.first { $0["service"] == "work-permit.issue" }?["id"]?.stringValue)
            #expect(try await world.get("/v1/requests/\(permit)", as: "delegateA").status == .ok)
            for path in ["/v1/establishments/9-9", "/v1/establishments/9-9/workers", "/v1/establishments/x",
                         "/v1/workers/\(Fixtures.person(77).digits)", "/v1/workers/12", "/v1/cases/\(UUID().uuidString)", "/v1/cases/nope"] {
                for reader in ["staff", "ownerA"] {
                    let (status, json) = try await world.get(path, as: reader)
                    #expect(status == .notFound && json["error"]?["code"] == "request.record_not_found", "\(reader) \(path): \(status)")
                }
            }
        }
    }

    @Test("the case hides the counterpart from a side that may not see it: the new employer does not learn the current one")
    func counterpartHidden() async throws {
        try await Self.withWorld { world in
            let asked = try await world.get("/v1/cases/\(world.transfer)", as: "ownerB").json
            #expect(asked["establishment_id"] == "2-1" && asked["counterpart_id"] == .null)
            #expect(asked["kind"] == "transfer" && asked["open"] == true && asked["state"] == "pending_worker")
            let current = try await world.get("/v1/cases/\(world.transfer)", as: "ownerA").json
            #expect(current["counterpart_id"] == "1-1")
            #expect(try await world.get("/v1/cases/\(world.transfer)", as: "worker").json["counterpart_id"] == "1-1")
        }
    }

    @Test("a worker's file: employment, permit, open cases, and what the reader's role may do next, with reasons in both languages")
    func workerFile() async throws {
        try await Self.withWorld { world in
            let file = try await world.get("/v1/workers/\(E2E.w.digits)", as: "ownerA").json
            #expect(file["employment"] == "employed" && file["employer_id"] == "1-1" && file["counted_in_nitaqat"] == true)
            #expect(file["permit"]?["state"] == "active" && file["permit"]?["establishment_id"] == "1-1")
            #expect(file["open_cases"]?.arrayValue?.map { $0["kind"] } == ["transfer"])
            let next = try #require(file["next"]?.arrayValue)
            #expect(!next.isEmpty)
            for option in next {
                let code = try #require(option["service"]?.stringValue)
                #expect(ServiceCatalog.service(code)?.roles.contains(.owner) == true, "\(code) is not an owner's to submit")
                if option["allowed"] == false {
                    #expect(option["reason"]?["message_ar"]?.stringValue?.isEmpty == false && option["reason"]?["message_en"]?.stringValue?.isEmpty == false)
                }
            }
            // The renewal is too early (the permit runs a year): refused with its reason.
            let renew = next.first { $0["service"] == "work-permit.renew" }
            #expect(renew?["allowed"] == false && renew?["reason"]?["code"] == "permit.renewal_too_early")
            // The worker sees himself, with what he may do (accept the transfer).
            let own = try await world.get("/v1/workers/\(E2E.w.digits)", as: "worker").json
            let mine = own["next"]?.arrayValue?.compactMap { $0["service"]?.stringValue } ?? []
            #expect(mine.contains("service-transfer.accept") && !mine.contains("work-permit.renew"))
        }
    }

    @Test("an establishment's file and its workers page by page, in the order of their numbers")
    func establishmentAndWorkers() async throws {
        try await Self.withWorld { world in
            let file = try await world.get("/v1/establishments/1-1", as: "ownerA").json
            let headcount = try await world.portal.scalar("SELECT headcount FROM establishments WHERE id = '1-1'", as: Int.self)
            #expect(file["headcount"]?.intValue == headcount && file["saudi_count"] == 6 && file["unified_number"] == "7000000001")
            #expect(file["band"]?.stringValue != nil && file["band_ar"]?.stringValue?.isEmpty == false)
            #expect(file["certificate"] == .null)

            var seen: [String] = []
            var after: String?
            for _ in 0..<20 {
                let path = "/v1/establishments/1-1/workers?limit=3" + (after.map { "&after=\($0)" } ?? "")
                let page = try await world.get(path, as: "delegateA").json
                seen += page["workers"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
                guard let next = page["next_after"]?.stringValue else { break }
                after = next
            }
            let all = try await world.portal.api.pool.withConnection { connection in
                try await connection.query("SELECT id FROM workers WHERE establishment_id = '1-1' ORDER BY id").map { try $0.decode(String.self, at: 0) }
            }
            #expect(seen == all && all.count > 3)
            for bad in ["limit=0", "limit=501", "limit=x", "after=12", "after=\(E2E.w.digits)x"] {
                let (status, json) = try await world.get("/v1/establishments/1-1/workers?\(bad)", as: "ownerA")
                #expect(status == .badRequest && json["error"]?["code"] == "request.bad_query", "\(bad)")
            }
        }
    }

    @Test("after a transfer the file follows the worker: the new employer reads it, permit and all, the old one no longer")
    func afterTransfer() async throws {
        try await E2E.withPortal { portal in
            try await portal.advance(days: 25)  // past the contracts' end: no consent, no notice
            try await portal.submit("service-transfer.request", E2E.worker(E2E.other, ["establishment_id": "2-1"]), as: "ownerB")
            try await portal.submit("service-transfer.accept", E2E.worker(E2E.other), as: "staff")
            try await portal.submit("service-transfer.pay", E2E.worker(E2E.other, ["amount": 2000]), as: "system")
            let file = try await portal.client.call(.get, "/v1/workers/\(E2E.other.digits)", token: portal.token("ownerB")).json
            #expect(file["employer_id"] == "2-1" && file["permit"]?["establishment_id"] == "2-1", "\(file)")
            #expect(try await portal.client.call(.get, "/v1/workers/\(E2E.other.digits)", token: portal.token("ownerA")).status == .notFound)
        }
    }

    @Test("who am I: the role, the owner's establishments, a delegate's grants")
    func me() async throws {
        try await Self.withWorld { world in
            let owner = try await world.get("/v1/me", as: "ownerA").json
            #expect(owner["role"] == "owner" && owner["unified_number"] == "7000000001")
            #expect(owner["establishments"] == ["1-1", "1-2"] && owner["more_establishments"] == false)
            let delegate = try await world.get("/v1/me", as: "delegateA").json
            #expect(delegate["establishments"] == ["1-1"])
            #expect(delegate["grants"]?.arrayValue?.first?["services"] == ["work-permit.renew"])
            #expect(try await world.get("/v1/me", as: "worker").json["person_id"]?.stringValue == E2E.w.digits)
        }
    }

    @Test("requests by subject: staff any, a worker only his own, an employer within one of its establishments")
    func requestsBySubject() async throws {
        try await Self.withWorld { world in
            let subject = "worker:\(E2E.w.digits)"
            let staff = try await world.get("/v1/requests?subject=\(subject)", as: "staff").json
            let services = staff["requests"]?.arrayValue?.compactMap { $0["service"]?.stringValue } ?? []
            #expect(services.contains("service-transfer.request") && services.contains("work-permit.issue"))
            #expect(staff["requests"]?.arrayValue?.allSatisfy { $0["subject"]?.stringValue == subject } == true)
            #expect(try await world.get("/v1/requests?subject=\(subject)", as: "worker").json["requests"]?.arrayValue?.isEmpty == false)
            #expect(try await world.get("/v1/requests?subject=\(subject)", as: "otherWorker").json["requests"] == [])
            #expect(try await world.get("/v1/requests?subject=\(subject)", as: "ownerA").status == .forbidden)
            let mine = try await world.get("/v1/requests?establishment=1-1&subject=\(subject)", as: "ownerA").json
            #expect(mine["requests"]?.arrayValue?.allSatisfy { $0["establishment_id"] == "1-1" && $0["subject"]?.stringValue == subject } == true)
            for bad in ["worker:12", "worker:3000000006", "people:\(E2E.w.digits)", "person:12", "establishment:x"] {
                #expect(try await world.get("/v1/requests?subject=\(bad)", as: "staff").status == .badRequest, "\(bad)")
            }
        }
    }
}
