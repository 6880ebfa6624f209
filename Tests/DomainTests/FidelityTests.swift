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
}
