import Foundation

/// Branch change (تغيير فرع عامل): a worker moves between establishments of one unified number.
///
/// | state          | meaning                                        |
/// |----------------|------------------------------------------------|
/// | none           | no branch change                               |
/// | pending_worker | the employer asked; the worker has 10 days     |
/// | completed      | the worker, the permit and the counts moved    |
/// | rejected/lapsed| ended without a move                           |
public enum BranchChangeFlow: StateTable {
    public enum State: String, Sendable, Codable, CaseIterable {
        case none
        case pendingWorker = "pending_worker"
        case completed, rejected, lapsed
    }

    public static let name = "branch-change"
    public static let nameAr = "تغيير الفرع"
    public static let initial = State.none

    static let employer: Set<Actor.Role> = [.owner, .delegate, .agent, .staff]

    public static let transitions: [Transition<State>] = [
        Transition("request", from: .none, to: .pendingWorker, event: "branchChangeRequested", by: employer),
        Transition("accept", from: .pendingWorker, to: .completed, event: "branchChanged", by: [.worker, .staff]),
        Transition("decline", from: .pendingWorker, to: .rejected, event: "branchChangeDeclined", by: [.worker, .staff]),
        Transition("lapse", from: .pendingWorker, to: .lapsed, event: "branchChangeLapsed", by: [.system, .staff]),
        Transition("end", from: .pendingWorker, to: .lapsed, event: "branchChangeEnded", by: [.system]),
    ]

    static let kind = CaseFile.Kind.branchChange
    static let workerField = FieldSpec("worker_id", .personID, "the worker")

    public static let request = ServiceDefinition(
        code: "branch-change.request", nameAr: "طلب تغيير فرع عامل", nameEn: "Move a worker to another branch",
        descriptionAr: "ينقل صاحب العمل عاملًا إلى فرع آخر للرقم الموحد نفسه؛ يقبل العامل خلال ١٠ أيام؛ بلا مقابل.",
        descriptionEn: "The employer moves a worker to another branch of the same unified number; the worker accepts within 10 days; no fee.",
        roles: employer,
        fields: [workerField, FieldSpec("establishment_id", .establishmentID, "the current branch"),
                 FieldSpec("target_establishment_id", .establishmentID, "the branch to move to")],
        subject: .worker("worker_id"), alsoActsFor: ["target_establishment_id"], workflow: (name, "request"),
        terms: { rules in ["worker's time": "\(rules.branchChange.workerAcceptDays) days", "fee": "\(rules.branchChange.fee) SAR"] }
    ) { context throws(Reason) in
        guard let workerID = Cases.worker(context).value, let current = context.payload.establishment("establishment_id"),
              let target = context.payload.establishment("target_establishment_id") else {
            return .reject(.fieldMissing, ["field": "worker_id"])
        }
        let from = try Gates.check(current, context)
        try Gates.employee(workerID, of: current, context)
        if target == current { return .reject(.branchSame) }
        // Another company's establishment, or none: nothing more about it is said.
        guard context.world.establishments[target]?.unifiedNumber == from.unifiedNumber else { return .reject(.branchOtherCompany) }
        try Gates.check(target, context)
        let (existing, state) = Cases.open(kind, BranchChangeFlow.self, worker: workerID, in: context.world)
        guard existing == nil, let row = transition("request", from: state) else { return .reject(Reason.Code.about(.caseAlreadyOpen, kind)) }
        if let reason = CrossRules.blocking("branch-change.request", worker: workerID, in: context.world) { return .reject(reason) }
        let deadline = Cases.deadline(from: context.today, days: context.rules.branchChange.workerAcceptDays)
        let file = CaseFile(id: context.newID(1), kind: kind, worker: workerID, establishment: current, counterpart: target,
                            state: row.to.rawValue, openedAt: context.now, openedOn: context.today, deadline: deadline)
        return Cases.step(row.event, file, timers: [Cases.timer("lapse", service: "branch-change.lapse", file, due: deadline.adding(days: 1))])
    }

    static func answer(_ action: String, _ context: DecisionContext) throws(Reason) -> Decision {
        guard let workerID = Cases.worker(context).value else { return .reject(.fieldMissing, ["field": "worker_id"]) }
        let (existing, state) = Cases.open(kind, BranchChangeFlow.self, worker: workerID, in: context.world)
        guard var file = existing, let row = transition(action, from: state) else {
            return .reject(existing == nil ? Reason.Code.about(.caseNotFound, kind) : notAllowed(action, in: state))
        }
        if let reason = Cases.checkDeadline(file, context) { return .reject(reason) }
        let waiting = Cases.waitingKey("lapse", file)
        file.state = row.to.rawValue
        guard row.to == .completed, let target = file.counterpart else { return Cases.step(row.event, file, cancelledTimers: waiting) }
        // What the move needs, again at the move: the worker still at the branch he leaves, and
        // the branch he joins not suspended or closed since.
        _ = try Gates.employee(workerID, of: file.establishment, context)
        try Gates.check(target, context)
        guard let moved = TransferFlow.move(workerID, to: target, contractEndsOn: nil, countsTransfer: false, completing: file.id, context) else {
            return .reject(.workerNotFound, ["worker": workerID.digits])
        }
        return Cases.step(row.event, file, changes: moved.changes, events: moved.events, cancelledTimers: waiting + moved.cancelledTimers)
    }

    public static let accept = ServiceDefinition(
        code: "branch-change.accept", nameAr: "موافقة العامل على تغيير الفرع", nameEn: "Accept a branch change (worker)",
        descriptionAr: "يوافق العامل على الانتقال إلى الفرع.", descriptionEn: "The worker accepts the move.",
        roles: [.worker, .staff], fields: [workerField], subject: .worker("worker_id"), establishmentField: nil, workflow: (name, "accept")
    ) { context throws(Reason) in try answer("accept", context) }

    public static let decline = ServiceDefinition(
        code: "branch-change.decline", nameAr: "رفض العامل تغيير الفرع", nameEn: "Decline a branch change (worker)",
        descriptionAr: "يرفض العامل الانتقال.", descriptionEn: "The worker declines the move.",
        roles: [.worker, .staff], fields: [workerField], subject: .worker("worker_id"), establishmentField: nil, workflow: (name, "decline")
    ) { context throws(Reason) in try answer("decline", context) }

    public static let lapse = ServiceDefinition(
        code: "branch-change.lapse", nameAr: "انقضاء طلب تغيير فرع", nameEn: "Branch change lapsed",
        descriptionAr: "مؤقت داخلي: لم يقبل العامل خلال ١٠ أيام.", descriptionEn: "Internal timer: the worker did not accept within 10 days.",
        roles: [.system, .staff], fields: [workerField, FieldSpec("case_id", .uuid, "the case")],
        subject: .worker("worker_id"), establishmentField: nil, workflow: (name, "lapse"), internalOnly: true
    ) { context in
        guard let (target, state) = Cases.timerTarget(kind, BranchChangeFlow.self, context), let row = transition("lapse", from: state) else {
            return Timers.superseded
        }
        var file = target
        file.state = row.to.rawValue
        return Cases.step(row.event, file)
    }

    public static let services = [request, accept, decline, lapse]
}
