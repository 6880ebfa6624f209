import Foundation

/// Final exit (خروج نهائي).
///
/// | state            | meaning                                                          |
/// |------------------|------------------------------------------------------------------|
/// | none             | no final exit                                                    |
/// | pending_employer | the worker asked at contract end; the employer has 10 days       |
/// | issued           | valid for departure (60 days; 15 when issued to the worker, as   |
/// |                  | at once to a worker with no employer: absconded or removed)      |
/// | used             | the worker left: employment and permit ended                     |
/// | cancelled        | withdrawn while unused                                           |
/// | expired          | not used in time: lapsed with its fine                           |
public enum FinalExitFlow: StateTable {
    public enum State: String, Sendable, Codable, CaseIterable {
        case none
        case pendingEmployer = "pending_employer"
        case issued, used, cancelled, expired
    }

    public static let name = "final-exit"
    public static let nameAr = "الخروج النهائي"
    public static let initial = State.none

    static let employer: Set<Actor.Role> = [.owner, .delegate, .agent, .staff]
    static let system: Set<Actor.Role> = [.system, .staff]

    public static let transitions: [Transition<State>] = [
        Transition("issue", from: .none, to: .issued, event: "finalExitIssued", by: employer),
        Transition("request", from: .none, to: .pendingEmployer, event: "finalExitRequested", by: [.worker, .staff]),
        // A worker with no employer to answer (reported absent, or removed) may only leave: at once.
        Transition("request", from: .none, to: .issued, event: "finalExitIssuedToWorker", by: [.worker, .staff]),
        Transition("approve", from: .pendingEmployer, to: .issued, event: "finalExitIssued", by: employer),
        Transition("employer-deadline", from: .pendingEmployer, to: .issued, event: "finalExitIssuedToWorker", by: system),
        Transition("cancel", from: .issued, to: .cancelled, event: "finalExitCancelled", by: employer),
        Transition("depart", from: .issued, to: .used, event: "workerDeparted", by: system),
        Transition("lapse", from: .issued, to: .expired, event: "finalExitLapsed", by: system),
        Transition("end", from: .pendingEmployer, to: .cancelled, event: "finalExitEnded", by: [.system]),
        Transition("end", from: .issued, to: .cancelled, event: "finalExitEnded", by: [.system]),
    ]

    static let kind = CaseFile.Kind.finalExit
    static let workerField = FieldSpec("worker_id", .personID, "the resident's iqama number")
    static let establishmentField = FieldSpec("establishment_id", .establishmentID, "the employer")

    /// Issues (from none or from the worker's request): valid `days`, lapse timer after.
    static func issued(_ file: CaseFile, days: Int, event: String, _ context: DecisionContext, cancelled: [String] = []) -> Decision {
        var file = file
        file.state = State.issued.rawValue
        file.deadline = context.today.adding(days: days)
        file.details["valid_until"] = JSONValue(context.today.adding(days: days))
        return Cases.step(event, file,
                          timers: [Cases.timer("lapse", service: "final-exit.lapse", file, due: context.today.adding(days: days + 1))],
                          cancelledTimers: cancelled)
    }

    public static let issue = ServiceDefinition(
        code: "final-exit.issue", nameAr: "إصدار خروج نهائي", nameEn: "Issue a final exit",
        descriptionAr: "يصدر صاحب العمل خروجًا نهائيًا للعامل، صالحًا ٦٠ يومًا للمغادرة.",
        descriptionEn: "The employer issues a final exit; the worker must leave within 60 days.",
        roles: employer, fields: [workerField, establishmentField], subject: .worker("worker_id"), workflow: (name, "issue"),
        terms: { rules in ["validity": "\(rules.finalExit.validityDays) days", "fine if unused": "\(rules.finalExit.lapseFine) SAR"] }
    ) { context throws(Reason) in
        guard let workerID = Cases.worker(context).value, let establishmentID = context.payload.establishment("establishment_id") else {
            return .reject(.fieldMissing, ["field": "worker_id"])
        }
        try Gates.check(establishmentID, context)
        let worker = try Gates.employee(workerID, of: establishmentID, context)
        if worker.isSaudi { return .reject(.workerIsSaudi) }
        let (existing, state) = Cases.open(kind, FinalExitFlow.self, worker: workerID, in: context.world)
        // A second final exit is refused; one the worker asked for is answered with `approve`.
        guard existing == nil, transition("issue", from: state) != nil else { return .reject(Reason.Code.about(.caseAlreadyOpen, kind)) }
        if let reason = CrossRules.blocking("final-exit.issue", worker: workerID, in: context.world) { return .reject(reason) }
        let file = CaseFile(id: context.newID(1), kind: kind, worker: workerID, establishment: establishmentID,
                            state: State.none.rawValue, openedAt: context.now, openedOn: context.today)
        return issued(file, days: context.rules.finalExit.validityDays, event: "finalExitIssued", context)
    }

    public static let request = ServiceDefinition(
        code: "final-exit.request", nameAr: "طلب العامل الخروج النهائي", nameEn: "Ask for a final exit (worker)",
        descriptionAr: "يطلب العامل الخروج النهائي عند انتهاء عقده؛ لصاحب العمل ١٠ أيام، ثم يصدر للعامل صالحًا ١٥ يومًا. ويصدر فورًا لعامل بلا صاحب عمل (متغيب أو مُزال).",
        descriptionEn: "At the end of the contract the worker asks for a final exit; the employer has 10 days, after which it is issued to the worker, valid 15 days. A worker with no employer (reported absent, or removed) is issued one at once.",
        roles: [.worker, .staff], fields: [workerField], subject: .worker("worker_id"), establishmentField: nil, workflow: (name, "request"),
        terms: { rules in ["employer's time": "\(rules.finalExit.employerResponseDays) days", "validity if issued to the worker": "\(rules.finalExit.workerIssuedValidityDays) days"] }
    ) { context in
        guard let workerID = Cases.worker(context).value else { return .reject(.fieldMissing, ["field": "worker_id"]) }
        guard context.rules.finalExit.workerMayRequest else { return .reject(.workerRequestNotInForce) }
        guard let worker = context.world.workers[workerID] else { return .reject(.workerNotFound, ["worker": workerID.digits]) }
        // A citizen leaves as he pleases: a final exit is a resident's.
        if worker.isSaudi { return .reject(.workerIsSaudi) }
        let (existing, state) = Cases.open(kind, FinalExitFlow.self, worker: workerID, in: context.world)
        guard existing == nil, let transition = transition("request", from: state) else {
            return .reject(Reason.Code.about(.caseAlreadyOpen, kind))
        }
        if let reason = CrossRules.blocking("final-exit.request", worker: workerID, in: context.world) { return .reject(reason) }
        switch worker.employment {
        case .employed:
            break
        case .absconded, .removed:
            // "The worker may only leave or transfer": no employer answers, the exit is his at once.
            guard let last = worker.lastEmployer,
                  let row = Self.transition("request", from: state, to: .issued) else {
                return .reject(.workerNotEmployed)
            }
            let file = CaseFile(id: context.newID(1), kind: kind, worker: workerID, establishment: last,
                                state: State.none.rawValue, openedAt: context.now, openedOn: context.today)
            return issued(file, days: context.rules.finalExit.workerIssuedValidityDays, event: row.event, context)
        case .departed, .dependent:
            return .reject(.workerNotEmployed)
        }
        guard let employer = worker.employer else { return .reject(.workerNotEmployed) }
        guard let contractEnd = worker.contractEndsOn, contractEnd <= context.today else {
            return .reject(.contractNotEnded, ["date": worker.contractEndsOn?.iso ?? "-"])
        }
        let deadline = Cases.deadline(from: context.today, days: context.rules.finalExit.employerResponseDays)
        let file = CaseFile(id: context.newID(1), kind: kind, worker: workerID, establishment: employer,
                            state: transition.to.rawValue, openedAt: context.now, openedOn: context.today, deadline: deadline)
        return Cases.step(transition.event, file,
                          timers: [Cases.timer("employer-deadline", service: "final-exit.employer-deadline", file, due: deadline.adding(days: 1))])
    }

    public static let approve = ServiceDefinition(
        code: "final-exit.approve", nameAr: "إصدار الخروج النهائي بطلب العامل", nameEn: "Issue the final exit the worker asked for",
        descriptionAr: "يصدر صاحب العمل الخروج النهائي الذي طلبه العامل خلال المهلة.",
        descriptionEn: "The employer issues the final exit the worker asked for, within the 10 days.",
        roles: employer, fields: [workerField, establishmentField], subject: .worker("worker_id"), workflow: (name, "approve")
    ) { context in
        guard let workerID = Cases.worker(context).value, let establishmentID = context.payload.establishment("establishment_id") else {
            return .reject(.fieldMissing, ["field": "worker_id"])
        }
        let (existing, state) = Cases.open(kind, FinalExitFlow.self, worker: workerID, in: context.world)
        guard let file = existing, transition("approve", from: state) != nil else {
            return .reject(existing == nil ? Reason.Code.about(.caseNotFound, kind) : notAllowed("approve", in: state))
        }
        guard file.establishment == establishmentID else { return .reject(Reason.Code.about(.notPartyToCase, kind)) }
        if let reason = Cases.checkDeadline(file, context) { return .reject(reason) }
        return issued(file, days: context.rules.finalExit.validityDays, event: "finalExitIssued", context,
                      cancelled: [Cases.timerKey("employer-deadline", file, due: file.deadline?.adding(days: 1) ?? context.today)])
    }

    public static let employerDeadline = ServiceDefinition(
        code: "final-exit.employer-deadline", nameAr: "انتهاء مهلة صاحب العمل للخروج النهائي", nameEn: "Employer's time for a final exit ran out",
        descriptionAr: "مؤقت داخلي: يصدر الخروج النهائي للعامل إذا لم يتصرف صاحب العمل خلال المهلة.",
        descriptionEn: "Internal timer: the final exit is issued to the worker when the employer did not act in time.",
        roles: system, fields: [workerField, FieldSpec("case_id", .uuid, "the case")], subject: .worker("worker_id"),
        establishmentField: nil, workflow: (name, "employer-deadline"), internalOnly: true
    ) { context in
        guard let (file, state) = Cases.timerTarget(kind, FinalExitFlow.self, context), transition("employer-deadline", from: state) != nil else {
            return Timers.superseded
        }
        return issued(file, days: context.rules.finalExit.workerIssuedValidityDays, event: "finalExitIssuedToWorker", context)
    }

    public static let cancel = ServiceDefinition(
        code: "final-exit.cancel", nameAr: "إلغاء خروج نهائي", nameEn: "Cancel a final exit",
        descriptionAr: "يلغي صاحب العمل خروجًا نهائيًا لم يُستخدم ما دامت الإقامة سارية.",
        descriptionEn: "The employer cancels an unused final exit while the iqama is valid.",
        roles: employer, fields: [workerField, establishmentField], subject: .worker("worker_id"), workflow: (name, "cancel")
    ) { context in
        guard let workerID = Cases.worker(context).value, let establishmentID = context.payload.establishment("establishment_id") else {
            return .reject(.fieldMissing, ["field": "worker_id"])
        }
        let (existing, state) = Cases.open(kind, FinalExitFlow.self, worker: workerID, in: context.world)
        guard var file = existing, let transition = transition("cancel", from: state) else {
            return .reject(existing == nil ? Reason.Code.about(.caseNotFound, kind) : notAllowed("cancel", in: state))
        }
        // Only the employer (`.employee` access has checked the worker is still its): not the
        // one a worker without employer left behind.
        guard file.establishment == establishmentID else {
            return .reject(Reason.Code.about(.notPartyToCase, kind))
        }
        if let expires = context.world.workers[workerID]?.iqamaExpiresOn, expires < context.today {
            return .reject(.iqamaExpired, ["date": expires.iso])
        }
        let lapse = Cases.timerKey("lapse", file, due: (file.deadline ?? context.today).adding(days: 1))
        file.state = transition.to.rawValue
        return Cases.step(transition.event, file, cancelledTimers: [lapse])
    }

    public static let lapse = ServiceDefinition(
        code: "final-exit.lapse", nameAr: "انقضاء خروج نهائي", nameEn: "Final exit lapsed",
        descriptionAr: "مؤقت داخلي: خروج نهائي لم يُستخدم خلال مدته ينقضي وتُسجل غرامته.",
        descriptionEn: "Internal timer: a final exit not used in time lapses and its fine is recorded.",
        roles: system, fields: [workerField, FieldSpec("case_id", .uuid, "the case")], subject: .worker("worker_id"),
        establishmentField: nil, workflow: (name, "lapse"), internalOnly: true
    ) { context in
        guard let (target, state) = Cases.timerTarget(kind, FinalExitFlow.self, context), let transition = transition("lapse", from: state) else {
            return Timers.superseded
        }
        var file = target
        file.state = transition.to.rawValue
        file.details["fine"] = JSONValue(context.rules.finalExit.lapseFine)
        return Cases.step(transition.event, file, summary: ["fine": JSONValue(context.rules.finalExit.lapseFine)])
    }

    /// The border reports a departure: the final exit is used, the employment and permit end.
    public static let depart = ServiceDefinition(
        code: "worker.depart", nameAr: "مغادرة عامل", nameEn: "Worker departed",
        descriptionAr: "واقعة من منافذ الحدود: غادر العامل بخروج نهائي؛ تنتهي علاقة العمل والرخصة.",
        descriptionEn: "A fact from the border: the worker left on a final exit; employment and permit end.",
        roles: system, fields: [workerField, FieldSpec("departed_on", .day, required: false, "the day of departure")],
        subject: .worker("worker_id"), establishmentField: nil, workflow: (name, "depart")
    ) { context in
        guard let workerID = Cases.worker(context).value else { return .reject(.fieldMissing, ["field": "worker_id"]) }
        let (existing, state) = Cases.open(kind, FinalExitFlow.self, worker: workerID, in: context.world)
        guard var file = existing, let transition = transition("depart", from: state) else {
            return .reject(existing == nil ? Reason.Code.about(.caseNotFound, kind) : notAllowed("depart", in: state))
        }
        // The exit is used on the day the border saw the worker leave: within its validity, and not later than today.
        let departedOn = context.payload.day("departed_on") ?? context.today
        if departedOn > context.today {
            return .reject(.fieldInvalid, ["field": "departed_on", "detail": "a departure cannot be after today (\(context.today.iso))",
                                          "detail_ar": "لا تكون المغادرة بعد اليوم (\(context.today.iso))"])
        }
        if departedOn < file.openedOn {
            return .reject(.fieldInvalid, ["field": "departed_on", "detail": "a departure cannot be before the exit was issued (\(file.openedOn.iso))",
                                          "detail_ar": "لا تكون المغادرة قبل إصدار الخروج (\(file.openedOn.iso))"])
        }
        if let deadline = file.deadline, departedOn > deadline {
            return .reject(Reason.Code.about(.caseDeadlinePassed, kind, ["date": deadline.iso]))
        }
        var changes: [Change] = []
        var events: [DomainEvent] = []
        if let worker = context.world.workers[workerID] { changes += Cases.endEmployment(worker, .departed, context) }
        let ended = WorkPermitFlow.end(workerID, context)
        changes += ended.changes
        events += ended.events
        let others = Cases.endAll(of: workerID, why: "the worker left the Kingdom", except: file.id, context)
        changes += others.changes
        events += others.events
        let lapse = Cases.timerKey("lapse", file, due: (file.deadline ?? context.today).adding(days: 1))
        file.state = transition.to.rawValue
        file.details["departed_on"] = JSONValue(departedOn)
        return Cases.step(transition.event, file, changes: changes, events: events,
                          cancelledTimers: [lapse] + ended.cancelledTimers + others.cancelledTimers)
    }

    public static let services = [issue, request, approve, employerDeadline, cancel, lapse, depart]
}
