import Domain
import Foundation
import PQ
import Store
import Testing
import TestSupport

/// Losing the database machine: a primary and a standby of PostgreSQL's own streaming
/// replication (`Scripts/pg standby`), a daemon given both hosts, the primary killed with -9
/// under a steady load of submissions, the standby promoted by the test, the load going on.
///
/// Just before the kill the standby lags a second behind (the primary's WAL sender stopped). With a synchronous standby nothing
/// that was acknowledged is lost; with an asynchronous one, what was acknowledged in that
/// second is lost, counted and printed (the price of not waiting for the standby). Either way
/// nothing is doubled, every request is decided once, callers see 503 with `Retry-After`
/// while no writable database answers (never 500), and the history verifies.
@Suite("Losing the database server", .serialized)
struct FailoverTests {
    @Test("synchronous standby: the primary killed under load, the standby promoted; nothing acknowledged lost, nothing doubled; the old primary rejoins")
    func synchronousStandby() async throws {
        let report = try await runFailover(synchronous: true)
        #expect(report.lost.isEmpty, "acknowledged, then lost with a synchronous standby: \(report.lost.prefix(10))")
    }

    @Test("asynchronous standby: the same load, lag and kill; nothing doubled, but what was acknowledged during the lag is lost; the old primary is rewound and rejoins")
    func asynchronousStandby() async throws {
        let report = try await runFailover(synchronous: false)
        // What the synchronous standby buys: without it, the second of lag is acknowledged and gone.
        #expect(!report.lost.isEmpty, "an asynchronous standby that lagged lost nothing: was the lag made?")
    }

    @Test("reads go to a standby while it keeps up, and to the primary once its replay falls behind")
    func readsOnTheStandby() async throws {
        let pair = ReplicatedPair(name: "reads")
        try await pair.destroy()
        do {
            try await readsOnTheStandby(pair)
            try await pair.destroy()
        } catch {
            try? await pair.destroy()
            throw error
        }
    }

    private func readsOnTheStandby(_ pair: ReplicatedPair) async throws {
        let (database, token) = try await pair.prepare(synchronous: true)
        let standbyURL = try await pair.url(of: pair.standby, database: database.name)
        let daemon = try DaemonProcess(databaseURL: try await pair.url(of: pair.primary, database: database.name), environment: [
            "MUAMALA_READ_DATABASE_URL": standbyURL, "MUAMALA_READ_MAX_LAG_SECONDS": "1",
        ])
        try await daemon.waitUntilReady()
        let headers = ["Authorization": "Bearer \(token)", "Content-Type": "application/json"]
        func register(_ n: Int) async throws {
            let answer = try await HTTP.post("\(daemon.baseURL)/v1/requests?wait=10", headers: headers.merging(["Idempotency-Key": "reads-\(n)"]) { $1 },
                                             json: Self.registration(n))
            #expect(answer.0 == 200, "\(answer.0) \(String(decoding: answer.1, as: UTF8.self))")
        }
        func readUntilFound(_ n: Int) async throws -> Bool {
            for _ in 0..<150 {
                if try await HTTP.get("\(daemon.baseURL)/v1/workers/\(Fixtures.person(20_000 + n).digits)", headers: headers).0 == 200 { return true }
                try await Task.sleep(for: .milliseconds(100))
            }
            return false
        }
        func reads(on database: String) async throws -> Int {
            let text = String(decoding: try await HTTP.get("\(daemon.baseURL)/metrics").1, as: UTF8.self)
            let prefix = "muamala_reads_total{database=\"\(database)\"} "
            return text.split(separator: "\n").first { $0.hasPrefix(prefix) }.flatMap { Double($0.dropFirst(prefix.count)) }.map { Int($0) } ?? 0
        }

        // Close behind (once its lag is sampled): the standby answers.
        try await register(1)
        #expect(try await readUntilFound(1), "the worker never appeared")
        for _ in 0..<100 where try await reads(on: "standby") == 0 {
            _ = try await HTTP.get("\(daemon.baseURL)/v1/workers/\(Fixtures.person(20_001).digits)", headers: headers)
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(try await reads(on: "standby") > 0, "no read went to the standby")
        let primaryBefore = try await reads(on: "primary")

        // Its replay paused, it falls behind: a worker decided since is found, on the primary.
        let standby = try await Connection.connect(ConnectionConfig(connectionString: standbyURL))
        try await standby.query("SELECT pg_wal_replay_pause()")
        try await register(2)
        #expect(try await readUntilFound(2), "reads stayed on the lagging standby")
        #expect(try await reads(on: "primary") > primaryBefore)
        try await standby.query("SELECT pg_wal_replay_resume()")
        await standby.close()
        _ = try await daemon.terminate()
    }

    struct Report {
        var lost: [Int]
    }

    private func runFailover(synchronous: Bool) async throws -> Report {
        let pair = ReplicatedPair(name: synchronous ? "sync" : "async")
        try await pair.destroy()
        do {
            let report = try await runFailover(pair, synchronous: synchronous)
            try await pair.destroy()
            return report
        } catch {
            try? await pair.destroy()
            throw error
        }
    }

    private func runFailover(_ pair: ReplicatedPair, synchronous: Bool) async throws -> Report {
        let (database, token) = try await pair.prepare(synchronous: synchronous)

        // Both hosts, the writable one chosen by libpq: what an operator gives muamalad.
        let bothHosts = try await pair.multiHostURL(database: database.name)
        let daemon = try DaemonProcess(databaseURL: bothHosts, environment: ["MUAMALA_WORKERS": "2"])
        try await daemon.waitUntilReady()

        let load = SubmissionLoad(daemon: daemon, token: token)
        let loadTask = Task { await load.run(clients: 8, deadline: .seconds(300)) }
        defer { load.stop() }
        // Kill once 150 are acknowledged; promote at once (the test plays the failover manager).
        let loading = ContinuousClock.now
        while load.acknowledgedCount < 150 {
            guard ContinuousClock.now - loading < .seconds(120), daemon.exited == nil else {
                throw SetupError("the load did not reach 150 acknowledgments: \(load.outcome.unexpected.prefix(3)) \(daemon.log)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        // The standby falls a second behind (the primary's WAL sender stalls, as on a slow
        // network), then the primary dies. A synchronous primary acknowledges nothing in that
        // second; an asynchronous one acknowledges what the standby never gets.
        try await pair.stallPrimarySender()
        // Answers already on their way when the sender stopped arrive first; then one second.
        try await Task.sleep(for: .milliseconds(500))
        let stalledAt = load.acknowledgedCount
        try await Task.sleep(for: .seconds(1))
        let acknowledgedInLag = load.acknowledgedCount - stalledAt
        let killedAt = ContinuousClock.now
        try await pair.killPrimary()
        // No writable host: the daemon says so, and submissions get 503 (checked below).
        let readiness = try await HTTP.get("\(daemon.baseURL)/readyz")
        #expect(readiness.0 == 503, "/readyz with no writable database: \(readiness.0) \(String(decoding: readiness.1, as: UTF8.self))")
        try await pair.promoteStandby()
        let promotedAt = ContinuousClock.now
        // The load goes on until 150 more are acknowledged by the promoted standby.
        let beforePromotion = load.acknowledgedCount
        while load.acknowledgedCount < beforePromotion + 150 && ContinuousClock.now - promotedAt < .seconds(120) {
            try await Task.sleep(for: .milliseconds(20))
        }
        load.stop()
        await loadTask.value

        let outcome = load.outcome
        #expect(outcome.acknowledged.count == outcome.started, "\(outcome.started) submitted, \(outcome.acknowledged.count) acknowledged")
        #expect(outcome.acknowledged.count >= beforePromotion + 150, "the load did not go on after the promotion")
        #expect(outcome.unexpected.isEmpty, "answers other than 200, 202 and 503: \(outcome.unexpected.prefix(5))")
        #expect(outcome.unavailable > 0, "no submission was answered 503 while no database was writable")
        #expect(outcome.unavailableWithoutRetryAfter == 0, "503 without Retry-After: \(outcome.unavailableWithoutRetryAfter)")
        if synchronous {
            #expect(acknowledgedInLag == 0, "a synchronous primary acknowledged \(acknowledgedInLag) submissions its standby did not have")
        } else {
            #expect(acknowledgedInLag > 0, "the asynchronous primary acknowledged nothing while its standby lagged")
        }
        // The time without a writable database, as the portals saw it: the longest wait between
        // two acknowledgments.
        let times = outcome.acknowledgedTimes.sorted()
        let outage = zip(times, times.dropFirst()).map { $1 - $0 }.max() ?? .zero

        // Everything that was queued is decided, on the promoted standby.
        let promoted = database.reached(through: bothHosts)
        let engine = try TestEngine(promoted)
        try await waitUntilDecided(engine, timeout: .seconds(90))
        let stored = try await engine.run { db in
            try db.query("""
                SELECT idempotency_key, id::text FROM requests WHERE idempotency_key LIKE 'failover-%'
                UNION ALL
                SELECT idempotency_key, id::text FROM request_history WHERE idempotency_key LIKE 'failover-%'
                """).map { (try $0.decode(String.self, at: 0), try $0.decode(String.self, at: 1)) }
        }
        let byKey = Dictionary(stored.map { ($0.0, [$0.1]) }, uniquingKeysWith: +)
        #expect(byKey.values.allSatisfy { $0.count == 1 }, "a key stored twice")
        var lost: [Int] = []
        for (key, id) in outcome.acknowledged.sorted(by: { $0.key < $1.key }) {
            guard let ids = byKey["failover-\(key)"] else {
                lost.append(key)
                continue
            }
            #expect(ids == [id.lowercased()], "key \(key): answered \(id), stored \(ids)")
        }
        // Each request decided once: completed (distinct new workers), with exactly one event.
        #expect(try await engine.scalar("SELECT count(*)::int FROM request_history WHERE state <> 'completed'", as: Int.self) == 0)
        #expect(try await engine.scalar("""
            SELECT count(*)::int FROM request_history h
            WHERE (SELECT count(*) FROM events e WHERE e.request_id = h.id) <> 1
            """, as: Int.self) == 0)
        #expect(try await engine.scalar("SELECT count(*)::int FROM workers", as: Int.self) == stored.count)
        let verification = try await engine.run { db in try EventLog.verify(on: db) }
        #expect(verification.isIntact, "\(verification.problems.prefix(5))")
        // The promoted standby's rows are what their record of versions says.
        let state = try await engine.run { db in try StateCheck.run(on: db) }
        #expect(state.isConsistent, "\(state.differences.prefix(5))")
        #expect(daemon.exited == nil, "the daemon died: \(daemon.log)")
        #expect(try await HTTP.get("\(daemon.baseURL)/readyz").0 == 200)

        // The old primary comes back as a standby of the new one (rewound past what it had and
        // the new primary never got, after the asynchronous run), and the pair is whole again.
        try await pair.rejoinOldPrimary(synchronous: synchronous)
        #expect(try await pair.role(of: pair.primary) == "standby")
        let home = URL(fileURLWithPath: pair.primary).resolvingSymlinksInPath().path
        let aside = (try? FileManager.default.contentsOfDirectory(atPath: home))?.filter { $0.hasPrefix("data.before-rejoin") } ?? []
        #expect(aside.isEmpty, "pg_rewind could not rewind the old primary; it was copied afresh (\(aside))")
        // A daemon given only the standby is alive but not ready: it could not write.
        let onStandby = try DaemonProcess(databaseURL: try await pair.url(of: pair.primary, database: database.name))
        var standbyReadiness = (0, Data())
        for _ in 0..<600 where standbyReadiness.0 == 0 {
            standbyReadiness = (try? await HTTP.get("\(onStandby.baseURL)/readyz")) ?? (0, Data())
            if standbyReadiness.0 == 0 { try await Task.sleep(for: .milliseconds(100)) }
        }
        let standbyAnswer = String(decoding: standbyReadiness.1, as: UTF8.self)
        #expect(standbyReadiness.0 == 503 && standbyAnswer.contains("standby"), "\(standbyReadiness.0) \(standbyAnswer)")
        _ = try await onStandby.terminate()
        // Commits go on, and reach the rejoined standby (at once when it is synchronous).
        let after = try await HTTP.post("\(daemon.baseURL)/v1/requests",
                                        headers: ["Authorization": "Bearer \(token)", "Idempotency-Key": "after-rejoin"],
                                        json: Self.registration(9_999))
        #expect(after.0 == 202, "\(after.0) \(String(decoding: after.1, as: UTF8.self))")
        let rejoined = try await Connection.connect(ConnectionConfig(connectionString: try await pair.url(of: pair.primary, database: database.name)))
        var copied = false
        for _ in 0..<100 where !copied {
            copied = try await rejoined.query("SELECT 1 FROM idempotency_keys WHERE key = 'after-rejoin'").count == 1
            if !copied { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(copied, "the rejoined standby did not receive a commit made after it joined")
        await rejoined.close()
        _ = try await daemon.terminate()
        await engine.close()

        let seconds = { (duration: Duration) in
            String(format: "%.2f s", Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
        }
        print("""
            failover (\(synchronous ? "synchronous" : "asynchronous") standby): \(outcome.acknowledged.count) submissions acknowledged, \
            \(outcome.unavailable) answers 503 on the way, \(lost.count) acknowledged and lost; \
            \(acknowledgedInLag) acknowledged while the standby lagged; \
            no acknowledgment for \(seconds(outage)) at most (kill -9 and promotion took \(seconds(promotedAt - killedAt)))
            """)
        return Report(lost: lost)
    }

    static func registration(_ n: Int) -> String {
        let (service, payload) = hiringPayloads(Fixtures.person(20_000 + n), at: "1-1", arrived: "2026-11-01")[0]
        return JSONCoding.encode(JSONValue.object(["service": .string(service), "payload": payload]))
    }

    private func waitUntilDecided(_ engine: TestEngine, timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let remaining = try? await engine.scalar("SELECT count(*)::int FROM requests", as: Int.self), remaining == 0 {
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw SetupError("the queue was not decided within \(timeout)")
    }
}

/// Portals submitting new workers' registrations, each under its own idempotency key, and
/// trying a key again (as a portal must) until it is acknowledged.
private final class SubmissionLoad: Sendable {
    struct Outcome: Sendable {
        /// Key number -> the request id of its 200/202.
        var acknowledged: [Int: String] = [:]
        var acknowledgedTimes: [ContinuousClock.Instant] = []
        var unavailable = 0
        var unavailableWithoutRetryAfter = 0
        /// Any other answer: status and body.
        var unexpected: [String] = []
        /// Keys submitted at least once.
        var started = 0
    }

    let daemon: DaemonProcess
    let token: String
    private let state = Locked(Outcome())
    private let stopped = Locked(false)

    init(daemon: DaemonProcess, token: String) {
        self.daemon = daemon
        self.token = token
    }

    /// No new keys from now on; the keys under way are tried until acknowledged.
    func stop() { stopped.withLock { $0 = true } }

    var outcome: Outcome { state.value }
    var acknowledgedCount: Int { state.withLock { $0.acknowledged.count } }

    func run(clients: Int, deadline: Duration) async {
        let end = ContinuousClock.now + deadline
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<clients {
                group.addTask {
                    while ContinuousClock.now < end && !self.stopped.value {
                        let key = self.state.withLock { outcome -> Int in
                            defer { outcome.started += 1 }
                            return outcome.started
                        }
                        await self.submitUntilAcknowledged(key, until: end)
                    }
                }
            }
        }
    }

    private func submitUntilAcknowledged(_ key: Int, until end: ContinuousClock.Instant) async {
        while ContinuousClock.now < end {
            let answer = try? await HTTP.exchange(
                "POST", "\(daemon.baseURL)/v1/requests",
                headers: ["Authorization": "Bearer \(token)", "Idempotency-Key": "failover-\(key)", "Content-Type": "application/json"],
                body: Data(FailoverTests.registration(key).utf8))
            guard let answer else {
                try? await Task.sleep(for: .milliseconds(100))
                continue
            }
            switch answer.status {
            case 200, 202:
                let id = (try? JSONCoding.decode(String(decoding: answer.body, as: UTF8.self)))?.objectValue?["id"]?.stringValue ?? "?"
                state.withLock {
                    $0.acknowledged[key] = id
                    $0.acknowledgedTimes.append(ContinuousClock.now)
                }
                return
            case 503:
                state.withLock {
                    $0.unavailable += 1
                    if answer.headers["retry-after"] == nil { $0.unavailableWithoutRetryAfter += 1 }
                }
                try? await Task.sleep(for: .milliseconds(100))
            default:
                state.withLock { $0.unexpected.append("\(answer.status) \(String(decoding: answer.body, as: UTF8.self))") }
                return
            }
        }
    }
}

/// Two private clusters under `.local/`, a primary and its standby, driven by `Scripts/pg`.
private struct ReplicatedPair {
    let primary: String
    let standby: String

    init(name: String) {
        let local = TestDatabase.repositoryRoot.appendingPathComponent(".local").path
        primary = "\(local)/test-failover-\(name)-a"
        standby = "\(local)/test-failover-\(name)-b"
    }

    /// The primary and its standby started, a scratch database on them with establishment 1-1,
    /// and a staff token.
    func prepare(synchronous: Bool) async throws -> (ScratchDatabase, String) {
        let primaryURL = try await pg(primary, "start")
        _ = try await pg(standby, "standby --of '\(primary)'" + (synchronous ? "" : " --async"))
        let database = try await ScratchDatabase.create(cluster: ConnectionConfig(connectionString: primaryURL), clusterURL: primaryURL)
        let setup = try TestEngine(database)
        try await setup.run { db in try Fixtures.establishment("1-1", on: db) }
        let token = try await setup.run { db -> String in
            let user = try AccountStore.addUser(name: "portal", role: .staff, personID: nil, unifiedNumber: nil, on: db)
            return try AccountStore.issueToken(for: user.id, label: "failover", on: db)
        }
        await setup.close()
        return (database, token)
    }

    func killPrimary() async throws { _ = try await pg(primary, "kill") }
    /// The primary's WAL sender stopped (a slow network, played by a signal): what it has not
    /// sent is never sent, since the primary is killed next (`Scripts/pg kill` kills a stopped
    /// process too, and `destroy` kills a server that cannot stop).
    func stallPrimarySender() async throws {
        try await runShell("""
            postmaster="$(head -n 1 "$(readlink -f '\(primary)')/data/postmaster.pid")"
            sender="$(pgrep -P "$postmaster" -f 'walsender')"
            [ -n "$sender" ] && kill -STOP $sender
            """)
    }
    func promoteStandby() async throws { _ = try await pg(standby, "promote") }
    func rejoinOldPrimary(synchronous: Bool) async throws {
        _ = try await pg(primary, "rejoin --to '\(standby)'" + (synchronous ? "" : " --async"))
    }
    func role(of cluster: String) async throws -> String { try await pg(cluster, "role") }

    func destroy() async throws {
        _ = try await pg(standby, "destroy")
        _ = try await pg(primary, "destroy")
    }

    /// `host=<primary socket>,<standby socket>` with `target_session_attrs=read-write`.
    func multiHostURL(database: String) async throws -> String {
        func socket(_ url: String) throws -> String {
            guard let host = URLComponents(string: url)?.queryItems?.first(where: { $0.name == "host" })?.value else {
                throw SetupError("no host in \(url)")
            }
            return host
        }
        func port(_ url: String) -> String {
            URLComponents(string: url)?.queryItems?.first(where: { $0.name == "port" })?.value ?? "5432"
        }
        let urls = [try await pg(primary, "url"), try await pg(standby, "url")]
        let hosts = try urls.map(socket).joined(separator: ","), ports = urls.map(port).joined(separator: ",")
        return "postgresql:///\(database)?host=\(hosts)&port=\(ports)&user=muamala&target_session_attrs=read-write"
    }

    /// One cluster's URL, for another database.
    func url(of cluster: String, database: String) async throws -> String {
        guard var components = URLComponents(string: try await pg(cluster, "url")) else { throw SetupError("bad URL") }
        components.path = "/" + database
        return components.string ?? ""
    }

    /// Runs `Scripts/pg` on one cluster; returns what it printed.
    private func pg(_ cluster: String, _ arguments: String) async throws -> String {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("pg-\(UUID().uuidString.prefix(8)).out").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let script = TestDatabase.repositoryRoot.appendingPathComponent("Scripts/pg").path
        try await runShell("MUAMALA_PG_DIR='\(cluster)' '\(script)' \(arguments) > '\(output)'")
        return ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
