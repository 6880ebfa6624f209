import Foundation

/// Facts that other government systems report (arrival and employment), which every
/// workflow then reads. Reported by the `system` role (or staff correcting a record).
public enum EmploymentFacts {
    static let reporters: Set<Actor.Role> = [.system, .staff]

    public static let register = ServiceDefinition(
        code: "worker.register", nameAr: "تسجيل عامل", nameEn: "Register a worker's employment",
        descriptionAr: "واقعة من الأنظمة الأخرى: قدوم عامل (أو توظيف مواطن) لدى منشأة، بمهنته وأجره.",
        descriptionEn: "A fact from other systems: a worker arrived (or a Saudi was hired) at an establishment, with occupation and wage.",
        roles: reporters,
        fields: [
            FieldSpec("worker_id", .personID, "national ID or iqama number"),
            FieldSpec("establishment_id", .establishmentID, "the employer"),
            FieldSpec("name", .text(maxLength: 200), "full name"),
            FieldSpec("nationality", .text(maxLength: 60), "nationality (ISO 3166 alpha-3, e.g. SAU, IND)"),
            FieldSpec("birth_date", .day, "date of birth"),
            FieldSpec("occupation", .text(maxLength: 60), "occupation code (see GET /v1/rulebook)"),
            FieldSpec("wage", .integer(0...1_000_000), "monthly wage in SAR"),
            FieldSpec("arrived_on", .day, required: false, "arrival in the Kingdom (residents)"),
            FieldSpec("contract_ends_on", .day, required: false, "end of the employment contract"),
            FieldSpec("iqama_expires_on", .day, required: false, "iqama expiry (residents)"),
            FieldSpec("part_time", .boolean, required: false, "works part time"),
            FieldSpec("disabled", .boolean, required: false, "a worker with a disability (Nitaqat weight)"),
            FieldSpec("guardian_id", .personID, required: false, "for a dependent: the sponsoring worker"),
            FieldSpec("visa_id", .visaNumber, required: false, "the visa a newly arrived worker came on (it becomes used)"),
        ],
        subject: .worker("worker_id")
    ) { context throws(Reason) in
        let payload = context.payload
        guard let id = payload.person("worker_id"), let establishmentID = payload.establishment("establishment_id"),
              let birthDate = payload.day("birth_date"), let occupation = payload.string("occupation"),
              let wage = payload.int("wage") else { return .reject(.fieldMissing, ["field": "worker_id"]) }
        if let existing = context.world.workers[id], existing.employment == .employed {
            return .reject(.workerExists, ["worker": id.description])
        }
        guard let establishment = context.world.establishments[establishmentID] else {
            return .reject(.establishmentNotFound, ["establishment": establishmentID.description])
        }
        try Gates.occupation(occupation, for: id, rules: context.rules)
        let previous = context.world.workers[id]
        let guardian = payload.person("guardian_id")
        var worker = Worker(
            id: id, name: payload.string("name") ?? "", nationality: payload.string("nationality") ?? "",
            birthDate: birthDate, employer: establishmentID, occupation: occupation, wage: wage,
            partTime: payload.bool("part_time") ?? false, disabled: payload.bool("disabled") ?? false,
            employment: guardian == nil ? .employed : .dependent, arrivedOn: payload.day("arrived_on") ?? previous?.arrivedOn,
            contractEndsOn: payload.day("contract_ends_on"), iqamaExpiresOn: payload.day("iqama_expires_on"),
            transferCount: previous?.transferCount ?? 0, genericTitleCorrected: previous?.genericTitleCorrected ?? false,
            guardian: guardian, lastEmployer: previous?.lastEmployer)
        var data: [String: JSONValue] = [
            "worker_id": .string(id.digits), "establishment_id": .string(establishmentID.description),
            "occupation": .string(occupation), "wage": JSONValue(wage), "saudi": .bool(worker.isSaudi),
        ]
        // Arrival on a visa: the visa is used, and the first permit's window runs from this arrival.
        var used: (visa: Visa, event: DomainEvent, expiry: String)?
        if let number = payload.visa("visa_id") {
            let arrived = payload.day("arrived_on") ?? context.today
            used = try VisaFlow.use(number, by: id, at: establishmentID, occupation: occupation,
                                    nationality: worker.nationality, arrived: arrived, context)
            worker.arrivedOn = arrived
            data["visa_id"] = .string(number)
        }
        let joined = Nitaqat.joining(&worker, in: context.world, rules: context.rules)
        let employed = DomainEvent(worker.employment == .dependent ? "dependentRegistered" : "workerEmployed", aggregate: "worker:\(id)", data: data)
        return Decision(
            verdict: .completed(data), events: [employed] + (used.map { [$0.event] } ?? []),
            changes: [.worker(worker)] + joined + (used.map { [.visa($0.visa)] } ?? []), cancelledTimers: used.map { [$0.expiry] } ?? [])
    }
}
