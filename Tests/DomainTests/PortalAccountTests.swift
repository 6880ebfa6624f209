@testable import Domain
import Foundation
import Testing

/// Portal accounts: registration, owners from the commercial registration, delegates'
/// grants and agents' powers of attorney, and their end. Pure decisions against a world in
/// memory; who may submit them is `AccessPolicy`'s (EngineTests, APITests).
@Suite("Portal accounts")
struct PortalAccountTests {
    static let delegate = Scenario.saudi
    static let e1 = JSONValue.id(Scenario.e1)
    static let authorizationID = UUID(uuidString: "00000000-0000-4000-8000-0000000000e1")!

    /// A scenario where `delegate` is registered (and, when `holding`, holds a grant of that kind on e1).
    static func registered(holding kind: Authorization.Kind? = nil, state: AuthorizationFlow.State = .active, endsOn: Day? = nil) -> Scenario {
        var scenario = Scenario()
        scenario.world.accounts[delegate] = PortalAccount(id: UUID(), person: delegate, name: "", registeredOn: scenario.today.adding(days: -10))
        if let kind, state == .active {
            scenario.world.authorizations[delegate] = [Authorization(
                id: authorizationID, kind: kind, person: delegate, establishment: Scenario.e1, services: ["work-permit.renew"],
                endsOn: endsOn ?? (kind == .agent ? scenario.today.adding(days: 30) : nil),
                powerOfAttorney: kind == .agent ? .init(number: "P-1", authority: "Notary") : nil,
                grantedBy: "owner", state: .active, grantedOn: scenario.today.adding(days: -5))]
        }
        return scenario
    }

    static func grant(_ services: [String] = ["work-permit.renew", "final-exit.issue"], endsOn: Day? = nil) -> [String: JSONValue] {
        var payload: [String: JSONValue] = ["delegate_id": .id(delegate), "establishment_id": e1, "services": .array(services.map(JSONValue.string))]
        if let endsOn { payload["ends_on"] = JSONValue(endsOn) }
        return payload
    }

    static func poa(_ services: [String] = ["*"], expires: Day = Scenario.today.adding(days: 90)) -> [String: JSONValue] {
        ["agent_id": .id(delegate), "establishment_id": e1, "services": .array(services.map(JSONValue.string)),
         "poa_number": "44/1234", "poa_authority": "Riyadh notary", "expires_on": JSONValue(expires)]
    }

    static func authorization(in decision: Decision) -> Authorization? {
        for case .authorization(let value) in decision.changes { return value }
        return nil
    }

    // MARK: Every state × every action

    @Test("portal account, every state × every action") func accountTable() {
        StateMachineTests.Harness<PortalAccountFlow>(
            services: ["register": PortalAccounts.register], isCase: false,
            setUp: { state, _ in state == .registered ? Self.registered() : Scenario() },
            payload: { _, _ in ["person_id": .id(Self.delegate)] },
            stateAfter: { decision in decision.changes.contains { if case .account = $0 { return true } else { return false } } ? .registered : nil }
        ).check()
    }

    @Test("grants and powers of attorney, every state × every action") func authorizationTable() {
        StateMachineTests.Harness<AuthorizationFlow>(
            services: ["delegate-grant": PortalAccounts.delegateGrant, "delegate-revoke": PortalAccounts.delegateRevoke,
                       "agent-authorize": PortalAccounts.agentAuthorize, "agent-revoke": PortalAccounts.agentRevoke,
                       "end": PortalAccounts.end],
            // A revoked or expired grant is history: granting again makes a new one.
            opening: ["delegate-grant", "agent-authorize"], isCase: false,
            setUp: { state, action in
                let kind: Authorization.Kind = action.hasPrefix("agent") ? .agent : .delegate
                // "end" runs on the day after the last one.
                var scenario = Self.registered(holding: state == .active ? kind : nil, state: state,
                                          endsOn: action == "end" ? Scenario.today.adding(days: -1) : nil)
                if action == "end", state != .active {
                    // What the timer finds when the grant was revoked or ended before it fired.
                    scenario.world.authorizations[Self.delegate] = []
                }
                return scenario
            },
            payload: { action, scenario in
                switch action {
                case "delegate-grant": return Self.grant()
                case "agent-authorize": return Self.poa()
                case "delegate-revoke": return ["delegate_id": .id(Self.delegate), "establishment_id": Self.e1]
                case "agent-revoke": return ["agent_id": .id(Self.delegate), "establishment_id": Self.e1]
                default:
                    return ["person_id": .id(Self.delegate), "authorization_id": .string(Self.authorizationID.uuidString.lowercased()),
                            "ends_on": JSONValue(Scenario.today.adding(days: -1))]
                }
            },
            stateAfter: { Self.authorization(in: $0)?.state }
        ).check()
    }

    // MARK: Registration

    @Test("a Saudi registers with his national ID; a resident only once he is a worker; nobody twice")
    func registration() {
        var scenario = Scenario()
        let saudi = scenario.run(PortalAccounts.register, ["person_id": .id(Scenario.saudi), "name": "Saad"], as: .person)
        #expect(saudi.isCompleted && saudi.events.map(\.type) == ["accountRegistered"] && saudi.events[0].aggregate == "person:\(Scenario.saudi.digits)")
        #expect(scenario.world.accounts[Scenario.saudi]?.name == "Saad")
        #expect(scenario.decide(PortalAccounts.register, ["person_id": .id(Scenario.saudi)], as: .person).reason?.code == .alreadyRegistered)
        #expect(scenario.decide(PortalAccounts.register, ["person_id": .id(Scenario.w)], as: .person).isCompleted)
        let stranger = PersonID.make(prefix: 2, body: 4242)
        #expect(scenario.decide(PortalAccounts.register, ["person_id": .id(stranger)], as: .person).reason?.code == .residentUnknown)
    }

    // MARK: Owners

    @Test("owners come from the CR: opening a file takes them; an update replaces them and says who came and went")
    func owners() {
        var scenario = Scenario()
        let opened = scenario.run(EstablishmentFileFlow.open, [
            "establishment_id": "3-1", "unified_number": "7000000009", "cr_number": "1999999999", "name_ar": "منشأة", "name_en": "New",
            "activity": "retail", "cr_expires_on": "2030-01-01", "owners": [.id(Scenario.saudi)],
        ], as: .system)
        let id = EstablishmentID(office: 3, sequence: 1)
        #expect(opened.isCompleted && scenario.world.owners[id] == [Scenario.saudi])
        let other = PersonID.make(prefix: 1, body: 77)
        let updated = scenario.run(EstablishmentFileFlow.updateOwners, ["establishment_id": "3-1", "owners": [.id(other)]], as: .system)
        #expect(updated.isCompleted && scenario.world.owners[id] == [other])
        #expect(updated.events.first?.data["added"] == [.id(other)] && updated.events.first?.data["removed"] == [.id(Scenario.saudi)])
        #expect(scenario.decide(EstablishmentFileFlow.updateOwners, ["establishment_id": "3-1", "owners": [.id(other)]]).reason?.code == .sameOwners)
        #expect(scenario.decide(EstablishmentFileFlow.updateOwners, ["establishment_id": "9-9", "owners": [.id(other)]]).reason?.code == .establishmentNotFound)
    }

    // MARK: Delegates

    @Test("an owner grants chosen services until an end day; granting again changes it in place and moves its timer")
    func delegateGrant() {
        var scenario = Self.registered()
        let end = Scenario.today.adding(days: 20)
        let first = scenario.run(PortalAccounts.delegateGrant, Self.grant(endsOn: end), as: .owner)
        #expect(first.isCompleted && first.events.map(\.type) == ["delegateGranted"])
        #expect(first.timers.map(\.key) == ["authorization:end:\(Self.authorization(in: first)!.id.uuidString.lowercased()):\(end.adding(days: 1).iso)"])
        #expect(first.timers.first?.service == "account.authorization-end" && first.timers.first?.due == end.adding(days: 1))
        let id = Self.authorization(in: first)!.id
        let later = Scenario.today.adding(days: 40)
        let changed = scenario.run(PortalAccounts.delegateGrant, Self.grant(["*"], endsOn: later), as: .owner)
        #expect(changed.isCompleted && changed.events.map(\.type) == ["delegateGrantChanged"] && Self.authorization(in: changed)?.id == id)
        #expect(changed.cancelledTimers == first.timers.map(\.key) && changed.timers.first?.due == later.adding(days: 1))
        #expect(scenario.decide(PortalAccounts.delegateGrant, Self.grant(["*"], endsOn: later), as: .owner).reason?.code == .grantUnchanged)
        let revoked = scenario.run(PortalAccounts.delegateRevoke, ["delegate_id": .id(Self.delegate), "establishment_id": Self.e1], as: .owner)
        #expect(revoked.isCompleted && Self.authorization(in: revoked)?.state == .revoked && revoked.cancelledTimers == changed.timers.map(\.key))
        #expect(scenario.world.authorizations[Self.delegate]?.isEmpty == true)
        #expect(scenario.decide(PortalAccounts.delegateRevoke, ["delegate_id": .id(Self.delegate), "establishment_id": Self.e1], as: .owner).reason?.code == .grantNotFound)
    }

    @Test("a grant needs a registered person, grantable services and an end day not past")
    func grantChecks() {
        #expect(Scenario().decide(PortalAccounts.delegateGrant, Self.grant(), as: .owner).reason?.code == .notRegistered)
        let scenario = Self.registered()
        // The owner's own services are not a Self.delegate's to use, nor an internal timer's, nor an unknown code.
        for service in ["account.delegate-grant", "work-permit.expire", "nothing.here", "worker.register"] {
            #expect(scenario.decide(PortalAccounts.delegateGrant, Self.grant([service]), as: .owner).reason?.code == .serviceNotGrantable, "\(service)")
        }
        #expect(scenario.decide(PortalAccounts.delegateGrant, Self.grant(endsOn: Scenario.today.adding(days: -1)), as: .owner).reason?.code == .fieldInvalid)
        #expect(scenario.decide(PortalAccounts.delegateGrant, Self.grant(endsOn: Scenario.today), as: .owner).isCompleted)
        var gone = Self.registered()
        gone.world.establishments[Scenario.e1] = nil
        #expect(gone.decide(PortalAccounts.delegateGrant, Self.grant(), as: .owner).reason?.code == .establishmentNotFound)
    }

    // MARK: Agents

    @Test("a power of attorney records its number and authority, always ends, and its timer ends it on the day after its last")
    func agent() {
        var scenario = Self.registered()
        let expires = Scenario.today.adding(days: 10)
        let recorded = scenario.run(PortalAccounts.agentAuthorize, Self.poa(expires: expires), as: .system)
        let poa = Self.authorization(in: recorded)
        #expect(recorded.isCompleted && poa?.powerOfAttorney == .init(number: "44/1234", authority: "Riyadh notary") && poa?.kind == .agent)
        let timer = recorded.timers.first!
        // Too early: the last day has not passed.
        scenario.today = expires
        #expect(scenario.decide(PortalAccounts.end, timer.payload, as: .system).changes.isEmpty)
        scenario.today = expires.adding(days: 1)
        let ended = scenario.run(PortalAccounts.end, timer.payload, as: .system)
        #expect(ended.isCompleted && Self.authorization(in: ended)?.state == .expired && ended.events.map(\.type) == ["authorizationExpired"])
        // Fired again (a retry), or after the power was replaced by one ending later: nothing.
        #expect(scenario.decide(PortalAccounts.end, timer.payload, as: .system).changes.isEmpty)
        #expect(scenario.decide(PortalAccounts.agentRevoke, ["agent_id": .id(Self.delegate), "establishment_id": Self.e1], as: .owner).reason?.code == .grantNotFound)
        // A Self.delegate's grant and a power of attorney on one establishment are two things.
        var both = Self.registered(holding: .delegate)
        #expect(both.run(PortalAccounts.agentAuthorize, Self.poa(), as: .staff).events.map(\.type) == ["agentAuthorized"])
        #expect(both.world.authorizations[Self.delegate]?.count == 2)
    }

    static var producers: [String: () -> Reason?] {
        [
            "account.already_registered": { registered().decide(PortalAccounts.register, ["person_id": .id(delegate)], as: .person).reason },
            "account.resident_unknown": { Scenario().decide(PortalAccounts.register, ["person_id": .id(PersonID.make(prefix: 2, body: 4242))], as: .person).reason },
            "account.not_registered": { Scenario().decide(PortalAccounts.delegateGrant, grant(), as: .owner).reason },
            "account.service_not_grantable": { registered().decide(PortalAccounts.delegateGrant, grant(["account.delegate-grant"]), as: .owner).reason },
            "account.grant_unchanged": { registered(holding: .delegate).decide(PortalAccounts.delegateGrant, grant(["work-permit.renew"]), as: .owner).reason },
            "account.grant_not_found": { registered().decide(PortalAccounts.delegateRevoke, ["delegate_id": .id(delegate), "establishment_id": e1], as: .owner).reason },
            "establishment.same_owners": {
                var scenario = Scenario()
                scenario.world.owners[Scenario.e1] = [Scenario.saudi]
                return scenario.decide(EstablishmentFileFlow.updateOwners, ["establishment_id": e1, "owners": [.id(Scenario.saudi)]]).reason
            },
        ]
    }
}
