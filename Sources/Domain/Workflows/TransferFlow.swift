import Foundation

/// Service transfer (نقل خدمة): a worker moves to a new employer.
///
/// | state                    | meaning                                                     |
/// |--------------------------|-------------------------------------------------------------|
/// | none                     | no transfer                                                 |
/// | pending_worker           | the new employer asked; the worker has 10 days to accept    |
/// | pending_current_employer | the current employer must consent (10 days; silence agrees) |
/// | notice_period            | leaving mid-contract (consented): 90 days' notice           |
/// | awaiting_fee             | the fee (by the worker's transfer count) is due, for 30 days|
/// | completed                | employment, permit and dependents moved                     |
/// | rejected / lapsed / cancelled | ended without a move                                   |
public enum TransferFlow: StateTable {
    public enum State: String, Sendable, Codable, CaseIterable {
        case none
        case pendingWorker = "pending_worker"
        case pendingCurrentEmployer = "pending_current_employer"
        case noticePeriod = "notice_period"
        case awaitingFee = "awaiting_fee"
        case completed, rejected, lapsed, cancelled
    }

    public static let name = "service-transfer"
    public static let nameAr = "نقل الخدمة"
    public static let initial = State.none

    static let employer: Set<Actor.Role> = [.owner, .delegate, .agent, .staff]
    static let worker: Set<Actor.Role> = [.worker, .staff]
    static let system: Set<Actor.Role> = [.system, .staff]

    public static let transitions: [Transition<State>] = [
        Transition("request", from: .none, to: .pendingWorker, event: "transferRequested", by: employer),
        // Consent is needed mid-contract, unless the permit expired or the employer is red
        // (then the move happens at once: straight to the fee).
        Transition("accept", from: .pendingWorker, to: .pendingCurrentEmployer, event: "transferAccepted", by: worker),
        Transition("accept", from: .pendingWorker, to: .awaitingFee, event: "transferAccepted", by: worker),
        Transition("decline", from: .pendingWorker, to: .rejected, event: "transferDeclined", by: worker),
        Transition("lapse", from: .pendingWorker, to: .lapsed, event: "transferLapsed", by: system),
        // A consented move mid-contract carries the 90 days' notice; one whose contract ended meanwhile does not.
        Transition("consent", from: .pendingCurrentEmployer, to: .noticePeriod, event: "transferConsented", by: employer),
        Transition("consent", from: .pendingCurrentEmployer, to: .awaitingFee, event: "transferConsented", by: employer),
        Transition("refuse", from: .pendingCurrentEmployer, to: .rejected, event: "transferRefused", by: employer),
        Transition("consent-deadline", from: .pendingCurrentEmployer, to: .noticePeriod, event: "transferConsentedBySilence", by: system),
        Transition("consent-deadline", from: .pendingCurrentEmployer, to: .awaitingFee, event: "transferConsentedBySilence", by: system),
        Transition("notice-end", from: .noticePeriod, to: .awaitingFee, event: "noticePeriodEnded", by: system),
        Transition("pay", from: .awaitingFee, to: .completed, event: "transferCompleted", by: system),
        Transition("fee-lapse", from: .awaitingFee, to: .lapsed, event: "transferFeeLapsed", by: system),
        Transition("cancel", from: .pendingWorker, to: .cancelled, event: "transferCancelled", by: employer),
        Transition("cancel", from: .pendingCurrentEmployer, to: .cancelled, event: "transferCancelled", by: employer),
        Transition("cancel", from: .noticePeriod, to: .cancelled, event: "transferCancelled", by: employer),
        Transition("cancel", from: .awaitingFee, to: .cancelled, event: "transferCancelled", by: employer),
        // The worker left (departed, absconded, removed): the case ends with him.
        Transition("end", from: .pendingWorker, to: .cancelled, event: "transferEnded", by: system),
        Transition("end", from: .pendingCurrentEmployer, to: .cancelled, event: "transferEnded", by: system),
        Transition("end", from: .noticePeriod, to: .cancelled, event: "transferEnded", by: system),
        Transition("end", from: .awaitingFee, to: .cancelled, event: "transferEnded", by: system),
    ]

    static let kind = CaseFile.Kind.transfer
    static let workerField = FieldSpec("worker_id", .personID, "the worker who moves")

    /// The timer that waits on a case in `state`, by key (to cancel it when the case moves on).
    static func waitingTimer(_ file: CaseFile, _ state: State) -> [String] {
        guard let deadline = file.deadline else { return [] }
        switch state {
        case .pendingWorker: return [Cases.timerKey("lapse", file, due: deadline.adding(days: 1))]
        case .pendingCurrentEmployer: return [Cases.timerKey("consent-deadline", file, due: deadline.adding(days: 1))]
        case .noticePeriod: return [Cases.timerKey("notice-end", file, due: deadline.adding(days: 1))]
        case .awaitingFee: return [Cases.timerKey("fee-lapse", file, due: deadline.adding(days: 1))]
        default: return []
        }
    }

    /// The fee for a worker's next transfer.
    static func fee(for worker: Worker, rules: RuleParameters) -> Int {
        let fees = rules.transfer.fees
        guard !fees.isEmpty else { return 0 }
        return fees[min(worker.transferCount, fees.count - 1)]
    }

    /// Moves the case to `awaiting_fee`: the fee is due within the rulebook's days, after
    /// which the case lapses (a case waiting for ever blocked the worker's other services).
    static func awaitingFee(_ file: CaseFile, event: String, cancelled: [String], _ context: DecisionContext) -> Decision {
        var file = file
        let deadline = Cases.deadline(from: context.today, days: context.rules.transfer.feeWithinDays)
        file.state = State.awaitingFee.rawValue
        file.deadline = deadline
        return Cases.step(event, file,
                          timers: [Cases.timer("fee-lapse", service: "service-transfer.fee-lapse", file, due: deadline.adding(days: 1))],
                          cancelledTimers: cancelled, summary: ["fee": file.details["fee"] ?? 0, "fee_due_by": JSONValue(deadline)])
    }

    /// After consent (or silence): the notice while the contract still runs, else the fee.
    static func afterConsent(_ action: String, _ file: CaseFile, event: String, cancelled: [String], _ context: DecisionContext) -> Decision {
        let worker = file.worker.flatMap { context.world.workers[$0] }
        let contractRunning = worker?.employment == .employed && (worker?.contractEndsOn.map { $0 > context.today } ?? true)
        guard contractRunning, let row = transition(action, from: .pendingCurrentEmployer, to: .noticePeriod) else {
            return awaitingFee(file, event: event, cancelled: cancelled, context)
        }
        var file = file
        let deadline = Cases.deadline(from: context.today, days: context.rules.transfer.noticeDays)
        file.state = row.to.rawValue
        file.deadline = deadline
        return Cases.step(row.event, file,
                          timers: [Cases.timer("notice-end", service: "service-transfer.notice-end", file, due: deadline.adding(days: 1))],
                          cancelledTimers: cancelled)
    }

    public static let request = ServiceDefinition(
        code: "service-transfer.request", nameAr: "طلب نقل خدمة", nameEn: "Request a service transfer",
        descriptionAr: "تطلب المنشأة الجديدة نقل خدمة عامل؛ يقبل العامل خلال ١٠ أيام. تتطلب النطاق الأخضر المتوسط على الأقل.",
        descriptionEn: "The new employer asks for a worker's transfer; the worker accepts within 10 days. Needs at least medium green.",
        roles: employer,
        fields: [workerField, FieldSpec("establishment_id", .establishmentID, "the new employer"),
                 FieldSpec("contract_ends_on", .day, required: false, "end of the new contract")],
        subject: .worker("worker_id"), subjectAccess: .prospective, workflow: (name, "request"),
        terms: { rules in ["fee": rules.transfer.fees.map(String.init).joined(separator: " / ") + " SAR for the 1st / 2nd / 3rd transfer",
                           "worker's time": "\(rules.transfer.workerAcceptDays) days", "notice mid-contract": "\(rules.transfer.noticeDays) days"] }
    ) { context throws(Reason) in
        guard let workerID = Cases.worker(context).value, let newEmployer = context.payload.establishment("establishment_id") else {
            return .reject(.fieldMissing, ["field": "worker_id"])
        }
        try Gates.check(newEmployer, context, .init(minimumBand: context.rules.transfer.minimumReceiverBand))
        // The worker is someone else's: whether the number exists, and why another's worker
        // may not move (departed, a dependent, a final exit or an absence report open, a
        // transfer to someone else open), is not the asker's to learn. One answer for all.
        let notTransferable = Reason.Code.workerNotTransferable(["worker": workerID.digits])
        guard let worker = context.world.workers[workerID] else { return .reject(notTransferable) }
        if worker.employer == newEmployer && worker.employment == .employed { return .reject(.transferSameEmployer) }
        switch worker.employment {
        case .departed, .dependent: return .reject(notTransferable)
        case .employed, .absconded, .removed: break
        }
        let (existing, state) = Cases.open(kind, TransferFlow.self, worker: workerID, in: context.world)
        if let existing {
            // The asker's own request, made before, it may hear about; another's it may not.
            return .reject(existing.establishment == newEmployer ? Reason.Code.about(.caseAlreadyOpen, kind) : notTransferable)
        }
        guard let transition = transition("request", from: state) else { return .reject(notTransferable) }
        if CrossRules.blocking("service-transfer.request", worker: workerID, in: context.world) != nil { return .reject(notTransferable) }
        let deadline = Cases.deadline(from: context.today, days: context.rules.transfer.workerAcceptDays)
        var details: [String: JSONValue] = ["fee": JSONValue(fee(for: worker, rules: context.rules))]
        if let end = context.payload.day("contract_ends_on") { details["new_contract_ends_on"] = JSONValue(end) }
        let file = CaseFile(id: context.newID(1), kind: kind, worker: workerID, establishment: newEmployer,
                            counterpart: worker.employment == .employed ? worker.employer : nil,
                            state: transition.to.rawValue, openedAt: context.now, openedOn: context.today, deadline: deadline,
                            details: details)
        var decision = Cases.step(transition.event, file, timers: [Cases.timer("lapse", service: "service-transfer.lapse", file, due: deadline.adding(days: 1))])
        // The requester learns its case, not who employs the worker now (the history keeps it).
        if case .completed(var outcome) = decision.verdict {
            outcome["counterpart_id"] = nil
            decision.verdict = .completed(outcome)
        }
        return decision
    }

    /// The worker's answer: accept (the next step depends on the contract and the current
    /// employer) or decline.
    static func answer(_ action: String, _ context: DecisionContext) -> Decision {
        guard let workerID = Cases.worker(context).value else { return .reject(.fieldMissing, ["field": "worker_id"]) }
        let (existing, state) = Cases.open(kind, TransferFlow.self, worker: workerID, in: context.world)
        guard var file = existing, state == .pendingWorker else {
            return .reject(existing == nil ? Reason.Code.about(.caseNotFound, kind) : notAllowed(action, in: state))
        }
        if let reason = Cases.checkDeadline(file, context) { return .reject(reason) }
        let waiting = waitingTimer(file, state)
        if action == "decline" {
            file.state = State.rejected.rawValue
            return Cases.step("transferDeclined", file, cancelledTimers: waiting)
        }
        guard let worker = context.world.workers[workerID] else { return .reject(.workerNotFound, ["worker": workerID.digits]) }
        let rules = context.rules
        let contractRunning = worker.employment == .employed && (worker.contractEndsOn.map { $0 > context.today } ?? true)
        let permitExpired = context.world.permits[workerID]?.state == .expired
        let currentRed = worker.employer.flatMap { context.world.establishments[$0] }
            .map { Nitaqat.band(of: $0, rules: rules.nitaqat) <= rules.transfer.freeToLeaveBand } ?? true
        let consentNeeded = file.counterpart != nil && contractRunning && !permitExpired && !currentRed
        if consentNeeded, let row = transition("accept", from: state, to: .pendingCurrentEmployer) {
            let deadline = Cases.deadline(from: context.today, days: rules.transfer.employerResponseDays)
            file.state = row.to.rawValue
            file.deadline = deadline
            return Cases.step(row.event, file,
                              timers: [Cases.timer("consent-deadline", service: "service-transfer.consent-deadline", file, due: deadline.adding(days: 1))],
                              cancelledTimers: waiting)
        }
        // No consent needed (the contract ended, the permit expired, the employer is red): at once.
        return awaitingFee(file, event: "transferAccepted", cancelled: waiting, context)
    }

    public static let accept = ServiceDefinition(
        code: "service-transfer.accept", nameAr: "موافقة العامل على نقل الخدمة", nameEn: "Accept a transfer (worker)",
        descriptionAr: "يوافق العامل على طلب النقل خلال ١٠ أيام.", descriptionEn: "The worker accepts the transfer within 10 days.",
        roles: worker, fields: [workerField], subject: .worker("worker_id"), establishmentField: nil, workflow: (name, "accept")
    ) { answer("accept", $0) }

    public static let decline = ServiceDefinition(
        code: "service-transfer.decline", nameAr: "رفض العامل نقل الخدمة", nameEn: "Decline a transfer (worker)",
        descriptionAr: "يرفض العامل طلب النقل.", descriptionEn: "The worker declines the transfer.",
        roles: worker, fields: [workerField], subject: .worker("worker_id"), establishmentField: nil, workflow: (name, "decline")
    ) { answer("decline", $0) }

    /// The current employer's answer.
    static func currentEmployer(_ action: String, _ context: DecisionContext) -> Decision {
        guard let workerID = Cases.worker(context).value, let establishment = context.payload.establishment("establishment_id") else {
            return .reject(.fieldMissing, ["field": "worker_id"])
        }
        let (existing, state) = Cases.open(kind, TransferFlow.self, worker: workerID, in: context.world)
        guard var file = existing, let row = transition(action, from: state) else {
            return .reject(existing == nil ? Reason.Code.about(.caseNotFound, kind) : notAllowed(action, in: state))
        }
        guard file.counterpart == establishment else { return .reject(Reason.Code.about(.notPartyToCase, kind)) }
        if let reason = Cases.checkDeadline(file, context) { return .reject(reason) }
        let waiting = waitingTimer(file, state)
        if action == "refuse" {
            file.state = row.to.rawValue
            file.details["refusal"] = .string(context.payload.string("reason") ?? "")
            return Cases.step(row.event, file, cancelledTimers: waiting)
        }
        return afterConsent("consent", file, event: row.event, cancelled: waiting, context)
    }

    static let currentEmployerFields = [workerField, FieldSpec("establishment_id", .establishmentID, "the current employer")]

    public static let consent = ServiceDefinition(
        code: "service-transfer.consent", nameAr: "موافقة صاحب العمل الحالي على النقل", nameEn: "Consent to a transfer (current employer)",
        descriptionAr: "يوافق صاحب العمل الحالي على نقل العامل؛ سكوته ١٠ أيام موافقة.",
        descriptionEn: "The current employer consents; ten days of silence count as consent.",
        roles: employer, fields: currentEmployerFields, subject: .worker("worker_id"), workflow: (name, "consent")
    ) { currentEmployer("consent", $0) }

    public static let refuse = ServiceDefinition(
        code: "service-transfer.refuse", nameAr: "رفض صاحب العمل الحالي النقل", nameEn: "Refuse a transfer (current employer)",
        descriptionAr: "يرفض صاحب العمل الحالي النقل مع ذكر السبب.", descriptionEn: "The current employer refuses, giving a reason.",
        roles: employer, fields: currentEmployerFields + [FieldSpec("reason", .text(maxLength: 500), "why")],
        subject: .worker("worker_id"), workflow: (name, "refuse")
    ) { currentEmployer("refuse", $0) }

    /// A timer of the transfer: lapse, consent by silence, or end of notice.
    static func timerStep(_ action: String, _ context: DecisionContext) -> Decision {
        guard let (file, state) = Cases.timerTarget(kind, TransferFlow.self, context), let row = transition(action, from: state) else {
            return Timers.superseded
        }
        if action == "consent-deadline" { return afterConsent(action, file, event: row.event, cancelled: [], context) }
        if row.to == .awaitingFee { return awaitingFee(file, event: row.event, cancelled: [], context) }
        var closed = file
        closed.state = row.to.rawValue
        return Cases.step(row.event, closed)
    }

    static let timerFields = [workerField, FieldSpec("case_id", .uuid, "the case")]

    public static let lapse = ServiceDefinition(
        code: "service-transfer.lapse", nameAr: "انقضاء طلب نقل", nameEn: "Transfer lapsed",
        descriptionAr: "مؤقت داخلي: لم يقبل العامل خلال ١٠ أيام.", descriptionEn: "Internal timer: the worker did not accept within 10 days.",
        roles: system, fields: timerFields, subject: .worker("worker_id"), establishmentField: nil, workflow: (name, "lapse"), internalOnly: true
    ) { timerStep("lapse", $0) }

    public static let consentDeadline = ServiceDefinition(
        code: "service-transfer.consent-deadline", nameAr: "موافقة ضمنية على النقل", nameEn: "Consent by silence",
        descriptionAr: "مؤقت داخلي: سكوت صاحب العمل الحالي ١٠ أيام موافقة.", descriptionEn: "Internal timer: ten days of the current employer's silence count as consent.",
        roles: system, fields: timerFields, subject: .worker("worker_id"), establishmentField: nil, workflow: (name, "consent-deadline"), internalOnly: true
    ) { timerStep("consent-deadline", $0) }

    public static let noticeEnd = ServiceDefinition(
        code: "service-transfer.notice-end", nameAr: "انتهاء فترة الإشعار", nameEn: "Notice period ended",
        descriptionAr: "مؤقت داخلي: انتهت فترة الإشعار ٩٠ يومًا.", descriptionEn: "Internal timer: the 90-day notice period ended.",
        roles: system, fields: timerFields, subject: .worker("worker_id"), establishmentField: nil, workflow: (name, "notice-end"), internalOnly: true
    ) { timerStep("notice-end", $0) }

    public static let feeLapse = ServiceDefinition(
        code: "service-transfer.fee-lapse", nameAr: "انقضاء مهلة سداد مقابل النقل", nameEn: "Transfer fee not paid in time",
        descriptionAr: "مؤقت داخلي: لم يُسدد مقابل النقل خلال المهلة فينقضي الطلب.",
        descriptionEn: "Internal timer: the fee was not paid in time; the transfer lapses.",
        roles: system, fields: timerFields, subject: .worker("worker_id"), establishmentField: nil, workflow: (name, "fee-lapse"), internalOnly: true
    ) { timerStep("fee-lapse", $0) }

    public static let pay = ServiceDefinition(
        code: "service-transfer.pay", nameAr: "سداد مقابل نقل الخدمة", nameEn: "Transfer fee paid",
        descriptionAr: "إشعار المدفوعات بسداد مقابل النقل؛ ينتقل العامل ورخصته ومرافقوه إلى المنشأة الجديدة.",
        descriptionEn: "The payment system reports the fee paid; the worker, the permit and the dependents move.",
        roles: system, fields: [workerField, FieldSpec("amount", .integer(0...1_000_000), "SAR paid")],
        subject: .worker("worker_id"), establishmentField: nil, workflow: (name, "pay")
    ) { context throws(Reason) in
        guard let workerID = Cases.worker(context).value, let amount = context.payload.int("amount") else {
            return .reject(.fieldMissing, ["field": "worker_id"])
        }
        let (existing, state) = Cases.open(kind, TransferFlow.self, worker: workerID, in: context.world)
        guard var file = existing, let row = transition("pay", from: state) else {
            return .reject(existing == nil ? Reason.Code.about(.caseNotFound, kind) : notAllowed("pay", in: state))
        }
        let due = file.details["fee"]?.intValue ?? 0
        guard amount == due else { return .reject(.feeMismatch, ["paid": String(amount), "due": String(due)]) }
        // What the move needs, again at the move: the receiver may have turned red, been
        // suspended or closed since the request (the case waits, and lapses if it must).
        try Gates.check(file.establishment, context, .init(minimumBand: context.rules.transfer.minimumReceiverBand))
        guard let moved = move(workerID, to: file.establishment, contractEndsOn: file.details["new_contract_ends_on"]?.stringValue.flatMap { Day(iso: $0) },
                               countsTransfer: true, completing: file.id, context) else {
            return .reject(.workerNotFound, ["worker": workerID.digits])
        }
        let waiting = waitingTimer(file, state)
        file.state = row.to.rawValue
        file.deadline = nil
        return Cases.step(row.event, file, changes: moved.changes, events: moved.events, cancelledTimers: waiting + moved.cancelledTimers)
    }

    public static let cancel = ServiceDefinition(
        code: "service-transfer.cancel", nameAr: "إلغاء طلب نقل", nameEn: "Cancel a transfer request",
        descriptionAr: "تسحب المنشأة الجديدة طلب النقل قبل اكتماله.", descriptionEn: "The new employer withdraws the transfer before it completes.",
        roles: employer, fields: [workerField, FieldSpec("establishment_id", .establishmentID, "the new employer")],
        subject: .worker("worker_id"), subjectAccess: .caseParty(.transfer), workflow: (name, "cancel")
    ) { context in
        // `.caseParty`: the worker's open transfer is to this establishment (else `case.not_found`).
        guard let workerID = Cases.worker(context).value else { return .reject(.fieldMissing, ["field": "worker_id"]) }
        let (existing, state) = Cases.open(kind, TransferFlow.self, worker: workerID, in: context.world)
        guard var file = existing, let row = transition("cancel", from: state) else {
            return .reject(existing == nil ? Reason.Code.about(.caseNotFound, kind) : notAllowed("cancel", in: state))
        }
        let waiting = waitingTimer(file, state)
        file.state = row.to.rawValue
        return Cases.step(row.event, file, cancelledTimers: waiting)
    }

    /// Moves a worker to another establishment: employment, permit holder, dependents and
    /// the Nitaqat counts of both.
    ///
    /// The worker's other open cases end (with `endAll`'s events): each was opened with his
    /// former employer, and a branch change still open after a transfer moved him out of
    /// another company's establishment (found in review).
    static func move(_ workerID: PersonID, to target: EstablishmentID, contractEndsOn: Day?, countsTransfer: Bool,
                     completing caseID: UUID, _ context: DecisionContext) -> Cases.Ended? {
        guard var worker = context.world.workers[workerID] else { return nil }
        var changes = Nitaqat.leaving(&worker, in: context.world, rules: context.rules)
        let previous = worker.employer
        worker.employer = target
        worker.employment = .employed
        if let contractEndsOn { worker.contractEndsOn = contractEndsOn }
        if countsTransfer { worker.transferCount += 1 }
        // The permit moves with the worker, its kind unchanged: a seasonal worker stays out
        // of the new employer's counts too.
        changes += Nitaqat.joining(&worker, in: context.world, rules: context.rules)
        changes.append(.worker(worker))
        var events = [DomainEvent("employerChanged", aggregate: "worker:\(workerID)", data: [
            "worker_id": .string(workerID.digits), "from": previous.map { .string($0.description) } ?? .null, "to": .string(target.description),
        ])]
        if var permit = context.world.permits[workerID], permit.state != .void, permit.establishment != target {
            if permit.state == .expired {
                changes.append(.expiredPermits(permit.establishment, -1))
                changes.append(.expiredPermits(target, 1))
            }
            permit.establishment = target
            changes.append(.permit(permit))
            events.append(DomainEvent("permitHolderChanged", aggregate: WorkPermitFlow.aggregate(permit), data: WorkPermitFlow.permitData(permit)))
        }
        for dependentID in context.world.dependents[workerID] ?? [] {
            guard var dependent = context.world.workers[dependentID] else { continue }
            dependent.employer = target
            changes.append(.worker(dependent))
            events.append(DomainEvent("sponsorChanged", aggregate: "worker:\(dependentID)", data: [
                "dependent_id": .string(dependentID.digits), "to": .string(target.description),
            ]))
        }
        var moved = Cases.Ended(changes: changes, events: events)
        moved.add(Cases.endAll(of: workerID, why: "the worker moved to another establishment", except: caseID, context))
        return moved
    }

    public static let services = [request, accept, decline, consent, refuse, lapse, consentDeadline, noticeEnd, feeLapse, pay, cancel]
}
