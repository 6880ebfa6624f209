import Foundation
import PQ
import Synchronization
import Testing
import TestSupport

@Suite("Connection pool")
struct PoolTests {
    @Test("never opens more than its maximum, and hands sessions on to waiters")
    func maximumSize() async throws {
        let pool = ConnectionPool(.init(connection: TestDatabase.config, maxConnections: 3))
        let peak = Locked((current: 0, peak: 0))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<12 {
                group.addTask {
                    _ = try await pool.withConnection { connection in
                        peak.withLock { $0.current += 1; $0.peak = max($0.peak, $0.current) }
                        try await connection.query("SELECT pg_sleep(0.05)")
                        peak.withLock { $0.current -= 1 }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(peak.withLock { $0.peak } == 3)
        let statistics = await pool.statistics
        #expect(statistics.open <= 3)
        #expect(statistics.waiting == 0)
        await pool.close()
    }

    @Test("a checkout that waits too long fails with a pool timeout")
    func checkoutTimeout() async throws {
        let pool = ConnectionPool(.init(connection: TestDatabase.config, maxConnections: 1, checkoutTimeout: .milliseconds(200)))
        // The only session is held until the second checkout has failed: only its timeout
        // can end that checkout, however slow the machine.
        let held = Gate()
        let released = Gate()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await pool.withConnection { _ in
                    held.open()
                    await released.wait()
                }
            }
            await held.wait()
            let error = await #expect(throws: PQError.self) {
                try await pool.withConnection { _ in }
            }
            #expect(error?.kind == .poolTimeout)
            released.open()
            try await group.waitForAll()
        }
        // Free again afterwards.
        try await pool.withConnection { _ in }
        await pool.close()
    }

    @Test("a session left inside a transaction is not handed out again")
    func dirtySessionDropped() async throws {
        let pool = ConnectionPool(.init(connection: TestDatabase.config, maxConnections: 1))
        let firstPID = try await pool.withConnection { connection in
            try await connection.query("BEGIN")
            return try await connection.query("SELECT pg_backend_pid()").single().decode(Int.self, at: 0)
        }
        let secondPID = try await pool.withConnection { connection in
            try await connection.query("SELECT pg_backend_pid()").single().decode(Int.self, at: 0)
        }
        #expect(firstPID != secondPID)
        await pool.close()
    }

    @Test("a health check drops sessions the server killed")
    func healthCheck() async throws {
        let pool = ConnectionPool(.init(connection: TestDatabase.config, maxConnections: 2))
        let pid = try await pool.withConnection { try await $0.query("SELECT pg_backend_pid()").single().decode(Int.self, at: 0) }
        let admin = try await TestDatabase.connect()
        // With a timeout, pg_terminate_backend returns once the session is gone.
        try await admin.query("SELECT pg_terminate_backend($1, 10000)", [pid])
        await pool.checkIdleSessions()
        #expect(await pool.statistics.open == 0)
        let newPID = try await pool.withConnection { try await $0.query("SELECT pg_backend_pid()").single().decode(Int.self, at: 0) }
        #expect(newPID != pid)
        await pool.close()
    }

    @Test("a closed pool refuses checkouts")
    func closedPool() async throws {
        let pool = ConnectionPool(.init(connection: TestDatabase.config, maxConnections: 1))
        await pool.close()
        let error = await #expect(throws: PQError.self) { try await pool.withConnection { _ in } }
        #expect(error?.kind == .poolClosed)
    }

    @Test("eight slow queries in parallel do not stall other async tasks")
    func slowQueriesDoNotStall() async throws {
        let pool = ConnectionPool(.init(connection: TestDatabase.config, maxConnections: 8))
        // Open the sessions first so that connecting is not part of the measurement.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 { group.addTask { _ = try await pool.withConnection { try await $0.query("SELECT pg_sleep(0.2)") } } }
            try await group.waitForAll()
        }
        let ticks = Locked(0)
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask { _ = try await pool.withConnection { try await $0.query("SELECT pg_sleep(1)") } }
            }
            group.addTask {
                // A task that wants to run every 10 ms while the queries block their threads.
                while ContinuousClock.now - started < .milliseconds(900) {
                    try await Task.sleep(for: .milliseconds(10))
                    ticks.withLock { $0 += 1 }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = ContinuousClock.now - started
        // The eight sleeps overlapped (about 1 s in all; 4 s if they took the two threads of
        // the cooperative pool) and the ticker kept running: about 90 ticks, 1 if the queries
        // held those threads. The bounds leave room for a machine busy with other suites.
        #expect(elapsed < .seconds(3))
        #expect(ticks.withLock { $0 } >= 15)
        await pool.close()
    }

    @Test("a session refused a write because its server is read-only (a standby now) is closed, not handed out again")
    func readOnlySessionIsDropped() async throws {
        let pool = ConnectionPool(.init(connection: TestDatabase.config, maxConnections: 1))
        // One session, made read-only as a demoted server's are: it still looks healthy.
        let error = await #expect(throws: PQError.self) {
            try await pool.withConnection { connection in
                try await connection.query("SET default_transaction_read_only = on")
                try await connection.query("CREATE TEMPORARY TABLE refused (n int)")
            }
        }
        #expect(error?.sqlState == .readOnlySQLTransaction)
        #expect(error?.isConnectionLoss == true)
        let readOnly = try await pool.withConnection { connection in
            try await connection.query("SHOW default_transaction_read_only").single().decode(String.self, at: 0)
        }
        #expect(readOnly == "off", "the read-only session was handed out again")
        await pool.close()
    }
}

@Suite("Server restarts", .serialized)
struct RestartTests {
    @Test("the pool recovers after the server restarts; the call in flight fails clearly")
    func poolRecoversAfterRestart() async throws {
        try await TestDatabase.withRestartableCluster { config, _, restartCommand in
        let cluster = (config: config, restartCommand: restartCommand)
        let pool = ConnectionPool(.init(connection: cluster.config, maxConnections: 4, checkoutTimeout: .seconds(20)))
        // Warm the pool: several idle sessions that the restart will kill.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 { group.addTask { _ = try await pool.withConnection { try await $0.query("SELECT pg_sleep(0.1)") } } }
            try await group.waitForAll()
        }
        let inFlight = Task {
            try await pool.withConnection { try await $0.query("SELECT pg_sleep(20)") }
        }
        try await Task.sleep(for: .milliseconds(300))
        try await runShell(cluster.restartCommand)
        let result = await inFlight.result
        #expect(throws: PQError.self) { try result.get() }
        if case .failure(let error as PQError) = result {
            #expect(error.isConnectionLoss)
            #expect(!error.message.isEmpty)
        }
        // Every later call succeeds: no dead session is handed out again.
        for _ in 0..<10 {
            let one = try await pool.withConnection { try await $0.query("SELECT 1").single().decode(Int.self, at: 0) }
            #expect(one == 1)
        }
        await pool.close()
        }
    }

    @Test("a listener comes back after the server restarts")
    func listenerReconnects() async throws {
        try await TestDatabase.withRestartableCluster { config, _, restartCommand in
        let cluster = (config: config, restartCommand: restartCommand)
        let channel = TestDatabase.uniqueName("pq_restart")
        let notifications = NotificationListener.notifications(cluster.config, channels: [channel])
        let got = try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                // After the restart: first the gap (what was sent while it was down is lost), then news.
                var gap = false
                for try await event in notifications {
                    if event == .gap { gap = true }
                    if case .notification(let notification) = event, notification.payload == "after" { return gap }
                }
                return false
            }
            group.addTask {
                try await Task.sleep(for: .milliseconds(300))
                try await runShell(cluster.restartCommand)
                for _ in 0..<100 {
                    if let sender = try? await Connection.connect(cluster.config) {
                        _ = try? await sender.query("SELECT pg_notify($1, 'after')", [channel])
                    }
                    try await Task.sleep(for: .milliseconds(200))
                }
                return false
            }
            let first = try await group.next() ?? false
            group.cancelAll()
            return first
        }
        #expect(got)
        }
    }
}
