import Domain
import Foundation
import Testing

/// "Temporary work permit … for seasonal work … does not count in Nitaqat" (DOMAIN.md). The
/// establishment's counts move by relative changes, so a seasonal worker must leave them once
/// when the temporary permit is issued, and never again on the way out.
@Suite("Nitaqat: seasonal workers on temporary permits")
struct SeasonalWorkerTests {
    /// `e1` counts 10 (6 Saudis, 4 residents, `w` among them); `w`'s last permit has ended.
    private func scenario() -> Scenario {
        var scenario = Scenario()
        scenario.world.permits[Scenario.w]?.state = .void
        return scenario
    }

    private var worker: [String: JSONValue] { ["worker_id": .id(Scenario.w), "establishment_id": .id(Scenario.e1)] }

    private func headcount(_ scenario: Scenario, _ id: EstablishmentID = Scenario.e1) -> Int? {
        scenario.world.establishments[id]?.headcount
    }

    /// Issues `w` a temporary permit and returns it.
    private func seasonal(_ scenario: inout Scenario) -> Permit? {
        let issued = scenario.run(WorkPermitFlow.issueTemporary, worker)
        #expect(issued.isCompleted, "\(String(describing: issued.reason?.english))")
        return Scenario.permit(in: issued)
    }

    private func timerPayload(_ permit: Permit) -> [String: JSONValue] {
        ["worker_id": .id(Scenario.w), "permit_id": .string(permit.id.uuidString.lowercased()), "expires_on": JSONValue(permit.expiresOn)]
    }

    /// Runs the permit's expiry, then its removal three months later; returns the removal.
    @discardableResult
    private func expireAndRemove(_ scenario: inout Scenario, _ permit: Permit) -> Decision {
        scenario.today = permit.expiresOn.adding(days: 1)
        scenario.run(WorkPermitFlow.expire, timerPayload(permit))
        scenario.today = permit.expiresOn.adding(months: 3).adding(days: 1)
        return scenario.run(WorkPermitFlow.remove, timerPayload(permit))
    }

    @Test("the temporary permit takes its worker out of the counts; extending and expiring it change nothing")
    func issueAndLife() throws {
        var scenario = scenario()
        let before = try #require(scenario.world.establishments[Scenario.e1])
        _ = try #require(seasonal(&scenario))
        let after = try #require(scenario.world.establishments[Scenario.e1])
        #expect(after.headcount == before.headcount - 1)
        #expect(after.saudiCount == before.saudiCount && after.saudiWeight == before.saudiWeight)
        #expect(Nitaqat.counts(scenario.world.workers[Scenario.w]!, in: scenario.world) == false)
        #expect(Nitaqat.saudizationPercent(after) > Nitaqat.saudizationPercent(before))

        let extended = scenario.run(WorkPermitFlow.extendTemporary, worker)
        #expect(extended.isCompleted)
        #expect(!extended.changes.contains { if case .headcount = $0 { return true } else { return false } })
        let current = try #require(scenario.world.permits[Scenario.w])
        scenario.today = current.expiresOn.adding(days: 1)
        let ended = scenario.run(WorkPermitFlow.expire, timerPayload(current))
        #expect(Scenario.permit(in: ended)?.state == .void)
        #expect(scenario.world.workers[Scenario.w]?.employment == .removed)
        #expect(headcount(scenario) == before.headcount - 1)
    }

    @Test("the season's end removes the seasonal worker without subtracting him a second time; the removal timer finds nothing left")
    func removal() throws {
        var scenario = scenario()
        let removed = expireAndRemove(&scenario, try #require(seasonal(&scenario)))
        #expect(removed.changes.isEmpty)
        #expect(scenario.world.permits[Scenario.w]?.state == .void)
        #expect(scenario.world.workers[Scenario.w]?.employment == .removed)
        #expect(headcount(scenario) == 9)
    }

    @Test("the season's end leaves an exit already issued in force: the worker still leaves on it")
    func seasonEndKeepsIssuedExit() throws {
        var scenario = scenario()
        let permit = try #require(seasonal(&scenario))
        scenario.today = permit.expiresOn.adding(days: -10)  // the exit issued ten days before the season ends
        let today = scenario.today
        scenario.world.workers[Scenario.w]?.contractEndsOn = today
        let issued = scenario.run(FinalExitFlow.issue, worker, as: .owner)
        #expect(issued.isCompleted, "\(String(describing: issued.reason))")
        scenario.today = permit.expiresOn.adding(days: 1)
        let ended = scenario.run(WorkPermitFlow.expire, timerPayload(permit))
        #expect(scenario.world.workers[Scenario.w]?.employment == .removed)
        #expect(!ended.events.contains { $0.type == "finalExitEnded" })
        #expect(scenario.world.openCase(.finalExit, of: Scenario.w)?.state == "issued")
        #expect(scenario.run(FinalExitFlow.depart, ["worker_id": .id(Scenario.w)]).isCompleted)
        #expect(scenario.world.workers[Scenario.w]?.employment == .departed)
    }

    @Test("departure on a final exit does not subtract the seasonal worker a second time")
    func departure() throws {
        var scenario = scenario()
        _ = try #require(seasonal(&scenario))
        #expect(scenario.run(FinalExitFlow.issue, worker).isCompleted)
        let departed = scenario.run(FinalExitFlow.depart, ["worker_id": .id(Scenario.w)])
        #expect(departed.isCompleted, "\(String(describing: departed.reason?.english))")
        #expect(scenario.world.workers[Scenario.w]?.employment == .departed)
        #expect(scenario.world.permits[Scenario.w]?.state == .void)
        #expect(headcount(scenario) == 9)
    }

    @Test("a final absence report does not subtract the seasonal worker a second time")
    func absence() throws {
        var scenario = scenario()
        _ = try #require(seasonal(&scenario))
        let filed = scenario.run(AbsenceReportFlow.file, worker)
        let report = try #require(Scenario.caseFile(in: filed), "\(String(describing: filed.reason?.english))")
        scenario.advance(days: 15)
        let final = scenario.run(AbsenceReportFlow.finalize, ["worker_id": .id(Scenario.w), "case_id": .string(report.id.uuidString.lowercased())])
        #expect(final.isCompleted, "\(String(describing: final.reason?.english))")
        #expect(scenario.world.workers[Scenario.w]?.employment == .absconded)
        #expect(headcount(scenario) == 9)
    }

    @Test("a transferred seasonal worker stays out of both employers' counts; a regular worker moves between them")
    func transfer() throws {
        for temporary in [true, false] {
            var scenario = temporary ? scenario() : Scenario()
            if temporary { _ = try #require(seasonal(&scenario)) }
            let (from, to) = (try #require(headcount(scenario)), try #require(headcount(scenario, Scenario.e3)))
            let file = CaseFile(id: UUID(), kind: .transfer, worker: Scenario.w, establishment: Scenario.e3, counterpart: Scenario.e1,
                                state: "awaiting_fee", openedAt: scenario.today.start, openedOn: scenario.today,
                                deadline: scenario.today.adding(days: 5), details: ["fee": 2000])
            scenario.world.cases[Scenario.w, default: []].append(file)
            let paid = scenario.run(TransferFlow.pay, ["worker_id": .id(Scenario.w), "amount": 2000])
            #expect(paid.isCompleted, "\(String(describing: paid.reason?.english))")
            #expect(scenario.world.workers[Scenario.w]?.employer == Scenario.e3)
            #expect(headcount(scenario) == (temporary ? from : from - 1), "temporary: \(temporary)")
            #expect(headcount(scenario, Scenario.e3) == (temporary ? to : to + 1), "temporary: \(temporary)")
        }
    }

    @Test("a temporary permit is not renewed: extended once, then a regular permit")
    func notRenewed() throws {
        var scenario = scenario()
        _ = try #require(seasonal(&scenario))
        let renewal = scenario.decide(WorkPermitFlow.renew, worker.merging(["months": 12]) { $1 })
        #expect(renewal.reason?.code == .temporaryNotRenewable)
        #expect(renewal.reason?.arabic.isEmpty == false)
    }

    @Test("a registered worker counts at once; the same worker on a void temporary permit counts again when re-registered")
    func registration() throws {
        var scenario = scenario()
        expireAndRemove(&scenario, try #require(seasonal(&scenario)))
        #expect(headcount(scenario) == 9)
        let registered = scenario.run(EmploymentFacts.register, [
            "worker_id": .id(Scenario.w), "establishment_id": .id(Scenario.e1), "name": "Worker", "nationality": "IND",
            "birth_date": "1990-01-01", "occupation": "laborer", "wage": 2500,
        ])
        #expect(registered.isCompleted, "\(String(describing: registered.reason?.english))")
        #expect(headcount(scenario) == 10)
    }
}
