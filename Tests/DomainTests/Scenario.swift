import Domain
import Foundation

/// A small world where every gate passes, for deciding one request at a time.
///
/// - `e1` (construction, green: 6 Saudis paid in full, 4 residents) employs worker `w`
///   (resident, contract running, active permit expiring in 30 days) and dependent `d`'s
///   guardian is `w`;
/// - `e2` is another branch of the same company; `e3` belongs to another company (green).
struct Scenario {
    /// The repository's rulebook file.
    static let rulebookFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Rulebook/rulebook.json")

    static let rulebook: Rulebook = {
        do { return try Rulebook(json: try Data(contentsOf: rulebookFile)) } catch { preconditionFailure("rulebook: \(error)") }
    }()

    static let today = Day(year: 2026, month: 6, day: 15)
    static let e1 = EstablishmentID(office: 1, sequence: 1)
    static let e2 = EstablishmentID(office: 1, sequence: 2)
    static let e3 = EstablishmentID(office: 2, sequence: 1)
    static let w = PersonID.make(prefix: 2, body: 1)
    static let d = PersonID.make(prefix: 2, body: 2)
    static let saudi = PersonID.make(prefix: 1, body: 1)

    var world = World()
    var today = Scenario.today

    init() {
        func establishment(_ id: EstablishmentID, company: String, activity: String = "construction") -> Establishment {
            Establishment(
                id: id, unifiedNumber: UnifiedNumber(trusted: company), cr: CRNumber(trusted: "10000000\(id.office)\(id.sequence)"),
                nameAr: "منشأة", nameEn: "Establishment", activity: activity, crExpiresOn: Day(year: 2030, month: 1, day: 1),
                openedOn: Day(year: 2015, month: 1, day: 1), headcount: 10, saudiCount: 6, saudiWeight: 6)
        }
        for (id, company) in [(Scenario.e1, "7000000001"), (Scenario.e2, "7000000001"), (Scenario.e3, "7000000002")] {
            world.establishments[id] = establishment(id, company: company)
            world.registrations[world.establishments[id]!.cr] = id
            world.companies[UnifiedNumber(trusted: company), default: []].append(id)
            world.expiredPermits[UnifiedNumber(trusted: company)] = 0
        }
        world.workers[Scenario.w] = Worker(
            id: Scenario.w, name: "Worker", nationality: "IND", birthDate: Day(year: 1990, month: 1, day: 1), employer: Scenario.e1,
            occupation: "laborer", wage: 2500, employment: .employed, arrivedOn: Day(year: 2020, month: 1, day: 1),
            contractEndsOn: Day(year: 2027, month: 1, day: 1), iqamaExpiresOn: Day(year: 2028, month: 1, day: 1))
        world.workers[Scenario.d] = Worker(
            id: Scenario.d, name: "Dependent", nationality: "IND", birthDate: Day(year: 2000, month: 1, day: 1), employer: Scenario.e1,
            occupation: "laborer", wage: 0, employment: .dependent, guardian: Scenario.w)
        world.dependents[Scenario.w] = [Scenario.d]
        world.permits[Scenario.w] = Permit(
            id: UUID(uuidString: "00000000-0000-4000-8000-0000000000a1")!, worker: Scenario.w, establishment: Scenario.e1,
            kind: .regular, state: .active, validFrom: Scenario.today.adding(days: -335), expiresOn: Scenario.today.adding(days: 30),
            months: 12, levy: 8400, fee: 100)
    }

    var rules: RuleParameters { Scenario.rulebook.parameters(on: today) }

    /// Decides `service` with `payload` as `actor`, on `today` (at 10:00 Riyadh).
    func decide(_ service: ServiceDefinition, _ payload: [String: JSONValue], as role: Actor.Role = .staff, id: UUID = UUID()) -> Decision {
        let subject = service.subject(of: Payload(values: payload)) ?? .worker(Scenario.w)
        let request = RequestInput(
            id: id, service: service.code, actor: Actor(id: "test", role: role),
            establishment: service.establishment(of: Payload(values: payload)), subject: subject,
            payload: Payload(values: payload), submittedAt: today.start.addingTimeInterval(7 * 3600))
        return service.decide(DecisionContext(request: request, now: today.start.addingTimeInterval(7 * 3600), rules: rules, world: world))
    }

    /// Applies a completed decision, as the engine does between requests.
    mutating func apply(_ decision: Decision) {
        world.apply(decision.changes, closedStates: { !ServiceCatalog.isOpen($0) })
    }

    /// Decides and applies; returns the decision.
    @discardableResult
    mutating func run(_ service: ServiceDefinition, _ payload: [String: JSONValue], as role: Actor.Role = .staff) -> Decision {
        let decision = decide(service, payload, as: role)
        if decision.isCompleted { apply(decision) }
        return decision
    }

    /// Empties an establishment's counts (no employees), for worlds built through the services.
    mutating func empty(_ id: EstablishmentID) {
        world.establishments[id]?.headcount = 0
        world.establishments[id]?.saudiCount = 0
        world.establishments[id]?.saudiWeight = 0
    }

    /// Takes every Saudi out of an establishment's counts: red, whatever its size.
    mutating func makeRed(_ id: EstablishmentID) {
        world.establishments[id]?.saudiCount = 0
        world.establishments[id]?.saudiWeight = 0
    }

    /// Moves the date forward.
    mutating func advance(days: Int) { today = today.adding(days: days) }

    /// The case in a decision's changes, if any.
    static func caseFile(in decision: Decision) -> CaseFile? {
        decision.changes.compactMap { if case .caseFile(let file) = $0 { return file } else { return nil } }.last
    }

    static func permit(in decision: Decision) -> Permit? {
        decision.changes.compactMap { if case .permit(let permit) = $0 { return permit } else { return nil } }.last
    }

    /// The timer payload a decision scheduled for a service.
    static func timer(_ service: String, in decision: Decision) -> ScheduledRequest? {
        decision.timers.first { $0.service == service }
    }
}

extension JSONValue {
    static func id(_ person: PersonID) -> JSONValue { .string(person.digits) }
    static func id(_ establishment: EstablishmentID) -> JSONValue { .string(establishment.description) }
}
