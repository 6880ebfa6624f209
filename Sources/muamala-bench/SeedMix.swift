import ArgumentParser
import Domain
import Foundation
import PQ

/// Requests in the seed's mix (`ReplayPlan.seed`: renewals are two thirds of everything), for
/// the services the engine runs, each a first step (a transfer request, a report filed) that
/// names real workers and establishments of a loaded population.
///
/// The drain's backlog (`muamala-bench queue`) and the HTTP phases' bodies
/// (`muamala-bench bodies`) both come from here, so that the latency over HTTP is measured on
/// the same kind of work as the drain's throughput. Newcomers (a resident who has just
/// arrived, a new establishment) are numbered from `firstNew`: two plans with ranges apart
/// never register the same person or open the same file twice.
struct SeedMix {
    struct Request: Equatable {
        var service: String
        var establishment: String
        /// `worker:<id>` or `establishment:<id>`, as the queue's `subject` column.
        var subject: String
        var payload: [String: JSONValue]
    }

    /// Residents as (worker id, establishment id); every establishment id.
    let residents: [(String, String)]
    let establishments: [String]
    /// The first number after which newcomers are numbered.
    let firstNew: Int
    /// The day the newcomers arrived after (ten days before it).
    let today: Day
    /// How many requests later a newcomer's first permit follows the registration. Queued, the
    /// two take effect in order whatever the gap (one subject); sent over HTTP on different
    /// connections, the permit could overtake the registration that a portal would have waited for.
    var followUpGap = 0

    /// `count` requests; a newly arrived resident's registration and first permit count as two.
    func plan(count: Int, random: inout SeededRandom) -> [Request] {
        precondition(!residents.isEmpty && !establishments.isEmpty, "a population is needed")
        var newcomer = firstNew
        var planned: [Request] = []
        planned.reserveCapacity(count)
        var followUps: [(due: Int, request: Request)] = []
        let weights = ReplayPlan.seed
        let total = weights.map(\.1).reduce(0, +)
        while planned.count < count {
            while planned.count < count, let next = followUps.first, next.due <= planned.count {
                planned.append(next.request)
                followUps.removeFirst()
            }
            if planned.count == count { break }
            var roll = Int(random.next() % UInt64(total))
            let service = weights.first { roll -= $0.1; return roll < 0 }?.0 ?? "work-permit.renew"
            let (worker, establishment) = residents[Int(random.next() % UInt64(residents.count))]
            let other = establishments[Int(random.next() % UInt64(establishments.count))]
            var rows: [Request] = []
            func add(_ service: String, _ at: String, _ subject: String, _ payload: [String: JSONValue]) {
                rows.append(Request(service: service, establishment: at, subject: subject, payload: payload))
            }
            let workerAt: [String: JSONValue] = ["worker_id": .string(worker), "establishment_id": .string(establishment)]
            switch service {
            case "work-permit.issue":
                // A newly arrived resident: registration, then the first permit.
                newcomer += 1
                let hired = PersonID.make(prefix: 2, body: newcomer).digits
                add("worker.register", other, "worker:" + hired, [
                    "arrived_on": .string(today.adding(days: -10).iso), "birth_date": "1995-01-01", "establishment_id": .string(other),
                    "name": "New Worker", "nationality": "IND", "occupation": "mason", "wage": 2000, "worker_id": .string(hired)])
                let issue = Request(service: "work-permit.issue", establishment: other, subject: "worker:" + hired,
                                    payload: ["establishment_id": .string(other), "months": 12, "worker_id": .string(hired)])
                if followUpGap == 0 { rows.append(issue) } else { followUps.append((planned.count + followUpGap, issue)) }
            case "establishment.open":
                newcomer += 1
                let id = "\(Int(random.next() % 20) + 1)-\(900_000 + newcomer)"
                add(service, id, "establishment:" + id, [
                    "activity": "retail", "cr_expires_on": "2031-01-01", "cr_number": .string(String(3_000_000_000 + newcomer)),
                    "establishment_id": .string(id), "name_ar": "منشأة جديدة", "name_en": "New establishment",
                    "unified_number": .string(String(7_100_000_000 + newcomer))])
            case "saudization-certificate.issue":
                add(service, establishment, "establishment:" + establishment, ["establishment_id": .string(establishment)])
            case "establishment.change-activity":
                add(service, establishment, "establishment:" + establishment, ["establishment_id": .string(establishment), "activity": "manufacturing"])
            case "work-permit.renew":
                add(service, establishment, "worker:" + worker, workerAt.merging(["months": 12]) { $1 })
            case "service-transfer.request":
                add(service, other, "worker:" + worker, ["worker_id": .string(worker), "establishment_id": .string(other)])
            case "branch-change.request":
                add(service, establishment, "worker:" + worker, workerAt.merging(["target_establishment_id": .string(other)]) { $1 })
            case "occupation-change.request":
                add(service, establishment, "worker:" + worker, workerAt.merging(["occupation": "electrician"]) { $1 })
            case "dependent-transfer.request":
                add(service, other, "worker:" + worker, ["dependent_id": .string(worker), "establishment_id": .string(other),
                                                         "occupation": "salesperson", "wage": 4000])
            case "recruitment.balance-request":
                add(service, establishment, "establishment:" + establishment,
                    ["establishment_id": .string(establishment), "occupation": "technician", "count": 3])
            case "recruitment.visa-issue":
                add(service, establishment, "establishment:" + establishment,
                    ["establishment_id": .string(establishment), "occupation": "technician", "nationality": "IND", "count": 1])
            case "recruitment.visa-cancel":
                add(service, establishment, "establishment:" + establishment,
                    ["establishment_id": .string(establishment), "visa_id": .string(establishment + "/1")])
            case "recruitment.compensatory-visa":
                add(service, establishment, "establishment:" + establishment,
                    ["establishment_id": .string(establishment), "replaces_worker_id": .string(worker), "nationality": "NPL"])
            case "account.register":
                // A Saudi newcomer registers (at a counter: the bench's accounts are staff).
                newcomer += 1
                let person = PersonID.make(prefix: 1, body: newcomer).digits
                add(service, establishment, "person:" + person, ["person_id": .string(person)])
            case "establishment.update-owners":
                newcomer += 1
                add(service, establishment, "establishment:" + establishment,
                    ["establishment_id": .string(establishment), "owners": [.string(PersonID.make(prefix: 1, body: newcomer).digits)]])
            case "account.agent-authorize":
                // Someone registered earlier in the plan, or nobody (then refused: not registered).
                let agent = PersonID.make(prefix: 1, body: max(firstNew + 1, newcomer)).digits
                add(service, establishment, "person:" + agent, [
                    "agent_id": .string(agent), "establishment_id": .string(establishment), "services": ["*"], "poa_number": "1/1",
                    "poa_authority": "Notary public", "expires_on": .string(today.adding(days: 200).iso)])
            case "work-permit.issue-temporary", "final-exit.issue", "absence-report.file":
                add(service, establishment, "worker:" + worker, workerAt)
            default:
                // An owner's delegate grant: not staff's to submit (the bench's accounts are staff).
                continue
            }
            planned.append(contentsOf: rows.prefix(count - planned.count))
        }
        return planned
    }
}

extension SeedMix {
    /// How many requests of each service a plan holds, as one line of JSON.
    static func summary(_ plan: [Request]) -> String {
        let counts = Dictionary(plan.map { ($0.service, 1) }, uniquingKeysWith: +)
        return JSONValue.object(counts.mapValues { JSONValue($0) }).jsonText
    }

    /// A loaded population's residents (worker, establishment) and establishments, in id order.
    static func population(_ connection: Connection) async throws -> (residents: [(String, String)], establishments: [String]) {
        let residents = try await connection.query("""
            SELECT w.id, w.establishment_id FROM workers w WHERE w.id LIKE '2%' ORDER BY w.id
            """).map { (try $0.decode(String.self, at: 0), try $0.decode(String.self, at: 1)) }
        let establishments = try await connection.query("SELECT id FROM establishments ORDER BY id").map { try $0.decode(String.self, at: 0) }
        guard !residents.isEmpty, !establishments.isEmpty else { throw ValidationError("load a population first") }
        return (residents, establishments)
    }
}
