@testable import Domain
import Foundation
import Testing

/// Recruitment: visa balances, visa issues (an establishment's own case), visas, cancellation,
/// compensatory visas, and arrival on a visa. Pure decisions against a world in memory.
@Suite("Recruitment")
struct RecruitmentTests {
    static let e1 = JSONValue.id(Scenario.e1)
    static let newcomer = PersonID.make(prefix: 2, body: 555)
    static let caseID = UUID(uuidString: "00000000-0000-4000-8000-0000000000d1")!
    static let caseIDText = JSONValue.string(caseID.uuidString.lowercased())

    static func balance(_ count: Int = 3, occupation: String = "mason") -> [String: JSONValue] {
        ["establishment_id": e1, "occupation": .string(occupation), "count": JSONValue(count)]
    }

    static func issue(_ count: Int = 2) -> [String: JSONValue] {
        ["establishment_id": e1, "occupation": "mason", "nationality": "IND", "count": JSONValue(count)]
    }

    static func arrival(on visa: String, occupation: String = "mason", nationality: String = "IND") -> [String: JSONValue] {
        ["worker_id": .id(newcomer), "establishment_id": e1, "name": "New", "nationality": .string(nationality),
         "birth_date": "1995-01-01", "occupation": .string(occupation), "wage": 2000, "visa_id": .string(visa)]
    }

    /// A scenario where e1 holds a balance of `balance` masons.
    static func withBalance(_ balance: Int = 5) -> Scenario {
        var scenario = Scenario()
        scenario.world.visaBalances[Scenario.e1] = ["mason": VisaBalance(approved: balance, remaining: balance)]
        scenario.world.visaCounts[Scenario.e1] = VisaCounts()
        return scenario
    }

    /// `w` left e1 (`how`: departed or absconded).
    static func left(_ scenario: inout Scenario, _ how: Worker.Employment = .departed) {
        scenario.world.workers[Scenario.w]?.endEmployment(how)
    }

    /// Requests `count` visas, pays for them; returns their numbers (the test stops when they were not issued).
    @discardableResult
    static func issued(_ scenario: inout Scenario, count: Int = 2) throws -> [String] {
        let asked = scenario.run(Recruitment.visaIssue, issue(count), as: .owner)
        let file = try #require(Scenario.caseFile(in: asked), "the visa issue was refused: \(asked.reason?.english ?? "")")
        let paid = scenario.run(Recruitment.pay, ["establishment_id": e1, "case_id": .string(file.id.uuidString.lowercased()),
                                                  "amount": JSONValue(count * scenario.rules.recruitment.visaFee)], as: .system)
        let numbers = visas(in: paid).map(\.id)
        try #require(numbers.count == count, "the payment issued \(numbers.count) visas, not \(count)")
        return numbers
    }

    static func visas(in decision: Decision) -> [Visa] {
        decision.changes.compactMap { if case .visa(let visa) = $0 { return visa } else { return nil } }
    }

    // MARK: The tables, every state × every action

    @Test("visa balance: request from none and from approved, both approved")
    func balanceTable() {
        StateMachineTests.Harness<VisaBalanceFlow>(
            services: ["request": Recruitment.balanceRequest], isCase: false,
            setUp: { state, _ in
                var scenario = Scenario()
                if state == .approved { scenario.world.visaBalances[Scenario.e1] = ["mason": VisaBalance(approved: 1, remaining: 0)] }
                return scenario
            },
            payload: { _, _ in Self.balance() },
            stateAfter: { decision in
                // Approved: the three visas added to the balance, and the fact recorded.
                decision.changes == [.visaBalance(Scenario.e1, occupation: "mason", approved: 3, remaining: 3)]
                    && decision.events.map(\.type) == ["visaBalanceApproved"] ? .approved : nil
            }).check()
    }

    /// The scenario with e1's visa issue `caseID` in `state` (compensatory when `compensatory`).
    static func withIssue(_ state: VisaIssueFlow.State, compensatory: Bool = false) -> Scenario {
        var scenario = withBalance()
        left(&scenario)
        guard state != .none else { return scenario }
        var details: [String: JSONValue] = ["occupation": "mason", "nationality": "IND", "count": 2, "fee": 4000]
        if compensatory { details["replaces"] = .id(Scenario.w); details["count"] = 1; details["fee"] = 2000 }
        let file = CaseFile(id: caseID, kind: .visaIssue, subject: .establishment(Scenario.e1), establishment: Scenario.e1,
                            state: state.rawValue, openedAt: scenario.today.start, openedOn: scenario.today.adding(days: -2),
                            deadline: scenario.today.adding(days: 5), details: details)
        scenario.world.casesByID[file.id] = file
        if ServiceCatalog.isOpen(file) { scenario.world.establishmentCases[Scenario.e1, default: []].append(file) }
        return scenario
    }

    @Test("visa issue: every state × every action; opening actions start a new case whatever others are open")
    func issueTable() {
        StateMachineTests.Harness<VisaIssueFlow>(
            services: ["request": Recruitment.visaIssue, "compensatory": Recruitment.compensatoryVisa, "pay": Recruitment.pay,
                       "lapse": Recruitment.feeLapse],
            opening: ["request", "compensatory"],
            setUp: { state, _ in Self.withIssue(state) },
            payload: { action, _ in
                switch action {
                case "request": return Self.issue()
                case "compensatory": return ["establishment_id": Self.e1, "replaces_worker_id": .id(Scenario.w), "nationality": "IND"]
                case "pay": return ["establishment_id": Self.e1, "case_id": Self.caseIDText, "amount": 4000]
                default: return ["establishment_id": Self.e1, "case_id": Self.caseIDText]
                }
            },
            stateAfter: { decision in
                // The establishment's own case, never a worker's.
                guard let file = Scenario.caseFile(in: decision), file.subject == .establishment(Scenario.e1), file.worker == nil else { return nil }
                return VisaIssueFlow.State(rawValue: file.state)
            }).check()
    }

    /// The scenario with visa `1-1/1` of e1 in `state`.
    static func withVisa(_ state: VisaFlow.State, expiresIn days: Int = 100) -> Scenario {
        var scenario = withBalance()
        guard state != .none else { return scenario }
        scenario.world.visas[Visa.number(Scenario.e1, 1)] = Visa(
            id: Visa.number(Scenario.e1, 1), establishment: Scenario.e1, caseID: caseID, occupation: "mason", nationality: "IND",
            state: state, issuedOn: scenario.today.adding(days: -10), expiresOn: scenario.today.adding(days: days), fee: 2000,
            usedBy: state == .used ? Scenario.w : nil)
        return scenario
    }

    @Test("visa: every state × every action (use is a worker's arrival; issue is the fee's payment)")
    func visaTable() throws {
        let number = Visa.number(Scenario.e1, 1)
        StateMachineTests.Harness<VisaFlow>(
            services: ["use": EmploymentFacts.register, "cancel": Recruitment.cancel, "expire": Recruitment.expire],
            effects: ["issue"], isCase: false,
            // The expiry timer is due the day after the last day; the others act before it.
            setUp: { state, action in Self.withVisa(state, expiresIn: action == "expire" ? -1 : 100) },
            payload: { action, _ in
                action == "use" ? Self.arrival(on: number) : ["establishment_id": Self.e1, "visa_id": .string(number)]
            },
            stateAfter: { decision in
                // The visa in its new state, with an event on the visa itself.
                guard decision.events.contains(where: { $0.aggregate == "visa:\(number)" }) else { return nil }
                return Self.visas(in: decision).first { $0.id == number }?.state
            }).check()
        // issue: the payment of a visa issue's fee.
        var scenario = Self.withBalance()
        let numbers = try Self.issued(&scenario, count: 2)
        #expect(numbers == [Visa.number(Scenario.e1, 1), Visa.number(Scenario.e1, 2)])
        #expect(numbers.allSatisfy { scenario.world.visas[$0]?.state == .issued })
    }

    // MARK: Balance requests

    @Test("a balance needs medium green, an occupation that fits and is open to residents, and at most 100 at once")
    func balanceRules() {
        var scenario = Scenario()
        #expect(scenario.decide(Recruitment.balanceRequest, Self.balance(100), as: .owner).isCompleted)
        #expect(scenario.decide(Recruitment.balanceRequest, Self.balance(101), as: .owner).reason?.code == .tooManyAtOnce)
        #expect(scenario.decide(Recruitment.balanceRequest, Self.balance(occupation: "cashier"), as: .owner).reason?.code == .occupationReserved)
        #expect(scenario.decide(Recruitment.balanceRequest, Self.balance(occupation: "nurse"), as: .owner).reason?.code == .occupationUnfit)
        #expect(scenario.decide(Recruitment.balanceRequest, Self.balance(occupation: "wizard"), as: .owner).reason?.code == .occupationUnknown)
        #expect(scenario.decide(Recruitment.balanceRequest, Self.balance(occupation: "laborer"), as: .owner).isCompleted, "generic titles fit every activity")
        // 6 Saudis of 10 is platinum in construction; 1 of 10 (10%) is medium green (9–14), 0.5 of 10 is low green.
        scenario.world.establishments[Scenario.e1]?.saudiWeight = 1
        #expect(scenario.decide(Recruitment.balanceRequest, Self.balance(), as: .owner).isCompleted)
        scenario.world.establishments[Scenario.e1]?.saudiWeight = 0.8
        #expect(scenario.decide(Recruitment.balanceRequest, Self.balance(), as: .owner).reason?.code == .bandTooLow)
        scenario.makeRed(Scenario.e1)
        #expect(scenario.decide(Recruitment.balanceRequest, Self.balance(), as: .owner).reason?.code == .bandTooLow)
    }

    @Test("a new establishment is approved for at most 9 visas in its first six months, then the limit ends")
    func newEstablishmentLimit() {
        var scenario = Scenario()
        scenario.world.establishments[Scenario.e1]?.openedOn = scenario.today.adding(months: -6).adding(days: 1)
        #expect(scenario.run(Recruitment.balanceRequest, Self.balance(6), as: .owner).isCompleted)
        #expect(scenario.run(Recruitment.balanceRequest, Self.balance(3, occupation: "carpenter"), as: .owner).isCompleted)
        let refused = scenario.decide(Recruitment.balanceRequest, Self.balance(1), as: .owner)
        #expect(refused.reason?.code == .newEstablishmentLimit)
        #expect(refused.reason?.english.contains("9 are approved") == true)
        scenario.advance(days: 1)  // six months old
        #expect(scenario.decide(Recruitment.balanceRequest, Self.balance(1), as: .owner).isCompleted)
    }

    // MARK: Visa issues and the fee

    @Test("a visa issue draws the balance at once and costs 2,000 a visa, paid within 30 days (30 paid; 31 refused), else the draw returns")
    func issueAndFee() throws {
        var scenario = Self.withBalance(5)
        #expect(scenario.decide(Recruitment.visaIssue, Self.issue(6), as: .owner).reason?.code == .balanceInsufficient)
        let asked = scenario.run(Recruitment.visaIssue, Self.issue(3), as: .owner)
        #expect(asked.changes.contains(.visaBalance(Scenario.e1, occupation: "mason", approved: 0, remaining: -3)))
        #expect(scenario.world.visaBalances[Scenario.e1]?["mason"]?.remaining == 2)
        guard let file = Scenario.caseFile(in: asked) else { Issue.record("no case"); return }
        #expect(file.details["fee"] == 6000 && file.deadline == scenario.today.adding(days: 30))
        let lapse = Scenario.timer("recruitment.visa-fee-lapse", in: asked)
        #expect(lapse?.due == scenario.today.adding(days: 31) && lapse?.subject == .establishment(Scenario.e1))
        let pay: [String: JSONValue] = ["establishment_id": Self.e1, "case_id": .string(file.id.uuidString.lowercased()), "amount": 6000]
        #expect(scenario.decide(Recruitment.pay, pay.merging(["amount": 2000]) { $1 }, as: .system).reason?.code == .feeMismatch)
        var late = scenario
        late.advance(days: 31)
        #expect(late.decide(Recruitment.pay, pay, as: .system).reason?.code == .caseDeadlinePassed)
        let lapsed = late.run(Recruitment.feeLapse, ["establishment_id": Self.e1, "case_id": pay["case_id"]!], as: .system)
        #expect(Scenario.caseFile(in: lapsed)?.state == "lapsed")
        #expect(late.world.visaBalances[Scenario.e1]?["mason"]?.remaining == 5, "the draw came back")
        scenario.advance(days: 30)
        let paid = scenario.run(Recruitment.pay, pay, as: .system)
        #expect(paid.isCompleted)
        let visas = Self.visas(in: paid)
        #expect(visas.map(\.id) == (1...3).map { Visa.number(Scenario.e1, $0) })
        // 365 days of use, the day of issue the first.
        #expect(visas.allSatisfy { $0.fee == 2000 && $0.expiresOn == scenario.today.adding(days: 364) && $0.state == .issued })
        #expect(paid.timers.filter { $0.service == "recruitment.visa-expire" }.map(\.due) == Array(repeating: scenario.today.adding(days: 365), count: 3))
        #expect(paid.cancelledTimers == [lapse?.key].compactMap { $0 })
        // The next issue's numbers follow on.
        #expect(try Self.issued(&scenario, count: 1) == [Visa.number(Scenario.e1, 4)])
    }

    // MARK: Cancellation

    @Test("cancelling an unused visa returns the balance and refunds the fee, unless a visa of its issue was used")
    func cancellation() throws {
        var scenario = Self.withBalance(5)
        let numbers = try Self.issued(&scenario, count: 3)
        #expect(scenario.world.visaBalances[Scenario.e1]?["mason"]?.remaining == 2)
        let cancel = { (number: String) -> [String: JSONValue] in ["establishment_id": Self.e1, "visa_id": .string(number)] }
        let first = scenario.run(Recruitment.cancel, cancel(numbers[0]), as: .owner)
        #expect(first.isCompleted && Self.visas(in: first).first?.refund == 2000)
        #expect(first.events.map(\.type) == ["visaCancelled", "visaFeeRefunded"])
        #expect(first.events.last?.data["amount"] == 2000)
        #expect(first.cancelledTimers.count == 1 && first.cancelledTimers[0].hasPrefix("visa:expire:\(numbers[0]):"))
        #expect(scenario.world.visaBalances[Scenario.e1]?["mason"]?.remaining == 3)
        #expect(scenario.decide(Recruitment.cancel, cancel(numbers[0]), as: .owner).reason?.code == .notAllowedInState)
        // A worker arrives on the second: the package is partly used, the third is not refunded.
        #expect(scenario.run(EmploymentFacts.register, Self.arrival(on: numbers[1]), as: .system).isCompleted)
        let third = scenario.run(Recruitment.cancel, cancel(numbers[2]), as: .owner)
        #expect(third.isCompleted && Self.visas(in: third).first?.refund == 0)
        #expect(third.events.map(\.type) == ["visaCancelled"])
        #expect(scenario.decide(Recruitment.cancel, cancel(numbers[1]), as: .owner).reason?.code == .notAllowedInState, "a used visa")
    }

    @Test("an expired visa is not cancelled, and another establishment's visa answers as one that does not exist")
    func cancellationRefusals() {
        let number = Visa.number(Scenario.e1, 1)
        var expired = Self.withVisa(.issued, expiresIn: -1)
        #expect(expired.decide(Recruitment.cancel, ["establishment_id": Self.e1, "visa_id": .string(number)], as: .owner).reason?.code == .visaExpired)
        expired.world.establishments[Scenario.e3] = expired.world.establishments[Scenario.e1]
        let foreign = Self.withVisa(.issued).decide(Recruitment.cancel, ["establishment_id": .id(Scenario.e3), "visa_id": .string(number)], as: .owner)
        let unknown = Self.withVisa(.none).decide(Recruitment.cancel, ["establishment_id": .id(Scenario.e3), "visa_id": .string(number)], as: .owner)
        #expect(foreign.reason?.code == .visaNotFound)
        #expect(foreign.reason == unknown.reason)
    }

    // MARK: Arrival

    @Test("a worker arrives on an issued visa of the establishment, in its occupation and nationality; the 90 days run from that arrival")
    func arrival() throws {
        var scenario = Self.withBalance()
        let numbers = try Self.issued(&scenario, count: 2)
        #expect(scenario.decide(EmploymentFacts.register, Self.arrival(on: numbers[0], occupation: "carpenter"), as: .system).reason?.code == .visaMismatch)
        #expect(scenario.decide(EmploymentFacts.register, Self.arrival(on: numbers[0], nationality: "PAK"), as: .system).reason?.code == .visaMismatch)
        var other = Self.arrival(on: numbers[0])
        other["establishment_id"] = .id(Scenario.e3)
        #expect(scenario.decide(EmploymentFacts.register, other, as: .system).reason?.code == .visaNotFound)
        scenario.advance(days: 10)
        let arrived = scenario.run(EmploymentFacts.register, Self.arrival(on: numbers[0]), as: .system)
        #expect(arrived.isCompleted)
        #expect(scenario.world.visas[numbers[0]]?.state == .used && scenario.world.visas[numbers[0]]?.usedBy == Self.newcomer)
        #expect(scenario.world.workers[Self.newcomer]?.arrivedOn == scenario.today)
        #expect(arrived.events.map(\.type) == ["workerEmployed", "visaUsed"])
        #expect(arrived.cancelledTimers.count == 1)
        // The first permit: the 90th day after arrival is allowed, the 91st is not.
        let permit: [String: JSONValue] = ["worker_id": .id(Self.newcomer), "establishment_id": Self.e1, "months": 12]
        var day90 = scenario
        day90.advance(days: 90)
        #expect(day90.decide(WorkPermitFlow.issue, permit, as: .owner).isCompleted)
        day90.advance(days: 1)
        #expect(day90.decide(WorkPermitFlow.issue, permit, as: .owner).reason?.code == .firstIssueWindowPassed)
        // Nobody else arrives on a used, cancelled or expired visa.
        var again = Self.arrival(on: numbers[0])
        again["worker_id"] = .id(PersonID.make(prefix: 2, body: 556))
        #expect(scenario.decide(EmploymentFacts.register, again, as: .system).reason?.code == .notAllowedInState)
        scenario.run(Recruitment.cancel, ["establishment_id": Self.e1, "visa_id": .string(numbers[1])], as: .owner)
        again["visa_id"] = .string(numbers[1])
        #expect(scenario.decide(EmploymentFacts.register, again, as: .system).reason?.code == .notAllowedInState)
        let expired = Self.withVisa(.issued, expiresIn: -1)
        #expect(expired.decide(EmploymentFacts.register, Self.arrival(on: Visa.number(Scenario.e1, 1)), as: .system).reason?.code == .visaExpired)
    }

    @Test("the visa's last day: a worker who entered on it is registered the day after; one who entered the day after is not; cancellation likewise")
    func validityDay() {
        let number = Visa.number(Scenario.e1, 1)
        let lastDay = Self.withVisa(.issued, expiresIn: 0)
        var onLastDay = Self.arrival(on: number)
        onLastDay["arrived_on"] = JSONValue(lastDay.today)
        var registeredNextDay = lastDay
        registeredNextDay.advance(days: 1)
        #expect(registeredNextDay.decide(EmploymentFacts.register, onLastDay, as: .system).isCompleted)
        var afterIt = onLastDay
        afterIt["arrived_on"] = JSONValue(registeredNextDay.today)
        #expect(registeredNextDay.decide(EmploymentFacts.register, afterIt, as: .system).reason?.code == .visaExpired)
        let cancel: [String: JSONValue] = ["establishment_id": Self.e1, "visa_id": .string(number)]
        #expect(lastDay.decide(Recruitment.cancel, cancel, as: .owner).isCompleted)
        #expect(registeredNextDay.decide(Recruitment.cancel, cancel, as: .owner).reason?.code == .visaExpired)
        // An arrival before the visa was issued, or in the future, is not believed.
        var before = onLastDay
        before["arrived_on"] = JSONValue(lastDay.today.adding(days: -11))
        #expect(lastDay.decide(EmploymentFacts.register, before, as: .system).reason?.code == .fieldInvalid)
        before["arrived_on"] = JSONValue(lastDay.today.adding(days: 1))
        #expect(lastDay.decide(EmploymentFacts.register, before, as: .system).reason?.code == .fieldInvalid)
    }

    @Test("a worker who left comes back on another visa: a second arrival is allowed")
    func secondArrival() throws {
        var scenario = Self.withBalance()
        let numbers = try Self.issued(&scenario, count: 2)
        #expect(scenario.run(EmploymentFacts.register, Self.arrival(on: numbers[0]), as: .system).isCompleted)
        scenario.world.workers[Self.newcomer]?.endEmployment(.departed)
        #expect(scenario.run(EmploymentFacts.register, Self.arrival(on: numbers[1]), as: .system).isCompleted)
        #expect(scenario.world.visas[numbers[1]]?.usedBy == Self.newcomer)
    }

    @Test("a visa issue needs medium green too: a balance approved while green is not drawn once the band fell")
    func issueBand() {
        var scenario = Self.withBalance()
        scenario.world.establishments[Scenario.e1]?.saudiWeight = 0.8  // 8%: low green in construction
        #expect(scenario.decide(Recruitment.visaIssue, Self.issue(1), as: .owner).reason?.code == .bandTooLow)
    }

    // MARK: Compensatory visas

    static let compensatory: [String: JSONValue] = ["establishment_id": e1, "replaces_worker_id": .id(Scenario.w), "nationality": "BGD"]

    @Test("a compensatory visa replaces a worker who left by final exit or absconded, in his occupation, once")
    func compensatory() {
        var scenario = Self.withBalance(0)
        #expect(scenario.decide(Recruitment.compensatoryVisa, Self.compensatory, as: .owner).reason?.code == .notReplaceable, "still employed")
        Self.left(&scenario, .absconded)
        // Another establishment's visa for him (he left it before) is none of this one's business.
        scenario.world.replacements.insert(Replacement(establishment: Scenario.e3, worker: Scenario.w))
        let asked = scenario.run(Recruitment.compensatoryVisa, Self.compensatory, as: .owner)
        #expect(asked.isCompleted, "\(asked.reason?.english ?? "")")
        #expect(asked.changes.allSatisfy { if case .visaBalance = $0 { return false } else { return true } }, "draws no balance")
        #expect(scenario.decide(Recruitment.compensatoryVisa, Self.compensatory, as: .owner).reason?.code == .alreadyReplaced, "asked for")
        guard let file = Scenario.caseFile(in: asked) else { Issue.record("no case"); return }
        let paid = scenario.run(Recruitment.pay, ["establishment_id": Self.e1, "case_id": .string(file.id.uuidString.lowercased()), "amount": 2000], as: .system)
        let visa = Self.visas(in: paid).first
        #expect(visa?.replaces == Scenario.w && visa?.occupation == "laborer" && visa?.nationality == "BGD")
        #expect(scenario.decide(Recruitment.compensatoryVisa, Self.compensatory, as: .owner).reason?.code == .alreadyReplaced, "issued")
        // Cancelling it gives no balance back (it drew none).
        let cancelled = scenario.run(Recruitment.cancel, ["establishment_id": Self.e1, "visa_id": .string(visa?.id ?? "")], as: .owner)
        #expect(cancelled.isCompleted && !cancelled.changes.contains { if case .visaBalance = $0 { return true } else { return false } })
    }

    @Test("another establishment's former worker answers as a number nobody holds")
    func compensatoryNoOracle() {
        var scenario = Scenario()
        Self.left(&scenario)
        var payload = Self.compensatory
        payload["establishment_id"] = .id(Scenario.e3)
        let foreign = scenario.decide(Recruitment.compensatoryVisa, payload, as: .owner)
        payload["replaces_worker_id"] = .id(PersonID.make(prefix: 2, body: 777))
        let nobody = scenario.decide(Recruitment.compensatoryVisa, payload, as: .owner)
        #expect(foreign.reason?.code == .notReplaceable)
        #expect(foreign.reason?.english.replacingOccurrences(of: Scenario.w.digits, with: "#")
                == nobody.reason?.english.replacingOccurrences(of: PersonID.make(prefix: 2, body: 777).digits, with: "#"))
    }

    @Test("compensatory visas: low green or better; 25 a year below 250 employees (the 25th allowed, the 26th refused), none above")
    func compensatoryLimits() {
        var scenario = Scenario()
        Self.left(&scenario)
        // 249 employees, 149 of them Saudi: the limit applies.
        scenario.world.establishments[Scenario.e1]?.headcount = 249
        scenario.world.establishments[Scenario.e1]?.saudiCount = 149
        scenario.world.establishments[Scenario.e1]?.saudiWeight = 149
        scenario.world.visaCounts[Scenario.e1] = VisaCounts(issued: 40, compensatoryThisYear: 23)
        #expect(scenario.decide(Recruitment.compensatoryVisa, Self.compensatory, as: .owner).isCompleted, "the 24th")
        scenario.world.visaCounts[Scenario.e1]?.compensatoryThisYear = 24
        #expect(scenario.decide(Recruitment.compensatoryVisa, Self.compensatory, as: .owner).isCompleted, "the 25th")
        scenario.world.visaCounts[Scenario.e1]?.compensatoryThisYear = 25
        let refused = scenario.decide(Recruitment.compensatoryVisa, Self.compensatory, as: .owner)
        #expect(refused.reason?.code == .compensatoryLimit, "the 26th")
        // One still waiting for its fee counts too.
        scenario.world.visaCounts[Scenario.e1]?.compensatoryThisYear = 24
        let other = PersonID.make(prefix: 2, body: 31)
        scenario.world.establishmentCases[Scenario.e1] = [CaseFile(
            id: UUID(), kind: .visaIssue, subject: .establishment(Scenario.e1), establishment: Scenario.e1, state: "awaiting_fee",
            openedAt: scenario.today.start, openedOn: scenario.today, deadline: scenario.today.adding(days: 30),
            details: ["replaces": .id(other), "count": 1, "fee": 2000])]
        #expect(scenario.decide(Recruitment.compensatoryVisa, Self.compensatory, as: .owner).reason?.code == .compensatoryLimit,
                "24 issued and one asked for")
        scenario.world.establishmentCases[Scenario.e1] = []
        scenario.world.visaCounts[Scenario.e1]?.compensatoryThisYear = 25
        scenario.world.establishments[Scenario.e1]?.headcount = 250
        scenario.world.establishments[Scenario.e1]?.saudiCount = 150
        scenario.world.establishments[Scenario.e1]?.saudiWeight = 150
        #expect(scenario.decide(Recruitment.compensatoryVisa, Self.compensatory, as: .owner).isCompleted, "250 employees: no yearly limit")
        scenario.makeRed(Scenario.e1)
        #expect(scenario.decide(Recruitment.compensatoryVisa, Self.compensatory, as: .owner).reason?.code == .bandTooLow)
    }

    /// A scenario that gives each recruitment code (`ReasonTests`).
    static var producers: [String: () -> Reason?] {
        let number = Visa.number(Scenario.e1, 1)
        return [
            "recruitment.too_many_at_once": { Scenario().decide(Recruitment.balanceRequest, balance(101), as: .owner).reason },
            "recruitment.new_establishment_limit": {
                var scenario = Scenario()
                scenario.world.establishments[Scenario.e1]?.openedOn = scenario.today
                return scenario.decide(Recruitment.balanceRequest, balance(10), as: .owner).reason
            },
            "recruitment.balance_insufficient": { withBalance(1).decide(Recruitment.visaIssue, issue(2), as: .owner).reason },
            "recruitment.visa_not_found": { withBalance().decide(Recruitment.cancel, ["establishment_id": e1, "visa_id": .string(number)], as: .owner).reason },
            "recruitment.visa_expired": { withVisa(.issued, expiresIn: -1).decide(Recruitment.cancel, ["establishment_id": e1, "visa_id": .string(number)], as: .owner).reason },
            "recruitment.visa_mismatch": { withVisa(.issued).decide(EmploymentFacts.register, arrival(on: number, occupation: "carpenter"), as: .system).reason },
            "recruitment.visa_issue_not_found": {
                withBalance().decide(Recruitment.pay, ["establishment_id": e1, "case_id": caseIDText, "amount": 2000], as: .system).reason
            },
            "recruitment.not_replaceable": { Scenario().decide(Recruitment.compensatoryVisa, compensatory, as: .owner).reason },
            "recruitment.already_replaced": {
                var scenario = withIssue(.awaitingFee, compensatory: true)
                scenario.world.visaCounts[Scenario.e1] = VisaCounts()
                return scenario.decide(Recruitment.compensatoryVisa, compensatory, as: .owner).reason
            },
            "recruitment.compensatory_limit": {
                var scenario = Scenario()
                left(&scenario)
                scenario.world.visaCounts[Scenario.e1] = VisaCounts(issued: 25, compensatoryThisYear: 25)
                return scenario.decide(Recruitment.compensatoryVisa, compensatory, as: .owner).reason
            },
        ]
    }
}
