import Foundation

/// Occupation change (تغيير مهنة).
///
/// | state          | meaning                                                  |
/// |----------------|----------------------------------------------------------|
/// | none           | no change asked                                          |
/// | pending_worker | the employer asked; the worker approves within 10 days   |
/// | awaiting_fee   | approved; the fee is due within 30 days (the rulebook's)  |
/// | completed      | the worker holds the new occupation                      |
/// | rejected/lapsed| ended without a change                                   |
///
/// A generic title (laborer, helper, …) can be corrected once, free and without approval:
/// `correct` goes from none straight to completed.
public enum OccupationChangeFlow: StateTable {
    public enum State: String, Sendable, Codable, CaseIterable {
        case none
        case pendingWorker = "pending_worker"
        case awaitingFee = "awaiting_fee"
        case completed, rejected, lapsed
    }

    public static let name = "occupation-change"
    public static let nameAr = "تغيير المهنة"
    public static let initial = State.none

    static let employer: Set<Actor.Role> = [.owner, .delegate, .agent, .staff]

    public static let transitions: [Transition<State>] = [
        Transition("request", from: .none, to: .pendingWorker, event: "occupationChangeRequested", by: employer),
        Transition("correct", from: .none, to: .completed, event: "genericTitleCorrected", by: employer),
        Transition("accept", from: .pendingWorker, to: .awaitingFee, event: "occupationChangeApproved", by: [.worker, .staff]),
        Transition("decline", from: .pendingWorker, to: .rejected, event: "occupationChangeDeclined", by: [.worker, .staff]),
        Transition("lapse", from: .pendingWorker, to: .lapsed, event: "occupationChangeLapsed", by: [.system, .staff]),
        // A change waiting for its fee for ever blocked the worker's next one.
        Transition("lapse", from: .awaitingFee, to: .lapsed, event: "occupationChangeFeeLapsed", by: [.system, .staff]),
        Transition("pay", from: .awaitingFee, to: .completed, event: "occupationChanged", by: [.system, .staff]),
        Transition("end", from: .pendingWorker, to: .lapsed, event: "occupationChangeEnded", by: [.system]),
        Transition("end", from: .awaitingFee, to: .lapsed, event: "occupationChangeEnded", by: [.system]),
    ]

    static let kind = CaseFile.Kind.occupationChange
    static let workerField = FieldSpec("worker_id", .personID, "the worker")
    static let requestFields = [
        workerField, FieldSpec("establishment_id", .establishmentID, "the employer"),
        FieldSpec("occupation", .text(maxLength: 60), "the new occupation's code (see GET /v1/rulebook)"),
    ]

    /// The checks on the target occupation: known, different, open to the worker, fitting the activity.
    static func checkTarget(_ occupation: String, worker: Worker, establishment: Establishment, rules: RuleParameters) -> Reason? {
        do {
            let known = try Gates.occupation(occupation, for: worker.id, rules: rules)
            if worker.occupation == occupation { return Reason.Code.occupationSame() }
            try Gates.fits(occupation, known, establishment, rules: rules)
        } catch {
            return error
        }
        return nil
    }

    /// Gates, employment and the cross-workflow rules for a new change; throws the first
    /// that refuses it.
    static func prepare(_ service: String, _ context: DecisionContext) throws(Reason) -> (Worker, Establishment, String) {
        guard let workerID = context.payload.person("worker_id"), let establishmentID = context.payload.establishment("establishment_id"),
              let occupation = context.payload.string("occupation") else {
            throw Reason.Code.fieldMissing(["field": "worker_id"])
        }
        let minimum = service == "occupation-change.request" ? context.rules.occupationChange.minimumBand : nil
        let establishment = try Gates.check(establishmentID, context, .init(minimumBand: minimum))
        let worker = try Gates.employee(workerID, of: establishmentID, context)
        if context.world.openCase(kind, of: workerID) != nil { throw Reason.Code.about(.caseAlreadyOpen, kind) }
        if let reason = CrossRules.blocking(service, worker: workerID, in: context.world) { throw reason }
        return (worker, establishment, occupation)
    }

    public static let request = ServiceDefinition(
        code: "occupation-change.request", nameAr: "طلب تغيير مهنة", nameEn: "Change a worker's occupation",
        descriptionAr: "يطلب صاحب العمل تغيير مهنة عامل إلى مهنة تناسب النشاط وغير مقصورة على السعوديين؛ يوافق العامل ويُسدد المقابل.",
        descriptionEn: "The employer changes a worker's occupation to one that fits the activity and is not reserved for Saudis; the worker approves and the fee is paid.",
        roles: employer, fields: requestFields, subject: .worker("worker_id"), workflow: (name, "request"),
        terms: { rules in ["fee": "\(rules.occupationChange.fee) SAR", "worker's time": "\(rules.occupationChange.workerAcceptDays) days",
                           "fee due within": "\(rules.occupationChange.feeWithinDays) days",
                           "minimum band": rules.occupationChange.minimumBand.english] }
    ) { context throws(Reason) in
        let (worker, establishment, occupation) = try prepare("occupation-change.request", context)
        if let reason = checkTarget(occupation, worker: worker, establishment: establishment, rules: context.rules) { return .reject(reason) }
        guard let row = transition("request", from: .none) else { return .reject(notAllowed("request", in: .none)) }
        let deadline = Cases.deadline(from: context.today, days: context.rules.occupationChange.workerAcceptDays)
        let file = CaseFile(id: context.newID(1), kind: kind, worker: worker.id, establishment: establishment.id,
                            state: row.to.rawValue, openedAt: context.now, openedOn: context.today, deadline: deadline,
                            details: ["from": .string(worker.occupation), "to": .string(occupation), "fee": JSONValue(context.rules.occupationChange.fee)])
        return Cases.step(row.event, file, timers: [Cases.timer("lapse", service: "occupation-change.lapse", file, due: deadline.adding(days: 1))])
    }

    public static let correct = ServiceDefinition(
        code: "occupation-change.correct", nameAr: "تصحيح مسمى مهني عام", nameEn: "Correct a generic title",
        descriptionAr: "تصحيح مرة واحدة لمسمى عام (عامل، مساعد…) إلى مهنة محددة، مجانًا وبلا موافقة العامل.",
        descriptionEn: "Once per worker, a generic title (laborer, helper, …) is corrected to a specific occupation, free and without the worker's approval.",
        roles: employer, fields: requestFields, subject: .worker("worker_id"), workflow: (name, "correct"),
        terms: { rules in ["generic titles": rules.occupationChange.genericTitles.joined(separator: ", ")] }
    ) { context throws(Reason) in
        var (worker, establishment, occupation) = try prepare("occupation-change.correct", context)
        guard context.rules.occupationChange.genericTitles.contains(worker.occupation) else {
            return .reject(.notGenericTitle, ["occupation": worker.occupation])
        }
        if worker.genericTitleCorrected { return .reject(.genericCorrectionUsed) }
        if let reason = checkTarget(occupation, worker: worker, establishment: establishment, rules: context.rules) { return .reject(reason) }
        guard let row = transition("correct", from: .none) else { return .reject(notAllowed("correct", in: .none)) }
        let file = CaseFile(id: context.newID(1), kind: kind, worker: worker.id, establishment: establishment.id,
                            state: row.to.rawValue, openedAt: context.now, openedOn: context.today,
                            details: ["from": .string(worker.occupation), "to": .string(occupation), "fee": 0])
        worker.occupation = occupation
        worker.genericTitleCorrected = true
        return Cases.step(row.event, file, changes: [.worker(worker)])
    }

    static func answer(_ action: String, _ context: DecisionContext) -> Decision {
        guard let workerID = Cases.worker(context).value else { return .reject(.fieldMissing, ["field": "worker_id"]) }
        let (existing, state) = Cases.open(kind, OccupationChangeFlow.self, worker: workerID, in: context.world)
        guard var file = existing, let row = transition(action, from: state) else {
            return .reject(existing == nil ? Reason.Code.about(.caseNotFound, kind) : notAllowed(action, in: state))
        }
        if let reason = Cases.checkDeadline(file, context) { return .reject(reason) }
        let waiting = Cases.waitingKey("lapse", file)
        file.state = row.to.rawValue
        file.deadline = nil
        guard row.to == .awaitingFee else { return Cases.step(row.event, file, cancelledTimers: waiting) }
        let deadline = Cases.deadline(from: context.today, days: context.rules.occupationChange.feeWithinDays)
        file.deadline = deadline
        return Cases.step(row.event, file, timers: [Cases.timer("lapse", service: "occupation-change.lapse", file, due: deadline.adding(days: 1))],
                          cancelledTimers: waiting, summary: ["fee": file.details["fee"] ?? 0])
    }

    public static let accept = ServiceDefinition(
        code: "occupation-change.accept", nameAr: "موافقة العامل على تغيير المهنة", nameEn: "Approve an occupation change (worker)",
        descriptionAr: "يوافق العامل على المهنة الجديدة.", descriptionEn: "The worker approves the new occupation.",
        roles: [.worker, .staff], fields: [workerField], subject: .worker("worker_id"), establishmentField: nil, workflow: (name, "accept")
    ) { answer("accept", $0) }

    public static let decline = ServiceDefinition(
        code: "occupation-change.decline", nameAr: "رفض العامل تغيير المهنة", nameEn: "Decline an occupation change (worker)",
        descriptionAr: "يرفض العامل المهنة الجديدة.", descriptionEn: "The worker declines the new occupation.",
        roles: [.worker, .staff], fields: [workerField], subject: .worker("worker_id"), establishmentField: nil, workflow: (name, "decline")
    ) { answer("decline", $0) }

    public static let pay = ServiceDefinition(
        code: "occupation-change.pay", nameAr: "سداد مقابل تغيير المهنة", nameEn: "Occupation change fee paid",
        descriptionAr: "إشعار المدفوعات بسداد المقابل؛ تتغير المهنة.", descriptionEn: "The payment system reports the fee paid; the occupation changes.",
        roles: [.system, .staff], fields: [workerField, FieldSpec("amount", .integer(0...1_000_000), "SAR paid")],
        subject: .worker("worker_id"), establishmentField: nil, workflow: (name, "pay")
    ) { context in
        guard let workerID = Cases.worker(context).value, let amount = context.payload.int("amount") else {
            return .reject(.fieldMissing, ["field": "worker_id"])
        }
        let (existing, state) = Cases.open(kind, OccupationChangeFlow.self, worker: workerID, in: context.world)
        guard var file = existing, let row = transition("pay", from: state) else {
            return .reject(existing == nil ? Reason.Code.about(.caseNotFound, kind) : notAllowed("pay", in: state))
        }
        if let reason = Cases.checkDeadline(file, context) { return .reject(reason) }
        let due = file.details["fee"]?.intValue ?? 0
        guard amount == due else { return .reject(.feeMismatch, ["paid": String(amount), "due": String(due)]) }
        guard var worker = context.world.workers[workerID], let target = file.details["to"]?.stringValue else {
            return .reject(.workerNotFound, ["worker": workerID.digits])
        }
        let waiting = Cases.waitingKey("lapse", file)
        worker.occupation = target
        file.state = row.to.rawValue
        file.deadline = nil
        return Cases.step(row.event, file, changes: [.worker(worker)], cancelledTimers: waiting)
    }

    public static let lapse = ServiceDefinition(
        code: "occupation-change.lapse", nameAr: "انقضاء طلب تغيير مهنة", nameEn: "Occupation change lapsed",
        descriptionAr: "مؤقت داخلي: لم يوافق العامل خلال ١٠ أيام، أو لم يُسدد المقابل خلال ٣٠ يومًا.",
        descriptionEn: "Internal timer: the worker did not approve within 10 days, or the fee was not paid within 30.",
        roles: [.system, .staff], fields: [workerField, FieldSpec("case_id", .uuid, "the case")],
        subject: .worker("worker_id"), establishmentField: nil, workflow: (name, "lapse"), internalOnly: true
    ) { context in
        guard let (target, state) = Cases.timerTarget(kind, OccupationChangeFlow.self, context), let row = transition("lapse", from: state) else {
            return Timers.superseded
        }
        var file = target
        file.state = row.to.rawValue
        return Cases.step(row.event, file)
    }

    public static let services = [request, correct, accept, decline, pay, lapse]
}
