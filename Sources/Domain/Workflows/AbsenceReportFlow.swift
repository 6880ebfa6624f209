import Foundation

/// Absence report (بلاغ تغيب) and its cancellation.
///
/// | state     | meaning                                                                |
/// |-----------|------------------------------------------------------------------------|
/// | none      | no open report                                                          |
/// | open      | filed; the employer may cancel it for 15 days                           |
/// | cancelled | withdrawn in time, or overtaken (the worker was removed meanwhile)       |
/// | final     | after the 15 days: the worker absconded, employment and permit ended    |
/// | cleared   | found malicious: the worker is free, the employer suspended             |
public enum AbsenceReportFlow: StateTable {
    public enum State: String, Sendable, Codable, CaseIterable {
        case none, open, cancelled, final, cleared
    }

    public static let name = "absence-report"
    public static let nameAr = "بلاغ التغيب"
    public static let initial = State.none

    static let employer: Set<Actor.Role> = [.owner, .delegate, .agent, .staff]

    public static let transitions: [Transition<State>] = [
        Transition("file", from: .none, to: .open, event: "absenceReported", by: employer),
        Transition("cancel", from: .open, to: .cancelled, event: "absenceReportCancelled", by: employer),
        Transition("finalize", from: .open, to: .final, event: "absenceReportFinal", by: [.system, .staff]),
        Transition("clear", from: .final, to: .cleared, event: "absenceReportFoundMalicious", by: [.staff]),
        // The worker left the employer another way (removed three months after his permit
        // expired, or his season ended) while the report could still be withdrawn.
        Transition("end", from: .open, to: .cancelled, event: "absenceReportEnded", by: [.system]),
    ]

    static let kind = CaseFile.Kind.absenceReport
    static let workerField = FieldSpec("worker_id", .personID, "the worker")
    static let establishmentField = FieldSpec("establishment_id", .establishmentID, "the employer")

    public static let file = ServiceDefinition(
        code: "absence-report.file", nameAr: "بلاغ تغيب عامل", nameEn: "Report a worker absent",
        descriptionAr: "يبلغ صاحب العمل عن تغيب عامل إقامته سارية؛ يُلغى خلال ١٥ يومًا وإلا صار نهائيًا.",
        descriptionEn: "The employer reports a worker with a valid iqama absent; it can be cancelled for 15 days, then it is final.",
        roles: employer, fields: [workerField, establishmentField], subject: .worker("worker_id"), workflow: (name, "file"),
        terms: { rules in ["cancellable for": "\(rules.absence.cancelWithinDays) days"] }
    ) { context throws(Reason) in
        guard let workerID = Cases.worker(context).value, let establishmentID = context.payload.establishment("establishment_id") else {
            return .reject(.fieldMissing, ["field": "worker_id"])
        }
        if context.world.openCase(kind, of: workerID) != nil { return .reject(Reason.Code.about(.caseAlreadyOpen, kind)) }
        try Gates.check(establishmentID, context)
        let worker = try Gates.employee(workerID, of: establishmentID, context)
        if let expires = worker.iqamaExpiresOn, expires < context.today { return .reject(.iqamaExpired, ["date": expires.iso]) }
        if let reason = CrossRules.blocking("absence-report.file", worker: workerID, in: context.world) { return .reject(reason) }
        guard let row = transition("file", from: .none) else { return .reject(notAllowed("file", in: .none)) }
        let deadline = Cases.deadline(from: context.today, days: context.rules.absence.cancelWithinDays)
        let report = CaseFile(id: context.newID(1), kind: kind, worker: workerID, establishment: establishmentID,
                              state: row.to.rawValue, openedAt: context.now, openedOn: context.today, deadline: deadline)
        return Cases.step(row.event, report, timers: [Cases.timer("finalize", service: "absence-report.finalize", report, due: deadline.adding(days: 1))])
    }

    public static let cancel = ServiceDefinition(
        code: "absence-report.cancel", nameAr: "إلغاء بلاغ تغيب", nameEn: "Cancel an absence report",
        descriptionAr: "يلغي صاحب العمل بلاغ التغيب خلال ١٥ يومًا من تقديمه.", descriptionEn: "The employer cancels the report within 15 days of filing it.",
        roles: employer, fields: [workerField, establishmentField], subject: .worker("worker_id"), workflow: (name, "cancel")
    ) { context in
        guard let workerID = Cases.worker(context).value, let establishmentID = context.payload.establishment("establishment_id") else {
            return .reject(.fieldMissing, ["field": "worker_id"])
        }
        let (existing, state) = Cases.open(kind, AbsenceReportFlow.self, worker: workerID, in: context.world)
        guard var report = existing, let row = transition("cancel", from: state) else {
            return .reject(existing == nil ? Reason.Code.about(.caseNotFound, kind) : notAllowed("cancel", in: state))
        }
        guard report.establishment == establishmentID else { return .reject(Reason.Code.about(.notPartyToCase, kind)) }
        if let deadline = report.deadline, context.today > deadline {
            return .reject(.cancelWindowPassed, ["days": String(context.rules.absence.cancelWithinDays), "date": deadline.iso])
        }
        let waiting = Cases.waitingKey("finalize", report)
        report.state = row.to.rawValue
        return Cases.step(row.event, report, cancelledTimers: waiting)
    }

    public static let finalize = ServiceDefinition(
        code: "absence-report.finalize", nameAr: "صيرورة بلاغ التغيب نهائيًا", nameEn: "Absence report became final",
        descriptionAr: "مؤقت داخلي: بعد ١٥ يومًا يصبح البلاغ نهائيًا؛ يُسجل العامل متغيبًا وتنتهي علاقة العمل والرخصة.",
        descriptionEn: "Internal timer: after 15 days the report is final; the worker is recorded absent, employment and permit end.",
        roles: [.system, .staff], fields: [workerField, FieldSpec("case_id", .uuid, "the report")],
        subject: .worker("worker_id"), establishmentField: nil, workflow: (name, "finalize"), internalOnly: true
    ) { context in
        guard let (target, state) = Cases.timerTarget(kind, AbsenceReportFlow.self, context), let row = transition("finalize", from: state),
              let workerID = target.worker else {
            return Timers.superseded
        }
        var report = target
        var changes: [Change] = []
        if let worker = context.world.workers[workerID] { changes += Cases.endEmployment(worker, .absconded, context) }
        let ended = WorkPermitFlow.end(workerID, context)
        let others = Cases.endAll(of: workerID, why: "the worker was reported absent", except: report.id, context)
        report.state = row.to.rawValue
        return Cases.step(row.event, report, changes: changes + ended.changes + others.changes, events: ended.events + others.events,
                          cancelledTimers: ended.cancelledTimers + others.cancelledTimers)
    }

    public static let clear = ServiceDefinition(
        code: "absence-report.clear", nameAr: "إلغاء بلاغ تغيب كيدي", nameEn: "Clear a malicious absence report",
        descriptionAr: "يثبت العامل كيدية البلاغ: يُلغى أثره ويصبح حرًا، وتوقف خدمات المنشأة المُبلِغة ١ أو ٣ أو ٥ سنوات.",
        descriptionEn: "The worker proves the report malicious: he is free again, and the reporting employer is suspended from services for 1, 3 or 5 years.",
        roles: [.staff], fields: [workerField, FieldSpec("case_id", .uuid, "the final report")],
        subject: .worker("worker_id"), establishmentField: nil, workflow: (name, "clear"),
        terms: { rules in ["suspension": rules.absence.maliciousSuspensionYears.map(String.init).joined(separator: " / ") + " years"] }
    ) { context in
        guard let caseID = context.payload.string("case_id").flatMap(UUID.init(uuidString:)),
              var report = context.world.casesByID[caseID], report.kind == kind else {
            return .reject(Reason.Code.about(.caseNotFound, kind))
        }
        guard let state = State(rawValue: report.state), let row = transition("clear", from: state) else {
            return .reject(notAllowed("clear", in: State(rawValue: report.state) ?? .none))
        }
        var changes: [Change] = []
        if let workerID = report.worker, var worker = context.world.workers[workerID], worker.employment == .absconded {
            worker.employment = .removed
            changes.append(.worker(worker))
        }
        var summary: [String: JSONValue] = [:]
        if var employer = context.world.establishments[report.establishment] {
            employer.maliciousReports += 1
            let years = context.rules.absence.maliciousSuspensionYears
            let term = years.isEmpty ? 1 : years[min(employer.maliciousReports, years.count) - 1]
            employer.status = .suspended
            employer.suspendedUntil = context.today.adding(years: term)
            changes.append(.establishment(employer))
            summary["suspended_until"] = JSONValue(context.today.adding(years: term))
        }
        report.state = row.to.rawValue
        return Cases.step(row.event, report, changes: changes,
                          events: [DomainEvent("establishmentSuspended", aggregate: "establishment:\(report.establishment)", data: summary)],
                          summary: summary)
    }

    public static let services = [file, cancel, finalize, clear]
}
