import Foundation
import Logging
import Metrics
import PQ
import ServiceLifecycle
import Store

/// Forgets idempotency keys older than the retention: every `interval`, in batches, until
/// none is left. A client's retry with the same key is honoured for at least the retention
/// (`docs/openapi.yaml`, `Idempotency-Key`); after it, the same key makes a new request.
/// Several daemons may purge at once: each skips the keys another holds.
public struct IdempotencyKeyPurger: Service {
    let pool: ConnectionPool
    let retention: Duration
    let interval: Duration
    let batch: Int
    let logger: Logger

    public init(pool: ConnectionPool, retention: Duration, interval: Duration = .seconds(600), batch: Int = 10_000, logger: Logger) {
        self.pool = pool
        self.retention = retention
        self.interval = interval
        self.batch = batch
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let purged = try await purgeOnce(now: Date())
                    if purged > 0 { logger.info("idempotency keys past their retention forgotten", metadata: ["count": .stringConvertible(purged)]) }
                } catch {
                    logger.warning("cannot purge idempotency keys", metadata: ["error": .string(String(reflecting: error))])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }

    /// Purges every key made before `now - retention`; returns how many went.
    @discardableResult
    public func purgeOnce(now: Date) async throws -> Int {
        let cutoff = now.addingTimeInterval(-retention.inSeconds)
        let batch = self.batch
        var total = 0
        while !Task.isCancelled {
            let purged = try await pool.withConnection { connection in
                try await connection.run { db in try RequestQueue.purgeIdempotencyKeys(madeBefore: cutoff, limit: batch, on: db) }
            }
            total += purged
            Counter(label: "muamala_idempotency_keys_purged_total").increment(by: purged)
            if purged < batch { break }
        }
        return total
    }
}
