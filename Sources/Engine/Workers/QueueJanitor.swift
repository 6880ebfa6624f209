import Foundation
import Logging
import Metrics
import PQ
import ServiceLifecycle
import Store

/// Keeps the queue table lean: vacuums it whenever enough dead rows have piled up.
///
/// Every request is inserted into the queue and deleted from it within seconds. Autovacuum
/// visits a database about once a minute, and in between the dead rows stay in the heap and
/// the claim index, where every claim steps over them: under a steady 2,500 requests/s the
/// median submission-to-decision time grew from 6 ms to over 100 ms within 30 s, and stayed
/// near 6 ms with a vacuum every few seconds (BENCHMARKS.md). Several daemons may run one
/// each; `SKIP_LOCKED` makes the second skip while the first is vacuuming.
///
/// PostgreSQL 15 lets only the table's or database's owner vacuum. A daemon working as a
/// limited role (`MUAMALA_DATABASE_ROLE`) says so once at start and leaves it to autovacuum.
public struct QueueJanitor: Service {
    let pool: ConnectionPool
    let threshold: Int
    let interval: Duration
    let logger: Logger

    /// `threshold`: dead rows that trigger a vacuum; `interval`: how often to look.
    public init(pool: ConnectionPool, threshold: Int, interval: Duration = .seconds(2), logger: Logger) {
        self.pool = pool
        self.threshold = threshold
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        if threshold > 0 {
            await cancelWhenGracefulShutdown { await keepClean() }
        }
        // Switched off or not allowed: stay until the daemon stops, since a service group
        // takes a service that ends early for a failure and stops the daemon.
        try? await gracefulShutdown()
    }

    /// Returns when this role may not vacuum the queue, or when cancelled.
    private func keepClean() async {
        var allowed: Bool?
        while !Task.isCancelled {
            do {
                if allowed == nil {
                    allowed = try await pool.withConnection { connection in
                        try await connection.run { db in try RequestQueue.mayVacuum(on: db) }
                    }
                }
                guard allowed == true else {
                    logger.notice("this role may not vacuum the queue table; autovacuum keeps it (Schema/0006_queue_upkeep.sql)")
                    return
                }
                try await sweepIfNeeded()
            } catch {
                logger.debug("queue upkeep skipped", metadata: ["error": .string("\(error)")])
            }
            try? await Task.sleep(for: interval)
        }
    }

    private func sweepIfNeeded() async throws {
        let threshold = self.threshold
        let started = ContinuousClock.now
        let dead = try await pool.withConnection { connection in
            try await connection.run { db -> Int in
                let dead = try RequestQueue.deadRows(on: db)
                if dead >= threshold { try RequestQueue.vacuum(on: db) }
                return dead
            }
        }
        guard dead >= threshold else { return }
        let elapsed = ContinuousClock.now - started
        Counter(label: "muamala_queue_vacuums_total").increment()
        logger.debug("vacuumed the queue", metadata: ["dead_rows": .stringConvertible(dead), "elapsed": .string("\(elapsed)")])
    }
}
