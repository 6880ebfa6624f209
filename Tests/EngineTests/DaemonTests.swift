import Domain
import Engine
import Foundation
import PQ
import Store
import Testing
import TestSupport

/// The guarantees that need real daemon processes: killed, restarted, several at once.
@Suite("Daemons", .serialized)
struct DaemonTests {
    /// Queues, for each of `workers` new workers: register, issue, and a second issue (which
    /// must be refused: the first one is still invoiced). Out of order, the outcomes differ.
    private func queueHiring(_ engine: TestEngine, workers: Range<Int>) async throws {
        for n in workers {
            let worker = Fixtures.person(n)
            for (service, payload) in hiringPayloads(worker, at: "1-1", arrived: "2026-11-01") {
                try await engine.submit(service, payload, as: staff)
            }
            try await engine.submit("work-permit.issue", ["worker_id": .string(worker.digits), "establishment_id": "1-1", "months": 6], as: staff)
        }
    }

    /// Checks that every request was decided once, in order per subject, with the outcomes
    /// that order gives, one event per completed request, and an intact history.
    private func checkHiring(_ engine: TestEngine, workers: Int) async throws {
        #expect(try await engine.scalar("SELECT count(*)::int FROM requests", as: Int.self) == 0)
        #expect(try await engine.scalar("SELECT count(*)::int FROM request_history", as: Int.self) == workers * 3)
        let outcomes = try await engine.run { db in
            try db.query("""
                SELECT subject, string_agg(service || '=' || state, ' ' ORDER BY seq) AS by_seq,
                       string_agg(service || '=' || state, ' ' ORDER BY finished_at, seq) AS by_time
                FROM request_history GROUP BY subject
                """).map { (try $0.decode(String.self, "by_seq"), try $0.decode(String.self, "by_time")) }
        }
        #expect(outcomes.count == workers)
        for (bySeq, byTime) in outcomes {
            #expect(bySeq == "worker.register=completed work-permit.issue=completed work-permit.issue=rejected")
            #expect(byTime == bySeq)
        }
        #expect(try await engine.scalar("SELECT count(*)::int FROM events", as: Int.self) == workers * 2)
        #expect(try await engine.scalar("SELECT headcount FROM establishments WHERE id = '1-1'", as: Int.self) == workers)
        #expect(try await engine.scalar("SELECT count(*)::int FROM permits", as: Int.self) == workers)
        let verification = try await engine.run { db in try EventLog.verify(on: db) }
        #expect(verification.isIntact, "\(verification.problems.prefix(5))")
        // And the state is what its record of versions says, every row (`verify --state`).
        let state = try await engine.run { db in try StateCheck.run(on: db) }
        #expect(state.isConsistent, "\(state.differences.prefix(5))")
        #expect(state.rows["workers"] == workers)
    }

    @Test("requests on one subject take effect in submission order with four daemons")
    func orderWithFourDaemons() async throws {
        try await withScratchDatabase { database in
            let engine = try TestEngine(database)
            try await engine.run { db in try Fixtures.establishment("1-1", on: db) }
            try await queueHiring(engine, workers: 0..<60)
            let daemons = try (0..<4).map { _ in
                try DaemonProcess(databaseURL: database.url, environment: ["MUAMALA_WORKERS": "2", "MUAMALA_BATCH_SIZE": "8"])
            }
            for daemon in daemons { try await daemon.waitUntilReady() }
            // More while they run.
            try await queueHiring(engine, workers: 60..<120)
            try await waitUntilDrained(engine, timeout: .seconds(60))
            // Each daemon exports what it did.
            let (status, body) = try await HTTP.get("\(daemons[0].baseURL)/metrics")
            let metrics = String(decoding: body, as: UTF8.self)
            #expect(status == 200)
            for name in ["muamala_requests_total", "muamala_decision_duration_seconds", "muamala_queue_depth", "muamala_queue_oldest_age_seconds"] {
                #expect(metrics.contains(name), "\(name) missing from /metrics")
            }
            #expect(metrics.contains(#"service="worker.register""#))
            // Counted per batch: the daemons' counters add up to every decision, by outcome.
            // (A daemon counts just after its commit: the sum is read again until it reaches
            // every decision, for up to 5 s.)
            var decided: [String: Int] = [:]
            for _ in 0..<50 {
                decided = [:]
                for daemon in daemons {
                    let text = String(decoding: try await HTTP.get("\(daemon.baseURL)/metrics").1, as: UTF8.self)
                    for (outcome, count) in Self.requestCounts(text) { decided[outcome, default: 0] += count }
                }
                if decided.values.reduce(0, +) >= 360 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(decided == ["completed": 240, "rejected": 120])
            for daemon in daemons { _ = try await daemon.terminate() }
            try await checkHiring(engine, workers: 120)
            await engine.close()
        }
    }

    @Test("a waiting submission is answered with its decision, made at intake, and counted in the daemon's metrics")
    func decidedAtIntakeThroughTheDaemon() async throws {
        try await withScratchDatabase { database in
            let engine = try TestEngine(database)
            let token = try await engine.run { db -> String in
                try Fixtures.establishment("1-1", on: db)
                return try Fixtures.user(.staff, on: db).token
            }
            let daemon = try DaemonProcess(databaseURL: database.url)
            try await daemon.waitUntilReady()
            let hiring = hiringPayloads(Fixtures.person(9), at: "1-1", arrived: Day(Date()).adding(days: -5).iso)
            for (n, (service, payload)) in hiring.enumerated() {
                let (status, body) = try await HTTP.post(
                    "\(daemon.baseURL)/v1/requests?wait=5", headers: ["Authorization": "Bearer \(token)", "Idempotency-Key": "hire-\(n)"],
                    json: #"{"service":"\#(service)","payload":\#(payload.jsonText)}"#)
                #expect(status == 200, "\(String(decoding: body, as: UTF8.self))")
                #expect(JSONValue.parse(utf8: body)?["state"]?.stringValue == "completed")
            }
            // Decided in the accepting transaction (a worker's decision comes at a later time
            // than the submission's), and counted by the daemon.
            #expect(try await engine.scalar("SELECT count(*)::int FROM request_history WHERE decided_at = submitted_at", as: Int.self) == 2)
            let metrics = String(decoding: try await HTTP.get("\(daemon.baseURL)/metrics").1, as: UTF8.self)
            #expect(Self.requestCounts(metrics) == ["completed": 2])
            _ = try await daemon.terminate()
            await engine.close()
        }
    }

    @Test("a revoked token is refused at once, not after the principal cache's lifetime")
    func revocationReachesTheDaemon() async throws {
        try await withScratchDatabase { database in
            let engine = try TestEngine(database)
            let (user, token) = try await engine.run { db -> (AccountStore.User, String) in
                let user = try AccountStore.addUser(name: "ops", role: .staff, personID: nil, unifiedNumber: nil, on: db)
                return (user, try AccountStore.issueToken(for: user.id, label: "test", on: db))
            }
            let daemon = try DaemonProcess(databaseURL: database.url)
            try await daemon.waitUntilReady()
            let headers = ["Authorization": "Bearer \(token)"]
            // The second call is answered from the daemon's cache.
            #expect(try await HTTP.get("\(daemon.baseURL)/v1/clock", headers: headers).0 == 200)
            #expect(try await HTTP.get("\(daemon.baseURL)/v1/clock", headers: headers).0 == 200)

            #expect(try await engine.run { db in try AccountStore.revokeTokens(of: user.id, on: db) } == 1)
            // The cache keeps a principal for 30 s; the notification must end it well before.
            var status = 200
            let deadline = ContinuousClock.now + .seconds(10)
            while status == 200 && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
                status = try await HTTP.get("\(daemon.baseURL)/v1/clock", headers: headers).0
            }
            #expect(status == 401)
            _ = try await daemon.terminate()
            await engine.close()
        }
    }

    @Test("a daemon killed again and again mid-batch loses and doubles nothing")
    func killedRepeatedly() async throws {
        try await withScratchDatabase { database in
            let engine = try TestEngine(database)
            try await engine.run { db in try Fixtures.establishment("1-1", on: db) }
            try await queueHiring(engine, workers: 0..<1000)
            var kills = 0
            let deadline = ContinuousClock.now + .seconds(120)
            while ContinuousClock.now < deadline {
                let remaining = try await engine.scalar("SELECT count(*)::int FROM requests", as: Int.self)
                if remaining == 0 { break }
                let daemon = try DaemonProcess(databaseURL: database.url, environment: ["MUAMALA_WORKERS": "2", "MUAMALA_BATCH_SIZE": "3"])
                try await Task.sleep(for: .milliseconds(Int.random(in: 100...400)))
                daemon.kill(SIGKILL)
                _ = try await daemon.waitForExit()
                kills += 1
            }
            // Whatever is left, a last daemon finishes.
            let last = try DaemonProcess(databaseURL: database.url)
            try await waitUntilDrained(engine, timeout: .seconds(60))
            _ = try await last.terminate()
            #expect(kills >= 3)
            try await checkHiring(engine, workers: 1000)
            await engine.close()
        }
    }

    @Test("a submission answered 202 survives the daemon's death; a retried key is queued once")
    func acceptedSubmissionsSurviveKills() async throws {
        try await withScratchDatabase { database in
            let engine = try TestEngine(database)
            try await engine.run { db in try Fixtures.establishment("1-1", on: db) }
            let token = try await engine.run { db -> String in
                let user = try AccountStore.addUser(name: "portal", role: .staff, personID: nil, unifiedNumber: nil, on: db)
                return try AccountStore.issueToken(for: user.id, label: "test", on: db)
            }
            let total = 600
            var answered: [Int: String] = [:]  // key number -> request id from a 200/202
            var interrupted = 0
            var round = 0
            // Portals submit 150 at a time (new keys, and again the keys whose answer was lost);
            // the daemon is killed at a random moment of each round but the last ones.
            while answered.count < total && round < 20 {
                round += 1
                let daemon = try DaemonProcess(databaseURL: database.url)
                try await daemon.waitUntilReady()
                let keys = Array((0..<total).filter { answered[$0] == nil }.prefix(150))
                let kill = round <= 8 ? Task {
                    try? await Task.sleep(for: .milliseconds(Int.random(in: 5...80)))
                    daemon.kill(SIGKILL)
                } : nil
                let results = await withTaskGroup(of: (Int, String?).self) { group in
                    for key in keys {
                        group.addTask {
                            let (service, payload) = hiringPayloads(Fixtures.person(10_000 + key), at: "1-1", arrived: "2026-11-01")[0]
                            let body = JSONCoding.encode(JSONValue.object(["service": .string(service), "payload": payload]))
                            guard let (status, data) = try? await HTTP.post(
                                "\(daemon.baseURL)/v1/requests",
                                headers: ["Authorization": "Bearer \(token)", "Idempotency-Key": "portal-\(key)"], json: body),
                                status == 200 || status == 202,
                                let id = (try? JSONCoding.decode(String(decoding: data, as: UTF8.self)))?.objectValue?["id"]?.stringValue
                            else { return (key, nil) }
                            return (key, id)
                        }
                    }
                    return await group.reduce(into: [(Int, String?)]()) { $0.append($1) }
                }
                for (key, id) in results {
                    if let id { answered[key] = id } else { interrupted += 1 }
                }
                if let kill {
                    await kill.value
                    _ = try await daemon.waitForExit()
                } else {
                    _ = try await daemon.terminate()
                }
            }
            #expect(answered.count == total)
            #expect(interrupted > 0, "no kill landed while submissions were in flight")
            // Each key is one request, queued or decided, with the id its answer gave.
            let stored = try await engine.run { db in
                try db.query("""
                    SELECT idempotency_key, id::text FROM requests WHERE idempotency_key LIKE 'portal-%'
                    UNION ALL
                    SELECT idempotency_key, id::text FROM request_history WHERE idempotency_key LIKE 'portal-%'
                    """).map { (try $0.decode(String.self, at: 0), try $0.decode(String.self, at: 1)) }
            }
            #expect(stored.count == total)
            let byKey = Dictionary(stored.map { ($0.0, [$0.1]) }, uniquingKeysWith: +)
            for (key, id) in answered {
                #expect(byKey["portal-\(key)"] == [id.lowercased()], "key \(key)")
            }
            let state = try await engine.run { db in try StateCheck.run(on: db) }
            #expect(state.isConsistent, "\(state.differences.prefix(5))")
            await engine.close()
        }
    }

    @Test("SIGTERM: the batches in flight finish, the daemon exits 0 in time, the rest stays queued")
    func gracefulShutdown() async throws {
        try await withScratchDatabase { database in
            let engine = try TestEngine(database)
            try await engine.run { db in try Fixtures.establishment("1-1", on: db) }
            try await queueHiring(engine, workers: 0..<600)
            let daemon = try DaemonProcess(databaseURL: database.url, environment: [
                "MUAMALA_WORKERS": "2", "MUAMALA_BATCH_SIZE": "20", "MUAMALA_SHUTDOWN_GRACE_SECONDS": "10",
                "MUAMALA_LOG_LEVEL": "info",
            ])
            try await daemon.waitUntilReady()
            try await Task.sleep(for: .milliseconds(200))
            let (status, took) = try await daemon.terminate()
            #expect(status == 0, "\(daemon.log)")
            #expect(took < .seconds(10))
            #expect(daemon.log.contains("muamalad stopped"))
            // Nothing half done: every completed request has its one event, the rest is queued.
            let completed = try await engine.scalar("SELECT count(*)::int FROM request_history WHERE state = 'completed'", as: Int.self)
            let queued = try await engine.scalar("SELECT count(*)::int FROM requests", as: Int.self)
            let decided = try await engine.scalar("SELECT count(*)::int FROM request_history", as: Int.self)
            #expect(try await engine.scalar("SELECT count(*)::int FROM events", as: Int.self) == completed)
            #expect(queued + decided == 1800)
            // A new daemon picks up exactly where it stopped.
            let next = try DaemonProcess(databaseURL: database.url)
            try await waitUntilDrained(engine, timeout: .seconds(60))
            _ = try await next.terminate()
            try await checkHiring(engine, workers: 600)
            await engine.close()
        }
    }

    @Test("a timer fires exactly once across daemon restarts")
    func timerAcrossRestart() async throws {
        try await withScratchDatabase { database in
            let engine = try TestEngine(database, clock: .simulated)
            let worker = Fixtures.person(1)
            try await engine.run { db in
                try Fixtures.simulate(from: Day(year: 2026, month: 6, day: 1), on: db)
                try Fixtures.establishment("1-1", on: db)
            }
            for (service, payload) in hiringPayloads(worker, at: "1-1", arrived: "2026-05-20") {
                try await engine.submit(service, payload, as: staff)
            }
            var daemon = try DaemonProcess(databaseURL: database.url, environment: ["MUAMALA_CLOCK": "simulated"])
            try await waitUntilDrained(engine, timeout: .seconds(30))
            let due = try await engine.scalar("SELECT levy + fee FROM permits WHERE worker_id = $1", [worker.digits], as: Int.self)
            try await engine.submit("work-permit.pay", ["worker_id": .string(worker.digits), "amount": .number(Double(due))], as: staff)
            try await waitUntilDrained(engine, timeout: .seconds(30))
            #expect(try await engine.scalar("SELECT count(*)::int FROM requests WHERE service = 'work-permit.expire'", as: Int.self) == 1)
            _ = try await daemon.terminate()

            // While no daemon runs, time passes the permit's expiry (2027-06-01 is its last day).
            try await engine.run { db in _ = try ClockStore.set(Day(year: 2027, month: 6, day: 2).start.addingTimeInterval(3600), by: "test", on: db) }
            daemon = try DaemonProcess(databaseURL: database.url, environment: ["MUAMALA_CLOCK": "simulated"])
            let deadline = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < deadline {
                if try await engine.scalar("SELECT count(*)::int FROM events WHERE type = 'permitExpired'", as: Int.self) > 0 { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            daemon.kill(SIGKILL)
            _ = try await daemon.waitForExit()
            daemon = try DaemonProcess(databaseURL: database.url, environment: ["MUAMALA_CLOCK": "simulated"])
            try await daemon.waitUntilReady()
            try await Task.sleep(for: .seconds(1))
            _ = try await daemon.terminate()
            #expect(try await engine.scalar("SELECT count(*)::int FROM events WHERE type = 'permitExpired'", as: Int.self) == 1)
            #expect(try await engine.scalar("SELECT count(*)::int FROM request_history WHERE service = 'work-permit.expire'", as: Int.self) == 1)
            #expect(try await engine.scalar("SELECT expired_permits FROM establishments WHERE id = '1-1'", as: Int.self) == 1)
            // The removal timer is next, three months on.
            #expect(try await engine.scalar("SELECT (not_before AT TIME ZONE 'Asia/Riyadh')::date::text FROM requests WHERE service = 'work-permit.remove'", as: String.self) == "2027-09-02")
            await engine.close()
        }
    }

    @Test("a daemon recovers by itself when PostgreSQL restarts under load")
    func databaseRestart() async throws {
        try await TestDatabase.withRestartableCluster { config, url, restartCommand in
        let cluster = (config: config, url: url, restartCommand: restartCommand)
        let database = try await ScratchDatabase.create(cluster: cluster.config, clusterURL: cluster.url)
        let engine = try TestEngine(database)
        try await engine.run { db in try Fixtures.establishment("1-1", on: db) }
        try await queueHiring(engine, workers: 0..<500)
        let daemon = try DaemonProcess(databaseURL: database.url, environment: ["MUAMALA_WORKERS": "2", "MUAMALA_BATCH_SIZE": "10"])
        try await daemon.waitUntilReady()
        try await Task.sleep(for: .milliseconds(300))
        await engine.pool.close()
        try await runShell(cluster.restartCommand)
        let after = try TestEngine(database)
        try await waitUntilDrained(after, timeout: .seconds(90))
        #expect(daemon.exited == nil, "the daemon died: \(daemon.log)")
        let (ready, _) = try await HTTP.get("\(daemon.baseURL)/readyz")
        #expect(ready == 200)
        _ = try await daemon.terminate()
        try await checkHiring(after, workers: 500)
        await after.close()
        await database.drop()
        }
    }

    @Test("a daemon working as the limited role muamala_app decides everything and stops cleanly")
    func limitedRole() async throws {
        try await withScratchDatabase { database in
            let engine = try TestEngine(database)
            try await engine.run { db in try Fixtures.establishment("1-1", on: db) }
            try await queueHiring(engine, workers: 0..<50)
            let daemon = try DaemonProcess(databaseURL: database.url, environment: ["MUAMALA_DATABASE_ROLE": "muamala_app"])
            try await daemon.waitUntilReady()
            try await waitUntilDrained(engine, timeout: .seconds(60))
            #expect(daemon.exited == nil, "the daemon stopped: \(daemon.log)")
            let (status, _) = try await daemon.terminate()
            #expect(status == 0, "\(daemon.log)")
            try await checkHiring(engine, workers: 50)
            await engine.close()
        }
    }

    private func waitUntilDrained(_ engine: TestEngine, timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let due = "SELECT count(*)::int FROM requests WHERE not_before <= COALESCE((SELECT simulated_now FROM clock WHERE mode = 'simulated'), now())"
            if let remaining = try? await engine.scalar(due, as: Int.self), remaining == 0 {
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw SetupError("the queue did not drain within \(timeout)")
    }

    /// `muamala_requests_total` from Prometheus text, summed over services, by outcome.
    static func requestCounts(_ text: String) -> [String: Int] {
        var counts: [String: Int] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("muamala_requests_total{") {
            guard let start = line.range(of: #"outcome=""#), let end = line[start.upperBound...].firstIndex(of: "\""),
                  let value = line.split(separator: " ").last.flatMap({ Double($0) }) else { continue }
            counts[String(line[start.upperBound..<end]), default: 0] += Int(value)
        }
        return counts
    }
}
