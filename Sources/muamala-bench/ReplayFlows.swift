import Domain
import Foundation
import Synchronization

/// The replay's flows: each starts on a day and schedules its follow-ups (an acceptance, a
/// payment, a departure) the way people and other systems would.
extension ReplayPlan {
    /// An occupation that fits each activity (for changes and corrections).
    static let fitting: [String: String] = [
        "construction": "electrician", "retail": "salesperson", "manufacturing": "technician", "healthcare": "technician",
        "information_technology": "technician", "hospitality": "cook", "education": "teacher", "transport": "driver",
    ]

    func initialSteps() -> [(Int, Step)] {
        var random = SeededRandom(seed: seed &+ 99)
        func day() -> Int { Int(random.next() % UInt64(days)) }
        func index(_ count: Int) -> Int { Int(random.next() % UInt64(max(1, count))) }
        var steps: [(Int, Step)] = []
        let budget = Budget(Self.count("work-permit.renew", scale))

        // Renewals: each permit comes up in its window, and renewed ones come up again.
        for permit in permits.shuffled(using: &random) {
            let first = permit.expiresOn.number - startDay.number - 5 - index(150)
            guard first < days, budget.take() else { continue }
            steps.append((max(0, first), renewal(day: max(0, first), worker: permit.worker, establishment: permit.establishment, budget: budget)))
        }
        for n in 0..<Self.count("work-permit.issue", scale) {
            let on = day()
            steps.append((on, hiring(n, on: on, temporary: false)))
        }
        for n in 0..<Self.count("work-permit.issue-temporary", scale) {
            let on = day()
            steps.append((on, hiring(100_000 + n, on: on, temporary: true)))
        }
        for _ in 0..<Self.count("final-exit.issue", scale) { steps.append((day(), finalExit(residents[index(residents.count)]))) }
        let branched = residents.filter { (companies[company(of: $0.establishment)]?.count ?? 0) > 1 }
        for _ in 0..<Self.count("branch-change.request", scale) where !branched.isEmpty {
            steps.append((day(), branchChange(branched[index(branched.count)])))
        }
        for n in 0..<Self.count("occupation-change.request", scale) {
            steps.append((day(), occupationChange(residents[index(residents.count)], correct: n % 3 == 0)))
        }
        for _ in 0..<Self.count("service-transfer.request", scale) {
            steps.append((day(), transfer(residents[index(residents.count)], to: establishments[index(establishments.count)].id)))
        }
        for _ in 0..<Self.count("saudization-certificate.issue", scale) {
            steps.append((day(), certificate(establishments[index(establishments.count)].id)))
        }
        for _ in 0..<Self.count("establishment.change-activity", scale) {
            steps.append((day(), activityChange(establishments[index(establishments.count)].id, seed: index(100))))
        }
        for _ in 0..<Self.count("absence-report.file", scale) {
            steps.append((day(), absence(residents[index(residents.count)], cancelAfter: index(100) < 52 ? 1 + index(14) : nil)))
        }
        for n in 0..<Self.count("establishment.open", scale) { steps.append((day(), opening(n))) }
        // Recruitment: each balance request is followed by its disbursements (the seed has more
        // disbursements than balance requests), some of whose visas are cancelled; compensatory
        // visas follow departures (`finalExit`).
        let balances = Self.count("recruitment.balance-request", scale)
        let issues = Self.count("recruitment.visa-issue", scale)
        for n in 0..<balances {
            let extra = n < issues - balances ? 1 : 0
            steps.append((day(), recruitment(establishments[index(establishments.count)].id, issues: 1 + extra, seed: index(1_000))))
        }
        // Portal accounts: people register (at a labor office's counter: the replay has no
        // identity provider to sign them in); delegates and agents register first, so the
        // seed's registrations include them.
        let delegates = Self.count("account.delegate-grant", scale), agents = Self.count("account.agent-authorize", scale)
        let registering = population.workers.shuffled(using: &random)
        for n in 0..<max(0, min(registering.count, Self.count("account.register", scale) - delegates - agents)) {
            steps.append((day(), registration(registering[n].id)))
        }
        for n in 0..<delegates {
            let on = day()
            // A third of the grants end on a day within the year; some are revoked before.
            let ends = n % 3 == 0 ? startDay.adding(days: on + 10 + index(300)) : nil
            steps.append((on, delegateGrant(n, on: establishments[index(establishments.count)].id, endsOn: ends, revoke: index(100) < 20)))
        }
        for n in 0..<agents {
            let on = day()
            steps.append((on, agentAuthorization(n, on: establishments[index(establishments.count)].id,
                                                 expires: startDay.adding(days: on + 30 + index(335)), revoke: index(100) < 10)))
        }
        for n in 0..<Self.count("establishment.update-owners", scale) {
            steps.append((day(), ownersUpdate(establishments[index(establishments.count)].id, n)))
        }
        for n in 0..<Self.count("dependent-transfer.request", scale) where !dependents.isEmpty {
            steps.append((day(), dependentTransfer(dependents[n % dependents.count], to: establishments[index(establishments.count)].id)))
        }
        return steps
    }

    private func owner(_ establishment: String) -> String { "owner:" + company(of: establishment) }

    func renewal(day: Int, worker: String, establishment: String, budget: Budget) -> Step {
        let start = startDay
        return Step { portal in
            let months = [12, 12, 12, 12, 12, 12, 12, 12, 6, 6, 6, 3][Int.random(in: 0..<12)]
            let decided = portal.submit("work-permit.renew", ["worker_id": .string(worker), "establishment_id": .string(establishment),
                                                              "months": .number(Double(months))], as: owner(establishment))
            guard let expires = decided?.outcome("expires_on")?.stringValue.flatMap(Day.init(iso:)) else { return [] }
            // Renewed again when it comes up again (owners renew what they need, beyond the seed's count).
            let next = expires.number - start.number - day - 5 - Int.random(in: 0..<150)
            guard next > 0 else { return [] }
            _ = budget.take()
            return [(next, renewal(day: day + next, worker: worker, establishment: establishment, budget: budget))]
        }
    }

    func hiring(_ n: Int, on day: Int, temporary: Bool) -> Step {
        let worker = PersonID.make(prefix: 2, body: 60_000_000 + n).digits
        let establishment = establishments[(n * 7919) % establishments.count].id
        // Arrived a few days before the employer asks for the first permit.
        let arrived = startDay.adding(days: day - (n % 20))
        return Step { portal in
            portal.submit("worker.register", [
                "worker_id": .string(worker), "establishment_id": .string(establishment), "name": "New Worker", "nationality": "PHL",
                "birth_date": "1995-07-07", "occupation": "mason", "wage": 2500, "arrived_on": .string(arrived.iso),
            ], as: "system")
            if temporary {
                portal.submit("work-permit.issue-temporary", ["worker_id": .string(worker), "establishment_id": .string(establishment)], as: owner(establishment))
                return []
            }
            let invoice = portal.submit("work-permit.issue", ["worker_id": .string(worker), "establishment_id": .string(establishment), "months": 12],
                                        as: owner(establishment))
            guard let due = invoice?.outcome("amount_due") else { return [] }
            return [(Int.random(in: 1...5), Step { portal in
                portal.submit("work-permit.pay", ["worker_id": .string(worker), "amount": due], as: "system")
                return []
            })]
        }
    }

    func finalExit(_ worker: Population.Worker) -> Step {
        Step { portal in
            let issued = portal.submit("final-exit.issue", ["worker_id": .string(worker.id), "establishment_id": .string(worker.establishment)],
                                       as: owner(worker.establishment))
            guard issued?.decidedState == "completed", Int.random(in: 0..<10) < 8 else { return [] }
            return [(Int.random(in: 3...40), Step { portal in
                guard portal.submit("worker.depart", ["worker_id": .string(worker.id)], as: "system")?.decidedState == "completed",
                      Int.random(in: 0..<1_000) < compensatoryPerMille else { return [] }
                // A compensatory visa replaces him, in the seed's proportion to final exits.
                return [(Int.random(in: 1...10), Step { portal in
                    portal.submit("recruitment.compensatory-visa", [
                        "establishment_id": .string(worker.establishment), "replaces_worker_id": .string(worker.id), "nationality": "NPL",
                    ], as: owner(worker.establishment))
                    return []
                })]
            })]
        }
    }

    func branchChange(_ worker: Population.Worker) -> Step {
        let siblings = companies[company(of: worker.establishment)]?.filter { $0 != worker.establishment } ?? []
        let target = siblings.first ?? worker.establishment
        return Step { portal in
            let asked = portal.submit("branch-change.request", ["worker_id": .string(worker.id), "establishment_id": .string(worker.establishment),
                                                                "target_establishment_id": .string(target)], as: owner(worker.establishment))
            guard asked?.decidedState == "completed" else { return [] }
            return [(Int.random(in: 1...3), Step { portal in
                portal.submit(Int.random(in: 0..<10) < 9 ? "branch-change.accept" : "branch-change.decline", ["worker_id": .string(worker.id)],
                              as: "worker:" + worker.id)
                return []
            })]
        }
    }

    func occupationChange(_ worker: Population.Worker, correct: Bool) -> Step {
        let occupation = Self.fitting[activities[worker.establishment] ?? ""] ?? "technician"
        return Step { portal in
            let payload: [String: JSONValue] = ["worker_id": .string(worker.id), "establishment_id": .string(worker.establishment), "occupation": .string(occupation)]
            if correct {
                portal.submit("occupation-change.correct", payload, as: owner(worker.establishment))
                return []
            }
            guard portal.submit("occupation-change.request", payload, as: owner(worker.establishment))?.decidedState == "completed" else { return [] }
            return [(Int.random(in: 1...3), Step { portal in
                let accepted = Int.random(in: 0..<100) < 85
                let answer = portal.submit(accepted ? "occupation-change.accept" : "occupation-change.decline", ["worker_id": .string(worker.id)],
                                           as: "worker:" + worker.id)
                guard accepted, answer?.decidedState == "completed" else { return [] }
                return [(1, Step { portal in
                    portal.submit("occupation-change.pay", ["worker_id": .string(worker.id), "amount": answer?.outcome("fee") ?? 0], as: "system")
                    return []
                })]
            })]
        }
    }

    /// Compensatory visas per thousand departures: the seed's 2,423 against 35,952 final exits,
    /// of which the replay sees eight in ten leave.
    var compensatoryPerMille: Int { 2_423 * 1_000 / (35_952 * 8 / 10) }

    /// A balance request, then `issues` disbursements drawing on it; each paid in a few days
    /// (nine in ten), and one of its visas cancelled later in the seed's proportion.
    func recruitment(_ establishment: String, issues: Int, seed: Int) -> Step {
        let occupation = Self.fitting[activities[establishment] ?? ""] ?? "technician"
        let count = 1 + seed % 6
        let cancelPerMille = 91_009 * 1_000 / 137_779
        return Step { portal in
            portal.submit("recruitment.balance-request", ["establishment_id": .string(establishment), "occupation": .string(occupation),
                                                          "count": .number(Double(count))], as: owner(establishment))
            return (0..<issues).map { _ in (Int.random(in: 1...20), Step { portal in
                let asked = portal.submit("recruitment.visa-issue", [
                    "establishment_id": .string(establishment), "occupation": .string(occupation), "nationality": "IND",
                    "count": .number(Double(max(1, count / issues))),
                ], as: owner(establishment))
                let cancels = Int.random(in: 0..<1_000) < cancelPerMille
                guard let caseID = asked?.outcome("case_id"), Int.random(in: 0..<10) < 9 else {
                    // Unpaid or refused: the cancellation is still asked for, of a visa it never got.
                    return cancels ? [(Int.random(in: 5...60), cancel(establishment, visa: "\(establishment)/1"))] : []
                }
                return [(Int.random(in: 1...5), Step { portal in
                    let paid = portal.submit("recruitment.visa-pay", ["establishment_id": .string(establishment), "case_id": caseID,
                                                                      "amount": asked?.outcome("fee") ?? 0], as: "system")
                    guard cancels else { return [] }
                    let visa = paid?.outcome("visas")?.arrayValue?.last?.stringValue ?? "\(establishment)/1"
                    return [(Int.random(in: 5...60), cancel(establishment, visa: visa))]
                })]
            }) }
        }
    }

    func cancel(_ establishment: String, visa: String) -> Step {
        Step { portal in
            portal.submit("recruitment.visa-cancel", ["establishment_id": .string(establishment), "visa_id": .string(visa)], as: owner(establishment))
            return []
        }
    }

    func transfer(_ worker: Population.Worker, to target: String) -> Step {
        Step { portal in
            guard portal.submit("service-transfer.request", ["worker_id": .string(worker.id), "establishment_id": .string(target)],
                                as: owner(target))?.decidedState == "completed", Int.random(in: 0..<100) < 85 else { return [] }
            return [(Int.random(in: 1...5), Step { portal in
                let accepted = portal.submit("service-transfer.accept", ["worker_id": .string(worker.id)], as: "worker:" + worker.id)
                let fee = accepted?.outcome("fee") ?? 2000
                let pay = Step { portal in
                    portal.submit("service-transfer.pay", ["worker_id": .string(worker.id), "amount": fee], as: "system")
                    return []
                }
                switch accepted?.outcome("state")?.stringValue {
                case "awaiting_fee": return [(1, pay)]
                case "pending_current_employer":
                    let roll = Int.random(in: 0..<100)
                    if roll >= 80 { return [(11, pay)] }   // silence counts as consent after ten days
                    return [(1, Step { portal in
                        let service = roll < 75 ? "service-transfer.consent" : "service-transfer.refuse"
                        var payload: [String: JSONValue] = ["worker_id": .string(worker.id), "establishment_id": .string(worker.establishment)]
                        if roll >= 75 { payload["reason"] = "needed for a project" }
                        let answer = portal.submit(service, payload, as: owner(worker.establishment))
                        return answer?.outcome("state")?.stringValue == "awaiting_fee" ? [(1, pay)] : []
                    })]
                default: return []
                }
            })]
        }
    }

    func certificate(_ establishment: String) -> Step {
        Step { portal in
            portal.submit("saudization-certificate.issue", ["establishment_id": .string(establishment)], as: owner(establishment))
            return []
        }
    }

    func activityChange(_ establishment: String, seed: Int) -> Step {
        let choices = Population.activities.filter { $0 != activities[establishment] }
        let activity = choices[seed % choices.count]
        return Step { portal in
            portal.submit("establishment.change-activity", ["establishment_id": .string(establishment), "activity": .string(activity)],
                          as: owner(establishment))
            return []
        }
    }

    func absence(_ worker: Population.Worker, cancelAfter: Int?) -> Step {
        let payload: [String: JSONValue] = ["worker_id": .string(worker.id), "establishment_id": .string(worker.establishment)]
        return Step { portal in
            guard portal.submit("absence-report.file", payload, as: owner(worker.establishment))?.decidedState == "completed",
                  let cancelAfter else { return [] }
            return [(cancelAfter, Step { portal in
                portal.submit("absence-report.cancel", payload, as: owner(worker.establishment))
                return []
            })]
        }
    }

    func opening(_ n: Int) -> Step {
        let company = String(7_500_000_000 + n)
        return Step { portal in
            portal.submit("establishment.open", [
                "establishment_id": .string("21-\(900_000 + n)"), "unified_number": .string(company), "cr_number": .string(String(4_000_000_000 + n)),
                "name_ar": "منشأة جديدة", "name_en": .string("New establishment " + String(n)), "activity": .string(Population.activities[n % Population.activities.count]),
                "cr_expires_on": "2031-06-30", "owner_full_time": .bool(n % 4 == 0),
            ], as: "owner:" + company)
            return []
        }
    }

    // MARK: Portal accounts

    func registration(_ person: String) -> Step {
        Step { portal in
            portal.submit("account.register", ["person_id": .string(person)], as: "staff")
            return []
        }
    }

    /// A person registers; an owner grants him renewals and certificates on one establishment,
    /// until `endsOn` or until revoked weeks later.
    func delegateGrant(_ n: Int, on establishment: String, endsOn: Day?, revoke: Bool) -> Step {
        let person = PersonID.make(prefix: 1, body: 70_000_000 + n).digits
        return Step { portal in
            guard portal.submit("account.register", ["person_id": .string(person)], as: "staff")?.decidedState == "completed" else { return [] }
            return [(Int.random(in: 0...3), Step { portal in
                var grant: [String: JSONValue] = ["delegate_id": .string(person), "establishment_id": .string(establishment),
                                                  "services": ["work-permit.renew", "saudization-certificate.issue"]]
                if let endsOn { grant["ends_on"] = .string(endsOn.iso) }
                guard portal.submit("account.delegate-grant", grant, as: owner(establishment))?.decidedState == "completed", revoke else { return [] }
                return [(Int.random(in: 14...60), Step { portal in
                    portal.submit("account.delegate-revoke", ["delegate_id": .string(person), "establishment_id": .string(establishment)],
                                  as: owner(establishment))
                    return []
                })]
            })]
        }
    }

    /// A person registers; his power of attorney is recorded by staff, ends by itself on its
    /// expiry day (a timer), or is revoked first.
    func agentAuthorization(_ n: Int, on establishment: String, expires: Day, revoke: Bool) -> Step {
        let person = PersonID.make(prefix: 1, body: 71_000_000 + n).digits
        return Step { portal in
            guard portal.submit("account.register", ["person_id": .string(person)], as: "staff")?.decidedState == "completed" else { return [] }
            return [(Int.random(in: 0...3), Step { portal in
                let recorded = portal.submit("account.agent-authorize", [
                    "agent_id": .string(person), "establishment_id": .string(establishment), "services": ["*"],
                    "poa_number": .string("\(40 + n % 50)/\(100_000 + n)"), "poa_authority": "Notary public",
                    "expires_on": .string(expires.iso),
                ], as: "staff")
                guard recorded?.decidedState == "completed", revoke else { return [] }
                return [(Int.random(in: 7...30), Step { portal in
                    portal.submit("account.agent-revoke", ["agent_id": .string(person), "establishment_id": .string(establishment)], as: owner(establishment))
                    return []
                })]
            })]
        }
    }

    /// The commercial registration names new owners (reported by the commerce system).
    func ownersUpdate(_ establishment: String, _ n: Int) -> Step {
        let owners = (0..<(1 + n % 2)).map { JSONValue.string(PersonID.make(prefix: 1, body: 72_000_000 + 2 * n + $0).digits) }
        return Step { portal in
            portal.submit("establishment.update-owners", ["establishment_id": .string(establishment), "owners": .array(owners)], as: "system")
            return []
        }
    }

    func dependentTransfer(_ entry: (dependent: PersonID, guardian: Population.Worker), to target: String) -> Step {
        let dependent = entry.dependent.digits, guardian = entry.guardian.id
        return Step { portal in
            guard portal.submit("dependent-transfer.request", ["dependent_id": .string(dependent), "establishment_id": .string(target),
                                                               "occupation": "salesperson", "wage": 4500], as: owner(target))?.decidedState == "completed" else { return [] }
            return [(Int.random(in: 1...5), Step { portal in
                guard portal.submit("dependent-transfer.approve", ["dependent_id": .string(dependent), "guardian_id": .string(guardian)],
                                    as: "worker:" + guardian)?.decidedState == "completed" else { return [] }
                return [(Int.random(in: 1...5), Step { portal in
                    portal.submit("dependent-transfer.complete", ["dependent_id": .string(dependent), "establishment_id": .string(target)], as: owner(target))
                    return []
                })]
            })]
        }
    }
}

/// How many more of something may still be made.
final class Budget: Sendable {
    private let left: Mutex<Int>
    init(_ count: Int) { left = Mutex(count) }

    func take() -> Bool {
        left.withLock { left in
            guard left > 0 else { return false }
            left -= 1
            return true
        }
    }
}
