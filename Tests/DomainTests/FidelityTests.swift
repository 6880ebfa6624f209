@testable import Domain
import Foundation
import Testing

/// Where the workflows went wrong against DOMAIN.md and the public rules (issue 35), one
/// test an item, each failing before its fix.
@Suite("Domain fidelity")
struct FidelityTests {
    static let w = JSONValue.id(Scenario.w)

    @Test("#10: a Saudi cannot ask for a final exit; a resident may only from the reform's day (2021-03-14) on")
    func finalExitRequest() {
        var saudi = Scenario()
        saudi.world.workers[Scenario.saudi] = Worker(id: Scenario.saudi, name: "", nationality: "SAU", birthDate: Day(year: 1990, month: 1, day: 1),
                                                     employer: Scenario.e1, occupation: "accountant", wage: 5000,
                                                     contractEndsOn: Scenario.today.adding(days: -1))
        #expect(saudi.decide(FinalExitFlow.request, ["worker_id": .id(Scenario.saudi)], as: .worker).reason?.code == .workerIsSaudi)
        for (day, allowed) in [(Day(year: 2021, month: 3, day: 13), false), (Day(year: 2021, month: 3, day: 14), true), (Day(year: 2021, month: 3, day: 15), true)] {
            var scenario = Scenario()
            scenario.today = day
            scenario.world.workers[Scenario.w]?.contractEndsOn = day.adding(days: -1)
            let decision = scenario.decide(FinalExitFlow.request, ["worker_id": Self.w], as: .worker)
            if allowed {
                #expect(decision.isCompleted, "\(day): \(String(describing: decision.reason))")
            } else {
                #expect(decision.reason?.code == .workerRequestNotInForce, "\(day)")
            }
        }
    }

    @Test("#4: a temporary permit that ends simply ends: no expired permit blocks the company, no removal months later")
    func temporaryPermitEnds() throws {
        var scenario = Scenario()
        scenario.world.permits[Scenario.w] = nil
        let issued = scenario.run(WorkPermitFlow.issueTemporary, ["worker_id": Self.w, "establishment_id": .id(Scenario.e1)])
        let permit = try #require(Scenario.permit(in: issued), "\(String(describing: issued.reason))")
        scenario.today = permit.expiresOn.adding(days: 1)
        let ended = scenario.run(WorkPermitFlow.expire, [
            "worker_id": Self.w, "permit_id": .string(permit.id.uuidString.lowercased()), "expires_on": JSONValue(permit.expiresOn)])
        #expect(ended.isCompleted)
        #expect(ended.timers.isEmpty, "no removal timer")
        #expect(!ended.changes.contains { if case .expiredPermits = $0 { return true } else { return false } })
        #expect(scenario.world.expiredPermits[UnifiedNumber(trusted: "7000000001")] == 0)
        // The company's services go on: a sibling's certificate, another worker's final exit.
        #expect(scenario.decide(EstablishmentFileFlow.issueCertificate, ["establishment_id": .id(Scenario.e2)]).isCompleted)
    }
}
