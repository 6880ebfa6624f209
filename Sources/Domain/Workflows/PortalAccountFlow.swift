import Foundation

/// A person's portal account (حساب البوابة): registered once, with the national ID or
/// iqama the identity provider signed him in with. A resident registers once he is known
/// as a worker.
///
/// | state      | meaning                    |
/// |------------|----------------------------|
/// | none       | not registered             |
/// | registered | may sign in and act        |
public enum PortalAccountFlow: StateTable {
    public enum State: String, Sendable, Codable, CaseIterable {
        case none, registered
    }

    public static let name = "portal-account"
    public static let nameAr = "حساب البوابة"
    public static let initial = State.none

    public static let transitions: [Transition<State>] = [
        Transition("register", from: .none, to: .registered, event: "accountRegistered", by: [.person, .staff]),
    ]

    static func aggregate(_ person: PersonID) -> String { "person:\(person.digits)" }
}

/// A delegate's grant (تفويض) or an agent's power of attorney (وكالة) on one establishment.
/// An owner grants and revokes delegates; an agent's power of attorney is recorded by the
/// owner who gave it, by staff or by the notary's system, and ends on its expiry day by a
/// durable timer. A delegate's grant may have an end day too. Granting again what a person
/// already holds changes it in place.
///
/// | state   | meaning                                       |
/// |---------|-----------------------------------------------|
/// | none    | nothing granted                               |
/// | active  | the holder acts for the establishment         |
/// | revoked | withdrawn before its end                      |
/// | expired | its last day has passed                       |
public enum AuthorizationFlow: StateTable {
    public enum State: String, Sendable, Codable, CaseIterable {
        case none, active, revoked, expired
    }

    public static let name = "authorization"
    public static let nameAr = "التفويض والوكالة"
    public static let initial = State.none

    static let grantors: Set<Actor.Role> = [.owner]
    static let recorders: Set<Actor.Role> = [.owner, .staff, .system]

    public static let transitions: [Transition<State>] = [
        Transition("delegate-grant", from: .none, to: .active, event: "delegateGranted", by: grantors),
        Transition("delegate-grant", from: .active, to: .active, event: "delegateGrantChanged", by: grantors),
        Transition("delegate-revoke", from: .active, to: .revoked, event: "delegateRevoked", by: grantors),
        Transition("agent-authorize", from: .none, to: .active, event: "agentAuthorized", by: recorders),
        Transition("agent-authorize", from: .active, to: .active, event: "agentAuthorizationChanged", by: recorders),
        Transition("agent-revoke", from: .active, to: .revoked, event: "agentRevoked", by: recorders),
        Transition("end", from: .active, to: .expired, event: "authorizationExpired", by: [.system, .staff]),
    ]

    static func data(_ authorization: Authorization) -> [String: JSONValue] {
        var data: [String: JSONValue] = [
            "authorization_id": .string(authorization.id.uuidString.lowercased()), "kind": .string(authorization.kind.rawValue),
            "person_id": .string(authorization.person.digits), "establishment_id": .string(authorization.establishment.description),
            "services": .array(authorization.services.map(JSONValue.string)), "state": .string(authorization.state.rawValue),
            "granted_on": JSONValue(authorization.grantedOn),
        ]
        if let endsOn = authorization.endsOn { data["ends_on"] = JSONValue(endsOn) }
        if let poa = authorization.powerOfAttorney {
            data["poa_number"] = .string(poa.number)
            data["poa_authority"] = .string(poa.authority)
        }
        if let endedOn = authorization.endedOn { data["ended_on"] = JSONValue(endedOn) }
        return data
    }

    /// The key of the timer that ends it (due the day after its last day).
    static func endKey(_ authorization: Authorization) -> String? {
        authorization.endsOn.map { "authorization:end:\(authorization.id.uuidString.lowercased()):\($0.adding(days: 1).iso)" }
    }

    static func endTimer(_ authorization: Authorization) -> ScheduledRequest? {
        guard let endsOn = authorization.endsOn, let key = endKey(authorization) else { return nil }
        return ScheduledRequest(
            key: key, service: PortalAccounts.end.code, subject: .person(authorization.person), establishment: authorization.establishment,
            payload: ["person_id": .string(authorization.person.digits), "authorization_id": .string(authorization.id.uuidString.lowercased()),
                      "ends_on": JSONValue(endsOn)],
            due: endsOn.adding(days: 1))
    }
}

/// The portal-account e-services: registration, delegates and agents. Each is about a person
/// (subject `person:<id>`): what is granted to one person takes effect in submission order,
/// and his events chain on his stream. Owners are not granted: they come from the commercial
/// registration (`establishment.update-owners`).
public enum PortalAccounts {
    static let personField = FieldSpec("person_id", .personID, "the person's national ID or iqama number")

    public static let register = ServiceDefinition(
        code: "account.register", nameAr: "التسجيل في البوابة", nameEn: "Register on the portal",
        descriptionAr: "يسجل الشخص الذي سجّل الدخول بالنفاذ الوطني مرة واحدة؛ المقيم يسجل بعد تسجيله عاملًا.",
        descriptionEn: "Registers the person signed in by the national single sign-on, once; a resident registers once he is known as a worker.",
        roles: [.person, .staff],
        fields: [personField, FieldSpec("name", .text(maxLength: 200), required: false, "the name to show")],
        subject: .person("person_id"), establishmentField: nil, workflow: (PortalAccountFlow.name, "register")
    ) { context in
        guard let person = context.payload.person("person_id") else { return .reject(.fieldMissing, ["field": "person_id"]) }
        let state: PortalAccountFlow.State = context.world.accounts[person] == nil ? .none : .registered
        guard let row = PortalAccountFlow.transition("register", from: state) else {
            return .reject(.alreadyRegistered, ["person": person.digits])
        }
        if !person.isSaudi, context.world.workers[person] == nil {
            return .reject(.residentUnknown, ["person": person.digits])
        }
        let account = PortalAccount(id: context.newID(1), person: person, name: context.payload.string("name") ?? "",
                                    registeredOn: context.today)
        let data: [String: JSONValue] = [
            "account_id": .string(account.id.uuidString.lowercased()), "person_id": .string(person.digits),
            "registered_on": JSONValue(account.registeredOn),
        ]
        return Decision(verdict: .completed(data), events: [DomainEvent(row.event, aggregate: PortalAccountFlow.aggregate(person), data: data)],
                        changes: [.account(account)])
    }

    // MARK: Delegates and agents

    static let servicesField = FieldSpec("services", .serviceCodes(maxCount: 60), "the services granted (codes), or [\"*\"] for all")

    static func grantFields(_ holder: String, about: String) -> [FieldSpec] {
        [FieldSpec(holder, .personID, about), FieldSpec("establishment_id", .establishmentID, "the establishment")]
    }

    public static let delegateGrant = ServiceDefinition(
        code: "account.delegate-grant", nameAr: "تفويض مستخدم", nameEn: "Grant a delegate",
        descriptionAr: "يفوض المالك شخصًا مسجلًا في خدمات يختارها على منشأة من منشآته، إلى يوم ينتهي فيه إن شاء؛ لا يفوض المفوض غيره.",
        descriptionEn: "An owner grants a registered person chosen services on one of his establishments, until an end day if he likes; a delegate cannot grant.",
        roles: AuthorizationFlow.grantors,
        fields: grantFields("delegate_id", about: "the delegate's national ID or iqama") + [
            servicesField, FieldSpec("ends_on", .day, required: false, "the grant's last day (none: until revoked)"),
        ],
        subject: .person("delegate_id"), workflow: (AuthorizationFlow.name, "delegate-grant")
    ) { context throws(Reason) in
        try grant(.delegate, holderField: "delegate_id", endField: "ends_on", context)
    }

    public static let delegateRevoke = ServiceDefinition(
        code: "account.delegate-revoke", nameAr: "إلغاء تفويض مستخدم", nameEn: "Revoke a delegate",
        descriptionAr: "يلغي المالك تفويض شخص على منشأة؛ يسري فورًا.", descriptionEn: "An owner revokes a person's grant on an establishment; it takes effect at once.",
        roles: AuthorizationFlow.grantors, fields: grantFields("delegate_id", about: "the delegate's national ID or iqama"),
        subject: .person("delegate_id"), workflow: (AuthorizationFlow.name, "delegate-revoke")
    ) { context throws(Reason) in
        try revoke(.delegate, holderField: "delegate_id", action: "delegate-revoke", context)
    }

    public static let agentAuthorize = ServiceDefinition(
        code: "account.agent-authorize", nameAr: "تسجيل وكالة", nameEn: "Record an agent's power of attorney",
        descriptionAr: "يسجل وكالة شخص مسجل على منشأة: رقمها وجهة إصدارها والخدمات التي تشملها وتاريخ انتهائها، وتنتهي تلقائيًا فيه.",
        descriptionEn: "Records a registered person's power of attorney for an establishment: its number, issuing authority, the services it covers and its expiry, on which it ends by itself.",
        roles: AuthorizationFlow.recorders,
        fields: grantFields("agent_id", about: "the agent's national ID or iqama") + [
            servicesField,
            FieldSpec("poa_number", .text(maxLength: 40), "the power of attorney's number"),
            FieldSpec("poa_authority", .text(maxLength: 120), "who issued it (a notary, a court)"),
            FieldSpec("expires_on", .day, "its last day"),
        ],
        subject: .person("agent_id"), workflow: (AuthorizationFlow.name, "agent-authorize")
    ) { context throws(Reason) in
        try grant(.agent, holderField: "agent_id", endField: "expires_on", context)
    }

    public static let agentRevoke = ServiceDefinition(
        code: "account.agent-revoke", nameAr: "إلغاء وكالة", nameEn: "Revoke an agent's power of attorney",
        descriptionAr: "يلغي وكالة شخص على منشأة قبل انتهائها؛ يسري فورًا.", descriptionEn: "Ends a person's power of attorney for an establishment before its expiry; it takes effect at once.",
        roles: AuthorizationFlow.recorders, fields: grantFields("agent_id", about: "the agent's national ID or iqama"),
        subject: .person("agent_id"), workflow: (AuthorizationFlow.name, "agent-revoke")
    ) { context throws(Reason) in
        try revoke(.agent, holderField: "agent_id", action: "agent-revoke", context)
    }

    public static let end = ServiceDefinition(
        code: "account.authorization-end", nameAr: "انتهاء تفويض أو وكالة", nameEn: "Grant or power of attorney ended",
        descriptionAr: "مؤقت داخلي: مضى آخر يوم للتفويض أو الوكالة.", descriptionEn: "Internal timer: the grant's or power of attorney's last day has passed.",
        roles: [.system, .staff],
        fields: [personField, FieldSpec("authorization_id", .uuid, "the grant or power of attorney"), FieldSpec("ends_on", .day, "its last day")],
        subject: .person("person_id"), establishmentField: nil, workflow: (AuthorizationFlow.name, "end"), internalOnly: true
    ) { context in
        guard let person = context.payload.person("person_id"), let id = context.payload.string("authorization_id").flatMap(UUID.init(uuidString:)),
              let endsOn = context.payload.day("ends_on"),
              var authorization = context.world.authorizations[person]?.first(where: { $0.id == id }),
              authorization.endsOn == endsOn, endsOn < context.today,
              let row = AuthorizationFlow.transition("end", from: authorization.state) else {
            return Timers.superseded
        }
        authorization.state = row.to
        authorization.endedOn = context.today
        return Decision(verdict: .completed(AuthorizationFlow.data(authorization)),
                        events: [DomainEvent(row.event, aggregate: PortalAccountFlow.aggregate(person), data: AuthorizationFlow.data(authorization))],
                        changes: [.authorization(authorization)])
    }

    public static let services = [register, delegateGrant, delegateRevoke, agentAuthorize, agentRevoke, end]

    /// The field naming who is granted, for the services by which someone grants: nobody
    /// grants himself (an owner acts as owner; a grant to himself would outlive his ownership).
    public static let holderFields = ["account.delegate-grant": "delegate_id", "account.agent-authorize": "agent_id"]

    // MARK: Shared steps

    /// A grant or power of attorney, new or changed in place.
    static func grant(_ kind: Authorization.Kind, holderField: String, endField: String, _ context: DecisionContext) throws(Reason) -> Decision {
        let payload = context.payload
        guard let person = payload.person(holderField), let establishmentID = payload.establishment("establishment_id") else {
            return .reject(.fieldMissing, ["field": holderField])
        }
        guard context.world.establishments[establishmentID] != nil else {
            throw Reason.Code.establishmentNotFound(["establishment": establishmentID.description])
        }
        guard context.world.accounts[person] != nil else { throw Reason.Code.notRegistered(["person": person.digits]) }
        let services = payload.strings("services")
        for code in services where code != "*" {
            guard let service = ServiceCatalog.service(code), !service.internalOnly, service.roles.contains(kind.role) else {
                throw Reason.Code.serviceNotGrantable(["service": code, "role": kind.role.english, "role_ar": kind.role.arabic])
            }
        }
        let endsOn = payload.day(endField)
        if let endsOn, endsOn < context.today {
            throw Reason.Code.invalid(endField, en: "today or later", ar: "اليوم أو بعده")
        }
        let poa = kind == .agent
            ? Authorization.PowerOfAttorney(number: payload.string("poa_number") ?? "", authority: payload.string("poa_authority") ?? "") : nil
        let action = kind == .delegate ? "delegate-grant" : "agent-authorize"
        let current = context.world.authorization(kind, of: person, on: establishmentID)
        guard let row = AuthorizationFlow.transition(action, from: current?.state ?? .none) else {
            throw AuthorizationFlow.notAllowed(action, in: current?.state ?? .none)
        }
        var authorization = current ?? Authorization(
            id: context.newID(1), kind: kind, person: person, establishment: establishmentID, services: services, endsOn: endsOn,
            powerOfAttorney: poa, grantedBy: context.actor.id, state: row.to, grantedOn: context.today)
        if let current {
            guard current.services != services || current.endsOn != endsOn || current.powerOfAttorney != poa else {
                throw Reason.Code.grantUnchanged(["person": person.digits, "establishment": establishmentID.description])
            }
            authorization.services = services
            authorization.endsOn = endsOn
            authorization.powerOfAttorney = poa
            authorization.grantedBy = context.actor.id
            authorization.grantedOn = context.today
        }
        let previousTimer = current.flatMap(AuthorizationFlow.endKey)
        let timer = AuthorizationFlow.endTimer(authorization)
        let data = AuthorizationFlow.data(authorization)
        return Decision(
            verdict: .completed(data), events: [DomainEvent(row.event, aggregate: PortalAccountFlow.aggregate(person), data: data)],
            changes: [.authorization(authorization)],
            timers: timer.map { $0.key == previousTimer ? [] : [$0] } ?? [],
            cancelledTimers: previousTimer.map { $0 == timer?.key ? [] : [$0] } ?? [])
    }

    static func revoke(_ kind: Authorization.Kind, holderField: String, action: String, _ context: DecisionContext) throws(Reason) -> Decision {
        guard let person = context.payload.person(holderField), let establishmentID = context.payload.establishment("establishment_id") else {
            return .reject(.fieldMissing, ["field": holderField])
        }
        guard var authorization = context.world.authorization(kind, of: person, on: establishmentID),
              let row = AuthorizationFlow.transition(action, from: authorization.state) else {
            let kindAr = kind == .delegate ? "تفويضًا" : "وكالة"
            throw Reason.Code.grantNotFound(["person": person.digits, "establishment": establishmentID.description,
                                             "kind": kind == .delegate ? "grant" : "power of attorney", "kind_ar": kindAr])
        }
        authorization.state = row.to
        authorization.endedOn = context.today
        let data = AuthorizationFlow.data(authorization)
        return Decision(
            verdict: .completed(data), events: [DomainEvent(row.event, aggregate: PortalAccountFlow.aggregate(person), data: data)],
            changes: [.authorization(authorization)], cancelledTimers: AuthorizationFlow.endKey(authorization).map { [$0] } ?? [])
    }
}
