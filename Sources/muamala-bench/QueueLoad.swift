import ArgumentParser
import Domain
import Foundation
import PQ

/// `muamala-bench queue`: pre-queues requests in the seed's mix, with COPY.
///
/// The mix follows the seed's ten months (renewals are two thirds of everything); services
/// the engine does not have yet are left out and said so.
struct QueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "queue", abstract: "Pre-queue requests in the seed's mix.")

    @Option(help: "libpq connection string or URI.") var databaseURL: String
    @Option(help: "Requests to queue.") var requests = 200_000
    @Option(help: "Random seed.") var seed: UInt64 = 7

    func run() async throws {
        let connection = try await Connection.connect(ConnectionConfig(connectionString: databaseURL, applicationName: "muamala-bench"))
        let residents = try await connection.query("""
            SELECT w.id, w.establishment_id FROM workers w WHERE w.id LIKE '2%' ORDER BY w.id
            """).map { (try $0.decode(String.self, at: 0), try $0.decode(String.self, at: 1)) }
        let establishments = try await connection.query("SELECT id FROM establishments ORDER BY id").map { try $0.decode(String.self, at: 0) }
        guard !residents.isEmpty else { throw ValidationError("load a population first") }
        let progress = ProgressBar(title: "queue", total: requests)
        var random = SeededRandom(seed: seed)
        var newWorker = 50_000_000
        let now = Date()
        var counts: [String: Int] = [:]
        var planned: [(String, String, String, String)] = []
        planned.reserveCapacity(requests)
        do {
                var queued = 0
                while queued < requests {
                    let roll = random.next() % 1000
                    var rows: [(String, String, String, String)] = []  // service, establishment, subject, payload
                    if roll < 860 {
                        let (worker, establishment) = residents[Int(random.next() % UInt64(residents.count))]
                        rows.append(("work-permit.renew", establishment, "worker:" + worker,
                                     #"{"establishment_id":"\#(establishment)","months":12,"worker_id":"\#(worker)"}"#))
                    } else if roll < 990 {
                        // A newly arrived resident: registration, then the first permit.
                        newWorker += 1
                        let worker = PersonID.make(prefix: 2, body: newWorker).digits
                        let establishment = establishments[Int(random.next() % UInt64(establishments.count))]
                        rows.append(("worker.register", establishment, "worker:" + worker,
                                     #"{"arrived_on":"\#(Day(now).adding(days: -10).iso)","birth_date":"1995-01-01","establishment_id":"\#(establishment)","name":"New Worker","nationality":"IND","occupation":"mason","wage":2000,"worker_id":"\#(worker)"}"#))
                        rows.append(("work-permit.issue", establishment, "worker:" + worker,
                                     #"{"establishment_id":"\#(establishment)","months":12,"worker_id":"\#(worker)"}"#))
                    } else {
                        newWorker += 1
                        let office = Int(random.next() % 20) + 1
                        let id = "\(office)-\(900_000 + newWorker)"
                        rows.append(("establishment.open", id, "establishment:" + id,
                                     #"{"activity":"retail","cr_expires_on":"2031-01-01","cr_number":"\#(String(3_000_000_000 + newWorker))","establishment_id":"\#(id)","name_ar":"منشأة جديدة","name_en":"New establishment","unified_number":"\#(String(7_100_000_000 + newWorker))"}"#))
                    }
                    for row in rows where queued < requests {
                        planned.append(row)
                        counts[row.0, default: 0] += 1
                        queued += 1
                    }
                }
        }
        let plan = planned
        _ = try await connection.withTransaction { db in
            try db.copyIn("""
                COPY requests (id, service, establishment_id, subject, actor_id, actor_role, payload, priority, origin,
                               submitted_at, not_before, retry_at) FROM STDIN
                """) { writer in
                for (index, (service, establishment, subject, payload)) in plan.enumerated() {
                    let row: [(any PostgresEncodable)?] = [UUID(), service, establishment, subject, "bench", "staff", payload, 0, "replay", now, now, now]
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
}
