import ArgumentParser
import Domain
import Foundation
import PQ
import Store

/// `muamala-bench queue`: pre-queues requests in the seed's mix (`SeedMix`), with COPY.
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
        var (residents, establishments) = try await SeedMix.population(connection)
        let progress = ProgressBar(title: "queue", total: requests)
        var random = SeededRandom(seed: seed)
        if let activeWorkers, activeWorkers < residents.count {
            guard activeWorkers > 0 else { throw ValidationError("--active-workers must be positive") }
            residents = Self.sample(residents, count: activeWorkers, random: &random)
        }
        let now = Date()
        let mix = SeedMix(residents: residents, establishments: establishments, firstNew: 50_000_000, today: Day(now))
        let plan = mix.plan(count: requests, random: &random)
        _ = try await connection.withTransaction { db in
            try db.copyIn("""
                COPY requests (id, service, establishment_id, subject, actor_id, actor_role, payload, priority, origin,
                               submitted_at, not_before, retry_at) FROM STDIN
                """) { writer in
                for (index, request) in plan.enumerated() {
                    let row: [(any PostgresEncodable)?] = [
                        RequestID.make(), request.service, request.establishment, request.subject, "bench", "staff",
                        JSONValue.object(request.payload).jsonText, 0, "replay", now, now, now]
                    try writer.append(row)
                    if index % 5000 == 0 { progress.advance(to: index) }
                }
            }
        }
        progress.finish()
        _ = try await connection.execute("ANALYZE requests")
        print(SeedMix.summary(plan))
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
