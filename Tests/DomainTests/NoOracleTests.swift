@testable import Domain
import Foundation
import Testing

/// A refusal tells a caller nothing about a worker outside its rights: every service an
/// employer may ask for, about another company's worker in any state, answers exactly as it
/// answers about a number nobody holds.
@Suite("No oracle across companies")
struct NoOracleTests {
    static let nobody = PersonID.make(prefix: 2, body: 777)

    /// Ways another company's worker (`w`, of `e1`) can stand.
    static var foreignStates: [(String, (inout Scenario) -> Void)] {
        func withCase(_ kind: CaseFile.Kind, _ state: String, at establishment: EstablishmentID = Scenario.e1) -> (inout Scenario) -> Void {
            { scenario in
                let file = CaseFile(id: UUID(), kind: kind, worker: Scenario.w, establishment: establishment, counterpart: Scenario.e1,
                                    state: state, openedAt: scenario.today.start, openedOn: scenario.today,
                                    deadline: scenario.today.adding(days: 5), details: ["fee": 2000, "to": "mason"])
                scenario.world.cases[Scenario.w, default: []].append(file)
            }
        }
        return [
            ("employed, permit active", { _ in }),
            ("permit expired", { $0.world.permits[Scenario.w]?.state = .expired }),
            ("permit invoiced", { $0.world.permits[Scenario.w]?.state = .invoiced }),
            ("no permit", { $0.world.permits[Scenario.w] = nil }),
            ("temporary permit", { $0.world.permits[Scenario.w]?.kind = .temporary }),
            ("departed", { $0.world.workers[Scenario.w]?.employment = .departed; $0.world.workers[Scenario.w]?.employer = nil }),
            ("absconded", { $0.world.workers[Scenario.w]?.employment = .absconded; $0.world.workers[Scenario.w]?.employer = nil }),
            ("removed", { $0.world.workers[Scenario.w]?.employment = .removed; $0.world.workers[Scenario.w]?.employer = nil }),
            ("a Saudi", { _ in }),
            ("absence report open", withCase(.absenceReport, "open")),
            ("final exit issued", withCase(.finalExit, "issued")),
            ("final exit asked for", withCase(.finalExit, "pending_employer")),
            ("transfer to a sibling pending", withCase(.transfer, "pending_worker", at: Scenario.e2)),
            ("transfer awaiting the fee", withCase(.transfer, "awaiting_fee", at: Scenario.e2)),
            ("branch change pending", withCase(.branchChange, "pending_worker")),
            ("occupation change pending", withCase(.occupationChange, "pending_worker")),
            ("dependent transfer approved", withCase(.dependentTransfer, "approved", at: Scenario.e2)),
        ]
    }

    /// A payload for `service` about `worker`, acting for `e3`, with valid values elsewhere.
    static func payload(_ service: ServiceDefinition, about worker: PersonID) -> [String: JSONValue] {
        var payload: [String: JSONValue] = [:]
        for field in service.fields {
            switch field.type {
            case .personID: payload[field.name] = .id(worker)
            case .establishmentID: payload[field.name] = .id(Scenario.e3)
            case .integer(let range): payload[field.name] = JSONValue(range.contains(12) ? 12 : range.lowerBound)
            case .number(let range): payload[field.name] = .number(range.lowerBound)
            case .text: payload[field.name] = "mason"
            case .day: payload[field.name] = JSONValue(Scenario.today.adding(days: 400))
            case .boolean: payload[field.name] = false
            case .choice(let values): payload[field.name] = .string(values[0])
            case .uuid: payload[field.name] = .string(UUID().uuidString.lowercased())
            case .unifiedNumber: payload[field.name] = "7000000002"
            case .crNumber: payload[field.name] = "1999999999"
            case .visaNumber: payload[field.name] = .string(Visa.number(Scenario.e3, 1))
            case .personIDs: payload[field.name] = [.id(worker)]
            case .serviceCodes: payload[field.name] = ["work-permit.renew"]
            }
        }
        return payload
    }

    /// The refusal with the worker's number blanked (texts name the number the caller sent).
    static func answer(_ decision: Decision, _ worker: PersonID) -> String {
        guard let reason = decision.reason else { return "completed" }
        return "\(reason.code): \(reason.english) | \(reason.arabic)".replacingOccurrences(of: worker.digits, with: "#")
    }

    static let employerServices = ServiceCatalog.all.filter { service in
        !service.internalOnly && !service.roles.isDisjoint(with: [.owner, .delegate, .agent]) && {
            if case .worker = service.subject { return true } else { return false }
        }()
    }

    @Test("an employer's service about another company's worker answers as about nobody, in every state the worker can be in")
    func ownWorkerServices() {
        let services = Self.employerServices.filter { [.employee, .caseParty(.transfer), .caseParty(.dependentTransfer)].contains($0.subjectAccess) }
        #expect(services.count >= 15, "\(services.map(\.code))")
        for service in services {
            let unknown = Self.answer(Scenario().decide(service, Self.payload(service, about: Self.nobody), as: .owner), Self.nobody)
            #expect(unknown != "completed", "\(service.code)")
            for (state, tweak) in Self.foreignStates {
                var scenario = Scenario()
                tweak(&scenario)
                let worker = state == "a Saudi" ? Scenario.saudi : Scenario.w
                if state == "a Saudi" {
                    scenario.world.workers[Scenario.saudi] = Worker(id: Scenario.saudi, name: "", nationality: "SAU", birthDate: Day(year: 1990, month: 1, day: 1),
                                                                    employer: Scenario.e1, occupation: "accountant", wage: 5000)
                }
                let seen = Self.answer(scenario.decide(service, Self.payload(service, about: worker), as: .owner), worker)
                #expect(seen == unknown, "\(service.code), worker \(state): \(seen) — about nobody: \(unknown)")
            }
        }
    }

    @Test("a transfer request that succeeds tells the new employer its case, not who employs the worker now")
    func acceptedTransferSaysNoEmployer() {
        let decision = Scenario().decide(TransferFlow.request, ["worker_id": .id(Scenario.w), "establishment_id": .id(Scenario.e3)], as: .owner)
        guard case .completed(let outcome) = decision.verdict else {
            Issue.record("refused: \(String(describing: decision.reason))")
            return
        }
        #expect(outcome["counterpart_id"] == nil)
        #expect(!JSONValue.object(outcome).jsonText.contains(Scenario.e1.description))
    }

    @Test("a transfer request about a worker who may not move answers alike whatever the reason, and as about nobody")
    func prospectiveServices() {
        let services = Self.employerServices.filter { $0.subjectAccess == .prospective }
        #expect(Set(services.map(\.code)) == ["service-transfer.request", "dependent-transfer.request"])
        let ineligible = Self.foreignStates.filter { ["departed", "absence report open", "final exit issued", "final exit asked for",
                                                       "transfer to a sibling pending", "transfer awaiting the fee"].contains($0.0) }
            + [("a dependent (for a worker's transfer)", { $0.world.workers[Scenario.w]?.employment = .dependent }),
               ("an employee (for a dependent's transfer)", { _ in })]
        for service in services {
            let unknown = Self.answer(Scenario().decide(service, Self.payload(service, about: Self.nobody), as: .owner), Self.nobody)
            for (state, tweak) in ineligible {
                if service.code == "service-transfer.request" && state.hasPrefix("an employee") { continue }
                if service.code == "dependent-transfer.request" && state.hasPrefix("a dependent") { continue }
                var scenario = Scenario()
                tweak(&scenario)
                let seen = Self.answer(scenario.decide(service, Self.payload(service, about: Scenario.w), as: .owner), Scenario.w)
                #expect(seen == unknown, "\(service.code), worker \(state): \(seen) — about nobody: \(unknown)")
            }
        }
    }
}
