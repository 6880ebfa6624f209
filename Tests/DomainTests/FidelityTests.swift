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

    /// `w` asked for by `e3` and accepted, as the transfer stands after `steps`.
    static func transferOpen(_ scenario: inout Scenario) -> CaseFile? {
        let requested = scenario.run(TransferFlow.request, ["worker_id": Self.w, "establishment_id": .id(Scenario.e3)], as: .owner)
        guard requested.isCompleted else { return nil }
        scenario.run(TransferFlow.accept, ["worker_id": Self.w], as: .worker)
        return scenario.world.openCase(.transfer, of: Scenario.w)
    }

    @Test("#1: no final exit while a transfer or branch change is open; departure, absconding and removal end every open case")
    func leavingEndsCases() throws {
        // A final exit is refused while a move is under way.
        var moving = Scenario()
        _ = try #require(Self.transferOpen(&moving))
        #expect(moving.decide(FinalExitFlow.issue, ["worker_id": Self.w, "establishment_id": .id(Scenario.e1)]).reason?.code == .openCaseBlocks)
        var branching = Scenario()
        #expect(branching.run(BranchChangeFlow.request, ["worker_id": Self.w, "establishment_id": .id(Scenario.e1),
                                                        "target_establishment_id": .id(Scenario.e2)]).isCompleted)
        #expect(branching.decide(FinalExitFlow.issue, ["worker_id": Self.w, "establishment_id": .id(Scenario.e1)]).reason?.code == .openCaseBlocks)

        // Departure with a branch change open (opened after the final exit, by staff's hand in the
        // world): the change ends, with an event saying why, and its timer goes.
        var departing = Scenario()
        #expect(departing.run(FinalExitFlow.issue, ["worker_id": Self.w, "establishment_id": .id(Scenario.e1)]).isCompleted)
        let branch = CaseFile(id: UUID(), kind: .branchChange, worker: Scenario.w, establishment: Scenario.e1, counterpart: Scenario.e2,
                              state: "pending_worker", openedAt: departing.today.start, openedOn: departing.today, deadline: departing.today.adding(days: 10))
        departing.world.cases[Scenario.w, default: []].append(branch)
        let departed = departing.run(FinalExitFlow.depart, ["worker_id": Self.w])
        #expect(departed.isCompleted)
        #expect(departed.events.contains { $0.type == "branchChangeEnded" && $0.data["why"] == "the worker left the Kingdom" })
        #expect(departed.cancelledTimers.contains(Cases.timerKey("lapse", branch, due: departing.today.adding(days: 11))))
        #expect(departing.world.openCases(of: Scenario.w).isEmpty)
        // …and the branch cannot be accepted afterwards: the departed worker is not employed again.
        #expect(departing.decide(BranchChangeFlow.accept, ["worker_id": Self.w], as: .worker).reason?.code == .caseNotFound)

        // Absconding (a final absence report) with a transfer open: the transfer ends; a later
        // fee payment cannot employ him.
        var absconding = Scenario()
        absconding.world.workers[Scenario.w]?.contractEndsOn = absconding.today.adding(days: -1)
        let transfer = try #require(Self.transferOpen(&absconding))
        #expect(transfer.state == "awaiting_fee")
        let report = CaseFile(id: UUID(), kind: .absenceReport, worker: Scenario.w, establishment: Scenario.e1, state: "open",
                              openedAt: absconding.today.start, openedOn: absconding.today, deadline: absconding.today)
        absconding.world.cases[Scenario.w, default: []].append(report)
        absconding.advance(days: 1)
        let final = absconding.run(AbsenceReportFlow.finalize, ["worker_id": Self.w, "case_id": .string(report.id.uuidString.lowercased())])
        #expect(final.events.contains { $0.type == "transferEnded" })
        let paid = absconding.decide(TransferFlow.pay, ["worker_id": Self.w, "amount": 2000])
        #expect(paid.reason?.code == .caseNotFound)
        #expect(absconding.world.workers[Scenario.w]?.employment == .absconded)

        // Removal (the permit expired too long) with a transfer open: it ends too.
        var removing = Scenario()
        removing.world.permits[Scenario.w]?.state = .expired
        removing.world.expiredPermits[UnifiedNumber(trusted: "7000000001")] = 1
        _ = try #require(Self.transferOpen(&removing))
        let permit = try #require(removing.world.permits[Scenario.w])
        let removed = removing.run(WorkPermitFlow.remove, ["worker_id": Self.w, "permit_id": .string(permit.id.uuidString.lowercased()),
                                                          "expires_on": JSONValue(permit.expiresOn)])
        #expect(removed.events.contains { $0.type == "transferEnded" })
        #expect(removing.world.openCase(.transfer, of: Scenario.w) == nil)

        // Removal while an absence report can still be withdrawn (found by the property test,
        // seed 91): the report ends, its finalizing timer goes, and the worker stays removed
        // rather than turning absconded fifteen days later.
        var reported = Scenario()
        let filed = reported.run(AbsenceReportFlow.file, ["worker_id": Self.w, "establishment_id": .id(Scenario.e1)], as: .owner)
        let open = try #require(Scenario.caseFile(in: filed), "\(String(describing: filed.reason))")
        reported.world.permits[Scenario.w]?.state = .expired
        reported.world.expiredPermits[UnifiedNumber(trusted: "7000000001")] = 1
        let expired = try #require(reported.world.permits[Scenario.w])
        let gone = reported.run(WorkPermitFlow.remove, ["worker_id": Self.w, "permit_id": .string(expired.id.uuidString.lowercased()),
                                                       "expires_on": JSONValue(expired.expiresOn)])
        #expect(gone.events.contains { $0.type == "absenceReportEnded" && $0.data["why"] == "the worker was removed: the permit was expired too long" })
        #expect(gone.cancelledTimers.contains(Cases.timerKey("finalize", open, due: reported.today.adding(days: 16))))
        #expect(reported.world.openCases(of: Scenario.w).isEmpty)
        #expect(reported.world.workers[Scenario.w]?.employment == .removed)
    }

    @Test("#1, #2: one move at a time; a move ends what the former employer had open; a branch change moves only a worker still at its branch")
    func movesDoNotMeet() throws {
        let branch: [String: JSONValue] = ["worker_id": Self.w, "establishment_id": .id(Scenario.e1), "target_establishment_id": .id(Scenario.e2)]
        // A branch change under way blocks a transfer (the new employer learns only "not
        // transferable", as for every other cause) and an absence report, as a transfer blocks a branch change.
        var branching = Scenario()
        #expect(branching.decide(TransferFlow.request, ["worker_id": Self.w, "establishment_id": .id(Scenario.e3)], as: .owner).isCompleted)
        #expect(branching.run(BranchChangeFlow.request, branch, as: .owner).isCompleted)
        #expect(branching.decide(TransferFlow.request, ["worker_id": Self.w, "establishment_id": .id(Scenario.e3)], as: .owner).reason?.code == .workerNotTransferable)
        #expect(branching.decide(AbsenceReportFlow.file, ["worker_id": Self.w, "establishment_id": .id(Scenario.e1)], as: .owner).reason?.code == .openCaseBlocks)

        // A transfer paid while the former employer's occupation change waits: the change ends
        // with the move, its timer goes, and it cannot be paid for afterwards.
        var moving = Scenario()
        moving.world.workers[Scenario.w]?.contractEndsOn = moving.today.adding(days: -1)  // no consent, no notice
        let asked = moving.run(OccupationChangeFlow.request, ["worker_id": Self.w, "establishment_id": .id(Scenario.e1), "occupation": "mason"], as: .owner)
        let change = try #require(Scenario.caseFile(in: asked), "\(String(describing: asked.reason))")
        let transfer = try #require(Self.transferOpen(&moving))
        #expect(transfer.state == "awaiting_fee")
        let paid = moving.run(TransferFlow.pay, ["worker_id": Self.w, "amount": 2000])
        #expect(paid.isCompleted, "\(String(describing: paid.reason))")
        #expect(paid.events.contains { $0.type == "occupationChangeEnded" && $0.data["why"] == "the worker moved to another establishment" })
        #expect(paid.cancelledTimers.contains(Cases.timerKey("lapse", change, due: moving.today.adding(days: 11))))
        #expect(moving.world.openCases(of: Scenario.w).isEmpty && moving.world.workers[Scenario.w]?.employer == Scenario.e3)
        #expect(moving.decide(OccupationChangeFlow.accept, ["worker_id": Self.w], as: .worker).reason?.code == .caseNotFound)

        // A branch change whose worker is no longer at the branch it was opened for moves nobody.
        var gone = Scenario()
        #expect(gone.run(BranchChangeFlow.request, branch, as: .owner).isCompleted)
        gone.world.workers[Scenario.w]?.employer = Scenario.e3
        #expect(gone.decide(BranchChangeFlow.accept, ["worker_id": Self.w], as: .worker).reason?.code == .workerNotHere)
        #expect(gone.world.workers[Scenario.w]?.employer == Scenario.e3)
    }

    @Test("#5: a contract that ended while the employer was asked carries no notice: consent moves straight to the fee")
    func noticeOnlyWhileTheContractRuns() throws {
        var scenario = Scenario()
        let today = scenario.today
        scenario.world.workers[Scenario.w]?.contractEndsOn = today.adding(days: 3)
        scenario.run(TransferFlow.request, ["worker_id": Self.w, "establishment_id": .id(Scenario.e3)], as: .owner)
        let accepted = scenario.run(TransferFlow.accept, ["worker_id": Self.w], as: .worker)
        #expect(Scenario.caseFile(in: accepted)?.state == "pending_current_employer")
        var running = scenario
        running.advance(days: 2)
        #expect(Scenario.caseFile(in: running.run(TransferFlow.consent, ["worker_id": Self.w, "establishment_id": .id(Scenario.e1)], as: .owner))?.state == "notice_period")
        scenario.advance(days: 3)  // the contract's last day has come: no longer running
        let consented = scenario.run(TransferFlow.consent, ["worker_id": Self.w, "establishment_id": .id(Scenario.e1)], as: .owner)
        #expect(Scenario.caseFile(in: consented)?.state == "awaiting_fee")
    }

    @Test("#2: the move is checked again when it happens: a receiver that turned red, or a branch suspended meanwhile, refuses it")
    func movesRecheck() throws {
        var transfer = Scenario()
        transfer.world.workers[Scenario.w]?.contractEndsOn = transfer.today.adding(days: -1)
        _ = try #require(Self.transferOpen(&transfer))
        transfer.makeRed(Scenario.e3)
        #expect(transfer.decide(TransferFlow.pay, ["worker_id": Self.w, "amount": 2000]).reason?.code == .bandTooLow)
        transfer.world.establishments[Scenario.e3]?.saudiCount = 6
        transfer.world.establishments[Scenario.e3]?.saudiWeight = 6
        transfer.world.establishments[Scenario.e3]?.status = .closed
        #expect(transfer.decide(TransferFlow.pay, ["worker_id": Self.w, "amount": 2000]).reason?.code == .establishmentInactive)

        var branch = Scenario()
        #expect(branch.run(BranchChangeFlow.request, ["worker_id": Self.w, "establishment_id": .id(Scenario.e1),
                                                     "target_establishment_id": .id(Scenario.e2)]).isCompleted)
        branch.world.establishments[Scenario.e2]?.status = .suspended
        branch.world.establishments[Scenario.e2]?.suspendedUntil = branch.today.adding(days: 30)
        #expect(branch.decide(BranchChangeFlow.accept, ["worker_id": Self.w], as: .worker).reason?.code == .establishmentSuspended)
        #expect(branch.decide(BranchChangeFlow.decline, ["worker_id": Self.w], as: .worker).isCompleted, "declining needs nothing of the branch")

        var dependent = Scenario()
        #expect(dependent.run(DependentTransferFlow.request, ["dependent_id": .id(Scenario.d), "establishment_id": .id(Scenario.e3),
                                                             "occupation": "mason", "wage": 3000], as: .owner).isCompleted)
        #expect(dependent.run(DependentTransferFlow.approve, ["dependent_id": .id(Scenario.d), "guardian_id": Self.w], as: .worker).isCompleted)
        dependent.world.establishments[Scenario.e3]?.crExpiresOn = dependent.today.adding(days: -1)
        #expect(dependent.decide(DependentTransferFlow.complete, ["dependent_id": .id(Scenario.d), "establishment_id": .id(Scenario.e3)],
                                 as: .owner).reason?.code == .crExpired)
    }

    @Test("#5: the 90 days' notice falls on a consented move mid-contract; an expired permit or a red employer moves at once")
    func noticeFallsRight() throws {
        // Mid-contract, permit valid, employer green: consent, then the notice.
        var consented = Scenario()
        let asked = try #require(Self.transferOpen(&consented))
        #expect(asked.state == "pending_current_employer")
        let consent = consented.run(TransferFlow.consent, ["worker_id": Self.w, "establishment_id": .id(Scenario.e1)], as: .owner)
        #expect(Scenario.caseFile(in: consent)?.state == "notice_period")
        #expect(Scenario.timer("service-transfer.notice-end", in: consent)?.due == consented.today.adding(days: 91))
        // Silence counts as consent: the notice too.
        var silent = Scenario()
        let waiting = try #require(Self.transferOpen(&silent))
        silent.advance(days: 11)
        let bySilence = silent.run(TransferFlow.consentDeadline, ["worker_id": Self.w, "case_id": .string(waiting.id.uuidString.lowercased())])
        #expect(Scenario.caseFile(in: bySilence)?.state == "notice_period")
        // Expired permit, or a red employer: no consent, no notice.
        for tweak in [{ (s: inout Scenario) in s.world.permits[Scenario.w]?.state = .expired },
                      { (s: inout Scenario) in s.world.establishments[Scenario.e1]?.saudiCount = 0; s.world.establishments[Scenario.e1]?.saudiWeight = 0 }] {
            var scenario = Scenario()
            tweak(&scenario)
            let open = try #require(Self.transferOpen(&scenario))
            #expect(open.state == "awaiting_fee")
        }
        // The contract ended: no consent, no notice.
        var ended = Scenario()
        ended.world.workers[Scenario.w]?.contractEndsOn = ended.today.adding(days: -1)
        #expect(try #require(Self.transferOpen(&ended)).state == "awaiting_fee")
    }

    @Test("#11: a transfer waiting for its fee lapses after the rulebook's days (30: paid on day 30, lapsed on day 31)")
    func feeDeadline() throws {
        for day in [29, 30, 31] {
            var scenario = Scenario()
            scenario.world.workers[Scenario.w]?.contractEndsOn = scenario.today.adding(days: -1)
            let file = try #require(Self.transferOpen(&scenario))
            #expect(file.deadline == Scenario.today.adding(days: 30))
            scenario.advance(days: day)
            if day <= 30 {
                #expect(scenario.decide(TransferFlow.pay, ["worker_id": Self.w, "amount": 2000]).isCompleted, "day \(day)")
            } else {
                let lapsed = scenario.run(TransferFlow.feeLapse, ["worker_id": Self.w, "case_id": .string(file.id.uuidString.lowercased())])
                #expect(Scenario.caseFile(in: lapsed)?.state == "lapsed")
                #expect(scenario.world.openCase(.transfer, of: Scenario.w) == nil)
                // The worker's other services are open again.
                #expect(scenario.decide(AbsenceReportFlow.file, ["worker_id": Self.w, "establishment_id": .id(Scenario.e1)], as: .owner).isCompleted)
            }
        }
    }

    @Test("#3: a very small establishment is its own category: with the owner working full time, none employed, it receives a transfer")
    func smallestEstablishments() {
        for (headcount, saudis, owner, received) in [(0, 0, true, true), (0, 0, false, false), (3, 1, false, true), (5, 0, false, false), (4, 0, true, true)] {
            var scenario = Scenario()
            scenario.world.establishments[Scenario.e3]?.headcount = headcount
            scenario.world.establishments[Scenario.e3]?.saudiCount = saudis
            scenario.world.establishments[Scenario.e3]?.saudiWeight = Double(saudis)
            scenario.world.establishments[Scenario.e3]?.ownerFullTime = owner
            let decision = scenario.decide(TransferFlow.request, ["worker_id": Self.w, "establishment_id": .id(Scenario.e3)], as: .owner)
            let label = "\(headcount) employed, \(saudis) Saudi, owner full time: \(owner)"
            if received {
                #expect(decision.isCompleted, "\(label): \(String(describing: decision.reason))")
            } else {
                #expect(decision.reason?.code == .bandTooLow, "\(label)")
            }
        }
    }

    @Test("#9: the share is compared exactly: 11.95 % (119.5 of 1,000) does not reach construction's 12 % medium green; 12 % does")
    func exactShare() {
        for (weight, band) in [(119.5, NitaqatBand.lowGreen), (120, .mediumGreen)] {
            var scenario = Scenario()
            scenario.world.establishments[Scenario.e3]?.headcount = 1000
            scenario.world.establishments[Scenario.e3]?.saudiCount = 240
            scenario.world.establishments[Scenario.e3]?.saudiWeight = weight
            let establishment = scenario.world.establishments[Scenario.e3]!
            #expect(Nitaqat.band(of: establishment, rules: scenario.rules.nitaqat) == band, "\(weight)")
            let decision = scenario.decide(TransferFlow.request, ["worker_id": Self.w, "establishment_id": .id(Scenario.e3)], as: .owner)
            #expect(decision.isCompleted == (band == .mediumGreen), "\(weight): \(String(describing: decision.reason))")
        }
    }

    @Test("#7: an occupation reserved for Saudis is closed to residents by every door: registration, a dependent's transfer, an occupation change")
    func reservedEverywhere() {
        let scenario = Scenario()
        let newcomer = PersonID.make(prefix: 2, body: 77)
        func register(_ person: PersonID) -> Decision {
            scenario.decide(EmploymentFacts.register, [
                "worker_id": .id(person), "establishment_id": .id(Scenario.e1), "name": "N", "nationality": person.isSaudi ? "SAU" : "IND",
                "birth_date": "1990-01-01", "occupation": "receptionist", "wage": 5000], as: .system)
        }
        #expect(register(newcomer).reason?.code == .occupationReserved)
        #expect(register(PersonID.make(prefix: 1, body: 77)).isCompleted, "a Saudi may")
        let dependent = scenario.decide(DependentTransferFlow.request, [
            "dependent_id": .id(Scenario.d), "establishment_id": .id(Scenario.e3), "occupation": "receptionist", "wage": 3000], as: .owner)
        #expect(dependent.reason?.code == .occupationReserved)
        let change = scenario.decide(OccupationChangeFlow.request, ["worker_id": Self.w, "establishment_id": .id(Scenario.e1), "occupation": "receptionist"], as: .owner)
        #expect(change.reason?.code == .occupationReserved)
    }

    @Test("#6: a worker reported absent (final) may leave: his own request issues the final exit at once, valid 15 days, and only he may use it")
    func abscondedLeaves() throws {
        var scenario = Scenario()
        let report = scenario.run(AbsenceReportFlow.file, ["worker_id": Self.w, "establishment_id": .id(Scenario.e1)], as: .owner)
        let file = try #require(Scenario.caseFile(in: report), "\(String(describing: report.reason))")
        scenario.advance(days: 16)
        #expect(scenario.run(AbsenceReportFlow.finalize, ["worker_id": Self.w, "case_id": .string(file.id.uuidString.lowercased())]).isCompleted)
        let worker = try #require(scenario.world.workers[Scenario.w])
        #expect(worker.employment == .absconded && worker.employer == nil && worker.lastEmployer == Scenario.e1)
        // The former employer can no longer issue one: the worker is not his.
        #expect(scenario.decide(FinalExitFlow.issue, ["worker_id": Self.w, "establishment_id": .id(Scenario.e1)], as: .owner).reason?.code == .workerNotHere)
        let asked = scenario.run(FinalExitFlow.request, ["worker_id": Self.w], as: .worker)
        let exit = try #require(Scenario.caseFile(in: asked), "\(String(describing: asked.reason))")
        #expect(exit.state == "issued" && exit.deadline == scenario.today.adding(days: 15) && exit.establishment == Scenario.e1)
        #expect(asked.events.map(\.type) == ["finalExitIssuedToWorker"])
        // Nor can the former employer cancel it.
        #expect(scenario.decide(FinalExitFlow.cancel, ["worker_id": Self.w, "establishment_id": .id(Scenario.e1)], as: .owner).reason?.code == .workerNotHere)
        #expect(scenario.run(FinalExitFlow.depart, ["worker_id": Self.w]).isCompleted)
        #expect(scenario.world.workers[Scenario.w]?.employment == .departed)
    }

    @Test("#8: the levy exemption belongs to the first four expatriates by the order they joined; a seat given back goes to the next charged, before any newcomer")
    func levySeats() throws {
        var scenario = Scenario()
        scenario.empty(Scenario.e3)
        scenario.world.establishments[Scenario.e3]?.ownerFullTime = true
        let people = (1...6).map { PersonID.make(prefix: 2, body: 500 + $0) }
        func join(_ person: PersonID) {
            let today = scenario.today
            let joined = scenario.run(EmploymentFacts.register, [
                "worker_id": .id(person), "establishment_id": .id(Scenario.e3), "name": "N", "nationality": "IND",
                "birth_date": "1990-01-01", "occupation": "laborer", "wage": 2000, "arrived_on": JSONValue(today)], as: .system)
            #expect(joined.isCompleted, "\(String(describing: joined.reason))")
        }
        func levy(_ person: PersonID) -> Int? {
            let issued = scenario.decide(WorkPermitFlow.issue, ["worker_id": .id(person), "establishment_id": .id(Scenario.e3), "months": 12], as: .owner)
            return Scenario.permit(in: issued)?.levy
        }
        people.prefix(5).forEach(join)
        #expect(people.prefix(5).map { scenario.world.workers[$0]?.levyExempt } == [true, true, true, true, false])
        #expect(scenario.world.establishments[Scenario.e3]?.levyExemptExpats == 4)
        #expect(levy(people[0]) == 0, "the first keeps it when the fifth joins")
        #expect(levy(people[3]) == 0)
        #expect(levy(people[4]) == 800 * 12, "the fifth pays (five expatriates, the owner the only Saudi)")
        // The second leaves: his seat goes to the next to join.
        let today = scenario.today
        scenario.world.workers[people[1]]?.contractEndsOn = today
        scenario.run(FinalExitFlow.issue, ["worker_id": .id(people[1]), "establishment_id": .id(Scenario.e3)], as: .owner)
        #expect(scenario.run(FinalExitFlow.depart, ["worker_id": .id(people[1])]).isCompleted)
        #expect(scenario.world.establishments[Scenario.e3]?.levyExemptExpats == 3)
        // The fifth, there before any newcomer, takes it when his levy is next charged…
        let charged = scenario.run(WorkPermitFlow.issue, ["worker_id": .id(people[4]), "establishment_id": .id(Scenario.e3), "months": 12], as: .owner)
        #expect(Scenario.permit(in: charged)?.levy == 0)
        #expect(charged.events.contains { $0.type == "levyExemptionSeatTaken" })
        #expect(scenario.world.workers[people[4]]?.levyExempt == true)
        #expect(scenario.world.establishments[Scenario.e3]?.levyExemptExpats == 4)
        // …so a newcomer finds the four seats taken.
        join(people[5])
        #expect(scenario.world.workers[people[5]]?.levyExempt == false)
        #expect(scenario.world.establishments[Scenario.e3]?.levyExemptExpats == 4)
    }
}
