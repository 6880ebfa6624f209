import Domain
import Foundation
import Testing

@Suite("Rulebook")
struct RulebookTests {
    @Test("each edition applies from its effective date, and the day before still has the old rule", arguments: [
        (Day(year: 2018, month: 12, day: 31), 400, 300), (Day(year: 2019, month: 1, day: 1), 600, 500),
        (Day(year: 2019, month: 12, day: 31), 600, 500), (Day(year: 2020, month: 1, day: 1), 800, 700),
        (Day(year: 2017, month: 6, day: 1), 400, 300),
    ])
    func levyByDate(day: Day, expatMajority: Int, saudiMajority: Int) {
        let levy = Scenario.rulebook.parameters(on: day).levy
        #expect(levy.expatMajorityMonthly == expatMajority)
        #expect(levy.saudiMajorityMonthly == saudiMajority)
    }

    @Test("a decision uses the rulebook of its submission day")
    func decisionUsesSubmissionDay() {
        for (day, monthly) in [(Day(year: 2019, month: 12, day: 31), 500), (Day(year: 2020, month: 1, day: 1), 700)] {
            var scenario = Scenario()
            scenario.today = day
            scenario.world.permits[Scenario.w] = nil
            scenario.world.workers[Scenario.w]?.arrivedOn = day.adding(days: -5)
            let decision = scenario.decide(WorkPermitFlow.issue, ["worker_id": .id(Scenario.w), "establishment_id": .id(Scenario.e1), "months": 12])
            // 6 Saudis and 4 residents: Saudi majority.
            #expect(Scenario.permit(in: decision)?.levy == monthly * 12, "\(day)")
        }
    }

    @Test("later editions change only what they name; the 2021 reform keeps the transfer fees")
    func editionsMerge() {
        let first = Scenario.rulebook.parameters(on: Day(year: 2018, month: 6, day: 1))
        let latest = Scenario.rulebook.parameters(on: Day(year: 2026, month: 1, day: 1))
        #expect(first.workPermit == latest.workPermit)
        #expect(latest.transfer.fees == [2000, 4000, 6000])
        #expect(Scenario.rulebook.editions.count >= 4)
    }

    @Test("a malformed rulebook is refused with a reason")
    func malformed() {
        #expect(throws: RulebookError.self) { try Rulebook(json: Data("{}".utf8)) }
        #expect(throws: RulebookError.self) { try Rulebook(json: Data(#"{"editions": [}"#.utf8)) }
        #expect(throws: RulebookError.self) { try Rulebook(json: Data(#"{"editions": [{"effective_from": "2020-01-01", "parameters": {}}]}"#.utf8)) }
        #expect(throws: RulebookError.self) {
            try Rulebook(json: Data(#"{"editions": [{"effective_from": "yesterday", "parameters": {}}]}"#.utf8))
        }
    }

    @Test("the levy: 800 when expatriates outnumber Saudis, 700 when equal or fewer; the exemption's seats in small establishments (≤ 9, the owner among them)")
    func levy() {
        let rules = Scenario.rulebook.parameters(on: Scenario.today)
        var establishment = Scenario().world.establishments[Scenario.e1]!
        func levy(seat: Bool = false, months: Int = 6) -> Int {
            WorkPermitFlow.charges(months: months, establishment: establishment, seat: seat, rules: rules).levy
        }
        #expect(WorkPermitFlow.charges(months: 12, establishment: establishment, seat: false, rules: rules) == (700 * 12, 100))
        for (saudis, monthly) in [(6, 700), (5, 700), (4, 800)] {  // of ten: fewer, as many, more expatriates
            establishment.saudiCount = saudis
            establishment.saudiWeight = Double(saudis)
            #expect(levy() == monthly * 6, "\(saudis) Saudis of 10")
        }
        establishment.ownerFullTime = true
        // Nine at most, the owner working full time counted among them (and as a Saudi).
        for (employees, exempt) in [(7, true), (8, true), (9, false)] {
            establishment.headcount = employees
            establishment.saudiCount = 1
            #expect(levy(seat: true) == (exempt ? 0 : 800 * 6), "\(employees) employees and the owner")
            #expect(levy(seat: false) == 800 * 6, "no seat, \(employees) employees and the owner")
        }
        // Four expatriates and three Saudis besides the owner: as many Saudis as expatriates, 700.
        establishment.headcount = 7
        establishment.saudiCount = 3
        #expect(levy() == 700 * 6, "the owner counted as a Saudi")
        establishment.headcount = 5
        establishment.saudiCount = 1
        establishment.ownerFullTime = false
        #expect(levy(seat: true) == 800 * 6, "the owner not working in it: no exemption")
    }

    @Test("the permit fee is the yearly fee by months, rounded up to a riyal", arguments: [(3, 28), (6, 55), (9, 83), (12, 110)])
    func permitFeeRounding(months: Int, fee: Int) {
        var rules = Scenario.rulebook.parameters(on: Scenario.today)
        rules.levy.permitFeeYearly = 110
        let establishment = Scenario().world.establishments[Scenario.e1]!
        #expect(WorkPermitFlow.charges(months: months, establishment: establishment, seat: false, rules: rules).fee == fee)
    }
}

@Suite("Nitaqat")
struct NitaqatTests {
    let rules = Scenario.rulebook.parameters(on: Scenario.today).nitaqat

    private func establishment(activity: String = "construction", headcount: Int, saudis: Int, weight: Double) -> Establishment {
        var establishment = Scenario().world.establishments[Scenario.e1]!
        establishment.activity = activity
        establishment.headcount = headcount
        establishment.saudiCount = saudis
        establishment.saudiWeight = weight
        return establishment
    }

    @Test("weights: full wage 1, 3,000–3,999 half, below nothing, part time half, disability 4, residents nothing")
    func weights() {
        var saudi = Worker(id: Scenario.saudi, name: "", nationality: "SAU", birthDate: Day(year: 1990, month: 1, day: 1),
                           employer: Scenario.e1, occupation: "accountant", wage: 4000)
        #expect(Nitaqat.weight(of: saudi, rules: rules) == 1)
        saudi.wage = 3999
        #expect(Nitaqat.weight(of: saudi, rules: rules) == 0.5)
        saudi.wage = 3000
        #expect(Nitaqat.weight(of: saudi, rules: rules) == 0.5)
        saudi.wage = 2999
        #expect(Nitaqat.weight(of: saudi, rules: rules) == 0)
        saudi.partTime = true
        #expect(Nitaqat.weight(of: saudi, rules: rules) == 0.5)
        saudi.disabled = true
        #expect(Nitaqat.weight(of: saudi, rules: rules) == 4)
        #expect(Nitaqat.weight(of: Scenario().world.workers[Scenario.w]!, rules: rules) == 0)
    }

    // Five employees and the owner are six counted: no longer very small, and 1/6 = 16.7 % is construction's high green (14 %).
    @Test("very small establishments are their own category: the rulebook's band (medium green) with one Saudi, the owner working full time counted; else red",
          arguments: [(5, 1, false, NitaqatBand.mediumGreen), (5, 0, false, .red), (1, 1, false, .mediumGreen), (0, 0, false, .red),
                      (0, 0, true, .mediumGreen), (4, 0, true, .mediumGreen), (5, 0, true, .highGreen)])
    func verySmall(headcount: Int, saudis: Int, ownerFullTime: Bool, band: NitaqatBand) {
        var subject = establishment(headcount: headcount, saudis: saudis, weight: Double(saudis))
        subject.ownerFullTime = ownerFullTime
        #expect(Nitaqat.band(of: subject, rules: rules) == band)
    }

    @Test("bands follow the activity's thresholds on both sides of each", arguments: [
        // construction, small (6–49): low 6, medium 9, high 14, platinum 27 (%)
        (100.0 * 0.05, NitaqatBand.red), (6.0, .lowGreen), (8.9, .lowGreen), (9.0, .mediumGreen), (13.9, .mediumGreen),
        (14.0, .highGreen), (26.9, .highGreen), (27.0, .platinum),
    ])
    func thresholds(percent: Double, band: NitaqatBand) {
        let subject = establishment(headcount: 40, saudis: 20, weight: percent * 40 / 100)
        #expect(Nitaqat.band(of: subject, rules: rules) == band, "\(percent)%")
    }

    @Test("the same share gives another band under another activity and size")
    func activityAndSize() {
        let construction = establishment(activity: "construction", headcount: 40, saudis: 4, weight: 4)   // 10%
        let technology = establishment(activity: "information_technology", headcount: 40, saudis: 4, weight: 4)
        #expect(Nitaqat.band(of: construction, rules: rules) == .mediumGreen)
        #expect(Nitaqat.band(of: technology, rules: rules) == .red)
        #expect(Nitaqat.sizeBand(headcount: 49, rules: rules) == "small")
        #expect(Nitaqat.sizeBand(headcount: 50, rules: rules) == "medium")
    }

    @Test("changing the activity recomputes the band at once, and what it blocks follows")
    func activityChange() {
        var scenario = Scenario()
        scenario.world.establishments[Scenario.e1]?.headcount = 40
        scenario.world.establishments[Scenario.e1]?.saudiCount = 4
        scenario.world.establishments[Scenario.e1]?.saudiWeight = 4
        let changed = scenario.run(EstablishmentFileFlow.changeActivity, ["establishment_id": .id(Scenario.e1), "activity": "information_technology"])
        #expect(changed.events.map(\.type) == ["activityChanged", "nitaqatBandChanged"])
        // Now red: renewals are refused.
        let renewal = scenario.decide(WorkPermitFlow.renew, ["worker_id": .id(Scenario.w), "establishment_id": .id(Scenario.e1), "months": 6])
        #expect(renewal.reason?.code == .bandTooLow)
        #expect(renewal.reason?.arabic.contains("الأحمر") == true)
        #expect(scenario.decide(EstablishmentFileFlow.issueCertificate, ["establishment_id": .id(Scenario.e1)]).reason?.code == .certificateNotCompliant)
    }
}
