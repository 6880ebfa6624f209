@testable import Domain
import Foundation
import PropertyBased
import Testing

/// Random sequences of requests on a small world, the clock moving and the timers running as
/// the engine runs them, with the world's invariants checked after every step (issue 35):
/// no worker counted by two establishments or by none he works for, a departed worker with
/// no open case and no valid permit, headcounts and the Saudization share as their
/// definitions say, no negative money, every change recorded by an event and every refusal
/// explained in both languages.
///
/// `Scripts/test` runs a few fixed seeds; `Scripts/property` runs as many as you ask
/// (MUAMALA_PROPERTY_SEEDS, MUAMALA_PROPERTY_STEPS, MUAMALA_PROPERTY_FIRST_SEED).
@Suite("The world's invariants over random requests")
struct WorldPropertyTests {
    static let environment = ProcessInfo.processInfo.environment
    static let seeds = Int(environment["MUAMALA_PROPERTY_SEEDS"] ?? "") ?? 4
    static let steps = Int(environment["MUAMALA_PROPERTY_STEPS"] ?? "") ?? 400
    static let firstSeed = UInt64(environment["MUAMALA_PROPERTY_FIRST_SEED"] ?? "") ?? 35

    @Test("invariants hold after every step (fixed seeds; Scripts/property runs more)")
    func invariantsHold() {
        var completed: [String: Int] = [:]
        for seed in Self.firstSeed..<(Self.firstSeed + UInt64(Self.seeds)) {
            var run = RandomRun(seed: seed)
            let failure = run.go(steps: Self.steps)
            #expect(failure == nil, "seed \(seed): \(failure ?? "")")
            if failure != nil { return }
            completed.merge(run.completed, uniquingKeysWith: +)
        }
        // A run that refuses nearly everything proves nothing: the runs must reach deep into
        // the workflows (timers included), not stop at the gates.
        let reached = completed.keys.sorted()
        print("property runs completed: " + reached.map { "\($0) \(completed[$0]!)" }.joined(separator: ", "))
        for deep in ["service-transfer.pay", "worker.depart", "absence-report.finalize", "dependent-transfer.complete",
                     "work-permit.expire", "occupation-change.pay", "branch-change.accept"] where Self.steps >= 400 {
            #expect(completed[deep, default: 0] > 0, "no run completed \(deep)")
        }
    }
}

struct RandomRun {
    var random: Xoshiro
    var scenario = Scenario()
    /// Timers the decisions scheduled, by key, as the engine's queue holds them.
    var timers: [String: ScheduledRequest] = [:]
    /// What was done, for the report of a failure.
    var history: [String] = []
    var people: [PersonID] = []
    let establishments = [Scenario.e1, Scenario.e2, Scenario.e3]

    init(seed: UInt64) {
        // swift-property-based's generator: the same on every machine, so a seed replays its run.
        random = Xoshiro(seed: (seed, 0x9E37_79B9_7F4A_7C15, ~seed, 0xBF58_476D_1CE4_E5B9))
        // Empty establishments: every count comes from workers registered through the service.
        for id in establishments { scenario.empty(id) }
        scenario.world.establishments[Scenario.e3]?.ownerFullTime = true
        scenario.world.workers = [:]
        scenario.world.dependents = [:]
        scenario.world.permits = [:]
    }

    mutating func pick<T>(_ values: [T]) -> T { values[Int.random(in: 0..<values.count, using: &random)] }
    mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &random) < percent }

    // MARK: The run

    /// Runs `steps` random steps; the first broken invariant, with the steps before it, or nil.
    mutating func go(steps: Int) -> String? {
        for n in 0..<12 { register(PersonID.make(prefix: n < 4 ? 1 : 2, body: 900 + n), at: establishments[n % 3]) }
        for n in 0..<2 { register(PersonID.make(prefix: 2, body: 950 + n), at: Scenario.e1, guardian: people[4 + n]) }
        // Most expatriates start with a paid permit, so that the workflows have something to move.
        for person in people where !person.isSaudi && scenario.world.workers[person]?.employment == .employed && chance(80) {
            let employer = scenario.world.workers[person]?.employer ?? Scenario.e1
            let issued = submit(WorkPermitFlow.issue, ["worker_id": .id(person), "establishment_id": .id(employer), "months": JSONValue(pick([3, 12]))], as: .staff)
            if let permit = Scenario.permit(in: issued) {
                _ = submit(WorkPermitFlow.pay, ["worker_id": .id(person), "amount": JSONValue(permit.levy + permit.fee)], as: .system)
            }
        }
        if let broken = check("the world as registered") { return broken }
        for step in 0..<steps {
            let label = chance(12) ? advance() : request()
            history.append("\(step): \(label)")
            if let broken = check(label) {
                return "\(broken)\n  after: " + history.suffix(25).joined(separator: "\n         ")
            }
        }
        return nil
    }

    mutating func register(_ person: PersonID, at establishment: EstablishmentID, guardian: PersonID? = nil) {
        var payload: [String: JSONValue] = [
            "worker_id": .id(person), "establishment_id": .id(establishment), "name": "N", "nationality": person.isSaudi ? "SAU" : "IND",
            "birth_date": guardian == nil ? "1990-01-01" : "2001-01-01", "occupation": person.isSaudi ? "accountant" : "laborer",
            "wage": JSONValue(person.isSaudi ? (chance(75) ? 4500 : pick([2500, 3500])) : 2000), "arrived_on": JSONValue(scenario.today),
            "contract_ends_on": JSONValue(scenario.today.adding(days: pick([20, 200, 700]))),
            "iqama_expires_on": JSONValue(scenario.today.adding(days: 900)),
        ]
        if let guardian { payload["guardian_id"] = .id(guardian) }
        if chance(20) && person.isSaudi { payload["disabled"] = true }
        _ = submit(EmploymentFacts.register, payload, as: .system)
        people.append(person)
    }

    /// Moves the clock 1 to 40 days, running every timer that falls due, in order, on its day.
    mutating func advance() -> String {
        let target = scenario.today.adding(days: Int.random(in: 1...40, using: &random))
        var ran = 0
        while let next = timers.values.filter({ $0.due <= target }).min(by: { ($0.due, $0.key) < ($1.due, $1.key) }) {
            timers[next.key] = nil
            scenario.today = max(scenario.today, next.due)
            guard let service = ServiceCatalog.service(next.service) else { continue }
            _ = submit(service, next.payload, as: .system)
            ran += 1
        }
        scenario.today = target
        return "advance to \(target.iso) (\(ran) timers)"
    }

    /// One random request, mostly well formed, by staff or the system: half the time the next
    /// step of something the person has open, else any service.
    mutating func request() -> String {
        if chance(4) {  // newcomers, so that a long run does not empty the world
            let person = PersonID.make(prefix: chance(30) ? 1 : 2, body: 1000 + people.count)
            let at = pick(establishments)
            register(person, at: at)
            return "worker.register \(person) at \(at)"
        }
        let busy = people.filter { !scenario.world.openCases(of: $0).isEmpty }
        let person = chance(40) && !busy.isEmpty ? pick(busy) : pick(people)
        if chance(50), let (service, payload, role) = followUp(person) {
            return describe(service, payload, submit(service, payload, as: role))
        }
        let employer = scenario.world.workers[person]?.employer ?? pick(establishments)
        let other = pick(establishments)
        let worker: [String: JSONValue] = ["worker_id": .id(person)]
        let atEmployer = worker.merging(["establishment_id": .id(employer)]) { $1 }
        let transferFee = scenario.world.openCase(.transfer, of: person)?.details["fee"] ?? 0
        let permit = scenario.world.permits[person]
        let guardian = scenario.world.workers[person]?.guardian.map { JSONValue.id($0) } ?? .id(pick(people))
        let choices: [(ServiceDefinition, [String: JSONValue], Actor.Role)] = [
            (WorkPermitFlow.issue, atEmployer.merging(["months": JSONValue(pick([3, 6, 12]))]) { $1 }, .staff),
            (WorkPermitFlow.pay, worker.merging(["amount": JSONValue((permit?.levy ?? 0) + (permit?.fee ?? 0))]) { $1 }, .system),
            (WorkPermitFlow.renew, atEmployer.merging(["months": JSONValue(pick([3, 12]))]) { $1 }, .staff),
            (WorkPermitFlow.issueTemporary, atEmployer, .staff),
            (WorkPermitFlow.extendTemporary, atEmployer, .staff),
            (TransferFlow.request, worker.merging(["establishment_id": .id(other)]) { $1 }, .staff),
            (TransferFlow.accept, worker, .staff),
            (TransferFlow.decline, worker, .staff),
            (TransferFlow.consent, atEmployer, .staff),
            (TransferFlow.refuse, atEmployer.merging(["reason": "needed"]) { $1 }, .staff),
            (TransferFlow.pay, worker.merging(["amount": transferFee]) { $1 }, .system),
            (TransferFlow.cancel, worker.merging(["establishment_id": .id(scenario.world.openCase(.transfer, of: person)?.establishment ?? other)]) { $1 }, .staff),
            (FinalExitFlow.issue, atEmployer, .staff),
            (FinalExitFlow.request, worker, .staff),
            (FinalExitFlow.approve, atEmployer, .staff),
            (FinalExitFlow.cancel, atEmployer, .staff),
            (FinalExitFlow.depart, worker, .system),
            (AbsenceReportFlow.file, atEmployer, .staff),
            (AbsenceReportFlow.cancel, atEmployer, .staff),
            (AbsenceReportFlow.clear, worker.merging(["case_id": caseID(.absenceReport, of: person)]) { $1 }, .staff),
            (BranchChangeFlow.request, atEmployer.merging(["target_establishment_id": .id(employer == Scenario.e1 ? Scenario.e2 : Scenario.e1)]) { $1 }, .staff),
            (BranchChangeFlow.accept, worker, .staff),
            (OccupationChangeFlow.request, atEmployer.merging(["occupation": JSONValue(stringLiteral: pick(["mason", "laborer", "receptionist", "carpenter"]))]) { $1 }, .staff),
            (OccupationChangeFlow.accept, worker, .staff),
            (OccupationChangeFlow.pay, worker.merging(["amount": scenario.world.openCase(.occupationChange, of: person)?.details["fee"] ?? 0]) { $1 }, .system),
            (DependentTransferFlow.request, ["dependent_id": .id(person), "establishment_id": .id(other), "occupation": "mason", "wage": 3000], .staff),
            (DependentTransferFlow.approve, ["dependent_id": .id(person), "guardian_id": guardian], .staff),
            (DependentTransferFlow.complete, ["dependent_id": .id(person), "establishment_id": .id(other)], .staff),
            (EstablishmentFileFlow.issueCertificate, ["establishment_id": .id(other)], .staff),
        ]
        let (service, payload, role) = pick(choices)
        return describe(service, payload, submit(service, payload, as: role))
    }

    func describe(_ service: ServiceDefinition, _ payload: [String: JSONValue], _ decision: Decision) -> String {
        "\(service.code) \(payload.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.jsonText)" }.joined(separator: " ")): "
            + (decision.reason.map { "refused \($0.code.rawValue)" } ?? "completed")
    }

    /// The step that moves one of the person's open cases (or his unpaid permit) on, if any.
    mutating func followUp(_ person: PersonID) -> (ServiceDefinition, [String: JSONValue], Actor.Role)? {
        let world = scenario.world
        let worker: [String: JSONValue] = ["worker_id": .id(person)]
        let employer = world.workers[person]?.employer.map { JSONValue.id($0) } ?? .id(Scenario.e1)
        let atEmployer = worker.merging(["establishment_id": employer]) { $1 }
        var steps: [(ServiceDefinition, [String: JSONValue], Actor.Role)] = []
        if let permit = world.permits[person], permit.state == .invoiced {
            steps.append((WorkPermitFlow.pay, worker.merging(["amount": JSONValue(permit.levy + permit.fee)]) { $1 }, .system))
        }
        for file in world.openCases(of: person) {
            let fee = file.details["fee"] ?? 0
            switch (file.kind, file.state) {
            case (.transfer, "pending_worker"): steps.append((TransferFlow.accept, worker, .staff))
            case (.transfer, "pending_current_employer"): steps.append((TransferFlow.consent, atEmployer, .staff))
            case (.transfer, "awaiting_fee"): steps.append((TransferFlow.pay, worker.merging(["amount": fee]) { $1 }, .system))
            case (.occupationChange, "pending_worker"): steps.append((OccupationChangeFlow.accept, worker, .staff))
            case (.occupationChange, "awaiting_fee"): steps.append((OccupationChangeFlow.pay, worker.merging(["amount": fee]) { $1 }, .system))
            case (.branchChange, "pending_worker"): steps.append((BranchChangeFlow.accept, worker, .staff))
            case (.finalExit, "pending_employer"): steps.append((FinalExitFlow.approve, atEmployer, .staff))
            case (.finalExit, "issued"): steps.append((FinalExitFlow.depart, worker, .system))
            case (.dependentTransfer, "pending_guardian"):
                let guardian = world.workers[person]?.guardian.map { JSONValue.id($0) } ?? .id(person)
                steps.append((DependentTransferFlow.approve, ["dependent_id": .id(person), "guardian_id": guardian], .staff))
            case (.dependentTransfer, "approved"):
                steps.append((DependentTransferFlow.complete, ["dependent_id": .id(person), "establishment_id": .id(file.establishment)], .staff))
            default: break
            }
        }
        return steps.isEmpty ? nil : pick(steps)
    }

    /// The worker's open case of `kind` (its id as a request names it), or a case nobody has.
    func caseID(_ kind: CaseFile.Kind, of person: PersonID) -> JSONValue {
        let file = scenario.world.openCase(kind, of: person)
            ?? everyCase.values.filter { $0.worker == person && $0.kind == kind }.max { ($0.openedAt, $0.id.uuidString) < ($1.openedAt, $1.id.uuidString) }
        return .string(file?.id.uuidString.lowercased() ?? UUID().uuidString.lowercased())
    }

    /// Every case as it last stood, open or closed (the engine loads a closed one by its id).
    var everyCase: [UUID: CaseFile] = [:]

    /// Decides and, when completed, applies the decision and its timers as the engine would.
    mutating func submit(_ service: ServiceDefinition, _ payload: [String: JSONValue], as role: Actor.Role) -> Decision {
        if let id = payload["case_id"]?.stringValue.flatMap(UUID.init(uuidString:)), let file = everyCase[id] {
            scenario.world.casesByID[id] = file
        }
        // Request ids from the seed too, so that a seed replays its run exactly.
        let (a, b) = (random.next(), random.next())
        let id = withUnsafeBytes(of: (a, b)) { UUID(uuid: $0.load(as: uuid_t.self)) }
        let decision = scenario.decide(service, payload, as: role, id: id)
        // Every decision is checked, the timers' and the set-up's too, not only a step's last.
        if brokenDecision == nil { brokenDecision = Self.problem(of: decision, service.code) }
        guard decision.isCompleted else { return decision }
        completed[service.code, default: 0] += 1
        scenario.apply(decision)
        // The engine loads each guardian's dependents by query; here the index is rebuilt, so
        // that dependents move with their guardian's transfer as they do in the engine.
        scenario.world.dependents = Dictionary(grouping: scenario.world.workers.values.filter { $0.employment == .dependent && $0.guardian != nil },
                                               by: { $0.guardian! }).mapValues { $0.map(\.id) }
        for case .caseFile(let file) in decision.changes { everyCase[file.id] = file }
        for key in decision.cancelledTimers { timers[key] = nil }
        for timer in decision.timers { timers[timer.key] = timer }
        return decision
    }

    /// The first decision that broke a rule of decisions, if any.
    var brokenDecision: String?

    /// What is wrong with a decision in itself: a refusal that changes something or lacks a
    /// language, a change without an event, an event without a type or an aggregate.
    static func problem(of decision: Decision, _ code: String) -> String? {
        if let reason = decision.reason {
            if !decision.changes.isEmpty || !decision.events.isEmpty { return "\(code): refused, yet changed something" }
            if reason.arabic.isEmpty || reason.english.isEmpty { return "\(code): a refusal without its Arabic and English text" }
        } else if !decision.changes.isEmpty && decision.events.isEmpty {
            return "\(code): changed the world without an event"
        } else if decision.events.contains(where: { $0.aggregate.isEmpty || $0.type.isEmpty }) {
            return "\(code): an event without a type or an aggregate"
        }
        return nil
    }
    /// How many requests of each service completed.
    var completed: [String: Int] = [:]

    // MARK: The invariants

    /// The first invariant the world or the last decision breaks, or nil.
    func check(_ label: String) -> String? {
        let world = scenario.world
        let rules = scenario.rules
        if let brokenDecision { return brokenDecision }
        for id in establishments {
            guard let establishment = world.establishments[id] else { return "\(id) vanished" }
            let counted = world.workers.values.filter { $0.employer == id && Nitaqat.counts($0, in: world) }
            let saudis = counted.filter(\.isSaudi)
            let weight = saudis.map { Nitaqat.weight(of: $0, rules: rules.nitaqat) }.reduce(0, +)
            if establishment.headcount != counted.count { return "\(id): headcount \(establishment.headcount), \(counted.count) counted workers" }
            if establishment.saudiCount != saudis.count { return "\(id): \(establishment.saudiCount) Saudis counted, \(saudis.count) employed" }
            if abs(establishment.saudiWeight - weight) > 1e-9 { return "\(id): Saudi weight \(establishment.saudiWeight), by definition \(weight)" }
            let seats = counted.filter(\.levyExempt).count
            if establishment.levyExemptExpats != seats { return "\(id): \(establishment.levyExemptExpats) levy seats, \(seats) holders" }
            if seats > rules.levy.smallEstablishmentExemptExpats { return "\(id): \(seats) levy seats, more than the rulebook's" }
        }
        for worker in world.workers.values {
            let open = world.openCases(of: worker.id)
            let permit = world.permits[worker.id]
            let permitValid = permit.map { $0.state != .void } ?? false
            switch worker.employment {
            case .employed:
                guard let employer = worker.employer, world.establishments[employer] != nil else { return "\(worker.id): employed by no establishment" }
            case .departed:
                if !open.isEmpty { return "\(worker.id): departed with an open \(open[0].kind.rawValue)" }
                if permitValid { return "\(worker.id): departed with a \(permit!.state.rawValue) permit" }
            case .absconded, .removed:
                if let stray = open.first(where: { $0.kind != .finalExit && $0.kind != .transfer }) {
                    return "\(worker.id): \(worker.employment.rawValue) with an open \(stray.kind.rawValue) (only leaving or moving is open to him)"
                }
                if permitValid { return "\(worker.id): \(worker.employment.rawValue) with a \(permit!.state.rawValue) permit" }
            case .dependent:
                if worker.guardian == nil { return "\(worker.id): a dependent without a guardian" }
            }
            if worker.employment != .employed && worker.employer != nil && worker.employment != .dependent {
                return "\(worker.id): \(worker.employment.rawValue) yet still has an employer"
            }
            if worker.levyExempt && (worker.isSaudi || !Nitaqat.counts(worker, in: world)) { return "\(worker.id): holds a levy seat uncounted" }
            if let permit, permitValid, permit.establishment != worker.employer {
                return "\(worker.id): a \(permit.state.rawValue) permit at \(permit.establishment), employed by \(worker.employer?.description ?? "none")"
            }
            if let permit, permit.levy < 0 || permit.fee < 0 { return "\(worker.id): a permit with negative money" }
            if let stray = open.first(where: { ($0.details["fee"]?.intValue ?? 0) < 0 }) { return "\(worker.id): a negative fee on \(stray.kind.rawValue)" }
            if Set(open.map(\.kind)).count != open.count { return "\(worker.id): two open cases of one kind" }
        }
        return nil
    }
}
