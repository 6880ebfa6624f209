import Domain
@testable import muamala_bench
import Testing

/// The requests behind the drain's backlog and the HTTP phases' bodies. A slip here would not
/// fail the bench: it would measure other work than it says (a load of refusals, a newcomer
/// registered twice, a permit sent before its registration).
@Suite("Bench: requests in the seed's mix")
struct SeedMixTests {
    private let residents = (0..<500).map { index in
        (PersonID.make(prefix: 2, body: 1_000 + index).digits, "\(index % 7 + 1)-\(index % 40 + 1)")
    }
    private let establishments = (0..<40).map { "\($0 % 7 + 1)-\($0 + 1)" }

    private func plan(count: Int, seed: UInt64 = 8, firstNew: Int = 60_000_000, gap: Int = 0) -> [SeedMix.Request] {
        var mix = SeedMix(residents: residents, establishments: establishments, firstNew: firstNew, today: Day(year: 2026, month: 11, day: 30))
        mix.followUpGap = gap
        var random = SeededRandom(seed: seed)
        return mix.plan(count: count, random: &random)
    }

    private func newcomers(_ plan: [SeedMix.Request]) -> [String] {
        plan.filter { $0.service == "worker.register" }.map { $0.payload["worker_id"]?.stringValue ?? "" }
    }

    @Test("exactly the count asked for; the same seed gives the same requests, another seed others")
    func deterministic() {
        #expect(plan(count: 3_001).count == 3_001)
        #expect(plan(count: 2_000) == plan(count: 2_000))
        #expect(plan(count: 2_000) != plan(count: 2_000, seed: 9))
    }

    @Test("exactly the count asked for when follow-ups fall due at the end (one run's bodies crashed there)")
    func countWithFollowUps() {
        for seed: UInt64 in 1...4 {
            for count in 1...400 {
                #expect(plan(count: count, seed: seed, gap: 3).count == count, "seed \(seed), count \(count)")
            }
        }
    }

    @Test("the seed's services in the seed's proportions: renewals about two thirds")
    func proportions() {
        let requests = plan(count: 20_000)
        let counts = Dictionary(requests.map { ($0.service, 1) }, uniquingKeysWith: +)
        // Delegates are granted by owners; the bench's accounts are staff (SeedMix).
        let services = Set(ReplayPlan.seed.map(\.0)).union(["worker.register"]).subtracting(["account.delegate-grant"])
        #expect(Set(counts.keys).isSubset(of: services))
        #expect(Set(counts.keys) == services)  // 20,000 draws reach even the rarest (0.12%)
        let renewals = Double(counts["work-permit.renew"] ?? 0) / Double(requests.count)
        #expect(renewals > 0.60 && renewals < 0.70)
        // Every first permit goes to a newcomer registered just for it (the plan may end between the two).
        #expect([0, 1].contains((counts["worker.register"] ?? 0) - (counts["work-permit.issue"] ?? 0)))
    }

    @Test("newcomers are numbered after first-new, each registered once; ranges apart never meet")
    func newcomersNumbered() throws {
        let first = newcomers(plan(count: 10_000, firstNew: 60_000_000))
        let second = newcomers(plan(count: 10_000, seed: 9, firstNew: 70_000_000))
        #expect(!first.isEmpty)
        #expect(Set(first).count == first.count)
        #expect(Set(first).isDisjoint(with: second))
        // Numbered from 60,000,001 on (new establishments take numbers from the same count).
        let numbers = first.map { Int($0.dropFirst().dropLast()) ?? 0 }
        #expect(numbers.allSatisfy { $0 > 60_000_000 && $0 <= 60_010_000 })
        #expect(numbers == numbers.sorted())
        for id in first + second { #expect(throws: Never.self, "\(id) is not a valid iqama") { try PersonID(id) } }
    }

    @Test("a newcomer's permit follows the registration at once, or follow-up-gap requests later")
    func followUps() {
        for gap in [0, 300] {
            let requests = plan(count: 6_000, gap: gap)
            var registered: [String: Int] = [:]
            var checked = 0
            for (index, request) in requests.enumerated() {
                guard let worker = request.payload["worker_id"]?.stringValue else { continue }
                if request.service == "worker.register" { registered[worker] = index }
                if request.service == "work-permit.issue" {
                    let at = registered[worker]
                    #expect(at != nil, "permit for \(worker) before its registration")
                    if let at { #expect(index - at == (gap == 0 ? 1 : gap), "gap \(gap): \(index - at)") }
                    checked += 1
                }
            }
            #expect(checked > 100)
        }
    }

    @Test("subjects name the request's worker, establishment or person")
    func subjects() {
        for request in plan(count: 3_000) {
            if request.subject.hasPrefix("establishment:") {
                #expect(request.subject == "establishment:" + request.establishment)
            } else if request.subject.hasPrefix("person:") {
                let person = request.payload["person_id"]?.stringValue ?? request.payload["agent_id"]?.stringValue
                #expect(request.subject == "person:" + (person ?? "?"))
            } else {
                let worker = request.payload["worker_id"]?.stringValue ?? request.payload["dependent_id"]?.stringValue
                #expect(request.subject == "worker:" + (worker ?? "?"))
            }
        }
    }
}
