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
}
