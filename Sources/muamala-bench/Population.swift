import ArgumentParser
import Domain
import Foundation
import PQ
import Store
import Synchronization

/// `muamala-bench population`: establishments, workers and permits, loaded with COPY.
///
/// Sizes follow a long tail (most establishments are small, a few are large); about a
/// quarter of employees are Saudis paid in full, so that most establishments are green;
/// every resident holds an active permit expiring within the next year (85% inside the
/// 180-day renewal window).
struct PopulationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "population", abstract: "Load establishments, workers and permits.")

    @Option(help: "libpq connection string or URI.") var databaseURL: String
    @Option(help: "Establishments.") var establishments = 10_000
    @Option(help: "Workers.") var workers = 100_000
    @Option(help: "Random seed (the same seed gives the same population).") var seed: UInt64 = 42

    func run() async throws {
        let connection = try await Connection.connect(ConnectionConfig(connectionString: databaseURL, applicationName: "muamala-bench"))
        let population = Population.make(establishments: establishments, workers: workers, seed: seed)
        let progress = ProgressBar(title: "population", total: population.establishments.count + population.workers.count)
        let today = Day(Date())
        var random = SeededRandom(seed: seed &+ 1)
        // Most permits come up for renewal within the window (180 days), as in real traffic.
        let expiries = population.workers.map { _ in
            random.next() % 100 < 85 ? today.adding(days: 1 + Int(random.next() % 175)) : today.adding(days: 181 + Int(random.next() % 180))
        }
        try await connection.withTransaction { db in
            try StateHistory.markLoads(on: db)  // the rows' first versions are a load's
            try db.copyIn("""
                COPY establishments (id, unified_number, cr_number, name_ar, name_en, activity, status, cr_expires_on,
                                     owner_full_time, opened_on, headcount, saudi_count, saudi_weight) FROM STDIN
                """) { writer in
                for (index, e) in population.establishments.enumerated() {
                    let row: [(any PostgresEncodable)?] = [
                        e.id, e.company, e.cr, "منشأة \(index)", "Establishment \(index)", e.activity, "active",
                        "2030-01-01", false, "2015-01-01", e.headcount, e.saudis, Double(e.saudis),
                    ]
                    try writer.append(row)
                    if index % 1000 == 0 { progress.advance(to: index) }
                }
            }
            try db.copyIn("""
                COPY workers (id, name, nationality, birth_date, establishment_id, occupation, wage, employment, arrived_on,
                              contract_ends_on, iqama_expires_on) FROM STDIN
                """) { writer in
                for (index, w) in population.workers.enumerated() {
                    let row: [(any PostgresEncodable)?] = [
                        w.id, "Worker \(index)", w.saudi ? "SAU" : "IND", "1990-01-01", w.establishment,
                        w.saudi ? "accountant" : "mason", w.saudi ? 5000 : 2000, "employed", "2020-01-01",
                        today.adding(years: 2).iso, today.adding(years: 2).iso,
                    ]
                    try writer.append(row)
                    if index % 5000 == 0 { progress.advance(to: population.establishments.count + index) }
                }
            }
            try db.copyIn("""
                COPY permits (id, worker_id, establishment_id, kind, state, valid_from, expires_on, months, levy, fee) FROM STDIN
                """) { writer in
                for (w, expires) in zip(population.workers, expiries) where !w.saudi {
                    let row: [(any PostgresEncodable)?] = [
                        UUID(), w.id, w.establishment, "regular", "active", expires.adding(months: -12).iso, expires.iso, 12, 9600, 100,
                    ]
                    try writer.append(row)
                }
            }
        }
        progress.finish()
        _ = try await connection.execute("ANALYZE establishments; ANALYZE workers; ANALYZE permits;")
        print("{\"establishments\": \(population.establishments.count), \"workers\": \(population.workers.count)}")
    }
}

/// A generated population (deterministic for a seed).
struct Population: Sendable {
    struct Establishment: Sendable {
        let id: String
        let company: String
        let cr: String
        let activity: String
        var headcount: Int
        var saudis: Int
    }

    struct Worker: Sendable {
        let id: String
        let establishment: String
        let saudi: Bool
    }

    var establishments: [Establishment] = []
    var workers: [Worker] = []

    static let activities = ["construction", "construction", "retail", "retail", "manufacturing", "healthcare",
                             "information_technology", "hospitality", "education", "transport"]

    static func make(establishments count: Int, workers total: Int, seed: UInt64) -> Population {
        var random = SeededRandom(seed: seed)
        var population = Population()
        // Long-tailed sizes, scaled so that they add up to `total`.
        var weights: [Double] = (0..<count).map { _ in
            let u = Double(random.next() % 1_000_000) / 1_000_000
            return 1 / pow(max(u, 0.0005), 0.9)
        }
        let sum = weights.reduce(0, +)
        weights = weights.map { $0 / sum * Double(total) }
        var sizes = weights.map { max(1, Int($0)) }
        var difference = total - sizes.reduce(0, +)
        var index = 0
        while difference != 0 {
            if difference > 0 { sizes[index % count] += 1; difference -= 1 }
            else if sizes[index % count] > 1 { sizes[index % count] -= 1; difference += 1 }
            index += 1
        }
        var company = 0
        var saudiNumber = 0, residentNumber = 0
        for (number, size) in sizes.enumerated() {
            if number == 0 || random.next() % 3 != 0 { company += 1 }
            let id = "\(number % 20 + 1)-\(number + 1)"
            let saudis = max(1, Int((Double(size) * 0.3).rounded()))
            population.establishments.append(Establishment(
                id: id, company: String(7_000_000_000 + company), cr: String(1_000_000_000 + number),
                activity: activities[Int(random.next() % UInt64(activities.count))], headcount: size, saudis: min(saudis, size)))
            for slot in 0..<size {
                let saudi = slot < min(saudis, size)
                let person: PersonID
                if saudi {
                    saudiNumber += 1
                    person = PersonID.make(prefix: 1, body: saudiNumber)
                } else {
                    residentNumber += 1
                    person = PersonID.make(prefix: 2, body: residentNumber)
                }
                population.workers.append(Worker(id: person.digits, establishment: id, saudi: saudi))
            }
        }
        return population
    }
}

/// A small deterministic generator (SplitMix64).
struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A progress bar on standard error.
final class ProgressBar: Sendable {
    let title: String
    let total: Int
    private let last = Mutex(-1)

    init(title: String, total: Int) {
        self.title = title
        self.total = max(1, total)
    }

    /// On a terminal the bar redraws in place; in a log it writes a line every 25%.
    private let interactive = isatty(2) == 1

    func advance(to done: Int) {
        var percent = min(100, done * 100 / total)
        if !interactive { percent = percent / 25 * 25 }
        let changed = last.withLock { last -> Bool in
            defer { last = percent }
            return last != percent
        }
        guard changed else { return }
        let filled = percent * 30 / 100
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: 30 - filled)
        let line = (interactive ? "\r" : "") + "\(title) \(bar) \(percent)%" + (interactive ? "" : "\n")
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() {
        advance(to: total)
        if interactive { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
