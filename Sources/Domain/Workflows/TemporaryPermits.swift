import Foundation

/// Temporary work permits (seasonal work): three months, extendable once, medium green at
/// least. They run in the work-permit table's states (`issue-temporary`, `extend-temporary`).
extension WorkPermitFlow {
    public static let issueTemporary = ServiceDefinition(
        code: "work-permit.issue-temporary", nameAr: "إصدار رخصة عمل مؤقتة", nameEn: "Issue a temporary work permit",
        descriptionAr: "رخصة لعمل موسمي مدتها ثلاثة أشهر، تمدد مرة واحدة؛ تتطلب النطاق الأخضر المتوسط.",
        descriptionEn: "A permit for seasonal work, three months, extendable once; needs medium green.",
        roles: employer, fields: [workerField, establishmentField], subject: .worker("worker_id"), workflow: (name, "issue-temporary"),
        terms: { rules in ["months": "\(rules.temporaryPermit.months)", "extensions": "\(rules.temporaryPermit.extensions)",
                           "minimum band": rules.temporaryPermit.minimumBand.english] }
    ) { context throws(Reason) in
        guard let workerID = context.payload.person("worker_id"), let establishmentID = context.payload.establishment("establishment_id") else {
            return .reject(.fieldMissing, ["field": "worker_id"])
        }
        let state = state(of: workerID, in: context.world)
        if state == .active || state == .invoiced, let permit = context.world.permits[workerID] {
            return .reject(.permitAlreadyValid, ["date": permit.expiresOn.iso])
        }
        guard let transition = transition("issue-temporary", from: state) else {
            return .reject(notAllowed("issue-temporary", in: state))
        }
        let rules = context.rules.temporaryPermit
        let establishment = try Gates.check(establishmentID, context, .init(minimumBand: rules.minimumBand))
        var worker = try Gates.employee(workerID, of: establishmentID, context)
        if worker.isSaudi { return .reject(.workerIsSaudi) }
        // Seasonal workers are outside the counts, so they hold no seat of the levy exemption.
        let (levy, fee) = charges(months: rules.months, establishment: establishment, seat: false, rules: context.rules)
        let permit = Permit(
            id: context.newID(1), worker: workerID, establishment: establishmentID, kind: .temporary, state: transition.to,
            validFrom: context.today, expiresOn: context.today.adding(months: rules.months), months: rules.months, levy: levy, fee: fee)
        // Seasonal work does not count in Nitaqat: the worker leaves the employer's counts
        // until the permit is void (`Nitaqat.counts`).
        let seatHeld = worker.levyExempt
        var changes: [Change] = [.permit(permit)] + Nitaqat.leaving(&worker, in: context.world, rules: context.rules)
        if seatHeld { changes.append(.worker(worker)) }
        return Decision(
            verdict: .completed(permitData(permit).merging(["state": .string(permit.state.rawValue), "amount_charged": JSONValue(levy + fee)]) { $1 }),
            events: [DomainEvent(transition.event, aggregate: aggregate(permit), data: permitData(permit))],
            changes: changes, timers: [expiryTimer(permit)])
    }

    public static let extendTemporary = ServiceDefinition(
        code: "work-permit.extend-temporary", nameAr: "تمديد رخصة عمل مؤقتة", nameEn: "Extend a temporary work permit",
        descriptionAr: "يمدد الرخصة المؤقتة ثلاثة أشهر أخرى، مرة واحدة.", descriptionEn: "Extends a temporary permit by three more months, once.",
        roles: employer, fields: [workerField, establishmentField], subject: .worker("worker_id"), workflow: (name, "extend-temporary")
    ) { context throws(Reason) in
        guard let workerID = context.payload.person("worker_id"), let establishmentID = context.payload.establishment("establishment_id") else {
            return .reject(.fieldMissing, ["field": "worker_id"])
        }
        let state = state(of: workerID, in: context.world)
        guard let transition = transition("extend-temporary", from: state), var permit = context.world.permits[workerID] else {
            return .reject(state == .none ? Reason.Code.noPermit() : notAllowed("extend-temporary", in: state))
        }
        guard permit.kind == .temporary else { return .reject(.notTemporary) }
        guard permit.establishment == establishmentID else { return .reject(.workerNotHere, ["worker": workerID.digits]) }
        let rules = context.rules.temporaryPermit
        if permit.extensions >= rules.extensions { return .reject(.temporaryExtensionUsed) }
        let establishment = try Gates.check(establishmentID, context, .init(minimumBand: rules.minimumBand))
        try Gates.employee(workerID, of: establishmentID, context)
        let superseded = [expiryTimerKey(permit)]
        let (levy, fee) = charges(months: rules.months, establishment: establishment, seat: false, rules: context.rules)
        permit.expiresOn = permit.expiresOn.adding(months: rules.months)
        permit.extensions += 1
        permit.levy = levy
        permit.fee = fee
        return Decision(
            verdict: .completed(permitData(permit).merging(["extensions": JSONValue(permit.extensions), "amount_charged": JSONValue(levy + fee)]) { $1 }),
            events: [DomainEvent(transition.event, aggregate: aggregate(permit), data: permitData(permit))],
            changes: [.permit(permit)], timers: [expiryTimer(permit)], cancelledTimers: superseded)
    }
}
