import API
import Domain
import Foundation
import HummingbirdTesting
import PQ
import Store
import Testing
import TestSupport

/// What people signed in by the identity provider may do, by the rights they hold: every
/// kind of person × the write and read routes, own, sibling, foreign and unknown
/// establishments. Whatever is refused is refused alike, so that ids cannot be probed.
@Suite("People's rights, route by route")
struct PersonAuthorizationTests {
    static let newcomer = Fixtures.person(601, saudi: true)
    static let nobody = Fixtures.person(602, saudi: true)     // registered, no rights
    static let owner = Fixtures.person(603, saudi: true)      // named by 1-2's CR: owns company 7000000001
    static let delegate = Fixtures.person(604, saudi: true)   // work-permit.issue on 1-1
    static let agent = Fixtures.person(605, saudi: true)      // a power of attorney, every service, on 1-1
    static let worker = Fixtures.person(606)                  // registered resident, employed at 1-1
    static let foreignOwner = Fixtures.person(607, saudi: true)  // owns company 7000000002
    static let other = Fixtures.person(608)                   // employed at 2-1

    static let persons: [String: PersonID] = [
        "newcomer": newcomer, "nobody": nobody, "owner": owner, "delegate": delegate, "agent": agent, "worker": worker, "foreignOwner": foreignOwner,
    ]

    @Test("every person × every route: allowed exactly where his rights reach")
    func matrix() async throws {
        let provider = try await IdentityProviderTests.Provider.make()
        let verifier = try await provider.verifier()
        try await withScratchDatabase { database in
            let api = try TestAPI(database, identityProvider: verifier)
            let caseID = UUID()
            try await api.run { db in
                try Fixtures.establishment("1-1", company: "7000000001", cr: "1000000011", on: db)
                try Fixtures.establishment("1-2", company: "7000000001", cr: "1000000012", on: db)
                try Fixtures.establishment("2-1", company: "7000000002", cr: "1000000021", on: db)
                try Fixtures.worker(Self.worker, at: "1-1", on: db)
                try Fixtures.worker(Self.other, at: "2-1", on: db)
                for person in [Self.nobody, Self.owner, Self.delegate, Self.agent, Self.worker, Self.foreignOwner] {
                    try db.query("INSERT INTO users (id, person_id, name, role, registered_on) VALUES ($1, $2, 'p', 'person', '2026-01-01')",
                                 [UUID(), person.digits])
                }
                try db.query("INSERT INTO establishment_owners VALUES ('1-2', $1), ('2-1', $2)", [Self.owner.digits, Self.foreignOwner.digits])
                try db.query("""
                    INSERT INTO authorizations (id, kind, person_id, establishment_id, services, ends_on, poa_number, poa_authority, granted_by, state, granted_on)
                    VALUES ($1, 'delegate', $2, '1-1', '{work-permit.issue}', NULL, NULL, NULL, 'x', 'active', '2026-01-01'),
                           ($3, 'agent', $4, '1-1', '{*}', '2099-01-01', '1/2', 'Notary', 'x', 'active', '2026-01-01')
                    """, [UUID(), Self.delegate.digits, UUID(), Self.agent.digits])
                try db.query("""
                    INSERT INTO cases (id, kind, worker_id, establishment_id, state, opened_at, opened_on, details)
                    VALUES ($1, 'branch_change', $2, '1-1', 'pending_worker', now(), '2026-01-01', '{}')
                    """, [caseID, Self.worker.digits])
            }
            var signed: [String: String] = [:]
            for (name, person) in [("newcomer", Self.newcomer), ("nobody", Self.nobody), ("owner", Self.owner), ("delegate", Self.delegate),
                                   ("agent", Self.agent), ("worker", Self.worker), ("foreignOwner", Self.foreignOwner)] {
                var claims = IdentityProviderTests.TestClaims()
                claims.national_id = person.digits
                signed[name] = try await provider.token(kid: "ec-1", claims)
            }
            let tokens = signed
            let people = ["newcomer", "nobody", "owner", "delegate", "agent", "worker", "foreignOwner"]
            @Sendable func issue(_ establishment: String) -> String { #"{"worker_id":"\#(Self.worker.digits)","establishment_id":"\#(establishment)","months":12}"# }
            // Writes: (service, payload, who is accepted; everyone else gets 403 — or 202 and a refusal, never a decision on another's file).
            let writes: [(String, String, Set<String>)] = [
                ("work-permit.issue", issue("1-1"), ["owner", "delegate", "agent"]),
                ("work-permit.issue", issue("1-2"), ["owner"]),
                ("work-permit.issue", issue("2-1"), ["foreignOwner"]),
                ("work-permit.issue", issue("9-9"), []),
                ("work-permit.renew", issue("1-1"), ["owner", "agent"]),
                ("establishment.change-activity", #"{"establishment_id":"1-1","activity":"retail"}"#, ["owner", "agent"]),
                ("establishment.update-owners", #"{"establishment_id":"1-1","owners":["\#(Self.nobody.digits)"]}"#, []),  // the commerce system's, or staff's
                ("account.delegate-grant", #"{"delegate_id":"\#(Self.nobody.digits)","establishment_id":"1-1","services":["*"]}"#, ["owner"]),
                // Nobody grants himself: a grant would outlive his ownership (refused with a reason, 422).
                ("account.delegate-grant", #"{"delegate_id":"\#(Self.owner.digits)","establishment_id":"1-1","services":["*"]}"#, []),
                ("account.delegate-grant", #"{"delegate_id":"\#(Self.nobody.digits)","establishment_id":"2-1","services":["*"]}"#, ["foreignOwner"]),
                ("account.agent-authorize", #"{"agent_id":"\#(Self.nobody.digits)","establishment_id":"1-1","services":["*"],"poa_number":"9","poa_authority":"N","expires_on":"2099-01-01"}"#, ["owner"]),
                ("account.register", #"{"person_id":"\#(Self.newcomer.digits)"}"#, ["newcomer"]),
                ("account.register", #"{"person_id":"\#(Self.other.digits)"}"#, []),
                ("branch-change.accept", #"{"worker_id":"\#(Self.worker.digits)"}"#, ["worker"]),
                ("branch-change.accept", #"{"worker_id":"\#(Self.other.digits)"}"#, []),
            ]
            // Reads: (path, who may read; everyone else gets 404, exactly as for what does not exist).
            let reads: [(String, Set<String>)] = [
                ("/v1/establishments/1-1", ["owner", "delegate", "agent"]),
                ("/v1/establishments/1-2", ["owner"]),
                ("/v1/establishments/2-1", ["foreignOwner"]),
                ("/v1/establishments/1-1/workers", ["owner", "delegate", "agent"]),
                ("/v1/establishments/2-1/workers", ["foreignOwner"]),
                ("/v1/workers/\(Self.worker.digits)", ["owner", "delegate", "agent", "worker"]),
                ("/v1/workers/\(Self.other.digits)", ["foreignOwner"]),
                ("/v1/cases/\(caseID.uuidString.lowercased())", ["owner", "delegate", "agent", "worker"]),
            ]
            try await api.application.test(.router) { client in
                var refusals: Set<JSONValue> = []
                for (service, payload, allowed) in writes {
                    for who in people {
                        let reply = try await client.submit(service, payload, token: tokens[who])
                        let label = "\(who) \(service) \(payload)"
                        if allowed.contains(who) {
                            #expect(reply.status.code == 202, "\(label): \(reply.json)")
                        } else if service.hasPrefix("account.") && service != "account.register", let person = Self.persons[who],
                                  payload.contains(#""\#(PortalAccounts.holderFields[service] ?? "")":"\#(person.digits)""#) {
                            #expect(reply.status.code == 422 && reply.json["error"]?["code"] == "account.self_grant", "\(label): \(reply.json)")
                        } else {
                            #expect(reply.status.code == 403, "\(label): \(reply.json)")
                            if reply.errorCode == "auth.forbidden" { refusals.insert(reply.json) }
                        }
                    }
                }
                #expect(refusals.count == 1, "every refusal alike: \(refusals)")
                for (path, allowed) in reads {
                    let missing = try await client.call(.get, path.replacingOccurrences(of: "1-1", with: "9-9").replacingOccurrences(of: "1-2", with: "9-9").replacingOccurrences(of: "2-1", with: "9-9"),
                                                        token: tokens["owner"])
                    for who in people {
                        let reply = try await client.call(.get, path, token: tokens[who])
                        if allowed.contains(who) {
                            #expect(reply.status == .ok, "\(who) reads \(path): \(reply.json)")
                        } else {
                            #expect(reply.status == .notFound, "\(who) reads \(path)")
                            if !path.contains("/workers/") && !path.contains("/cases/") { #expect(reply.json == missing.json, "\(who) \(path)") }
                        }
                    }
                }
                // Lists of an establishment's requests: those who may read it.
                for who in people {
                    let status = try await client.call(.get, "/v1/requests?establishment=1-1", token: tokens[who]).status
                    #expect(status == (["owner", "delegate", "agent"].contains(who) ? .ok : .forbidden), "\(who) lists 1-1")
                }
                // A request the owner submitted on 1-1: read by those who may read 1-1 and the worker
                // it is about; withdrawn by its submitter only; re-driven and the clock moved by staff only.
                let submitted = try await client.submit("work-permit.issue", issue("1-1"), token: tokens["owner"])
                let id = try #require(submitted.json["id"]?.stringValue)
                let unknown = try await client.call(.get, "/v1/requests/\(UUID().uuidString)", token: tokens["owner"])
                for who in people {
                    let reply = try await client.call(.get, "/v1/requests/\(id)", token: tokens[who])
                    if ["owner", "delegate", "agent", "worker"].contains(who) {
                        #expect(reply.status == .ok, "\(who) reads the request")
                    } else {
                        #expect(reply.status == .notFound && reply.json == unknown.json, "\(who) reads the request")
                    }
                    #expect(try await client.call(.post, "/v1/requests/\(id)/retry", token: tokens[who]).status.code >= 400, "\(who) re-drives")
                    #expect(try await client.call(.post, "/v1/clock/advance", token: tokens[who], body: #"{"days":1}"#).status == .forbidden, "\(who) moves the clock")
                }
                for who in ["delegate", "agent", "worker"] {
                    #expect(try await client.call(.post, "/v1/requests/\(id)/cancel", token: tokens[who]).status == .forbidden, "\(who) withdraws")
                }
                for who in ["newcomer", "nobody", "foreignOwner"] {
                    #expect(try await client.call(.post, "/v1/requests/\(id)/cancel", token: tokens[who]).status == .notFound, "\(who) withdraws")
                }
                #expect(try await client.call(.post, "/v1/requests/\(id)/cancel", token: tokens["owner"]).status == .ok)

                // Who am I: the newcomer is told he is not registered; the others their rights.
                let me = try await client.call(.get, "/v1/me", token: tokens["owner"]).json
                #expect(me["companies"] == ["7000000001"] && me["establishments"] == ["1-1", "1-2"], "\(me)")
                let agentMe = try await client.call(.get, "/v1/me", token: tokens["agent"]).json
                #expect(agentMe["grants"]?.arrayValue?.first?["role"] == "agent" && agentMe["establishments"] == ["1-1"], "\(agentMe)")
                #expect(try await client.call(.get, "/v1/me", token: tokens["newcomer"]).json["registered"] == false)
                // Every establishment one acts for, paged: an owner's companies', a delegate's or agent's grants.
                let first = try await client.call(.get, "/v1/me/establishments?limit=1", token: tokens["owner"]).json
                #expect(first["establishments"] == ["1-1"] && first["next_after"] == "1-1", "\(first)")
                let second = try await client.call(.get, "/v1/me/establishments?limit=1&after=1-1", token: tokens["owner"]).json
                #expect(second["establishments"] == ["1-2"], "\(second)")
                #expect(try await client.call(.get, "/v1/me/establishments?after=1-2", token: tokens["owner"]).json["establishments"] == [])
                for (who, listed) in [("agent", ["1-1"]), ("delegate", ["1-1"]), ("foreignOwner", ["2-1"]), ("newcomer", []), ("nobody", []), ("worker", [])] {
                    let page = try await client.call(.get, "/v1/me/establishments", token: tokens[who]).json
                    #expect(page["establishments"] == .array(listed.map(JSONValue.string)) && page["next_after"] == .null, "\(who): \(page)")
                }
                #expect(try await client.call(.get, "/v1/me/establishments?after=x", token: tokens["owner"]).status == .badRequest)
            }
            // The delegate's acceptances were recorded as a delegate's, the owner's as an owner's.
            let roles = try await api.run { db in
                try db.query("SELECT DISTINCT actor_role FROM requests WHERE service = 'work-permit.issue' ORDER BY 1").map { try $0.decode(String.self, at: 0) }
            }
            #expect(roles == ["agent", "delegate", "owner"])
            await api.pool.close()
        }
    }

    @Test("a disabled person is turned away and cannot register again; a grant past its last day is not honoured before its timer; an owner who is also a delegate acts as owner and reads his delegate's requests")
    func edges() async throws {
        let provider = try await IdentityProviderTests.Provider.make()
        let verifier = try await provider.verifier()
        try await withScratchDatabase { database in
            let api = try TestAPI(database, identityProvider: verifier)
            let today = Day(Date())
            try await api.run { db in
                try Fixtures.establishment("1-1", company: "7000000001", cr: "1000000011", on: db)
                try Fixtures.worker(Self.worker, at: "1-1", on: db)
                for person in [Self.nobody, Self.owner, Self.delegate, Self.agent, Self.worker] {
                    try db.query("INSERT INTO users (id, person_id, name, role, registered_on) VALUES ($1, $2, 'p', 'person', '2026-01-01')",
                                 [UUID(), person.digits])
                }
                try db.query("UPDATE users SET disabled_at = now() WHERE person_id = $1", [Self.nobody.digits])
                try db.query("INSERT INTO establishment_owners VALUES ('1-1', $1)", [Self.owner.digits])
                try db.query("""
                    INSERT INTO authorizations (id, kind, person_id, establishment_id, services, ends_on, poa_number, poa_authority, granted_by, state, granted_on)
                    VALUES ($1, 'delegate', $2, '1-1', '{*}', $5, NULL, NULL, 'x', 'active', '2026-01-01'),
                           ($3, 'agent', $4, '1-1', '{*}', $6, '1/2', 'Notary', 'x', 'active', '2026-01-01'),
                           ($7, 'delegate', $8, '1-1', '{*}', NULL, NULL, NULL, 'x', 'active', '2026-01-01')
                    """, [UUID(), Self.delegate.digits, UUID(), Self.agent.digits, today.adding(days: -1).iso, today.iso, UUID(), Self.owner.digits])
            }
            func token(_ person: PersonID) async throws -> String {
                var claims = IdentityProviderTests.TestClaims()
                claims.national_id = person.digits
                return try await provider.token(kid: "rsa-1", claims)
            }
            let disabled = try await token(Self.nobody), lapsed = try await token(Self.delegate), agent = try await token(Self.agent)
            let owner = try await token(Self.owner), worker = try await token(Self.worker)
            try await api.application.test(.router) { client in
                #expect(try await client.call(.get, "/v1/me", token: disabled).status == .unauthorized)
                #expect(try await client.submit("account.register", #"{"person_id":"\#(Self.nobody.digits)"}"#, token: disabled).status == .unauthorized)
                let issue = #"{"worker_id":"\#(Self.worker.digits)","establishment_id":"1-1","months":12}"#
                // Ended yesterday, its timer not yet run: refused. Ends today: still good.
                #expect(try await client.submit("work-permit.issue", issue, token: lapsed).status == .forbidden)
                #expect(try await client.call(.get, "/v1/establishments/1-1", token: lapsed).status == .notFound)
                let byAgent = try await client.submit("work-permit.issue", issue, token: agent)
                #expect(byAgent.status.code == 202 && byAgent.json["actor_role"] == "agent", "\(byAgent.json)")
                // The owner holds a delegate's grant too: he acts as owner, and reads what his agent did.
                let id = try #require(byAgent.json["id"]?.stringValue)
                #expect(try await client.call(.get, "/v1/requests/\(id)", token: owner).status == .ok)
                let byOwner = try await client.submit("work-permit.renew", issue, token: owner)
                #expect(byOwner.json["actor_role"] == "owner", "\(byOwner.json)")
                // What may be done next: the worker's own services for him, the employer's for the owner.
                let mine = try await client.call(.get, "/v1/workers/\(Self.worker.digits)", token: worker).json
                let theirs = try await client.call(.get, "/v1/workers/\(Self.worker.digits)", token: owner).json
                let mineNext = Set(mine["next"]?.arrayValue?.compactMap { $0["service"]?.stringValue } ?? [])
                let theirNext = Set(theirs["next"]?.arrayValue?.compactMap { $0["service"]?.stringValue } ?? [])
                #expect(!theirNext.isEmpty && theirNext.isDisjoint(with: mineNext), "owner \(theirNext), worker \(mineNext)")
                #expect(theirNext.allSatisfy { ServiceCatalog.service($0)?.roles.contains(.owner) == true })
                #expect(mineNext.allSatisfy { ServiceCatalog.service($0)?.roles.contains(.worker) == true })
            }
            await api.pool.close()
        }
    }
}
