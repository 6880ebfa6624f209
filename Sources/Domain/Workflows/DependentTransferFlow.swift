import Foundation

/// Dependent's service transfer (نقل خدمة التابعين): an adult dependent leaves the guardian's
/// sponsorship to work for an establishment.
///
/// | state            | meaning                                                       |
/// |------------------|---------------------------------------------------------------|
/// | none             | no transfer                                                   |
/// | pending_guardian | the establishment asked; the guardian has 14 days to approve  |
/// | approved         | the establishment has 14 days to complete                     |
/// | completed        | the dependent is employed by the establishment                |
/// | rejected / lapsed| ended without a move                                          |
public enum DependentTransferFlow: StateTable {
    public enum State: String, Sendable, Codable, CaseIterable {
        case none
        case pendingGuardian = "pending_guardian"
        case approved, completed, rejected, lapsed
    }

    public static let name = "dependent-transfer"
    public static let nameAr = "نقل خدمة التابع"
    public static let initial = State.none

    static let employer: Set<Actor.Role> = [.owner, .delegate, .agent, .staff]
    static let guardian: Set<Actor.Role> = [.worker, .staff]

    public static let transitions: [Transition<State>] = [
        Transition("request", from: .none, to: .pendingGuardian, event: "dependentTransferRequested", by: employer),
        Transition("approve", from: .pendingGuardian, to: .approved, event: "dependentTransferApproved", by: guardian),
        Transition("reject", from: .pendingGuardian, to: .rejected, event: "dependentTransferRejected", by: guardian),
        Transition("complete", from: .approved, to: .completed, event: "dependentTransferCompleted", by: employer),
        Transition("lapse", from: .pendingGuardian, to: .lapsed, event: "dependentTransferLapsed", by: [.system, .staff]),
        Transition("lapse", from: .approved, to: .lapsed, event: "dependentTransferLapsed", by: [.system, .staff]),
        Transition("end", from: .pendingGuardian, to: .lapsed, event: "dependentTransferEnded", by: [.system]),
        Transition("end", from: .approved, to: .lapsed, event: "dependentTransferEnded", by: [.system]),
    ]

    static let kind = CaseFile.Kind.dependentTransfer
    static let dependentField = FieldSpec("dependent_id", .personID, "the dependent's iqama number")
    static let establishmentField = FieldSpec("establishment_id", .establishmentID, "the establishment that will employ the dependent")
    static let guardianField = FieldSpec("guardian_id", .personID, "the guardian's iqama number")

    static func lapseTimer(_ file: CaseFile) -> [ScheduledRequest] {
        guard let deadline = file.deadline else { return [] }
        return [Cases.timer("lapse", service: "dependent-transfer.lapse", file, due: deadline.adding(days: 1))]
    }

    public static let request = ServiceDefinition(
        code: "dependent-transfer.request", nameAr: "طلب نقل خدمة تابع", nameEn: "Request a dependent's transfer",
        descriptionAr: "تطلب منشأة توظيف تابع بالغ؛ يوافق العائل خلال ١٤ يومًا ثم تكمل المنشأة خلال ١٤ يومًا.",
        descriptionEn: "An establishment asks to employ an adult dependent; the guardian approves within 14 days, then the establishment completes within 14 days.",
        roles: employer,
        fields: [dependentField, establishmentField, FieldSpec("occupation", .text(maxLength: 60), "the occupation to employ the dependent in"),
                 FieldSpec("wage", .integer(0...1_000_000), "monthly wage in SAR")],
        subject: .worker("dependent_id"), subjectAccess: .prospective, workflow: (name, "request"),
        terms: { rules in ["window": "\(rules.dependentTransfer.completeWithinDays) days", "minimum age": "\(rules.dependentTransfer.minimumAge)"] }
    ) { context throws(Reason) in
        guard let dependentID = Cases.worker(context, field: "dependent_id").value, let establishment = context.payload.establishment("establishment_id"),
              let occupation = context.payload.string("occupation"), let wage = context.payload.int("wage") else {
            return .reject(.fieldMissing, ["field": "dependent_id"])
        }
        try Gates.check(establishment, context, .init(minimumBand: context.rules.transfer.minimumReceiverBand))
        try Gates.occupation(occupation, for: dependentID, rules: context.rules)
        // The person is someone else's dependent: whether the number exists, is a dependent,
        // is of age or has a case open elsewhere is not the asker's to learn. One answer for all.
        let notTransferable = Reason.Code.dependentNotTransferable(["person": dependentID.digits])
        guard let dependent = context.world.workers[dependentID], dependent.employment == .dependent, dependent.guardian != nil,
              dependent.age(on: context.today) >= context.rules.dependentTransfer.minimumAge else {
            return .reject(notTransferable)
        }
        let (existing, state) = Cases.open(kind, DependentTransferFlow.self, worker: dependentID, in: context.world)
        if let existing {
            return .reject(existing.establishment == establishment ? Reason.Code.about(.caseAlreadyOpen, kind) : notTransferable)
        }
        guard let row = transition("request", from: state) else { return .reject(notTransferable) }
        if CrossRules.blocking("dependent-transfer.request", worker: dependentID, in: context.world) != nil { return .reject(notTransferable) }
        let file = CaseFile(id: context.newID(1), kind: kind, worker: dependentID, establishment: establishment,
                            state: row.to.rawValue, openedAt: context.now, openedOn: context.today,
                            deadline: Cases.deadline(from: context.today, days: context.rules.dependentTransfer.completeWithinDays),
                            details: ["occupation": .string(occupation), "wage": JSONValue(wage),
                                      "guardian_id": .string(dependent.guardian?.digits ?? "")])
        return Cases.step(row.event, file, timers: lapseTimer(file))
    }

    /// The guardian's answer.
    static func answer(_ action: String, _ context: DecisionContext) -> Decision {
        guard let dependentID = Cases.worker(context, field: "dependent_id").value, let guardianID = context.payload.person("guardian_id") else {
            return .reject(.fieldMissing, ["field": "dependent_id"])
        }
        guard context.world.workers[dependentID]?.guardian == guardianID else {
            return .reject(.notDependent, ["person": dependentID.digits])
        }
        let (existing, state) = Cases.open(kind, DependentTransferFlow.self, worker: dependentID, in: context.world)
        guard var file = existing, let row = transition(action, from: state) else {
            return .reject(existing == nil ? Reason.Code.about(.caseNotFound, kind) : notAllowed(action, in: state))
        }
        if let reason = Cases.checkDeadline(file, context) { return .reject(reason) }
        let waiting = Cases.waitingKey("lapse", file)
        file.state = row.to.rawValue
        if row.to == .approved {
            file.deadline = Cases.deadline(from: context.today, days: context.rules.dependentTransfer.completeWithinDays)
            return Cases.step(row.event, file, timers: lapseTimer(file), cancelledTimers: waiting)
        }
        return Cases.step(row.event, file, cancelledTimers: waiting)
    }

    static let guardianFields = [dependentField, guardianField]

    public static let approve = ServiceDefinition(
        code: "dependent-transfer.approve", nameAr: "موافقة العائل على نقل التابع", nameEn: "Approve a dependent's transfer (guardian)",
        descriptionAr: "يوافق العائل على نقل خدمة التابع.", descriptionEn: "The guardian approves the dependent's transfer.",
        roles: guardian, fields: guardianFields, subject: .worker("dependent_id"), establishmentField: nil,
        actingPersonField: "guardian_id", workflow: (name, "approve")
    ) { answer("approve", $0) }

    public static let reject = ServiceDefinition(
        code: "dependent-transfer.reject", nameAr: "رفض العائل نقل التابع", nameEn: "Reject a dependent's transfer (guardian)",
        descriptionAr: "يرفض العائل نقل خدمة التابع.", descriptionEn: "The guardian rejects the dependent's transfer.",
        roles: guardian, fields: guardianFields, subject: .worker("dependent_id"), establishmentField: nil,
        actingPersonField: "guardian_id", workflow: (name, "reject")
    ) { answer("reject", $0) }

    public static let complete = ServiceDefinition(
        code: "dependent-transfer.complete", nameAr: "إكمال نقل خدمة التابع", nameEn: "Complete a dependent's transfer",
        descriptionAr: "تكمل المنشأة النقل بعد موافقة العائل خلال ١٤ يومًا؛ يصبح التابع عاملًا لديها.",
        descriptionEn: "Within 14 days of the guardian's approval the establishment completes; the dependent becomes its employee.",
        roles: employer, fields: [dependentField, establishmentField], subject: .worker("dependent_id"),
        subjectAccess: .caseParty(.dependentTransfer), workflow: (name, "complete")
    ) { context throws(Reason) in
        // `.caseParty`: the dependent's open case is this establishment's (else `case.not_found`).
        guard let dependentID = Cases.worker(context, field: "dependent_id").value, let establishment = context.payload.establishment("establishment_id") else {
            return .reject(.fieldMissing, ["field": "dependent_id"])
        }
        let (existing, state) = Cases.open(kind, DependentTransferFlow.self, worker: dependentID, in: context.world)
        guard var file = existing, let row = transition("complete", from: state) else {
            return .reject(existing == nil ? Reason.Code.about(.caseNotFound, kind) : notAllowed("complete", in: state))
        }
        if let reason = Cases.checkDeadline(file, context) { return .reject(reason) }
        // What the move needs, again at the move: the establishment's gates and band may have changed since the request.
        try Gates.check(establishment, context, .init(minimumBand: context.rules.transfer.minimumReceiverBand))
        guard var person = context.world.workers[dependentID] else { return .reject(.workerNotFound, ["worker": dependentID.digits]) }
        person.employment = .employed
        person.employer = establishment
        person.guardian = nil
        if let occupation = file.details["occupation"]?.stringValue { person.occupation = occupation }
        if let wage = file.details["wage"]?.intValue { person.wage = wage }
        let waiting = Cases.waitingKey("lapse", file)
        file.state = row.to.rawValue
        let joined = Nitaqat.joining(&person, in: context.world, rules: context.rules)
        let changes: [Change] = [.worker(person)] + joined
        return Cases.step(row.event, file, changes: changes, cancelledTimers: waiting)
    }

    public static let lapse = ServiceDefinition(
        code: "dependent-transfer.lapse", nameAr: "انقضاء نقل خدمة تابع", nameEn: "Dependent's transfer lapsed",
        descriptionAr: "مؤقت داخلي: انقضت المهلة.", descriptionEn: "Internal timer: the window passed.",
        roles: [.system, .staff], fields: [FieldSpec("worker_id", .personID, "the dependent"), FieldSpec("case_id", .uuid, "the case")],
        subject: .worker("worker_id"), establishmentField: nil, workflow: (name, "lapse"), internalOnly: true
    ) { context in
        guard let (target, state) = Cases.timerTarget(kind, DependentTransferFlow.self, context), let row = transition("lapse", from: state) else {
            return Timers.superseded
        }
        var file = target
        file.state = row.to.rawValue
        return Cases.step(row.event, file)
    }

    public static let services = [request, approve, reject, complete, lapse]
}
