import Foundation

/// One e-service: what it is called, who may ask for it, what its payload holds, and the
/// pure decision that answers it.
public struct ServiceDefinition: Sendable {
    /// What a request is about, taken from its payload.
    public enum SubjectField: Sendable, Equatable {
        /// The worker named by this field.
        case worker(String)
        /// The establishment named by this field.
        case establishment(String)
        /// The person named by this field: his portal account and the rights he holds.
        case person(String)
    }

    /// What the establishment a request acts for must be to the worker it is about, checked
    /// before anything else is decided: a request about a worker outside the caller's rights
    /// learns one thing only, the same whether the worker exists or not.
    public enum SubjectAccess: Sendable, Equatable {
        /// The worker's employer (`worker.not_employed_here` otherwise): the employer's own
        /// services about its workers.
        case employee
        /// A party to the worker's open case of this kind, as the establishment it was opened
        /// for (`case.not_found` otherwise): the new employer withdrawing or completing.
        case caseParty(CaseFile.Kind)
        /// The worker is by design someone else's (a transfer request): the decision itself
        /// must answer alike for an unknown worker and an ineligible one.
        case prospective
        /// Nothing to check here: an establishment's own services, a worker about himself,
        /// the engine's timers and other systems' facts.
        case none
    }

    /// Records a decision reads beyond the subject, its establishments and the people and
    /// cases its payload names (which every request loads).
    public struct Reads: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }

        /// The subject establishment's recruitment file (its visa balances and the count of its
        /// visas), and any compensatory visa of the people the payload names. (Visas named by
        /// a visa-number field are loaded for every service.)
        public static let recruitment = Reads(rawValue: 1 << 0)
        /// The owners of the establishment the request names.
        public static let owners = Reads(rawValue: 1 << 1)
    }

    /// Stable code, `area.action` (`work-permit.renew`).
    public let code: String
    public let nameAr: String
    public let nameEn: String
    public let descriptionAr: String
    public let descriptionEn: String
    /// Who may submit it.
    public let roles: Set<Actor.Role>
    public let fields: [FieldSpec]
    public let subject: SubjectField
    /// The payload field naming the establishment the request acts for, if any.
    public let establishmentField: String?
    /// Other payload fields naming establishments the request acts for (a branch to move a
    /// worker into): the caller must have rights on each, as on the first.
    public let alsoActsFor: [String]
    public let subjectAccess: SubjectAccess
    /// A payload field naming a person who acts about the subject (a guardian about a
    /// dependent): that person may submit it as a worker.
    public let actingPersonField: String?
    /// The workflow and action it drives (for docs), e.g. ("work-permit", "renew").
    public let workflow: (name: String, action: String)?
    /// Fees and deadlines in words, from the rulebook in force.
    public let terms: @Sendable (RuleParameters) -> [String: String]
    /// Runs only on the engine's timers, never submitted by people.
    public let internalOnly: Bool
    /// What else its decision reads.
    public let reads: Reads
    /// The decision: completed, or rejected with a reason.
    public let decide: @Sendable (DecisionContext) -> Decision

    public init(
        code: String, nameAr: String, nameEn: String, descriptionAr: String, descriptionEn: String,
        roles: Set<Actor.Role>, fields: [FieldSpec], subject: SubjectField, establishmentField: String? = "establishment_id",
        alsoActsFor: [String] = [], subjectAccess: SubjectAccess? = nil,
        actingPersonField: String? = nil, workflow: (name: String, action: String)? = nil, internalOnly: Bool = false,
        reads: Reads = [],
        terms: @escaping @Sendable (RuleParameters) -> [String: String] = { _ in [:] },
        decide: @escaping @Sendable (DecisionContext) throws(Reason) -> Decision
    ) {
        self.code = code
        self.nameAr = nameAr
        self.nameEn = nameEn
        self.descriptionAr = descriptionAr
        self.descriptionEn = descriptionEn
        self.roles = roles
        self.fields = fields
        self.subject = subject
        self.establishmentField = establishmentField
        self.alsoActsFor = alsoActsFor
        // An employer acting about a worker acts about its own worker, unless told otherwise.
        let access: SubjectAccess
        if let subjectAccess {
            access = subjectAccess
        } else if case .worker = subject, establishmentField != nil, !roles.isDisjoint(with: [.owner, .delegate, .agent]) {
            access = .employee
        } else {
            access = .none
        }
        self.subjectAccess = access
        self.actingPersonField = actingPersonField
        self.workflow = workflow
        self.internalOnly = internalOnly
        self.reads = reads
        self.terms = terms
        // A decision may refuse by throwing its reason (a failed gate: `try Gates.check(…)`).
        let subjectField = subject
        self.decide = { context in
            do throws(Reason) {
                try Self.checkAccess(access, subject: subjectField, establishmentField: establishmentField, context)
                return try decide(context)
            } catch {
                return .reject(error)
            }
        }
    }

    /// The subject check of `SubjectAccess`, before the service's own decision.
    static func checkAccess(_ access: SubjectAccess, subject: SubjectField, establishmentField: String?,
                            _ context: DecisionContext) throws(Reason) {
        guard case .worker(let workerField) = subject, let workerID = context.payload.person(workerField),
              let establishmentField, let establishment = context.payload.establishment(establishmentField) else { return }
        switch access {
        case .employee:
            guard context.world.workers[workerID]?.employer == establishment else {
                throw Reason.Code.workerNotHere(["worker": workerID.description])
            }
        case .caseParty(let kind):
            guard let file = context.world.openCase(kind, of: workerID), file.establishment == establishment else {
                throw Reason.Code.about(.caseNotFound, kind)
            }
        case .prospective, .none:
            break
        }
    }

    /// Every establishment the request acts for, from a validated payload.
    public func establishments(of payload: Payload) -> [EstablishmentID] {
        ([establishmentField].compactMap { $0 } + alsoActsFor).compactMap { payload.establishment($0) }
    }

    /// The request's subject from a validated payload.
    public func subject(of payload: Payload) -> Subject? {
        switch subject {
        case .worker(let field): return payload.person(field).map(Subject.worker)
        case .establishment(let field): return payload.establishment(field).map(Subject.establishment)
        case .person(let field): return payload.person(field).map(Subject.person)
        }
    }

    /// The establishment the request acts for, from a validated payload.
    public func establishment(of payload: Payload) -> EstablishmentID? {
        establishmentField.flatMap { payload.establishment($0) }
    }

    /// JSON Schema of the payload.
    public var payloadSchema: JSONValue {
        var properties: [String: JSONValue] = [:]
        for field in fields {
            var schema = field.type.jsonSchema
            if case .object(var object) = schema {
                object["description"] = .string(field.about)
                // An optional field may be given as null: the same as leaving it out.
                if !field.required, let type = object["type"] { object["type"] = [type, "null"] }
                schema = .object(object)
            }
            properties[field.name] = schema
        }
        return [
            "type": "object",
            "additionalProperties": false,
            "required": .array(fields.filter(\.required).map { .string($0.name) }),
            "properties": .object(properties),
        ]
    }
}

/// A request as a decision sees it.
public struct RequestInput: Sendable {
    public let id: UUID
    public let service: String
    public let actor: Actor
    public let establishment: EstablishmentID?
    public let subject: Subject
    public let payload: Payload
    public let submittedAt: Date

    public init(id: UUID, service: String, actor: Actor, establishment: EstablishmentID?, subject: Subject, payload: Payload, submittedAt: Date) {
        self.id = id
        self.service = service
        self.actor = actor
        self.establishment = establishment
        self.subject = subject
        self.payload = payload
        self.submittedAt = submittedAt
    }
}

/// Everything a decision may read: the request, the time, the rules in force when it was
/// submitted, and the world as the batch has it. Nothing else: no clock, no I/O.
public struct DecisionContext: Sendable {
    public let request: RequestInput
    /// When the decision is made.
    public let now: Date
    public let rules: RuleParameters
    public let world: World

    public init(request: RequestInput, now: Date, rules: RuleParameters, world: World) {
        self.request = request
        self.now = now
        self.rules = rules
        self.world = world
    }

    public var today: Day { Day(now) }
    public var payload: Payload { request.payload }
    public var actor: Actor { request.actor }

    /// The `n`th new id of this request: derived from the request's id, so that deciding the
    /// same request again gives the same ids.
    public func newID(_ n: Int) -> UUID {
        Self.derivedID(from: request.id, n)
    }

    /// The `n`th id derived from `base` (a version-4 UUID that differs from `base`).
    public static func derivedID(from base: UUID, _ n: Int) -> UUID {
        var bytes = base.uuid
        withUnsafeMutableBytes(of: &bytes) { raw in
            raw[15] ^= UInt8(truncatingIfNeeded: n)
            raw[14] ^= UInt8(truncatingIfNeeded: n >> 8) ^ 0x5A
            raw[6] = (raw[6] & 0x0F) | 0x40
            raw[8] = (raw[8] & 0x3F) | 0x80
        }
        return UUID(uuid: bytes)
    }
}
