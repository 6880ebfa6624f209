import Domain
import Foundation
import Testing

/// Figures of the rules that no other suite pinned down: who may hold a work permit, when it
/// ends, what a transfer and an occupation change cost, how old a dependent must be, how long
/// a certificate and a malicious report's suspension last. Each was found by `Scripts/mutate`:
/// breaking it left every test passing.
@Suite("The rules' figures")
struct RuleFigureTests {
    private func permitPayload(_ worker: PersonID = Scenario.w, months: Int = 12) -> [String: JSONValue] {
        ["worker_id": .id(worker), "establishment_id": .id(Scenario.e1), "months": JSONValue(months)]
    }

    @Test("a Saudi is not issued a work permit: the permit is for expatriates")
    func saudiRefused() {
        var scenario = Scenario()
        scenario.world.workers[Scenario.saudi] = Worker(
            id: Scenario.saudi, name: "Saudi", nationality: "SAU", birthDate: Day(year: 1990, month: 1, day: 1), employer: Scenario.e1,
            occupation: "accountant", wage: 6000, employment: .employed, arrivedOn: Scenario.today.adding(days: -10))
        let decision = scenario.decide(WorkPermitFlow.issue, permitPayload(Scenario.saudi))
        #expect(decision.reason?.code == .workerIsSaudi)
        #expect(decision.reason?.arabic.isEmpty == false && decision.reason?.english.isEmpty == false)
        // The same worker as a resident would be issued one: the refusal is for being Saudi.
        #expect(scenario.decide(WorkPermitFlow.issue, permitPayload(Scenario.w)).reason?.code != .workerIsSaudi)
    }

    @Test("a permit is valid through its last day: the expiry timer is due the day after, from issue, payment and renewal")
    func expiryTimerIsDueTheDayAfter() throws {
        var scenario = Scenario()
        scenario.world.permits[Scenario.w] = nil
        scenario.world.workers[Scenario.w]?.arrivedOn = Scenario.today.adding(days: -10)
        let issued = scenario.run(WorkPermitFlow.issue, permitPayload())
        let invoice = try #require(Scenario.permit(in: issued))
        let paid = scenario.run(WorkPermitFlow.pay, ["worker_id": .id(Scenario.w), "amount": JSONValue(invoice.levy + invoice.fee)])
        let permit = try #require(Scenario.permit(in: paid))
        #expect(permit.expiresOn == Scenario.today.adding(months: 12))
        #expect(Scenario.timer("work-permit.expire", in: paid)?.due == permit.expiresOn.adding(days: 1))

        var renewing = Scenario()
        let expiresOn = try #require(renewing.world.permits[Scenario.w]?.expiresOn)
        let renewed = renewing.run(WorkPermitFlow.renew, permitPayload())
        let longer = try #require(Scenario.permit(in: renewed))
        #expect(longer.expiresOn == expiresOn.adding(months: 12))
        #expect(Scenario.timer("work-permit.expire", in: renewed)?.due == longer.expiresOn.adding(days: 1))
    }

    @Test("a temporary permit needs medium green or better: a red establishment is refused, the same one in green is served")
    func temporaryPermitNeedsMediumGreen() {
        var scenario = Scenario()
        scenario.world.permits[Scenario.w]?.state = .void
        let payload: [String: JSONValue] = ["worker_id": .id(Scenario.w), "establishment_id": .id(Scenario.e1)]
        #expect(scenario.decide(WorkPermitFlow.issueTemporary, payload).isCompleted)
        scenario.makeRed(Scenario.e1)
        #expect(scenario.decide(WorkPermitFlow.issueTemporary, payload).reason?.code == .bandTooLow)
    }

    @Test("a transfer costs by the worker's transfers so far: 2,000, then 4,000, then 6,000 from the third on",
          arguments: [(0, 2000), (1, 4000), (2, 6000), (3, 6000), (9, 6000)])
    func transferFeeByCount(transfers: Int, fee: Int) throws {
        var scenario = Scenario()
        scenario.world.workers[Scenario.w]?.transferCount = transfers
        scenario.world.permits[Scenario.w]?.state = .expired  // no consent needed: the fee is due at once
        scenario.run(TransferFlow.request, ["worker_id": .id(Scenario.w), "establishment_id": .id(Scenario.e3)], as: .owner)
        let accepted = scenario.run(TransferFlow.accept, ["worker_id": .id(Scenario.w)], as: .worker)
        let file = try #require(Scenario.caseFile(in: accepted))
        #expect(file.state == "awaiting_fee")
        #expect(file.details["fee"]?.intValue == fee)
        #expect(scenario.decide(TransferFlow.pay, ["worker_id": .id(Scenario.w), "amount": JSONValue(fee - 1)]).reason?.code == .feeMismatch)
        let paid = scenario.run(TransferFlow.pay, ["worker_id": .id(Scenario.w), "amount": JSONValue(fee)])
        #expect(paid.isCompleted, "\(paid.reason?.english ?? "")")
        #expect(scenario.world.workers[Scenario.w]?.transferCount == transfers + 1)
    }

    @Test("an occupation change costs the rulebook's fee (2,000), due after the worker approves")
    func occupationChangeFee() throws {
        var scenario = Scenario()
        scenario.run(OccupationChangeFlow.request, ["worker_id": .id(Scenario.w), "establishment_id": .id(Scenario.e1), "occupation": "mason"], as: .owner)
        let approved = scenario.run(OccupationChangeFlow.accept, ["worker_id": .id(Scenario.w)], as: .worker)
        let file = try #require(Scenario.caseFile(in: approved))
        #expect(file.state == "awaiting_fee" && file.details["fee"]?.intValue == 2000)
        #expect(scenario.decide(OccupationChangeFlow.pay, ["worker_id": .id(Scenario.w), "amount": 2001]).reason?.code == .feeMismatch)
        #expect(scenario.run(OccupationChangeFlow.pay, ["worker_id": .id(Scenario.w), "amount": 2000]).isCompleted)
        #expect(scenario.world.workers[Scenario.w]?.occupation == "mason")
    }

    @Test("a dependent is transferable from 18: a day short of it refused, on the birthday allowed")
    func dependentMinimumAge() {
        for (birth, allowed) in [(Scenario.today.adding(years: -18).adding(days: 1), false), (Scenario.today.adding(years: -18), true)] {
            var scenario = Scenario()
            scenario.world.workers[Scenario.d]?.birthDate = birth
            let decision = scenario.decide(DependentTransferFlow.request, [
                "dependent_id": .id(Scenario.d), "establishment_id": .id(Scenario.e3), "occupation": "mason", "wage": 3000], as: .owner)
            if allowed { #expect(decision.isCompleted, "born \(birth.iso): \(decision.reason?.english ?? "")") }
            else { #expect(decision.reason?.code == .dependentNotTransferable, "born \(birth.iso)") }
        }
    }

    @Test("a dependent's transfer is checked again when it completes: a receiver that turned red refuses it")
    func dependentReceiverTurnedRed() {
        var scenario = Scenario()
        scenario.run(DependentTransferFlow.request, [
            "dependent_id": .id(Scenario.d), "establishment_id": .id(Scenario.e3), "occupation": "mason", "wage": 3000], as: .owner)
        #expect(scenario.run(DependentTransferFlow.approve, ["dependent_id": .id(Scenario.d), "guardian_id": .id(Scenario.w)], as: .worker).isCompleted)
        let complete: [String: JSONValue] = ["dependent_id": .id(Scenario.d), "establishment_id": .id(Scenario.e3)]
        #expect(scenario.decide(DependentTransferFlow.complete, complete, as: .owner).isCompleted)
        scenario.makeRed(Scenario.e3)
        #expect(scenario.decide(DependentTransferFlow.complete, complete, as: .owner).reason?.code == .bandTooLow)
    }

    @Test("a Saudization certificate is valid the rulebook's three months")
    func certificateValidity() throws {
        let decision = Scenario().decide(EstablishmentFileFlow.issueCertificate, ["establishment_id": .id(Scenario.e1)], as: .owner)
        let certificate = try #require(decision.changes.compactMap { if case .certificate(let c) = $0 { return c } else { return nil } }.first)
        #expect(certificate.issuedOn == Scenario.today && certificate.validUntil == Scenario.today.adding(months: 3))
    }

    @Test("a malicious report suspends its employer 1 year the first time, 3 the second, 5 from the third on",
          arguments: [(0, 1), (1, 3), (2, 5), (3, 5)])
    func maliciousSuspension(before: Int, years: Int) {
        var scenario = StateMachineTests.withCase(.absenceReport, "final", establishment: Scenario.e1) {
            $0.world.establishments[Scenario.e1]?.maliciousReports = before
        }
        #expect(scenario.run(AbsenceReportFlow.clear, ["worker_id": .id(Scenario.w), "case_id": StateMachineTests.caseIDText]).isCompleted)
        let employer = scenario.world.establishments[Scenario.e1]
        #expect(employer?.maliciousReports == before + 1)
        #expect(employer?.suspendedUntil == Scenario.today.adding(years: years))
    }

    @Test("a commercial registration is valid through its expiry day: served on it, refused the day after, at every door")
    func crValidThroughItsLastDay() {
        let renew: [String: JSONValue] = ["worker_id": .id(Scenario.w), "establishment_id": .id(Scenario.e1), "months": 12]
        for (expires, served) in [(Scenario.today, true), (Scenario.today.adding(days: -1), false)] {
            var scenario = Scenario()
            scenario.world.establishments[Scenario.e1]?.crExpiresOn = expires
            let decision = scenario.decide(WorkPermitFlow.renew, renew)
            if served { #expect(decision.isCompleted, "CR until \(expires.iso): \(decision.reason?.english ?? "")") }
            else { #expect(decision.reason?.code == .crExpired, "CR until \(expires.iso)") }
            let opened = scenario.decide(EstablishmentFileFlow.open, [
                "establishment_id": "5-5", "unified_number": "7000000003", "cr_number": "1999999999", "name_ar": "م", "name_en": "E",
                "activity": "retail", "cr_expires_on": JSONValue(expires)], as: .staff)
            if served { #expect(opened.isCompleted, "a new file, CR until \(expires.iso): \(opened.reason?.english ?? "")") }
            else { #expect(opened.reason?.code == .crExpired, "a new file, CR until \(expires.iso)") }
        }
    }

    @Test("a closed establishment is served nothing")
    func closedEstablishment() {
        var scenario = Scenario()
        scenario.world.establishments[Scenario.e1]?.status = .closed
        #expect(scenario.decide(EstablishmentFileFlow.issueCertificate, ["establishment_id": .id(Scenario.e1)], as: .owner).reason?.code == .establishmentInactive)
        #expect(scenario.decide(FinalExitFlow.issue, ["worker_id": .id(Scenario.w), "establishment_id": .id(Scenario.e1)], as: .owner).reason?.code == .establishmentInactive)
    }
}
