import ArgumentParser
import Domain
import Foundation
import PQ
import Store

/// `muamala-bench queue`: pre-queues requests in the seed's mix, with COPY.
///
/// The mix follows the seed's ten months (renewals are two thirds of everything), for the
/// services the engine runs (recruitment is not one yet); each is a first step (a transfer
/// request, a report filed), decided against the population.
struct QueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "queue", abstract: "Pre-queue requests in the seed's mix.")

    @Option(help: "libpq connection string or URI.") var databaseURL: String
    @Option(help: "Requests to queue.") var requests = 200_000
    @Option(help: "Random seed.") var seed: UInt64 = 7
    @Option(help: """
        How many of the population's residents the requests concern (a random sample, scattered over \
        the tables; default: all). Equal for two populations, it gives both the same mix of outcomes.
        """) var activeWorkers: Int?

    func run() async throws {
        let connection = try await Connection.connect(ConnectionConfig(connectionString: databaseURL, applicationName: "muamala-bench"))
        var residents = try await connection.query("""
            SELECT w.id, w.establishment_id FROM workers w WHERE w.id LIKE '2%' ORDER BY w.id
            """).map { (try $0.decode(String.self, at: 0), try $0.decode(String.self, at: 1)) }
        let establishments = try await connection.query("SELECT id FROM establishments ORDER BY id").map { try $0.decode(String.self, at: 0) }
        guard !residents.isEmpty else { throw ValidationError("load a population first") }
        let progress = ProgressBar(title: "queue", total: requests)
        var random = SeededRandom(seed: seed)
        if let activeWorkers, activeWorkers < residents.count {
            guard activeWorkers > 0 else { throw ValidationError("--active-workers must be positive") }
            residents = Self.sample(residents, count: activeWorkers, random: &random)
        }
        var newWorker = 50_000_000
        let now = Date()
        var counts: [String: Int] = [:]
        var planned: [(String, String, String, String)] = []
        planned.reserveCapacity(requests)
        // The seed's mix by weight; each request names real workers and establishments.
        let weights = ReplayPlan.seed
        let total = weights.map(\.1).reduce(0, +)
        var queued = 0
        while queued < requests {
            var roll = Int(random.next() % UInt64(total))
            let service = weights.first { roll -= $0.1; return roll < 0 }?.0 ?? "work-permit.renew"
            let (worker, establishment) = residents[Int(random.next() % UInt64(residents.count))]
            let other = establishments[Int(random.next() % UInt64(establishments.count))]
            var rows: [(String, String, String, String)] = []  // service, establishment, subject, payload
            func add(_ service: String, _ at: String, _ subject: String, _ payload: [String: JSONValue]) {
                rows.append((service, at, subject, JSONValue.object(payload).jsonText))
            }
            let workerAt: [String: JSONValue] = ["worker_id": .string(worker), "establishment_id": .string(establishment)]
            switch service {
            case "work-permit.issue":
                // A newly arrived resident: registration, then the first permit.
                newWorker += 1
                let hired = PersonID.make(prefix: 2, body: newWorker).digits
                add("worker.register", other, "worker:" + hired, [
                    "arrived_on": .string(Day(now).adding(days: -10).iso), "birth_date": "1995-01-01", "establishment_id": .string(other),
                    "name": "New Worker", "nationality": "IND", "occupation": "mason", "wage": 2000, "worker_id": .string(hired)])
                add("work-permit.issue", other, "worker:" + hired, ["establishment_id": .string(other), "months": 12, "worker_id": .string(hired)])
            case "establishment.open":
                newWorker += 1
                let id = "\(Int(random.next() % 20) + 1)-\(900_000 + newWorker)"
                add(service, id, "establishment:" + id, [
                    "activity": "retail", "cr_expires_on": "2031-01-01", "cr_number": .string(String(3_000_000_000 + newWorker)),
                    "establishment_id": .string(id), "name_ar": "منشأة جديدة", "name_en": "New establishment",
                    "unified_number": .string(String(7_100_000_000 + newWorker))])
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
            case "work-permit.issue-temporary", "final-exit.issue", "absence-report.file":
                add(service, establishment, "worker:" + worker, workerAt)
            default:
                continue
            }
            for row in rows where queued < requests {
                planned.append(row)
                counts[row.0, default: 0] += 1
                queued += 1
            }
        }
        let plan = planned
        _ = try await connection.withTransaction { db in
            try db.copyIn("""
                COPY requests (id, service, establishment_id, subject, actor_id, actor_role, payload, priority, origin,
                               submitted_at, not_before, retry_at) FROM STDIN
                """) { writer in
                for (index, (service, establishment, subject, payload)) in plan.enumerated() {
                    let row: [(any PostgresEncodable)?] = [RequestID.make(), service, establishment, subject, "bench", "staff", payload, 0, "replay", now, now, now]
                    try writer.append(row)
                    if index % 5000 == 0 { progress.advance(to: index) }
                }
            }
        }
        progress.finish()
        _ = try await connection.execute("ANALYZE requests")
        let data = try JSONSerialization.data(withJSONObject: counts, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }

    /// `count` elements drawn without replacement, in a random order (a partial Fisher–Yates).
    static func sample<T>(_ items: [T], count: Int, random: inout SeededRandom) -> [T] {
        var items = items
        for index in 0..<count {
            let other = index + Int(random.next() % UInt64(items.count - index))
            items.swapAt(index, other)
        }
        return Array(items.prefix(count))
    }
}
