import Domain
import Foundation
import Testing

/// Every state × every action of every workflow table, decided against a world where all
/// other rules pass: an action the table allows completes and lands in the table's target
/// state; any other is refused (a timer whose moment has passed completes with no effect).
///
/// A case in a closed state is history: for the actions that address the worker's open
/// case, the worker is back at the table's initial state. (`absence-report.clear` addresses
/// a case by id, so it sees the closed state itself.)
@Suite("Workflow tables, exhaustively")
struct StateMachineTests {
    /// How one workflow is exercised.
    struct Harness<Table: StateTable> {
        let services: [String: ServiceDefinition]
        /// Actions that are effects of other workflows, not services (tested elsewhere).
        let effects: Set<String>
        /// The scenario with the workflow in `state`, ready for `action`.
        let setUp: (Table.State, String) -> Scenario
        /// The payload for `action`.
        let payload: (String, Scenario) -> [String: JSONValue]
        /// The state a decision left the workflow in.
        let stateAfter: (Decision) -> Table.State?
        let addressesByID: Set<String>
        /// Actions that open a case of their own whatever other cases are open (an
        /// establishment may have several visa issues): they act from the initial state.
        let opening: Set<String>
        /// Case workflows: a closed case is history (the worker is back at the initial state).
        let isCase: Bool

        init(services: [String: ServiceDefinition], effects: Set<String> = [], addressesByID: Set<String> = [], opening: Set<String> = [],
             isCase: Bool = true,
             setUp: @escaping (Table.State, String) -> Scenario, payload: @escaping (String, Scenario) -> [String: JSONValue],
             stateAfter: @escaping (Decision) -> Table.State?) {
            self.services = services
            self.effects = effects
            self.addressesByID = addressesByID
            self.opening = opening
            self.isCase = isCase
            self.setUp = setUp
            self.payload = payload
            self.stateAfter = stateAfter
        }

        func check(sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(Set(services.keys).union(effects) == Set(Table.actions), "every action has a service or is an effect", sourceLocation: sourceLocation)
            for state in Table.State.allCases {
                for action in Table.actions where !effects.contains(action) {
                    guard let service = services[action] else { continue }
                    let scenario = setUp(state, action)
                    let decision = scenario.decide(service, payload(action, scenario))
                    let closed = isCase && ServiceCatalog.closedCaseStates.contains(state.rawValue)
                    let effective = opening.contains(action) || (closed && !addressesByID.contains(action)) ? Table.initial : state
                    let allowed = Table.transitions.filter { $0.action == action && $0.from == effective }.map(\.to)
                    let label = "\(Table.name): \(action) from \(state.rawValue)"
                    if allowed.isEmpty {
                        if service.internalOnly {
                            #expect(decision.isCompleted && decision.changes.isEmpty && decision.events.isEmpty, "\(label): a stale timer does nothing", sourceLocation: sourceLocation)
                        } else {
                            #expect(decision.reason != nil, "\(label) must be refused", sourceLocation: sourceLocation)
                        }
                    } else {
                        #expect(decision.isCompleted, "\(label) must complete, got \(decision.reason?.code.rawValue ?? "?")", sourceLocation: sourceLocation)
                        if decision.isCompleted {
                            let after = stateAfter(decision)
                            #expect(after.map { allowed.contains($0) } ?? false, "\(label) → \(after?.rawValue ?? "nil"), expected \(allowed.map(\.rawValue))", sourceLocation: sourceLocation)
                            #expect(!decision.events.isEmpty, "\(label) records an event", sourceLocation: sourceLocation)
                        }
                    }
                }
            }
        }
    }

    // MARK: Case workflows

    /// A scenario with `w` (or `d`) holding a case of `kind` in `state`.
    static func withCase(_ kind: CaseFile.Kind, _ state: String, worker: PersonID = Scenario.w, establishment: EstablishmentID,
                         counterpart: EstablishmentID? = nil, details: [String: JSONValue] = [:], tweak: (inout Scenario) -> Void = { _ in }) -> Scenario {
        var scenario = Scenario()
        tweak(&scenario)
        guard state != "none" else { return scenario }
        let file = CaseFile(id: caseID, kind: kind, worker: worker, establishment: establishment, counterpart: counterpart,
                            state: state, openedAt: scenario.today.start, openedOn: scenario.today.adding(days: -2),
                            deadline: scenario.today.adding(days: 5), details: details)
        scenario.world.casesByID[file.id] = file
        if ServiceCatalog.isOpen(file) { scenario.world.cases[worker, default: []].append(file) }
        return scenario
    }

    static let caseID = UUID(uuidString: "00000000-0000-4000-8000-0000000000c1")!

    /// `end`: a case ends because its worker left (departed, absconded, removed), an effect
    /// of those workflows (FidelityTests, "#1").
    static let endedByLeaving: Set<String> = ["end"]
    static let caseIDText = JSONValue.string(caseID.uuidString.lowercased())

    static func caseState<State: RawRepresentable>(_ decision: Decision) -> State? where State.RawValue == String {
        Scenario.caseFile(in: decision).flatMap { State(rawValue: $0.state) }
    }

    @Test("final exit") func finalExit() {
        Harness<FinalExitFlow>(
            services: ["issue": FinalExitFlow.issue, "request": FinalExitFlow.request, "approve": FinalExitFlow.approve,
                       "employer-deadline": FinalExitFlow.employerDeadline, "cancel": FinalExitFlow.cancel,
                       "depart": FinalExitFlow.depart, "lapse": FinalExitFlow.lapse],
            effects: Self.endedByLeaving,
            setUp: { state, _ in
                Self.withCase(.finalExit, state.rawValue, establishment: Scenario.e1) { scenario in
                    scenario.world.workers[Scenario.w]?.contractEndsOn = scenario.today.adding(days: -1)
                }
            },
            payload: { action, _ in
                switch action {
                case "request", "depart": return ["worker_id": .id(Scenario.w)]
                case "employer-deadline", "lapse": return ["worker_id": .id(Scenario.w), "case_id": Self.caseIDText]
                default: return ["worker_id": .id(Scenario.w), "establishment_id": .id(Scenario.e1)]
                }
            },
            stateAfter: Self.caseState).check()
    }

    @Test("service transfer") func transfer() {
        Harness<TransferFlow>(
            services: Dictionary(uniqueKeysWithValues: TransferFlow.services.map { (String($0.code.split(separator: ".")[1]), $0) }),
            effects: Self.endedByLeaving,
            setUp: { state, _ in
                Self.withCase(.transfer, state.rawValue, establishment: Scenario.e3, counterpart: Scenario.e1, details: ["fee": 2000])
            },
            payload: { action, _ in
                switch action {
                case "request", "cancel": return ["worker_id": .id(Scenario.w), "establishment_id": .id(Scenario.e3)]
                case "accept", "decline": return ["worker_id": .id(Scenario.w)]
                case "consent": return ["worker_id": .id(Scenario.w), "establishment_id": .id(Scenario.e1)]
                case "refuse": return ["worker_id": .id(Scenario.w), "establishment_id": .id(Scenario.e1), "reason": "needed"]
                case "pay": return ["worker_id": .id(Scenario.w), "amount": 2000]
                default: return ["worker_id": .id(Scenario.w), "case_id": Self.caseIDText]
                }
            },
            stateAfter: Self.caseState).check()
    }

    @Test("dependent's transfer") func dependentTransfer() {
        Harness<DependentTransferFlow>(
            services: Dictionary(uniqueKeysWithValues: DependentTransferFlow.services.map { (String($0.code.split(separator: ".")[1]), $0) }),
            effects: Self.endedByLeaving,
            setUp: { state, _ in
                Self.withCase(.dependentTransfer, state.rawValue, worker: Scenario.d, establishment: Scenario.e3,
                              details: ["occupation": "mason", "wage": 3000])
            },
            payload: { action, _ in
                switch action {
                case "request": return ["dependent_id": .id(Scenario.d), "establishment_id": .id(Scenario.e3), "occupation": "mason", "wage": 3000]
                case "approve", "reject": return ["dependent_id": .id(Scenario.d), "guardian_id": .id(Scenario.w)]
                case "complete": return ["dependent_id": .id(Scenario.d), "establishment_id": .id(Scenario.e3)]
                default: return ["worker_id": .id(Scenario.d), "case_id": Self.caseIDText]
                }
            },
            stateAfter: Self.caseState).check()
    }

    @Test("branch change") func branchChange() {
        Harness<BranchChangeFlow>(
            services: Dictionary(uniqueKeysWithValues: BranchChangeFlow.services.map { (String($0.code.split(separator: ".")[1]), $0) }),
            effects: Self.endedByLeaving,
            setUp: { state, _ in Self.withCase(.branchChange, state.rawValue, establishment: Scenario.e1, counterpart: Scenario.e2) },
            payload: { action, _ in
                switch action {
                case "request": return ["worker_id": .id(Scenario.w), "establishment_id": .id(Scenario.e1), "target_establishment_id": .id(Scenario.e2)]
                case "lapse": return ["worker_id": .id(Scenario.w), "case_id": Self.caseIDText]
                default: return ["worker_id": .id(Scenario.w)]
                }
            },
            stateAfter: Self.caseState).check()
    }

    @Test("occupation change") func occupationChange() {
        Harness<OccupationChangeFlow>(
            services: Dictionary(uniqueKeysWithValues: OccupationChangeFlow.services.map { (String($0.code.split(separator: ".")[1]), $0) }),
            effects: Self.endedByLeaving,
            setUp: { state, _ in
                Self.withCase(.occupationChange, state.rawValue, establishment: Scenario.e1, details: ["from": "laborer", "to": "mason", "fee": 2000])
            },
            payload: { action, _ in
                switch action {
                case "request", "correct": return ["worker_id": .id(Scenario.w), "establishment_id": .id(Scenario.e1), "occupation": "mason"]
                case "pay": return ["worker_id": .id(Scenario.w), "amount": 2000]
                case "lapse": return ["worker_id": .id(Scenario.w), "case_id": Self.caseIDText]
                default: return ["worker_id": .id(Scenario.w)]
                }
            },
            stateAfter: Self.caseState).check()
    }

    @Test("absence report") func absenceReport() {
        Harness<AbsenceReportFlow>(
            services: Dictionary(uniqueKeysWithValues: AbsenceReportFlow.services.map { (String($0.code.split(separator: ".")[1]), $0) }),
            effects: Self.endedByLeaving, addressesByID: ["clear"],
            setUp: { state, _ in Self.withCase(.absenceReport, state.rawValue, establishment: Scenario.e1) },
            payload: { action, _ in
                switch action {
                case "file", "cancel": return ["worker_id": .id(Scenario.w), "establishment_id": .id(Scenario.e1)]
                default: return ["worker_id": .id(Scenario.w), "case_id": Self.caseIDText]
                }
            },
            stateAfter: Self.caseState).check()
    }

    // MARK: Permits and establishment files

    @Test("work permit") func workPermit() {
        Harness<WorkPermitFlow>(
            services: ["issue": WorkPermitFlow.issue, "pay": WorkPermitFlow.pay, "renew": WorkPermitFlow.renew,
                       "issue-temporary": WorkPermitFlow.issueTemporary, "extend-temporary": WorkPermitFlow.extendTemporary,
                       "expire": WorkPermitFlow.expire, "remove": WorkPermitFlow.remove],
            effects: ["end"], isCase: false,
            setUp: { state, action in
                var scenario = Scenario()
                scenario.world.workers[Scenario.w]?.arrivedOn = scenario.today.adding(days: -10)
                guard var permit = scenario.world.permits[Scenario.w] else { return scenario }
                permit.state = state
                if action == "extend-temporary" { permit.kind = .temporary }
                switch state {
                case .none: scenario.world.permits[Scenario.w] = nil
                case .expired:
                    permit.expiresOn = scenario.today.adding(days: -10)
                    scenario.world.permits[Scenario.w] = permit
                default: scenario.world.permits[Scenario.w] = permit
                }
                return scenario
            },
            payload: { action, scenario in
                let permit = scenario.world.permits[Scenario.w]
                switch action {
                case "pay": return ["worker_id": .id(Scenario.w), "amount": .number(Double((permit?.levy ?? 0) + (permit?.fee ?? 0)))]
                case "expire", "remove":
                    return ["worker_id": .id(Scenario.w), "permit_id": .string(permit?.id.uuidString.lowercased() ?? UUID().uuidString),
                            "expires_on": JSONValue(permit?.expiresOn ?? scenario.today)]
                case "issue-temporary", "extend-temporary": return ["worker_id": .id(Scenario.w), "establishment_id": .id(Scenario.e1)]
                default: return ["worker_id": .id(Scenario.w), "establishment_id": .id(Scenario.e1), "months": 12]
                }
            },
            stateAfter: { Scenario.permit(in: $0)?.state }).check()
    }

    @Test("establishment file") func establishmentFile() {
        Harness<EstablishmentFileFlow>(
            services: ["open": EstablishmentFileFlow.open, "change-activity": EstablishmentFileFlow.changeActivity,
                       "issue-certificate": EstablishmentFileFlow.issueCertificate, "update-owners": EstablishmentFileFlow.updateOwners],
            effects: ["suspend", "reinstate"], isCase: false,
            setUp: { state, _ in
                var scenario = Scenario()
                switch state {
                case .none: scenario.world.establishments[Scenario.e1] = nil
                case .active: break
                case .suspended:
                    scenario.world.establishments[Scenario.e1]?.status = .suspended
                    scenario.world.establishments[Scenario.e1]?.suspendedUntil = scenario.today.adding(years: 1)
                }
                return scenario
            },
            payload: { action, _ in
                switch action {
                case "open":
                    return ["establishment_id": .id(Scenario.e1), "unified_number": "7000000009", "cr_number": "1999999999",
                            "name_ar": "منشأة", "name_en": "New", "activity": "retail", "cr_expires_on": "2030-01-01"]
                case "change-activity": return ["establishment_id": .id(Scenario.e1), "activity": "manufacturing"]
                case "update-owners": return ["establishment_id": .id(Scenario.e1), "owners": [.id(Scenario.saudi)]]
                default: return ["establishment_id": .id(Scenario.e1)]
                }
            },
            stateAfter: { decision in
                for change in decision.changes {
                    if case .establishment(let establishment) = change {
                        return establishment.status == .active ? .active : .suspended
                    }
                    if case .certificate = change { return .active }
                }
                // Owners change nothing else: the file stays in the state it was in.
                if decision.changes.contains(where: { if case .owners = $0 { return true } else { return false } }) {
                    return decision.events.first?.data["state"]?.stringValue.flatMap(EstablishmentFileFlow.State.init(rawValue:))
                }
                return nil
            }).check()
    }

    @Test("the effects other workflows cause") func effects() {
        // work-permit "end": a departure voids the permit.
        var departure = Self.withCase(.finalExit, "issued", establishment: Scenario.e1)
        let departed = departure.run(FinalExitFlow.depart, ["worker_id": .id(Scenario.w)])
        #expect(Scenario.permit(in: departed)?.state == .void)
        #expect(departure.world.workers[Scenario.w]?.employment == .departed)
        // establishment "suspend": a malicious report found; "reinstate": the suspension's end passes.
        var malicious = Self.withCase(.absenceReport, "final", establishment: Scenario.e1)
        let cleared = malicious.run(AbsenceReportFlow.clear, ["worker_id": .id(Scenario.w), "case_id": Self.caseIDText])
        #expect(cleared.isCompleted)
        #expect(malicious.world.establishments[Scenario.e1]?.status == .suspended)
        let refused = malicious.decide(EstablishmentFileFlow.issueCertificate, ["establishment_id": .id(Scenario.e1)])
        #expect(refused.reason?.code == .establishmentSuspended)
        malicious.advance(days: 366)
        #expect(malicious.decide(EstablishmentFileFlow.issueCertificate, ["establishment_id": .id(Scenario.e1)]).isCompleted)
    }
}

@Suite("Workflow documentation")
struct WorkflowDocumentTests {
    @Test("docs/WORKFLOWS.md is the tables the engine runs (regenerate: muamala workflows --markdown > docs/WORKFLOWS.md)")
    func upToDate() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/WORKFLOWS.md")
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(text == WorkflowDocument.render())
    }

    @Test("every workflow's states are reachable from its initial state")
    func reachable() {
        for diagram in ServiceCatalog.workflows {
            var reached: Set<String> = [diagram.initial]
            var changed = true
            while changed {
                changed = false
                for edge in diagram.edges where reached.contains(edge.from) && !reached.contains(edge.to) {
                    reached.insert(edge.to)
                    changed = true
                }
            }
            #expect(reached == Set(diagram.states), "\(diagram.name): unreachable \(Set(diagram.states).subtracting(reached))")
        }
    }
}
