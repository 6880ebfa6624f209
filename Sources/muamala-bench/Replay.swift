import ArgumentParser
import Domain
import Foundation
import PQ
import Store
import Synchronization

/// `muamala-bench replay`: the seed's ten months at 1:1000, through the HTTP API, on the
/// simulated clock; then a report per service (used by `Scripts/demo`).
///
/// A population is loaded first (establishments of many sizes and activities, Saudis and
/// residents, permits expiring through the year with their expiry timers, dependents, and
/// portal accounts). Then, day by day, the requests of that day are submitted (in the
/// seed's mix, with the follow-ups real flows have: a worker accepting a transfer, a
/// payment, a departure), and the clock moves one day, so that windows close and permits
/// expire on their own.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "replay", abstract: "Replay the seed's ten months at 1:1000 through the API.")

    @Option(help: "libpq connection string or URI of the daemon's database.") var databaseURL: String
    @Option(help: "The daemon, e.g. http://127.0.0.1:8080.") var url: String
    @Option(help: "The seed's volume divided by this.") var scale = 1000
    @Option(help: "Days to replay (the seed covers ten Hijri months, about 295 days).") var days = 295
    @Option(help: "Requests in flight at once.") var concurrency = 16
    @Option(help: "Random seed.") var seed: UInt64 = 2026

    func run() async throws {
        guard let components = URLComponents(string: url), let host = components.host, let port = components.port else {
            throw ValidationError("--url must look like http://127.0.0.1:8080")
        }
        let connection = try await Connection.connect(ConnectionConfig(connectionString: databaseURL, applicationName: "muamala-replay"))
        let clock = try await connection.run { db in try ClockStore.read(on: db) }
        guard clock.mode == .simulated, let start = clock.simulatedNow else {
            throw ValidationError("the database must run on simulated time (muamala clock simulate)")
        }
        let plan = ReplayPlan(scale: scale, days: days, seed: seed, startDay: Day(start))
        FileHandle.standardError.write(Data("loading a population: \(plan.establishments.count) establishments, \(plan.people) people\n".utf8))
        let tokens = try await plan.load(on: connection)
        let portal = Portal(host: host, port: port, tokens: tokens)
        let progress = ProgressBar(title: "replay", total: days)
        let schedule = Schedule(plan.initialSteps())
        let days = self.days, concurrency = self.concurrency
        // The HTTP calls block, so the days run on threads of their own, not on Swift's pool.
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            Thread {
                let pool = WorkerThreads(count: concurrency)
                for day in 0..<days {
                    // Follow-ups due the same day (a payment right after an acceptance) run before it ends.
                    while case let steps = schedule.take(day: day), !steps.isEmpty {
                        for step in steps {
                            pool.run {
                                for (offset, next) in step.run(portal) { schedule.add(day: day + offset, next) }
                            }
                        }
                        pool.waitUntilIdle()
                    }
                    portal.advanceClock()
                    progress.advance(to: day + 1)
                }
                pool.stop()
                done.resume()
            }.start()
        }
        progress.finish()
        // Let the daemon finish what the last day made due.
        while try await connection.query("""
            SELECT count(*)::int FROM requests WHERE not_before <= (SELECT simulated_now FROM clock)
            """).single().decode(Int.self, at: 0) > 0 {
            try await Task.sleep(for: .milliseconds(100))
        }
        try await ReplayReport.print(connection: connection, failures: portal.failures)
    }
}

/// Requests to make on a day; each may schedule follow-ups a number of days later.
struct Step: Sendable {
    let run: @Sendable (Portal) -> [(Int, Step)]

    init(_ run: @escaping @Sendable (Portal) -> [(Int, Step)]) { self.run = run }
}

final class Schedule: Sendable {
    private let steps: Mutex<[Int: [Step]]>

    init(_ initial: [(Int, Step)]) {
        var steps: [Int: [Step]] = [:]
        for (day, step) in initial { steps[day, default: []].append(step) }
        self.steps = Mutex(steps)
    }

    func add(day: Int, _ step: Step) { steps.withLock { $0[day, default: []].append(step) } }
    func take(day: Int) -> [Step] { steps.withLock { $0.removeValue(forKey: day) ?? [] } }
}

/// A fixed set of threads that run blocking jobs; `waitUntilIdle` waits for all of them.
final class WorkerThreads: @unchecked Sendable {
    // @unchecked: `jobs`, `busy` and `stopping` are only touched while holding `condition`.
    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var busy = 0
    private var stopping = false

    init(count: Int) {
        for _ in 0..<max(1, count) {
            Thread { [self] in self.loop() }.start()
        }
    }

    func run(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        jobs.append(job)
        condition.broadcast()
        condition.unlock()
    }

    func waitUntilIdle() {
        condition.lock()
        while !jobs.isEmpty || busy > 0 { condition.wait() }
        condition.unlock()
    }

    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping { condition.wait() }
            if jobs.isEmpty {
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            busy += 1
            condition.unlock()
            job()
            condition.lock()
            busy -= 1
            condition.broadcast()
            condition.unlock()
        }
    }
}

/// The API as the portal and the other government systems use it: keep-alive connections,
/// `?wait=` for the decision.
final class Portal: Sendable {
    let host: String
    let port: Int
    let tokens: [String: String]
    private let idle = Mutex<[KeepAliveClient]>([])
    private let failureCount = Mutex(0)

    init(host: String, port: Int, tokens: [String: String]) {
        self.host = host
        self.port = port
        self.tokens = tokens
    }

    var failures: Int { failureCount.withLock { $0 } }

    /// Submits and waits for the decision; the decided request, or nil on a transport error.
    @discardableResult
    func submit(_ service: String, _ payload: [String: JSONValue], as who: String) -> JSONValue? {
        let body = JSONValue.object(["service": .string(service), "payload": .object(payload)]).jsonText
        let headers = ["Authorization": "Bearer " + (tokens[who] ?? ""), "Idempotency-Key": UUID().uuidString, "Content-Type": "application/json"]
        guard let (_, bytes) = exchange("POST", "/v1/requests?wait=10", headers, body) else { return nil }
        return JSONValue.parse(String(decoding: bytes, as: UTF8.self))
    }

    func advanceClock() {
        _ = exchange("POST", "/v1/clock/advance", ["Authorization": "Bearer " + (tokens["staff"] ?? ""), "Content-Type": "application/json"], #"{"days": 1}"#)
    }

    private func exchange(_ method: String, _ path: String, _ headers: [String: String], _ body: String) -> (Int, [UInt8])? {
        for _ in 0..<3 {
            do {
                let client = try idle.withLock { $0.popLast() } ?? KeepAliveClient(host: host, port: port)
                let reply = try client.request(method, path: path, headers: headers, body: body)
                idle.withLock { $0.append(client) }
                return reply
            } catch {
                continue
            }
        }
        failureCount.withLock { $0 += 1 }
        return nil
    }
}

extension JSONValue {
    /// The decided request's outcome field, for follow-ups.
    func outcome(_ key: String) -> JSONValue? { self["outcome"]?[key] }
    var decidedState: String? { self["state"]?.stringValue }
}
