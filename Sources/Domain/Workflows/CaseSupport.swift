import Foundation

/// What every worker-case workflow does the same way: find the open case and its state,
/// check who may act and by when, record the transition, and schedule its timers.
enum Cases {
    /// The worker's open case of `kind` and its state in `table` (the table's initial state
    /// when there is none).
    static func open<Table: StateTable>(_ kind: CaseFile.Kind, _ table: Table.Type, worker: PersonID, in world: World) -> (CaseFile?, Table.State) {
        guard let file = world.openCase(kind, of: worker), let state = Table.State(rawValue: file.state) else {
            return (nil, Table.initial)
        }
        return (file, state)
    }

    /// Days a window stays open: an action is allowed through the deadline day itself; the
    /// case lapses when the next day begins (its timer is due then).
    static func deadline(from day: Day, days: Int) -> Day { day.adding(days: days) }

    /// Refuses an action after the case's deadline (when its timer has not run yet).
    static func checkDeadline(_ file: CaseFile, _ context: DecisionContext) -> Reason? {
        guard let deadline = file.deadline, context.today > deadline else { return nil }
        return Reason.Code.about(.caseDeadlinePassed, file.kind, ["date": deadline.iso])
    }

    /// A timer of a case: due at the start of `due`; its key names the case, the purpose and the day.
    /// The timer's payload names the case and its subject (`worker_id`, or `establishment_id`
    /// for an establishment's own case).
    static func timer(_ purpose: String, service: String, _ file: CaseFile, due: Day) -> ScheduledRequest {
        ScheduledRequest(
            key: timerKey(purpose, file, due: due), service: service, subject: file.subject, establishment: file.establishment,
            payload: subjectFields(file).merging(["case_id": .string(file.id.uuidString.lowercased())]) { $1 },
            due: due)
    }

    /// The payload field naming a case's subject.
    static func subjectFields(_ file: CaseFile) -> [String: JSONValue] {
        switch file.subject {
        case .worker(let id): return ["worker_id": .string(id.digits)]
        case .establishment(let id): return ["establishment_id": .string(id.description)]
        case .person(let id): return ["person_id": .string(id.digits)]
        }
    }

    static func timerKey(_ purpose: String, _ file: CaseFile, due: Day) -> String {
        "\(file.kind.rawValue):\(purpose):\(file.id.uuidString.lowercased()):\(due.iso)"
    }

    /// The key of the timer waiting for the case's deadline (`purpose`: lapse, finalize, …),
    /// to cancel it when the case moves on; none when the case has no deadline.
    static func waitingKey(_ purpose: String, _ file: CaseFile) -> [String] {
        file.deadline.map { [timerKey(purpose, file, due: $0.adding(days: 1))] } ?? []
    }

    /// The open case of `kind` that the payload names by `case_id`, under the subject its
    /// `worker_id` (or, for an establishment's own case, `establishment_id`) names, with its
    /// state: the case a timer was set for, or a fact's (a payment's); nil once it closed.
    static func timerTarget<Table: StateTable>(_ kind: CaseFile.Kind, _ table: Table.Type, _ context: DecisionContext) -> (CaseFile, Table.State)? {
        let subject: Subject
        if kind.isEstablishments {
            guard let establishment = context.payload.establishment("establishment_id") else { return nil }
            subject = .establishment(establishment)
        } else {
            guard let worker = context.payload.person("worker_id") else { return nil }
            subject = .worker(worker)
        }
        guard let caseID = context.payload.string("case_id"),
              let file = context.world.openCases(of: subject).first(where: { $0.kind == kind && $0.id.uuidString.lowercased() == caseID.lowercased() }),
              let state = Table.State(rawValue: file.state) else { return nil }
        return (file, state)
    }

    static func aggregate(_ file: CaseFile) -> String { "case:\(file.id.uuidString.lowercased())" }

    static func data(_ file: CaseFile) -> [String: JSONValue] {
        var data: [String: JSONValue] = [
            "case_id": .string(file.id.uuidString.lowercased()), "kind": .string(file.kind.rawValue),
            "establishment_id": .string(file.establishment.description), "state": .string(file.state),
        ]
        if let worker = file.worker { data["worker_id"] = .string(worker.digits) }
        if let counterpart = file.counterpart { data["counterpart_id"] = .string(counterpart.description) }
        if let deadline = file.deadline { data["deadline"] = JSONValue(deadline) }
        for (key, value) in file.details { data[key] = value }
        return data
    }

    /// The decision for a step: the case in its new state, its event, and what else changed.
    static func step(
        _ event: String, _ file: CaseFile, changes: [Change] = [], events: [DomainEvent] = [], timers: [ScheduledRequest] = [],
        cancelledTimers: [String] = [], summary: [String: JSONValue] = [:]
    ) -> Decision {
        Decision(
            verdict: .completed(data(file).merging(summary) { $1 }),
            events: [DomainEvent(event, aggregate: aggregate(file), data: data(file))] + events,
            changes: [.caseFile(file)] + changes, timers: timers, cancelledTimers: cancelledTimers)
    }

    /// One case ended by its table's `end` row (the worker left), with an event saying why.
    static func ending<Table: StateTable>(_ file: CaseFile, _ table: Table.Type, why: String, timers: [String]) -> Ended? {
        guard let state = Table.State(rawValue: file.state), let row = Table.transition("end", from: state) else { return nil }
        var ended = file
        ended.state = row.to.rawValue
        ended.deadline = nil
        var data = data(ended)
        data["why"] = .string(why)
        return Ended(changes: [.caseFile(ended)], events: [DomainEvent(row.event, aggregate: aggregate(ended), data: data)], cancelledTimers: timers)
    }

    /// A worker's employment ends (`why`: departed, absconded, removed): he leaves his
    /// employer's Nitaqat counts first (asked of him as he was), then the employment ends
    /// with his last employer kept. The changes, the worker's own row last.
    static func endEmployment(_ worker: Worker, _ why: Worker.Employment, _ context: DecisionContext) -> [Change] {
        var worker = worker
        let counts = Nitaqat.leaving(&worker, in: context.world, rules: context.rules)
        worker.endEmployment(why)
        return counts + [.worker(worker)]
    }

    /// What ending cases changes.
    struct Ended {
        var changes: [Change] = []
        var events: [DomainEvent] = []
        var cancelledTimers: [String] = []

        mutating func add(_ other: Ended) {
            changes += other.changes
            events += other.events
            cancelledTimers += other.cancelledTimers
        }
    }

    /// A worker who left — departed, absconded, removed — keeps no case open: every open case
    /// but `except` ends, each with an event saying why, its waiting timer cancelled. (A
    /// transfer paid for after the worker left made him employed again.) An absence report
    /// still open (withdrawable) ends too; a final one stays, for it may yet be found malicious.
    ///
    /// `keepingIssuedExit`: a final exit already issued stays (removal and the end of a season
    /// leave the worker in the Kingdom, and that exit is his way out).
    static func endAll(of worker: PersonID, why: String, except: UUID? = nil, keepingIssuedExit: Bool = false,
                       _ context: DecisionContext) -> Ended {
        var all = Ended()
        for file in context.world.openCases(of: worker) where file.id != except {
            if keepingIssuedExit && file.kind == .finalExit && file.state == FinalExitFlow.State.issued.rawValue { continue }
            let ended: Ended?
            switch file.kind {
            case .transfer:
                ended = TransferFlow.State(rawValue: file.state).flatMap { state in
                    ending(file, TransferFlow.self, why: why, timers: TransferFlow.waitingTimer(file, state))
                }
            case .branchChange:
                ended = ending(file, BranchChangeFlow.self, why: why, timers: waitingKey("lapse", file))
            case .occupationChange:
                ended = ending(file, OccupationChangeFlow.self, why: why,
                               timers: waitingKey("lapse", file))
            case .finalExit:
                let purpose = file.state == FinalExitFlow.State.pendingEmployer.rawValue ? "employer-deadline" : "lapse"
                ended = ending(file, FinalExitFlow.self, why: why,
                               timers: waitingKey(purpose, file))
            case .dependentTransfer:
                ended = ending(file, DependentTransferFlow.self, why: why, timers: waitingKey("lapse", file))
            case .absenceReport:
                ended = ending(file, AbsenceReportFlow.self, why: why,
                               timers: waitingKey("finalize", file))
            case .visaIssue:
                ended = nil  // an establishment's case, never a worker's
            }
            if let ended { all.add(ended) }
        }
        return all
    }

    /// The payload's worker, or a refusal naming the field.
    static func worker(_ context: DecisionContext, field: String = "worker_id") -> Result<PersonID, Reason> {
        context.payload.person(field).map(Result.success) ?? .failure(Reason.Code.fieldMissing(["field": field]))
    }
}

/// Which open cases block which services (the cross-workflow rules of DOMAIN.md).
public enum CrossRules {
    /// Service → the kinds of open case that refuse it.
    public static let blockers: [String: [CaseFile.Kind]] = [
        // A worker may not be sent away while a move to another employer or branch is under way.
        "final-exit.issue": [.absenceReport, .transfer, .branchChange],
        "final-exit.request": [.absenceReport, .transfer, .branchChange],
        // One move at a time: a transfer and a branch change block each other.
        "service-transfer.request": [.finalExit, .absenceReport, .branchChange],
        "branch-change.request": [.finalExit, .transfer, .absenceReport],
        "occupation-change.request": [.finalExit, .transfer, .absenceReport],
        "occupation-change.correct": [.finalExit, .transfer, .absenceReport],
        "absence-report.file": [.finalExit, .transfer, .branchChange],
        "work-permit.issue": [.absenceReport],
        "work-permit.renew": [.absenceReport],
        "work-permit.issue-temporary": [.absenceReport],
        "work-permit.extend-temporary": [.absenceReport],
        "dependent-transfer.request": [.absenceReport],
    ]

    /// The first open case that refuses `service` for this worker.
    public static func blocking(_ service: String, worker: PersonID, in world: World) -> Reason? {
        for kind in blockers[service] ?? [] where world.openCase(kind, of: worker) != nil {
            return Reason.Code.about(.openCaseBlocks, kind)
        }
        return nil
    }
}

extension Result {
    /// The value, or nil (for `guard case` chains).
    var value: Success? {
        if case .success(let value) = self { return value }
        return nil
    }
}
