import Foundation

/// An establishment's visa balance (رصيد التأشيرات), per occupation: approved by a balance
/// request, drawn by visa issues, given back by lapsed issues and cancelled visas.
///
/// | state    | meaning                                             |
/// |----------|-----------------------------------------------------|
/// | none     | nothing approved for this occupation                |
/// | approved | a balance exists (it may be drawn down to zero)     |
public enum VisaBalanceFlow: StateTable {
    public enum State: String, Sendable, Codable, CaseIterable {
        case none, approved
    }

    public static let name = "visa-balance"
    public static let nameAr = "رصيد التأشيرات"
    public static let initial = State.none

    public static let transitions: [Transition<State>] = [
        Transition("request", from: .none, to: .approved, event: "visaBalanceApproved", by: Recruitment.employer),
        Transition("request", from: .approved, to: .approved, event: "visaBalanceApproved", by: Recruitment.employer),
    ]
}

/// A visa issue (طلب صرف): the establishment's own case, whose subject is the establishment.
/// It draws visas from the balance (or, for a compensatory visa, replaces a worker who left),
/// waits for the fee, and then issues the visas.
///
/// | state        | meaning                                                     |
/// |--------------|-------------------------------------------------------------|
/// | none         | nothing asked                                               |
/// | awaiting_fee | drawn from the balance; the fee is due within 30 days       |
/// | completed    | paid; the visas are issued                                  |
/// | lapsed       | not paid in time; the drawn visas went back to the balance  |
public enum VisaIssueFlow: StateTable {
    public enum State: String, Sendable, Codable, CaseIterable {
        case none
        case awaitingFee = "awaiting_fee"
        case completed, lapsed
    }

    public static let name = "visa-issue"
    public static let nameAr = "صرف التأشيرات"
    public static let initial = State.none

    public static let transitions: [Transition<State>] = [
        Transition("request", from: .none, to: .awaitingFee, event: "visaIssueRequested", by: Recruitment.employer),
        Transition("compensatory", from: .none, to: .awaitingFee, event: "compensatoryVisaRequested", by: Recruitment.employer),
        Transition("pay", from: .awaitingFee, to: .completed, event: "visasIssued", by: [.system, .staff]),
        Transition("lapse", from: .awaitingFee, to: .lapsed, event: "visaIssueLapsed", by: [.system, .staff]),
    ]
}

/// One visa (تأشيرة).
///
/// | state     | meaning                                                          |
/// |-----------|------------------------------------------------------------------|
/// | none      | not issued                                                       |
/// | issued    | usable until its expiry day                                      |
/// | used      | the worker arrived on it and was registered                      |
/// | cancelled | cancelled unused; the balance came back, the fee maybe refunded  |
/// | expired   | not used in time                                                 |
public enum VisaFlow: StateTable {
    public enum State: String, Sendable, Codable, CaseIterable {
        case none, issued, used, cancelled, expired
    }

    public static let name = "visa"
    public static let nameAr = "التأشيرة"
    public static let initial = State.none

    public static let transitions: [Transition<State>] = [
        Transition("issue", from: .none, to: .issued, event: "visaIssued", by: [.system, .staff]),
        Transition("use", from: .issued, to: .used, event: "visaUsed", by: [.system, .staff]),
        Transition("cancel", from: .issued, to: .cancelled, event: "visaCancelled", by: Recruitment.employer),
        Transition("expire", from: .issued, to: .expired, event: "visaExpired", by: [.system, .staff]),
    ]

    static func aggregate(_ visa: Visa) -> String { "visa:\(visa.id)" }

    static func data(_ visa: Visa) -> [String: JSONValue] {
        var data: [String: JSONValue] = [
            "visa_id": .string(visa.id), "establishment_id": .string(visa.establishment.description),
            "occupation": .string(visa.occupation), "nationality": .string(visa.nationality), "state": .string(visa.state.rawValue),
            "issued_on": JSONValue(visa.issuedOn), "expires_on": JSONValue(visa.expiresOn), "fee": JSONValue(visa.fee),
        ]
        if let replaces = visa.replaces { data["replaces_worker_id"] = .string(replaces.digits) }
        if let usedBy = visa.usedBy { data["worker_id"] = .string(usedBy.digits) }
        if let refund = visa.refund { data["refund"] = JSONValue(refund) }
        return data
    }

    /// The key of a visa's expiry timer (due the day after its last day).
    static func expiryKey(_ visa: Visa) -> String { "visa:expire:\(visa.id):\(visa.expiresOn.adding(days: 1).iso)" }

    /// An arriving worker registered on a visa: the visa, checked and marked used, with its
    /// event and its expiry timer to cancel. Throws why the worker cannot arrive on it.
    ///
    /// The visa is checked against the day the worker arrived (`arrived`), which is not after
    /// today: a worker who entered on the visa's last day may be registered the day after.
    static func use(_ number: String, by worker: PersonID, at establishment: EstablishmentID, occupation: String,
                    nationality: String, arrived: Day, _ context: DecisionContext) throws(Reason) -> (Visa, DomainEvent, String) {
        guard var visa = context.world.visas[number], visa.establishment == establishment else {
            throw Reason.Code.visaNotFound(["visa": number])
        }
        guard let row = transition("use", from: visa.state) else { throw notAllowed("use", in: visa.state) }
        if arrived > context.today || arrived < visa.issuedOn {
            throw Reason.Code.invalid("arrived_on", en: "between the visa's issue (\(visa.issuedOn.iso)) and today",
                                      ar: "بين إصدار التأشيرة (\(visa.issuedOn.iso)) واليوم")
        }
        if visa.expiresOn < arrived { throw Reason.Code.visaExpired(["visa": number, "date": visa.expiresOn.iso]) }
        guard visa.occupation == occupation, visa.nationality == nationality else {
            throw Reason.Code.visaMismatch(["visa": number, "occupation": visa.occupation, "nationality": visa.nationality])
        }
        visa.state = row.to
        visa.usedBy = worker
        visa.endedOn = arrived
        return (visa, DomainEvent(row.event, aggregate: aggregate(visa), data: data(visa)), expiryKey(visa))
    }
}

/// The four recruitment e-services and their timers: balance requests, visa issues (with
/// their fee), visa cancellations and compensatory visas. Each is about an establishment:
/// requests on one establishment take effect in submission order, and its events chain on
/// its stream.
public enum Recruitment {
    static let employer: Set<Actor.Role> = [.owner, .delegate, .agent, .staff]
    static let kind = CaseFile.Kind.visaIssue

    static let establishmentField = FieldSpec("establishment_id", .establishmentID, "the establishment")

    /// The checks on an occupation to recruit for: known, open to residents, fitting the activity.
    static func checkOccupation(_ code: String, _ establishment: Establishment, rules: RuleParameters) throws(Reason) {
        try Gates.fits(code, try Gates.occupation(code, saudi: false, rules: rules), establishment, rules: rules)
    }

    static func checkCount(_ count: Int, _ rules: RuleParameters) throws(Reason) {
        if count > rules.recruitment.maxPerRequest {
            throw Reason.Code.tooManyAtOnce(["count": String(count), "max": String(rules.recruitment.maxPerRequest)])
        }
    }

    public static let balanceRequest = ServiceDefinition(
        code: "recruitment.balance-request", nameAr: "طلب رصيد تأشيرات", nameEn: "Request a visa balance",
        descriptionAr: "تطلب المنشأة عددًا من التأشيرات لمهنة تناسب نشاطها وغير مقصورة على السعوديين؛ يُعتمد آليًا للمنشأة في النطاق الأخضر المتوسط فأعلى، وللمنشأة الجديدة حد في أشهرها الأولى.",
        descriptionEn: "The establishment asks for a number of visas for an occupation that fits its activity and is not reserved for Saudis; approved by rule for medium green or better, with a limit for a new establishment's first months.",
        roles: employer,
        fields: [establishmentField, FieldSpec("occupation", .text(maxLength: 60), "the occupation's code (see GET /v1/rulebook)"),
                 FieldSpec("count", .integer(1...1_000), "how many visas")],
        subject: .establishment("establishment_id"), workflow: (VisaBalanceFlow.name, "request"), reads: .recruitment,
        terms: { rules in ["minimum band": rules.saudization.minimumBandForNewVisas.english,
                           "most per request": String(rules.recruitment.maxPerRequest),
                           "new establishment": "at most \(rules.recruitment.newEstablishmentMaxVisas) visas in its first \(rules.recruitment.newEstablishmentMonths) months"] }
    ) { context throws(Reason) in
        guard let id = context.payload.establishment("establishment_id"), let occupation = context.payload.string("occupation"),
              let count = context.payload.int("count") else { return .reject(.fieldMissing, ["field": "establishment_id"]) }
        let rules = context.rules
        let establishment = try Gates.check(id, context, .init(minimumBand: rules.saudization.minimumBandForNewVisas))
        try checkOccupation(occupation, establishment, rules: rules)
        try checkCount(count, rules)
        let balances = context.world.visaBalances[id] ?? [:]
        let youngUntil = establishment.openedOn.adding(months: rules.recruitment.newEstablishmentMonths)
        let approved = balances.values.reduce(0) { $0 + $1.approved }
        if context.today < youngUntil, approved + count > rules.recruitment.newEstablishmentMaxVisas {
            return .reject(.newEstablishmentLimit, [
                "months": String(rules.recruitment.newEstablishmentMonths), "max": String(rules.recruitment.newEstablishmentMaxVisas),
                "approved": String(approved), "date": youngUntil.iso,
            ])
        }
        let current = balances[occupation]
        guard let row = VisaBalanceFlow.transition("request", from: current == nil ? .none : .approved) else {
            return .reject(VisaBalanceFlow.notAllowed("request", in: .none))
        }
        let data: [String: JSONValue] = [
            "establishment_id": .string(id.description), "occupation": .string(occupation), "approved": JSONValue(count),
            "remaining": JSONValue((current?.remaining ?? 0) + count),
        ]
        return Decision(verdict: .completed(data),
                        events: [DomainEvent(row.event, aggregate: EstablishmentFileFlow.aggregate(id), data: data)],
                        changes: [.visaBalance(id, occupation: occupation, approved: count, remaining: count)])
    }

    /// A new visa issue waiting for its fee, with its lapse timer.
    static func open(_ action: String, _ id: EstablishmentID, details: [String: JSONValue], count: Int, changes: [Change],
                     _ context: DecisionContext) -> Decision {
        guard let row = VisaIssueFlow.transition(action, from: .none) else { return .reject(VisaIssueFlow.notAllowed(action, in: .none)) }
        let deadline = Cases.deadline(from: context.today, days: context.rules.recruitment.feeWithinDays)
        let fee = count * context.rules.recruitment.visaFee
        let file = CaseFile(
            id: context.newID(1), kind: kind, subject: .establishment(id), establishment: id, state: row.to.rawValue,
            openedAt: context.now, openedOn: context.today, deadline: deadline,
            details: details.merging(["count": JSONValue(count), "fee": JSONValue(fee)]) { $1 })
        return Cases.step(row.event, file, changes: changes,
                          timers: [Cases.timer("lapse", service: "recruitment.visa-fee-lapse", file, due: deadline.adding(days: 1))])
    }

    public static let visaIssue = ServiceDefinition(
        code: "recruitment.visa-issue", nameAr: "طلب صرف تأشيرات", nameEn: "Issue visas (disbursement)",
        descriptionAr: "يصرف تأشيرات من الرصيد المعتمد لمهنة وجنسية؛ تصدر بعد سداد المقابل خلال ٣٠ يومًا، وإلا عاد الرصيد.",
        descriptionEn: "Draws visas from the approved balance for an occupation and nationality; they are issued once the fee is paid within 30 days, else the balance comes back.",
        roles: employer,
        fields: [establishmentField, FieldSpec("occupation", .text(maxLength: 60), "the occupation's code"),
                 FieldSpec("nationality", .text(maxLength: 60), "the workers' nationality (ISO 3166 alpha-3)"),
                 FieldSpec("count", .integer(1...1_000), "how many visas")],
        subject: .establishment("establishment_id"), workflow: (VisaIssueFlow.name, "request"), reads: .recruitment,
        terms: { rules in ["fee": "\(rules.recruitment.visaFee) SAR a visa", "fee due within": "\(rules.recruitment.feeWithinDays) days",
                           "validity": "\(rules.recruitment.visaValidityDays) days"] }
    ) { context throws(Reason) in
        guard let id = context.payload.establishment("establishment_id"), let occupation = context.payload.string("occupation"),
              let nationality = context.payload.string("nationality"), let count = context.payload.int("count") else {
            return .reject(.fieldMissing, ["field": "establishment_id"])
        }
        try Gates.check(id, context, .init(minimumBand: context.rules.saudization.minimumBandForNewVisas))
        try checkCount(count, context.rules)
        let remaining = context.world.visaBalances[id]?[occupation]?.remaining ?? 0
        guard remaining >= count else {
            return .reject(.balanceInsufficient, ["occupation": occupation, "remaining": String(remaining), "count": String(count)])
        }
        return open("request", id, details: ["occupation": .string(occupation), "nationality": .string(nationality)], count: count,
                    changes: [.visaBalance(id, occupation: occupation, approved: 0, remaining: -count)], context)
    }

    public static let compensatoryVisa = ServiceDefinition(
        code: "recruitment.compensatory-visa", nameAr: "طلب استقدام تعويضي", nameEn: "Compensatory visa",
        descriptionAr: "تأشيرة بالمهنة نفسها عوضًا عن عامل غادر بخروج نهائي أو تغيب؛ للمنشأة في النطاق الأخضر المنخفض فأعلى، وتأشيرة واحدة عن كل عامل، وبحد سنوي للمنشأة الصغيرة.",
        descriptionEn: "A visa in the same occupation to replace a worker who left by final exit or absconded; low green or better, one per departed worker, with a yearly limit below 250 employees.",
        roles: employer,
        fields: [establishmentField, FieldSpec("replaces_worker_id", .personID, "the worker who left"),
                 FieldSpec("nationality", .text(maxLength: 60), "the new worker's nationality (ISO 3166 alpha-3)")],
        subject: .establishment("establishment_id"), workflow: (VisaIssueFlow.name, "compensatory"), reads: .recruitment,
        terms: { rules in ["fee": "\(rules.recruitment.visaFee) SAR", "minimum band": rules.recruitment.compensatoryMinimumBand.english,
                           "yearly limit": "\(rules.recruitment.compensatoryPerYear) below \(rules.recruitment.compensatoryLimitBelowEmployees) employees"] }
    ) { context throws(Reason) in
        guard let id = context.payload.establishment("establishment_id"), let replaced = context.payload.person("replaces_worker_id"),
              let nationality = context.payload.string("nationality") else { return .reject(.fieldMissing, ["field": "establishment_id"]) }
        let rules = context.rules.recruitment
        let establishment = try Gates.check(id, context, .init(minimumBand: rules.compensatoryMinimumBand))
        // The same answer for a worker who never was this establishment's and one who is unknown.
        guard let worker = context.world.workers[replaced], [.departed, .absconded].contains(worker.employment),
              worker.lastEmployer == id else {
            return .reject(.notReplaceable, ["worker": replaced.digits])
        }
        let pending = context.world.openCases(of: .establishment(id)).filter { $0.kind == kind && $0.details["replaces"] != nil }
        if context.world.replacements.contains(Replacement(establishment: id, worker: replaced)) || pending.contains(where: { $0.details["replaces"]?.stringValue == replaced.digits }) {
            return .reject(.alreadyReplaced, ["worker": replaced.digits])
        }
        let used = (context.world.visaCounts[id]?.compensatoryThisYear ?? 0) + pending.count
        if establishment.headcount < rules.compensatoryLimitBelowEmployees, used >= rules.compensatoryPerYear {
            return .reject(.compensatoryLimit, ["max": String(rules.compensatoryPerYear), "size": String(rules.compensatoryLimitBelowEmployees),
                                                "used": String(used)])
        }
        return open("compensatory", id, details: ["occupation": .string(worker.occupation), "nationality": .string(nationality),
                                                  "replaces": .string(replaced.digits)], count: 1, changes: [], context)
    }

    static let caseFields = [establishmentField, FieldSpec("case_id", .uuid, "the visa issue")]

    public static let pay = ServiceDefinition(
        code: "recruitment.visa-pay", nameAr: "سداد مقابل التأشيرات", nameEn: "Visa fee paid",
        descriptionAr: "إشعار المدفوعات بسداد مقابل طلب الصرف؛ تصدر التأشيرات، لكل منها رقم وصلاحية.",
        descriptionEn: "The payment system reports a visa issue's fee paid; the visas are issued, each with its number and validity.",
        roles: [.system, .staff], fields: caseFields + [FieldSpec("amount", .integer(0...100_000_000), "SAR paid")],
        subject: .establishment("establishment_id"), workflow: (VisaIssueFlow.name, "pay"), reads: .recruitment
    ) { context throws(Reason) in
        // The establishment's open visa issue the payment names (as a timer names its case).
        guard let (open, state) = Cases.timerTarget(kind, VisaIssueFlow.self, context), let row = VisaIssueFlow.transition("pay", from: state) else {
            throw Reason.Code.visaIssueNotFound(["case_id": context.payload.string("case_id") ?? ""])
        }
        var file = open
        if let reason = Cases.checkDeadline(file, context) { return .reject(reason) }
        let due = file.details["fee"]?.intValue ?? 0
        guard let amount = context.payload.int("amount"), amount == due else {
            return .reject(.feeMismatch, ["paid": String(context.payload.int("amount") ?? 0), "due": String(due)])
        }
        let count = max(file.details["count"]?.intValue ?? 1, 1)
        let issued = context.world.visaCounts[file.establishment]?.issued ?? 0
        guard let issue = VisaFlow.transition("issue", from: .none) else { return .reject(VisaFlow.notAllowed("issue", in: .none)) }
        // Usable on the day of issue and the days after it: `visaValidityDays` days in all.
        let expires = context.today.adding(days: context.rules.recruitment.visaValidityDays - 1)
        let visas = (1...count).map { n in
            Visa(id: Visa.number(file.establishment, issued + n), establishment: file.establishment, caseID: file.id,
                 occupation: file.details["occupation"]?.stringValue ?? "", nationality: file.details["nationality"]?.stringValue ?? "",
                 state: issue.to, issuedOn: context.today, expiresOn: expires, fee: due / count,
                 replaces: file.details["replaces"]?.stringValue.map(PersonID.init(trusted:)))
        }
        let waiting = Cases.waitingKey("lapse", file)
        file.state = row.to.rawValue
        file.deadline = nil
        let timers = visas.map { visa in
            ScheduledRequest(key: VisaFlow.expiryKey(visa), service: "recruitment.visa-expire", subject: .establishment(visa.establishment),
                             establishment: visa.establishment,
                             payload: ["establishment_id": .string(visa.establishment.description), "visa_id": .string(visa.id)],
                             due: visa.expiresOn.adding(days: 1))
        }
        // The visas are their own rows (with their case's id), named in the answer, not copied into the case.
        return Cases.step(row.event, file, changes: visas.map(Change.visa),
                          events: visas.map { DomainEvent(issue.event, aggregate: VisaFlow.aggregate($0), data: VisaFlow.data($0)) },
                          timers: timers, cancelledTimers: waiting, summary: ["visas": .array(visas.map { .string($0.id) })])
    }

    public static let feeLapse = ServiceDefinition(
        code: "recruitment.visa-fee-lapse", nameAr: "انقضاء طلب صرف", nameEn: "Visa issue lapsed",
        descriptionAr: "مؤقت داخلي: لم يُسدد مقابل طلب الصرف خلال ٣٠ يومًا؛ يعود الرصيد.",
        descriptionEn: "Internal timer: a visa issue's fee was not paid within 30 days; the balance comes back.",
        roles: [.system, .staff], fields: caseFields, subject: .establishment("establishment_id"),
        workflow: (VisaIssueFlow.name, "lapse"), internalOnly: true
    ) { context in
        guard let (target, state) = Cases.timerTarget(kind, VisaIssueFlow.self, context), let row = VisaIssueFlow.transition("lapse", from: state) else {
            return Timers.superseded
        }
        var file = target
        file.state = row.to.rawValue
        file.deadline = nil
        var changes: [Change] = []
        // A compensatory visa drew nothing; a visa issue gives its draw back.
        if file.details["replaces"] == nil, let occupation = file.details["occupation"]?.stringValue, let count = file.details["count"]?.intValue {
            changes.append(.visaBalance(file.establishment, occupation: occupation, approved: 0, remaining: count))
        }
        return Cases.step(row.event, file, changes: changes)
    }

    static let visaFields = [establishmentField, FieldSpec("visa_id", .visaNumber, "the visa's number")]

    public static let cancel = ServiceDefinition(
        code: "recruitment.visa-cancel", nameAr: "إلغاء تأشيرة", nameEn: "Cancel a visa",
        descriptionAr: "تُلغى التأشيرة غير المستخدمة وغير المنتهية؛ يعود الرصيد، ويُرد المقابل ما لم تُستخدم تأشيرة من الطلب نفسه.",
        descriptionEn: "An unused, unexpired visa is cancelled; the balance comes back, and the fee is refunded unless a visa of the same issue was used.",
        roles: employer, fields: visaFields, subject: .establishment("establishment_id"), workflow: (VisaFlow.name, "cancel")
    ) { context throws(Reason) in
        guard let id = context.payload.establishment("establishment_id"), let number = context.payload.visa("visa_id") else {
            return .reject(.fieldMissing, ["field": "visa_id"])
        }
        // No gates: a suspended establishment, or one whose CR lapsed, may still give back an unused visa.
        guard var visa = context.world.visas[number], visa.establishment == id else { return .reject(.visaNotFound, ["visa": number]) }
        guard let row = VisaFlow.transition("cancel", from: visa.state) else { return .reject(VisaFlow.notAllowed("cancel", in: visa.state)) }
        if visa.expiresOn < context.today { return .reject(.visaExpired, ["visa": number, "date": visa.expiresOn.iso]) }
        let refund = context.world.usedPackages.contains(visa.caseID) ? 0 : visa.fee
        visa.state = row.to
        visa.refund = refund
        visa.endedOn = context.today
        var events = [DomainEvent(row.event, aggregate: VisaFlow.aggregate(visa), data: VisaFlow.data(visa))]
        if refund > 0 {
            events.append(DomainEvent("visaFeeRefunded", aggregate: VisaFlow.aggregate(visa), data: [
                "visa_id": .string(visa.id), "amount": JSONValue(refund), "establishment_id": .string(id.description),
            ]))
        }
        var changes: [Change] = [.visa(visa)]
        if visa.replaces == nil { changes.append(.visaBalance(id, occupation: visa.occupation, approved: 0, remaining: 1)) }
        return Decision(verdict: .completed(VisaFlow.data(visa).merging(["refund": JSONValue(refund)]) { $1 }), events: events,
                        changes: changes, cancelledTimers: [VisaFlow.expiryKey(visa)])
    }

    public static let expire = ServiceDefinition(
        code: "recruitment.visa-expire", nameAr: "انتهاء تأشيرة", nameEn: "Visa expired",
        descriptionAr: "مؤقت داخلي: لم تُستخدم التأشيرة حتى آخر يوم لها.", descriptionEn: "Internal timer: the visa was not used by its last day.",
        roles: [.system, .staff], fields: visaFields, subject: .establishment("establishment_id"), workflow: (VisaFlow.name, "expire"),
        internalOnly: true
    ) { context in
        guard let id = context.payload.establishment("establishment_id"), let number = context.payload.visa("visa_id"),
              var visa = context.world.visas[number], visa.establishment == id,
              let row = VisaFlow.transition("expire", from: visa.state), visa.expiresOn < context.today else {
            return Timers.superseded
        }
        visa.state = row.to
        visa.endedOn = context.today
        return Decision(verdict: .completed(VisaFlow.data(visa)),
                        events: [DomainEvent(row.event, aggregate: VisaFlow.aggregate(visa), data: VisaFlow.data(visa))],
                        changes: [.visa(visa)])
    }

    public static let services = [balanceRequest, visaIssue, compensatoryVisa, pay, feeLapse, cancel, expire]
}
