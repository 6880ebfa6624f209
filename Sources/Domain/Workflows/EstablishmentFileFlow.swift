import Foundation

/// Establishment file (ملف منشأة).
///
/// | state     | meaning                                                  |
/// |-----------|----------------------------------------------------------|
/// | none      | no file yet                                              |
/// | active    | open; its services are available                         |
/// | suspended | services suspended (an absence report found malicious)    |
public enum EstablishmentFileFlow: StateTable {
    public enum State: String, Sendable, Codable, CaseIterable {
        case none, active, suspended
    }

    public static let name = "establishment-file"
    public static let nameAr = "ملف المنشأة"
    public static let initial = State.none

    static let ownerSide: Set<Actor.Role> = [.owner, .staff]
    /// Who reports what a commercial registration says: the commerce system, or staff. Owners
    /// do not name owners: one co-owner could otherwise name anyone, or strike the others.
    static let registry: Set<Actor.Role> = [.system, .staff]

    public static let transitions: [Transition<State>] = [
        Transition("open", from: .none, to: .active, event: "establishmentOpened", by: ownerSide.union([.system])),
        Transition("change-activity", from: .active, to: .active, event: "activityChanged", by: ownerSide.union([.delegate, .agent])),
        Transition("issue-certificate", from: .active, to: .active, event: "saudizationCertificateIssued", by: [.owner, .delegate, .agent, .staff]),
        Transition("update-owners", from: .active, to: .active, event: "ownersUpdated", by: registry),
        Transition("update-owners", from: .suspended, to: .suspended, event: "ownersUpdated", by: registry),
        Transition("suspend", from: .active, to: .suspended, event: "establishmentSuspended", by: [.system, .staff]),
        Transition("reinstate", from: .suspended, to: .active, event: "establishmentReinstated", by: [.system, .staff]),
    ]

    /// The file's state on `day`: a suspension whose end has passed is over ("reinstate").
    static func state(of establishment: Establishment?, on day: Day? = nil) -> State {
        guard let establishment else { return .none }
        switch establishment.status {
        case .active: return .active
        case .suspended, .closed:
            if let until = establishment.suspendedUntil, let day, until < day { return .active }
            return .suspended
        }
    }

    static func data(_ establishment: Establishment) -> [String: JSONValue] {
        [
            "establishment_id": .string(establishment.id.description), "unified_number": .string(establishment.unifiedNumber.digits),
            "cr_number": .string(establishment.cr.digits), "name_ar": .string(establishment.nameAr), "name_en": .string(establishment.nameEn),
            "activity": .string(establishment.activity), "status": .string(establishment.status.rawValue),
        ]
    }

    static func aggregate(_ id: EstablishmentID) -> String { "establishment:\(id)" }

    public static let open = ServiceDefinition(
        code: "establishment.open", nameAr: "فتح ملف منشأة", nameEn: "Open an establishment file",
        descriptionAr: "يفتح ملفًا لمنشأة بسجل تجاري فريد ونشاط مرخص، ما لم تكن منشأة أخرى للرقم الموحد نفسه في النطاق الأحمر.",
        descriptionEn: "Opens a file for an establishment with a nationally unique CR and a licensed activity, unless another establishment of the same unified number is red.",
        roles: ownerSide.union([.system]),
        fields: [
            FieldSpec("establishment_id", .establishmentID, "the number given by the labor office"),
            FieldSpec("unified_number", .unifiedNumber, "the company's unified (700) number"),
            FieldSpec("cr_number", .crNumber, "the commercial registration"),
            FieldSpec("name_ar", .text(maxLength: 200), "the name in Arabic"),
            FieldSpec("name_en", .text(maxLength: 200), "the name in English"),
            FieldSpec("activity", .text(maxLength: 60), "the licensed activity's code (see GET /v1/rulebook)"),
            FieldSpec("cr_expires_on", .day, "the day the commercial registration expires"),
            FieldSpec("owner_full_time", .boolean, required: false, "the owner works in it full time (levy exemption of small establishments)"),
            ownersField(required: false),
        ],
        subject: .establishment("establishment_id"), workflow: (name, "open")
    ) { context in
        let payload = context.payload
        guard let id = payload.establishment("establishment_id"), let company = payload.unifiedNumber("unified_number"),
              let cr = payload.cr("cr_number"), let activity = payload.string("activity"), let crExpires = payload.day("cr_expires_on") else {
            return .reject(.fieldMissing, ["field": "establishment_id"])
        }
        let state = state(of: context.world.establishments[id])
        guard let transition = transition("open", from: state) else {
            return .reject(.establishmentExists, ["establishment": id.description])
        }
        if let holder = context.world.registrations[cr], holder != id {
            return .reject(.crTaken, ["cr": cr.digits])
        }
        guard let licensed = context.rules.activities[activity] else {
            return .reject(.activityUnknown, ["activity": activity])
        }
        if licensed.laborRental { return .reject(.laborRentalBarred) }
        if crExpires < context.today { return .reject(.crExpired, ["date": crExpires.iso]) }
        for siblingID in context.world.companies[company] ?? [] {
            guard let sibling = context.world.establishments[siblingID] else { continue }
            if Nitaqat.Counted(sibling).headcount > context.rules.nitaqat.verySmallMaxEmployees,
               Nitaqat.band(of: sibling, rules: context.rules.nitaqat) == .red {
                return .reject(.redSibling, ["establishment": siblingID.description])
            }
        }
        let establishment = Establishment(
            id: id, unifiedNumber: company, cr: cr, nameAr: payload.string("name_ar") ?? "", nameEn: payload.string("name_en") ?? "",
            activity: activity, crExpiresOn: crExpires, ownerFullTime: payload.bool("owner_full_time") ?? false, openedOn: context.today)
        let owners = payload.people("owners")
        if !owners.isEmpty, !registry.contains(context.actor.role) {
            return .reject(Reason.Code.invalid("owners", en: "given by the commerce system or staff, not by an owner",
                                               ar: "يقدمه نظام التجارة أو موظف الوزارة، لا المالك"))
        }
        var summary = data(establishment)
        if !owners.isEmpty { summary["owners"] = .array(owners.map { .string($0.digits) }) }
        return Decision(
            verdict: .completed(summary),
            events: [DomainEvent(transition.event, aggregate: aggregate(id), data: summary)],
            changes: [.establishment(establishment)] + (owners.isEmpty ? [] : [.owners(id, owners)]))
    }

    static func ownersField(required: Bool) -> FieldSpec {
        FieldSpec("owners", .personIDs(maxCount: 20), required: required,
                  "the owners the commercial registration names (national IDs or iqamas; given by the commerce system or staff)")
    }

    /// The commercial registration names new owners (a CR change reported by the commerce
    /// system, or by staff): the list replaces the old one. A registered owner acts for every
    /// establishment of the unified number at once, without a grant (and keeps doing so while
    /// another establishment of it names him).
    public static let updateOwners = ServiceDefinition(
        code: "establishment.update-owners", nameAr: "تحديث ملاك المنشأة", nameEn: "Update an establishment's owners",
        descriptionAr: "يسجل الملاك كما يسميهم السجل التجاري بعد تعديله؛ يتصرف المالك المسجل في كل منشآت الرقم الموحد دون تفويض.",
        descriptionEn: "Records the owners as the amended commercial registration names them; a registered owner acts for every establishment of the unified number without a grant.",
        roles: registry,
        fields: [FieldSpec("establishment_id", .establishmentID, "the establishment"), ownersField(required: true)],
        subject: .establishment("establishment_id"), workflow: (name, "update-owners"), reads: .owners
    ) { context in
        guard let id = context.payload.establishment("establishment_id") else { return .reject(.fieldMissing, ["field": "establishment_id"]) }
        guard let establishment = context.world.establishments[id] else {
            return .reject(.establishmentNotFound, ["establishment": id.description])
        }
        let current = state(of: establishment, on: context.today)
        guard let transition = transition("update-owners", from: current) else { return .reject(notAllowed("update-owners", in: current)) }
        let owners = context.payload.people("owners")
        let before = context.world.owners[id] ?? []
        if Set(before) == Set(owners) { return .reject(.sameOwners) }
        let data: [String: JSONValue] = [
            "establishment_id": .string(id.description), "owners": .array(owners.map { .string($0.digits) }),
            "added": .array(owners.filter { !before.contains($0) }.map { .string($0.digits) }),
            "removed": .array(before.filter { !owners.contains($0) }.map { .string($0.digits) }),
            "state": .string(transition.to.rawValue),
        ]
        return Decision(verdict: .completed(data), events: [DomainEvent(transition.event, aggregate: aggregate(id), data: data)],
                        changes: [.owners(id, owners)])
    }
}

extension EstablishmentFileFlow {
    public static let changeActivity = ServiceDefinition(
        code: "establishment.change-activity", nameAr: "تغيير نشاط المنشأة", nameEn: "Change an establishment's activity",
        descriptionAr: "يغير النشاط إلى نشاط مرخص؛ يُعاد حساب النطاق فورًا بجداول النشاط الجديد.",
        descriptionEn: "Changes the activity to another licensed one; the Nitaqat band is recomputed at once with the new activity's thresholds.",
        roles: ownerSide.union([.delegate, .agent]),
        fields: [FieldSpec("establishment_id", .establishmentID, "the establishment"),
                 FieldSpec("activity", .text(maxLength: 60), "the new activity's code (see GET /v1/rulebook)")],
        subject: .establishment("establishment_id"), workflow: (name, "change-activity")
    ) { context throws(Reason) in
        guard let id = context.payload.establishment("establishment_id"), let activity = context.payload.string("activity") else {
            return .reject(.fieldMissing, ["field": "establishment_id"])
        }
        var establishment = try Gates.check(id, context)
        let current = state(of: establishment, on: context.today)
        guard let transition = transition("change-activity", from: current) else {
            return .reject(notAllowed("change-activity", in: current))
        }
        guard let licensed = context.rules.activities[activity] else { return .reject(.activityUnknown, ["activity": activity]) }
        if licensed.laborRental { return .reject(.laborRentalBarred) }
        if establishment.activity == activity { return .reject(.sameActivity) }
        let before = Nitaqat.band(of: establishment, rules: context.rules.nitaqat)
        let previous = establishment.activity
        establishment.activity = activity
        let after = Nitaqat.band(of: establishment, rules: context.rules.nitaqat)
        var events = [DomainEvent(transition.event, aggregate: aggregate(id), data: [
            "from": .string(previous), "to": .string(activity),
        ])]
        if before != after {
            events.append(DomainEvent("nitaqatBandChanged", aggregate: aggregate(id), data: [
                "from": .string(before.rawValue), "to": .string(after.rawValue),
                "saudization_percent": .number(Nitaqat.saudizationPercent(establishment)),
            ]))
        }
        return Decision(
            verdict: .completed(["establishment_id": .string(id.description), "activity": .string(activity),
                                 "band_before": .string(before.rawValue), "band": .string(after.rawValue)]),
            events: events, changes: [.establishment(establishment)])
    }

    public static let issueCertificate = ServiceDefinition(
        code: "saudization-certificate.issue", nameAr: "إصدار شهادة السعودة", nameEn: "Issue a Saudization certificate",
        descriptionAr: "تصدر لمنشأة في النطاق الأخضر أو البلاتيني، صالحة ثلاثة أشهر، وتسجل النطاق والنسبة عند الإصدار.",
        descriptionEn: "Issued to an establishment in a green band or platinum, valid three months; it records the band and share at issue.",
        roles: [.owner, .delegate, .agent, .staff], fields: [FieldSpec("establishment_id", .establishmentID, "the establishment")],
        subject: .establishment("establishment_id"), workflow: (name, "issue-certificate"),
        terms: { rules in ["validity": "\(rules.saudization.certificateValidityMonths) months"] }
    ) { context throws(Reason) in
        guard let id = context.payload.establishment("establishment_id") else { return .reject(.fieldMissing, ["field": "establishment_id"]) }
        let establishment = try Gates.check(id, context)
        let current = state(of: establishment, on: context.today)
        guard let transition = transition("issue-certificate", from: current) else {
            return .reject(notAllowed("issue-certificate", in: current))
        }
        let band = Nitaqat.band(of: establishment, rules: context.rules.nitaqat)
        guard band.isCompliant else { return .reject(.certificateNotCompliant, ["band": band.english, "band_ar": band.arabic]) }
        let certificate = Certificate(
            id: context.newID(1), establishment: id, band: band, saudizationPercent: Nitaqat.saudizationPercent(establishment),
            issuedOn: context.today, validUntil: context.today.adding(months: context.rules.saudization.certificateValidityMonths))
        let data: [String: JSONValue] = [
            "certificate_id": .string(certificate.id.uuidString.lowercased()), "establishment_id": .string(id.description),
            "band": .string(band.rawValue), "saudization_percent": .number(certificate.saudizationPercent),
            "issued_on": JSONValue(certificate.issuedOn), "valid_until": JSONValue(certificate.validUntil),
        ]
        return Decision(verdict: .completed(data), events: [DomainEvent(transition.event, aggregate: aggregate(id), data: data)],
                        changes: [.certificate(certificate)])
    }
}
