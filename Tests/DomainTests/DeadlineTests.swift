import Domain
import Foundation
import Testing

/// Each window on both sides of its boundary: a window of N days allows the action through
/// day N (counted from the day the case opened) and refuses it from day N+1; the timer that
/// closes it is due at the start of day N+1.
@Suite("Deadlines")
struct DeadlineTests {
    /// Opens a case with `open`, then tries `act` after `days` days.
    private func attempt(_ open: ServiceDefinition, _ openPayload: [String: JSONValue], then act: ServiceDefinition,
                         _ actPayload: [String: JSONValue], afterDays days: Int, prepare: (inout Scenario) -> Void = { _ in }) -> (opened: Decision, acted: Decision) {
        var scenario = Scenario()
        prepare(&scenario)
        let opened = scenario.run(open, openPayload)
        scenario.advance(days: days)
        return (opened, scenario.decide(act, actPayload, as: .staff))
    }

    private func expectWindow(_ window: Int, code: Reason.Code = .caseDeadlinePassed, timer: String,
                              _ open: ServiceDefinition, _ openPayload: [String: JSONValue], then act: ServiceDefinition,
                              _ actPayload: [String: JSONValue], prepare: (inout Scenario) -> Void = { _ in },
                              sourceLocation: SourceLocation = #_sourceLocation) {
        for days in [window - 1, window, window + 1] {
            let (opened, acted) = attempt(open, openPayload, then: act, actPayload, afterDays: days, prepare: prepare)
            #expect(opened.isCompleted, "opening: \(opened.reason?.description ?? "")", sourceLocation: sourceLocation)
            if days <= window {
                #expect(acted.isCompleted, "day \(days) of \(window): \(acted.reason?.description ?? "")", sourceLocation: sourceLocation)
            } else {
                #expect(acted.reason?.code == code, "day \(days) of \(window)", sourceLocation: sourceLocation)
            }
            #expect(Scenario.timer(timer, in: opened)?.due == Scenario.today.adding(days: window + 1), "the timer", sourceLocation: sourceLocation)
        }
    }

    @Test("a transfer: the worker accepts within 10 days (9, 10 accepted; 11 refused)")
    func transferAcceptance() {
        expectWindow(10, timer: "service-transfer.lapse",
                     TransferFlow.request, ["worker_id": .id(Scenario.w), "establishment_id": .id(Scenario.e3)],
                     then: TransferFlow.accept, ["worker_id": .id(Scenario.w)])
    }

    @Test("a branch change: the worker accepts within 10 days")
    func branchAcceptance() {
        expectWindow(10, timer: "branch-change.lapse",
                     BranchChangeFlow.request, ["worker_id": .id(Scenario.w), "establishment_id": .id(Scenario.e1), "target_establishment_id": .id(Scenario.e2)],
                     then: BranchChangeFlow.accept, ["worker_id": .id(Scenario.w)])
    }

    @Test("an occupation change: the worker approves within 10 days")
    func occupationApproval() {
        expectWindow(10, timer: "occupation-change.lapse",
                     OccupationChangeFlow.request, ["worker_id": .id(Scenario.w), "establishment_id": .id(Scenario.e1), "occupation": "mason"],
                     then: OccupationChangeFlow.accept, ["worker_id": .id(Scenario.w)])
    }

    @Test("a final exit the worker asked for: the employer has 10 days")
    func finalExitEmployer() {
        expectWindow(10, timer: "final-exit.employer-deadline",
                     FinalExitFlow.request, ["worker_id": .id(Scenario.w)],
                     then: FinalExitFlow.approve, ["worker_id": .id(Scenario.w), "establishment_id": .id(Scenario.e1)],
                     prepare: { $0.world.workers[Scenario.w]?.contractEndsOn = Scenario.today })
    }

    @Test("a dependent's transfer: the guardian approves within 14 days")
    func dependentApproval() {
        expectWindow(14, timer: "dependent-transfer.lapse",
                     DependentTransferFlow.request, ["dependent_id": .id(Scenario.d), "establishment_id": .id(Scenario.e3), "occupation": "mason", "wage": 3000],
                     then: DependentTransferFlow.approve, ["dependent_id": .id(Scenario.d), "guardian_id": .id(Scenario.w)])
    }

    @Test("an absence report can be cancelled for 15 days (14, 15 cancelled; 16 refused)")
    func absenceCancellation() {
        expectWindow(15, code: .cancelWindowPassed, timer: "absence-report.finalize",
                     AbsenceReportFlow.file, ["worker_id": .id(Scenario.w), "establishment_id": .id(Scenario.e1)],
                     then: AbsenceReportFlow.cancel, ["worker_id": .id(Scenario.w), "establishment_id": .id(Scenario.e1)])
    }

    @Test("a final exit is valid 60 days; its lapse timer is due on day 61")
    func finalExitValidity() {
        var scenario = Scenario()
        let issued = scenario.run(FinalExitFlow.issue, ["worker_id": .id(Scenario.w), "establishment_id": .id(Scenario.e1)])
        #expect(Scenario.timer("final-exit.lapse", in: issued)?.due == Scenario.today.adding(days: 61))
        #expect(Scenario.caseFile(in: issued)?.deadline == Scenario.today.adding(days: 60))
        // Issued to the worker after the employer's silence: 15 days.
        var silent = Scenario()
        silent.world.workers[Scenario.w]?.contractEndsOn = Scenario.today
        let asked = silent.run(FinalExitFlow.request, ["worker_id": .id(Scenario.w)])
        let file = Scenario.caseFile(in: asked)
        #expect(file != nil)
        silent.advance(days: 11)
        let toWorker = silent.run(FinalExitFlow.employerDeadline, ["worker_id": .id(Scenario.w), "case_id": .string(file?.id.uuidString.lowercased() ?? "")])
        #expect(toWorker.events.first?.type == "finalExitIssuedToWorker")
        #expect(Scenario.timer("final-exit.lapse", in: toWorker)?.due == silent.today.adding(days: 16))
        // Lapsing records the fine.
        silent.advance(days: 16)
        let lapsed = silent.run(FinalExitFlow.lapse, ["worker_id": .id(Scenario.w), "case_id": .string(file?.id.uuidString.lowercased() ?? "")])
        #expect(Scenario.caseFile(in: lapsed)?.state == "expired")
        #expect(Scenario.caseFile(in: lapsed)?.details["fine"] == 1000)
    }

    @Test("renewal opens 180 days before expiry (181 days left: refused; 180: allowed)")
    func renewalWindow() {
        for (daysLeft, allowed) in [(181, false), (180, true), (179, true)] {
            var scenario = Scenario()
            scenario.world.permits[Scenario.w]?.expiresOn = Scenario.today.adding(days: daysLeft)
            let decision = scenario.decide(WorkPermitFlow.renew, ["worker_id": .id(Scenario.w), "establishment_id": .id(Scenario.e1), "months": 12])
            if allowed {
                #expect(decision.isCompleted, "\(daysLeft) days left")
                #expect(Scenario.permit(in: decision)?.expiresOn == Scenario.today.adding(days: daysLeft).adding(months: 12))
            } else {
                #expect(decision.reason?.code == .renewalTooEarly, "\(daysLeft) days left")
            }
        }
    }

    @Test("a first permit is issued within 90 days of arrival (89, 90 allowed; 91 refused)")
    func firstIssueWindow() {
        for (days, allowed) in [(89, true), (90, true), (91, false)] {
            var scenario = Scenario()
            scenario.world.permits[Scenario.w] = nil
            scenario.world.workers[Scenario.w]?.arrivedOn = Scenario.today.adding(days: -days)
            let decision = scenario.decide(WorkPermitFlow.issue, ["worker_id": .id(Scenario.w), "establishment_id": .id(Scenario.e1), "months": 12])
            #expect(decision.isCompleted == allowed, "arrived \(days) days ago")
            if !allowed { #expect(decision.reason?.code == .firstIssueWindowPassed) }
        }
    }

    @Test("a permit expires the day after its last day; removal follows three months later")
    func expiryAndRemoval() {
        var scenario = Scenario()
        guard let permit = scenario.world.permits[Scenario.w] else { return }
        let payload: [String: JSONValue] = ["worker_id": .id(Scenario.w), "permit_id": .string(permit.id.uuidString.lowercased()),
                                            "expires_on": JSONValue(permit.expiresOn)]
        scenario.today = permit.expiresOn.adding(days: 1)
        let expired = scenario.run(WorkPermitFlow.expire, payload)
        #expect(Scenario.permit(in: expired)?.state == .expired)
        #expect(expired.changes.contains(.expiredPermits(Scenario.e1, 1)))
        #expect(Scenario.timer("work-permit.remove", in: expired)?.due == permit.expiresOn.adding(months: 3).adding(days: 1))
        // While expired, the company's other services are refused by the shared gate…
        #expect(scenario.decide(EstablishmentFileFlow.issueCertificate, ["establishment_id": .id(Scenario.e2)]).reason?.code == .expiredPermits)
        // …and renewal, which clears it, is not.
        let renewed = scenario.decide(WorkPermitFlow.renew, ["worker_id": .id(Scenario.w), "establishment_id": .id(Scenario.e1), "months": 6])
        #expect(renewed.isCompleted)
        #expect(renewed.changes.contains(.expiredPermits(Scenario.e1, -1)))
        scenario.today = permit.expiresOn.adding(months: 3).adding(days: 1)
        let removed = scenario.run(WorkPermitFlow.remove, payload)
        #expect(Scenario.permit(in: removed)?.state == .void)
        #expect(scenario.world.workers[Scenario.w]?.employment == .removed)
        #expect(scenario.world.establishments[Scenario.e1]?.headcount == 9)
    }

    // MARK: The windows of issue 35, each at N−1, N and N+1

    @Test("consent by the employer's silence: 10 days to answer (9, 10 consented; 11 refused), silence consents on day 11")
    func consentBySilence() throws {
        let asked: (inout Scenario) -> Void = { scenario in
            scenario.run(TransferFlow.request, ["worker_id": .id(Scenario.w), "establishment_id": .id(Scenario.e3)], as: .owner)
        }
        expectWindow(10, timer: "service-transfer.consent-deadline",
                     TransferFlow.accept, ["worker_id": .id(Scenario.w)],
                     then: TransferFlow.consent, ["worker_id": .id(Scenario.w), "establishment_id": .id(Scenario.e1)], prepare: asked)
        var silent = Scenario()
        asked(&silent)
        let accepted = silent.run(TransferFlow.accept, ["worker_id": .id(Scenario.w)], as: .worker)
        let file = try #require(Scenario.caseFile(in: accepted))
        silent.advance(days: 11)
        let bySilence = silent.run(TransferFlow.consentDeadline, ["worker_id": .id(Scenario.w), "case_id": .string(file.id.uuidString.lowercased())])
        #expect(bySilence.events.first?.type == "transferConsentedBySilence")
    }

    @Test("the 90 days' notice: still in notice on days 89 and 90 (no fee taken), the fee is due from day 91")
    func noticePeriod() throws {
        var scenario = Scenario()
        scenario.run(TransferFlow.request, ["worker_id": .id(Scenario.w), "establishment_id": .id(Scenario.e3)], as: .owner)
        scenario.run(TransferFlow.accept, ["worker_id": .id(Scenario.w)], as: .worker)
        let consented = scenario.run(TransferFlow.consent, ["worker_id": .id(Scenario.w), "establishment_id": .id(Scenario.e1)], as: .owner)
        let file = try #require(Scenario.caseFile(in: consented))
        #expect(file.state == "notice_period" && file.deadline == Scenario.today.adding(days: 90))
        #expect(Scenario.timer("service-transfer.notice-end", in: consented)?.due == Scenario.today.adding(days: 91))
        for day in [89, 90] {
            var during = scenario
            during.advance(days: day)
            #expect(during.decide(TransferFlow.pay, ["worker_id": .id(Scenario.w), "amount": 2000]).reason?.code == .notAllowedInState, "day \(day)")
        }
        scenario.advance(days: 91)
        let ended = scenario.run(TransferFlow.noticeEnd, ["worker_id": .id(Scenario.w), "case_id": .string(file.id.uuidString.lowercased())])
        #expect(Scenario.caseFile(in: ended)?.state == "awaiting_fee")
        let fee = try #require(Scenario.caseFile(in: ended)?.details["fee"]?.intValue)
        #expect(scenario.decide(TransferFlow.pay, ["worker_id": .id(Scenario.w), "amount": JSONValue(fee)]).isCompleted)
    }

    @Test("an occupation change's fee: paid within the rulebook's 30 days of the worker's approval (29, 30 paid; 31 refused), lapsing on day 31")
    func occupationChangeFee() throws {
        expectWindow(30, timer: "occupation-change.lapse",
                     OccupationChangeFlow.accept, ["worker_id": .id(Scenario.w)],
                     then: OccupationChangeFlow.pay, ["worker_id": .id(Scenario.w), "amount": 2000],
                     prepare: { scenario in
                         scenario.run(OccupationChangeFlow.request, ["worker_id": .id(Scenario.w), "establishment_id": .id(Scenario.e1),
                                                                     "occupation": "mason"], as: .owner)
                     })
        var scenario = Scenario()
        scenario.run(OccupationChangeFlow.request, ["worker_id": .id(Scenario.w), "establishment_id": .id(Scenario.e1), "occupation": "mason"], as: .owner)
        let approved = scenario.run(OccupationChangeFlow.accept, ["worker_id": .id(Scenario.w)], as: .worker)
        let file = try #require(Scenario.caseFile(in: approved))
        scenario.advance(days: 31)
        let lapsed = scenario.run(OccupationChangeFlow.lapse, ["worker_id": .id(Scenario.w), "case_id": .string(file.id.uuidString.lowercased())])
        #expect(lapsed.events.first?.type == "occupationChangeFeeLapsed")
        #expect(scenario.world.openCase(.occupationChange, of: Scenario.w) == nil)
        #expect(scenario.world.workers[Scenario.w]?.occupation == "laborer")
    }

    @Test("a dependent's transfer: 14 days to complete after the guardian's approval (13, 14 completed; 15 refused)")
    func dependentCompletion() {
        expectWindow(14, timer: "dependent-transfer.lapse",
                     DependentTransferFlow.approve, ["dependent_id": .id(Scenario.d), "guardian_id": .id(Scenario.w)],
                     then: DependentTransferFlow.complete, ["dependent_id": .id(Scenario.d), "establishment_id": .id(Scenario.e3)],
                     prepare: { scenario in
                         scenario.run(DependentTransferFlow.request, [
                             "dependent_id": .id(Scenario.d), "establishment_id": .id(Scenario.e3), "occupation": "mason", "wage": 3000], as: .owner)
                     })
    }

    @Test("a final exit is used within its validity: 60 days from the employer (59, 60 depart; 61 refused), 15 when issued to the worker")
    func finalExitUse() {
        expectWindow(60, timer: "final-exit.lapse",
                     FinalExitFlow.issue, ["worker_id": .id(Scenario.w), "establishment_id": .id(Scenario.e1)],
                     then: FinalExitFlow.depart, ["worker_id": .id(Scenario.w)])
        // Issued at once to a worker with no employer: 15 days.
        expectWindow(15, timer: "final-exit.lapse",
                     FinalExitFlow.request, ["worker_id": .id(Scenario.w)],
                     then: FinalExitFlow.depart, ["worker_id": .id(Scenario.w)],
                     prepare: { scenario in
                         scenario.world.workers[Scenario.w]?.endEmployment(.absconded)
                         scenario.world.permits[Scenario.w]?.state = .void
                     })
        // The border's day counts, not the day it reported: a departure on day 60 reported on day 62 is in time.
        var late = Scenario()
        late.run(FinalExitFlow.issue, ["worker_id": .id(Scenario.w), "establishment_id": .id(Scenario.e1)])
        late.advance(days: 62)
        #expect(late.decide(FinalExitFlow.depart, ["worker_id": .id(Scenario.w), "departed_on": JSONValue(Scenario.today.adding(days: 60))]).isCompleted)
        #expect(late.decide(FinalExitFlow.depart, ["worker_id": .id(Scenario.w), "departed_on": JSONValue(late.today.adding(days: 1))]).reason?.code == .fieldInvalid)
    }

    @Test("removal three months after expiry: renewal still clears it on the last day (N−1, N), the worker is removed on N+1")
    func removalBoundary() throws {
        let base = Scenario()
        let permit = try #require(base.world.permits[Scenario.w])
        let removalDay = permit.expiresOn.adding(months: 3).adding(days: 1)
        for day in [removalDay.adding(days: -2), removalDay.adding(days: -1), removalDay] {
            var scenario = base
            let payload: [String: JSONValue] = ["worker_id": .id(Scenario.w), "permit_id": .string(permit.id.uuidString.lowercased()),
                                                "expires_on": JSONValue(permit.expiresOn)]
            scenario.today = permit.expiresOn.adding(days: 1)
            let expired = scenario.run(WorkPermitFlow.expire, payload)
            #expect(Scenario.timer("work-permit.remove", in: expired)?.due == removalDay)
            scenario.today = day
            if day >= removalDay { scenario.run(WorkPermitFlow.remove, payload) }  // the engine runs the timer when due
            let renewal = scenario.decide(WorkPermitFlow.renew, ["worker_id": .id(Scenario.w), "establishment_id": .id(Scenario.e1), "months": 3])
            if day < removalDay {
                #expect(renewal.isCompleted, "\(day): \(String(describing: renewal.reason))")
            } else {
                #expect(scenario.world.workers[Scenario.w]?.employment == .removed, "\(day)")
                #expect(renewal.reason?.code == .workerNotHere, "\(day): no longer the establishment's")
            }
        }
    }

    @Test("a suspension ends after its last day (the day before and the day itself refused; the day after served)")
    func suspensionEnd() {
        let until = Scenario.today.adding(days: 30)
        for (day, served) in [(29, false), (30, false), (31, true)] {
            var scenario = Scenario()
            scenario.world.establishments[Scenario.e1]?.status = .suspended
            scenario.world.establishments[Scenario.e1]?.suspendedUntil = until
            scenario.advance(days: day)
            let decision = scenario.decide(EstablishmentFileFlow.issueCertificate, ["establishment_id": .id(Scenario.e1)])
            if served {
                #expect(decision.isCompleted, "day \(day): \(String(describing: decision.reason))")
            } else {
                #expect(decision.reason?.code == .establishmentSuspended, "day \(day)")
            }
        }
    }
}
