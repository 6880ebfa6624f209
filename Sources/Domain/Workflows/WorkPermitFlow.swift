import Foundation

/// Work permit (رخصة عمل).
///
/// | state    | meaning                                              |
/// |----------|------------------------------------------------------|
/// | none     | the worker has never held a permit                   |
/// | invoiced | issued, waiting for the levy and fee to be paid      |
/// | active   | valid until its expiry day                           |
/// | expired  | past expiry; renewable until the worker is removed   |
/// | void     | ended (worker removed, departed or absconded)         |
public enum WorkPermitFlow: StateTable {
    public enum State: String, Sendable, Codable, CaseIterable {
        case none, invoiced, active, expired, void
    }

    public static let name = "work-permit"
    public static let nameAr = "رخصة العمل"
    public static let initial = State.none

    static let employer: Set<Actor.Role> = [.owner, .delegate, .agent, .staff]
    static let system: Set<Actor.Role> = [.system, .staff]

    public static let transitions: [Transition<State>] = [
        Transition("issue", from: .none, to: .invoiced, event: "permitInvoiced", by: employer),
        Transition("issue", from: .void, to: .invoiced, event: "permitInvoiced", by: employer),
        Transition("pay", from: .invoiced, to: .active, event: "permitActivated", by: system),
        Transition("renew", from: .active, to: .active, event: "permitRenewed", by: employer),
        Transition("renew", from: .expired, to: .active, event: "permitRenewed", by: employer),
        Transition("issue-temporary", from: .none, to: .active, event: "temporaryPermitIssued", by: employer),
        Transition("issue-temporary", from: .void, to: .active, event: "temporaryPermitIssued", by: employer),
        Transition("extend-temporary", from: .active, to: .active, event: "temporaryPermitExtended", by: employer),
        Transition("expire", from: .active, to: .expired, event: "permitExpired", by: system),
        // A temporary permit does not expire into the company's gate: the season's work ends with it.
        Transition("expire", from: .active, to: .void, event: "temporaryPermitEnded", by: system),
        Transition("remove", from: .expired, to: .void, event: "workerRemoved", by: system),
        Transition("end", from: .invoiced, to: .void, event: "permitEnded", by: system),
        Transition("end", from: .active, to: .void, event: "permitEnded", by: system),
        Transition("end", from: .expired, to: .void, event: "permitEnded", by: system),
    ]

    /// The state of a worker's permit in the world (`none` without one).
    static func state(of worker: PersonID, in world: World) -> State {
        world.permits[worker]?.state ?? .none
    }

    /// Levy and permit fee for `months`, by the rules in force. A small establishment (at most
    /// the rulebook's nine, the owner working in it full time and counted among them) pays no
    /// levy for the expatriates holding a seat of the exemption (`seat`: `Worker.levyExempt`).
    /// Saudis and expatriates are compared as Nitaqat counts them, the owner as a Saudi.
    public static func charges(months: Int, establishment: Establishment, seat: Bool, rules: RuleParameters) -> (levy: Int, fee: Int) {
        let levyRules = rules.levy
        let counted = Nitaqat.Counted(establishment)
        let exempt = seat && establishment.ownerFullTime
            && counted.headcount <= levyRules.smallEstablishmentMaxEmployees
        let monthly = counted.headcount - counted.saudis > counted.saudis
            ? levyRules.expatMajorityMonthly : levyRules.saudiMajorityMonthly
        let levy = exempt ? 0 : monthly * months
        let fee = (levyRules.permitFeeYearly * months + 11) / 12
        return (levy, fee)
    }

    /// The key of the timer that expires a permit with this expiry.
    static func expiryTimerKey(_ permit: Permit) -> String {
        "permit-expire:\(permit.id.uuidString.lowercased()):\(permit.expiresOn.iso)"
    }

    /// The timer that expires a permit the day after its last valid day.
    static func expiryTimer(_ permit: Permit) -> ScheduledRequest {
        ScheduledRequest(
            key: expiryTimerKey(permit), service: "work-permit.expire", subject: .worker(permit.worker), establishment: permit.establishment,
            payload: ["worker_id": .string(permit.worker.digits), "permit_id": .string(permit.id.uuidString.lowercased()),
                      "expires_on": JSONValue(permit.expiresOn)],
            due: permit.expiresOn.adding(days: 1))
    }

    static func permitData(_ permit: Permit) -> [String: JSONValue] {
        [
            "permit_id": .string(permit.id.uuidString.lowercased()), "worker_id": .string(permit.worker.digits),
            "establishment_id": .string(permit.establishment.description), "kind": .string(permit.kind.rawValue),
            "valid_from": JSONValue(permit.validFrom), "expires_on": JSONValue(permit.expiresOn),
            "months": JSONValue(permit.months), "levy": JSONValue(permit.levy), "fee": JSONValue(permit.fee),
        ]
    }

    static func aggregate(_ permit: Permit) -> String { "permit:\(permit.id.uuidString.lowercased())" }
}

// MARK: - Services

extension WorkPermitFlow {
    static let workerField = FieldSpec("worker_id", .personID, "the resident's iqama number")
    static let establishmentField = FieldSpec("establishment_id", .establishmentID, "the employing establishment")
    static func monthsField(_ about: String) -> FieldSpec {
        FieldSpec("months", .integer(1...24), about)
    }

    static func periodTerms(_ rules: RuleParameters) -> [String: String] {
        let charges = "levy \(rules.levy.expatMajorityMonthly) SAR a month per resident when residents outnumber Saudis, else \(rules.levy.saudiMajorityMonthly); permit fee \(rules.levy.permitFeeYearly) SAR a year"
        return ["fees": charges, "periods": rules.workPermit.periodsMonths.map(String.init).joined(separator: ", ") + " months"]
    }

    /// Rejects a period the rules do not offer.
    static func checkPeriod(_ months: Int, _ allowed: [Int]) -> Reason? {
        allowed.contains(months) ? nil : Reason.Code.permitPeriodInvalid(["months": String(months), "allowed": allowed.map(String.init).joined(separator: ", ")])
    }

    public static let issue = ServiceDefinition(
        code: "work-permit.issue", nameAr: "إصدار رخصة عمل", nameEn: "Issue a work permit",
        descriptionAr: "إصدار أول رخصة عمل لعامل وافد خلال ٩٠ يومًا من قدومه؛ تصبح سارية بعد سداد المقابل المالي.",
        descriptionEn: "Issues a resident worker's first work permit, within 90 days of arrival; it becomes valid once the levy is paid.",
        roles: employer, fields: [workerField, establishmentField, monthsField("3, 6, 9 or 12")],
        subject: .worker("worker_id"), workflow: (name, "issue"),
        terms: { rules in periodTerms(rules).merging(["window": "within \(rules.workPermit.firstIssueWithinDays) days of arrival"]) { $1 } }
    ) { context throws(Reason) in
        let payload = context.payload
        guard let workerID = payload.person("worker_id"), let establishmentID = payload.establishment("establishment_id"),
              let months = payload.int("months") else { return .reject(.fieldMissing, ["field": "worker_id"]) }
        let state = state(of: workerID, in: context.world)
        if state == .active, let permit = context.world.permits[workerID] {
            return .reject(.permitAlreadyValid, ["date": permit.expiresOn.iso])
        }
        guard let transition = transition("issue", from: state) else {
            return .reject(notAllowed("issue", in: state))
        }
        let establishment = try Gates.check(establishmentID, context)
        var worker = try Gates.employee(workerID, of: establishmentID, context)
        if worker.isSaudi { return .reject(.workerIsSaudi) }
        if let reason = checkPeriod(months, context.rules.workPermit.periodsMonths) { return .reject(reason) }
        if state == .none, let arrived = worker.arrivedOn,
           arrived.adding(days: context.rules.workPermit.firstIssueWithinDays) < context.today {
            return .reject(.firstIssueWindowPassed, ["days": String(context.rules.workPermit.firstIssueWithinDays), "date": arrived.iso])
        }
        let seat = seatTaken(&worker, context)
        let (levy, fee) = charges(months: months, establishment: establishment, seat: worker.levyExempt, rules: context.rules)
        let permit = Permit(
            id: context.newID(1), worker: workerID, establishment: establishmentID, kind: .regular, state: transition.to,
            validFrom: context.today, expiresOn: context.today.adding(months: months), months: months, levy: levy, fee: fee)
        return Decision(
            verdict: .completed(permitData(permit).merging(["state": .string(permit.state.rawValue), "amount_due": JSONValue(levy + fee)]) { $1 }),
            events: [DomainEvent(transition.event, aggregate: aggregate(permit), data: permitData(permit))] + seat.events,
            changes: [.permit(permit)] + seat.changes)
    }

    /// A free seat of the levy exemption taken as the levy is charged (`Nitaqat.claimingFreeSeat`).
    static func seatTaken(_ worker: inout Worker, _ context: DecisionContext) -> (changes: [Change], events: [DomainEvent]) {
        let counts = Nitaqat.claimingFreeSeat(&worker, in: context.world, rules: context.rules)
        guard !counts.isEmpty else { return ([], []) }
        return (counts + [.worker(worker)], [DomainEvent("levyExemptionSeatTaken", aggregate: "worker:\(worker.id)", data: [
            "worker_id": .string(worker.id.digits), "establishment_id": worker.employer.map { .string($0.description) } ?? .null,
        ])])
    }

    public static let pay = ServiceDefinition(
        code: "work-permit.pay", nameAr: "سداد مقابل رخصة العمل", nameEn: "Work permit paid",
        descriptionAr: "إشعار من نظام المدفوعات بسداد فاتورة الرخصة؛ تصبح الرخصة سارية.",
        descriptionEn: "The payment system reports that a permit invoice was paid; the permit becomes valid.",
        roles: system, fields: [workerField, FieldSpec("amount", .integer(0...1_000_000), "SAR paid")],
        subject: .worker("worker_id"), establishmentField: nil, workflow: (name, "pay")
    ) { context in
        guard let workerID = context.payload.person("worker_id"), let amount = context.payload.int("amount") else {
            return .reject(.fieldMissing, ["field": "worker_id"])
        }
        let state = state(of: workerID, in: context.world)
        guard let transition = transition("pay", from: state), var permit = context.world.permits[workerID] else {
            return .reject(.permitNotPayable)
        }
        guard amount == permit.levy + permit.fee else {
            return .reject(.feeMismatch, ["paid": String(amount), "due": String(permit.levy + permit.fee)])
        }
        permit.state = transition.to
        permit.validFrom = context.today
        permit.expiresOn = context.today.adding(months: permit.months)
        return Decision(
            verdict: .completed(permitData(permit).merging(["state": .string(permit.state.rawValue)]) { $1 }),
            events: [DomainEvent(transition.event, aggregate: aggregate(permit), data: permitData(permit))],
            changes: [.permit(permit)], timers: [expiryTimer(permit)])
    }

    public static let renew = ServiceDefinition(
        code: "work-permit.renew", nameAr: "تجديد رخصة عمل", nameEn: "Renew a work permit",
        descriptionAr: "يمدد الرخصة من تاريخ انتهائها الحالي؛ يُفتح التجديد قبل ١٨٠ يومًا من الانتهاء ولا يُجدد في النطاق الأحمر.",
        descriptionEn: "Extends the permit from its current expiry; renewal opens 180 days before expiry and is refused while the establishment is red.",
        roles: employer, fields: [workerField, establishmentField, monthsField("3, 6, 9 or 12")],
        subject: .worker("worker_id"), workflow: (name, "renew"),
        terms: { rules in periodTerms(rules).merging(["window": "from \(rules.workPermit.renewalWindowDays) days before expiry"]) { $1 } }
    ) { context throws(Reason) in
        guard let workerID = context.payload.person("worker_id"), let establishmentID = context.payload.establishment("establishment_id"),
              let months = context.payload.int("months") else { return .reject(.fieldMissing, ["field": "worker_id"]) }
        let state = state(of: workerID, in: context.world)
        guard let transition = transition("renew", from: state), var permit = context.world.permits[workerID] else {
            if state == .void, context.world.workers[workerID]?.employment == .removed {
                return .reject(.permitRemoved, ["months": String(context.rules.workPermit.removalAfterExpiredMonths)])
            }
            return .reject(state == .none ? Reason.Code.noPermit() : notAllowed("renew", in: state))
        }
        let rules = context.rules.workPermit
        let establishment = try Gates.check(establishmentID, context, Gates.Options(minimumBand: rules.minimumBandForRenewal, checkExpiredPermits: false))
        var worker = try Gates.employee(workerID, of: establishmentID, context)
        guard permit.establishment == establishmentID else {
            return .reject(.workerNotHere, ["worker": workerID.description])
        }
        // Renewed, a seasonal permit would run on for years, and its worker outside Nitaqat.
        guard permit.kind == .regular else { return .reject(.temporaryNotRenewable) }
        if let reason = checkPeriod(months, rules.periodsMonths) { return .reject(reason) }
        let opens = permit.expiresOn.adding(days: -rules.renewalWindowDays)
        if context.today < opens {
            return .reject(.renewalTooEarly, ["days": String(rules.renewalWindowDays), "date": opens.iso])
        }
        let wasExpired = permit.state == .expired
        // The old expiry will not come: its timer goes (an expired permit's removal timer likewise).
        let superseded = wasExpired
            ? ["permit-remove:\(permit.id.uuidString.lowercased()):\(permit.expiresOn.iso)"]
            : [expiryTimerKey(permit)]
        let seat = seatTaken(&worker, context)
        let (levy, fee) = charges(months: months, establishment: establishment, seat: worker.levyExempt, rules: context.rules)
        permit.state = transition.to
        permit.expiresOn = permit.expiresOn.adding(months: months)
        permit.months = months
        permit.levy = levy
        permit.fee = fee
        var changes: [Change] = [.permit(permit)] + seat.changes
        if wasExpired { changes.append(.expiredPermits(establishmentID, -1)) }
        return Decision(
            verdict: .completed(permitData(permit).merging(["state": .string(permit.state.rawValue), "amount_charged": JSONValue(levy + fee)]) { $1 }),
            events: [DomainEvent(transition.event, aggregate: aggregate(permit), data: permitData(permit))] + seat.events,
            changes: changes, timers: [expiryTimer(permit)], cancelledTimers: superseded)
    }

    /// The engine's timer: the day after the last valid day, an active permit expires.
    public static let expire = ServiceDefinition(
        code: "work-permit.expire", nameAr: "انتهاء رخصة عمل", nameEn: "Work permit expiry",
        descriptionAr: "مؤقت داخلي: تنتهي الرخصة في اليوم التالي لآخر يوم سريان ما لم تُجدد.",
        descriptionEn: "Internal timer: the permit expires the day after its last valid day unless it was renewed.",
        roles: system, fields: [workerField, FieldSpec("permit_id", .uuid, "the permit"), FieldSpec("expires_on", .day, "the expiry the timer was set for")],
        subject: .worker("worker_id"), establishmentField: nil, workflow: (name, "expire"), internalOnly: true
    ) { context in
        guard let workerID = context.payload.person("worker_id"), let due = context.payload.day("expires_on"),
              var permit = context.world.permits[workerID],
              permit.id.uuidString.lowercased() == context.payload.string("permit_id")?.lowercased(),
              permit.expiresOn == due, permit.state == .active else {
            return Timers.superseded
        }
        if permit.kind == .temporary { return endSeason(permit, context) }
        guard let transition = Self.transition("expire", from: .active, to: .expired) else {
            return Timers.superseded
        }
        permit.state = transition.to
        let removal = ScheduledRequest(
            key: "permit-remove:\(permit.id.uuidString.lowercased()):\(permit.expiresOn.iso)", service: "work-permit.remove", subject: .worker(workerID), establishment: permit.establishment,
            payload: ["worker_id": .string(workerID.digits), "permit_id": .string(permit.id.uuidString.lowercased()),
                      "expires_on": JSONValue(permit.expiresOn)],
            due: permit.expiresOn.adding(months: context.rules.workPermit.removalAfterExpiredMonths).adding(days: 1))
        return Decision(
            verdict: .completed(["permit_id": .string(permit.id.uuidString.lowercased()), "state": .string(permit.state.rawValue)]),
            events: [DomainEvent(transition.event, aggregate: aggregate(permit), data: permitData(permit))],
            changes: [.permit(permit), .expiredPermits(permit.establishment, 1)], timers: [removal])
    }

    /// A temporary permit's last day passed: it ends (void), and with it the seasonal work,
    /// so the worker leaves the establishment (never counted in its Nitaqat numbers, so
    /// nothing changes there). It never stands as an expired permit in the company's gate,
    /// which a permit that can be neither renewed nor replaced would block for three months.
    static func endSeason(_ permit: Permit, _ context: DecisionContext) -> Decision {
        guard let transition = Self.transition("expire", from: .active, to: .void) else {
            return Timers.superseded
        }
        var ended = permit
        ended.state = transition.to
        var changes: [Change] = [.permit(ended)]
        var events = [DomainEvent(transition.event, aggregate: aggregate(ended), data: permitData(ended))]
        if let worker = context.world.workers[permit.worker], worker.employer == permit.establishment, worker.employment == .employed {
            changes += Cases.endEmployment(worker, .removed, context)
            events.append(DomainEvent("seasonalWorkEnded", aggregate: "worker:\(worker.id)", data: [
                "worker_id": .string(worker.id.digits), "establishment_id": .string(permit.establishment.description),
                "why": "the temporary permit ended",
            ]))
        }
        let others = Cases.endAll(of: permit.worker, why: "the seasonal work ended with its temporary permit", keepingIssuedExit: true, context)
        return Decision(
            verdict: .completed(["permit_id": .string(ended.id.uuidString.lowercased()), "state": .string(ended.state.rawValue)]),
            events: events + others.events, changes: changes + others.changes, cancelledTimers: others.cancelledTimers)
    }

    /// The engine's timer: a permit expired for longer than allowed removes the worker.
    public static let remove = ServiceDefinition(
        code: "work-permit.remove", nameAr: "إزالة عامل لانتهاء رخصته", nameEn: "Removal after long expiry",
        descriptionAr: "مؤقت داخلي: إذا بقيت الرخصة منتهية أكثر من ثلاثة أشهر أُزيل العامل من المنشأة.",
        descriptionEn: "Internal timer: a permit expired for more than three months removes the worker from the establishment.",
        roles: system, fields: [workerField, FieldSpec("permit_id", .uuid, "the permit"), FieldSpec("expires_on", .day, "the expiry")],
        subject: .worker("worker_id"), establishmentField: nil, workflow: (name, "remove"), internalOnly: true
    ) { context in
        guard let workerID = context.payload.person("worker_id"), let due = context.payload.day("expires_on"),
              var permit = context.world.permits[workerID], permit.expiresOn == due,
              let transition = transition("remove", from: permit.state) else {
            return Timers.superseded
        }
        permit.state = transition.to
        var changes: [Change] = [.permit(permit), .expiredPermits(permit.establishment, -1)]
        var events = [DomainEvent(transition.event, aggregate: aggregate(permit), data: permitData(permit))]
        var cancelled: [String] = []
        if let worker = context.world.workers[workerID], worker.employer == permit.establishment, worker.employment == .employed {
            changes += Cases.endEmployment(worker, .removed, context)
            let others = Cases.endAll(of: workerID, why: "the worker was removed: the permit was expired too long", keepingIssuedExit: true, context)
            changes += others.changes
            events += others.events
            cancelled = others.cancelledTimers
        }
        return Decision(
            verdict: .completed(["permit_id": .string(permit.id.uuidString.lowercased()), "state": .string(permit.state.rawValue)]),
            events: events, changes: changes, cancelledTimers: cancelled)
    }
}

extension WorkPermitFlow {
    /// What ending a worker's permit changes (departure, a final absence report): the permit
    /// becomes void and its pending timers go.
    struct Ending {
        var changes: [Change] = []
        var events: [DomainEvent] = []
        var cancelledTimers: [String] = []
    }

    static func end(_ worker: PersonID, _ context: DecisionContext) -> Ending {
        guard var permit = context.world.permits[worker], let transition = transition("end", from: permit.state) else { return Ending() }
        var ending = Ending()
        switch permit.state {
        case .active: ending.cancelledTimers = [expiryTimerKey(permit)]
        case .expired:
            ending.cancelledTimers = ["permit-remove:\(permit.id.uuidString.lowercased()):\(permit.expiresOn.iso)"]
            ending.changes.append(.expiredPermits(permit.establishment, -1))
        default: break
        }
        permit.state = transition.to
        ending.changes.insert(.permit(permit), at: 0)
        ending.events = [DomainEvent(transition.event, aggregate: aggregate(permit), data: permitData(permit))]
        return ending
    }
}

/// Shared answers of timers.
public enum Timers {
    /// A timer whose case moved on before it fired: nothing to do, nothing recorded.
    public static let superseded = Decision(verdict: .completed(["effect": "none", "why": "superseded"]))
}
