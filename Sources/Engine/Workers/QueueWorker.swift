import Foundation
import Logging
import PQ
import ServiceLifecycle
import Store
import Synchronization

/// One queue worker: claims and decides batches on a session of its own until shutdown.
///
/// - Woken by `WakeSignal` (NOTIFY from other daemons, local intake), else it polls.
/// - On graceful shutdown it finishes the batch in flight, then stops.
/// - A batch that fails is rolled back whole; its requests are then decided one at a time,
///   so that a request that keeps failing (a "poison" request) is isolated: it is retried
///   with exponential back-off and jitter, and parked as `failed` after `maxAttempts`,
///   while every other request goes on.
public struct QueueWorker: Service {
    public struct Settings: Sendable {
        public var maxAttempts: Int
        public var pollInterval: Duration
        public var initialBackoff: Duration
        public var maxBackoff: Duration

        public init(maxAttempts: Int = 5, pollInterval: Duration = .milliseconds(500),
                    initialBackoff: Duration = .seconds(1), maxBackoff: Duration = .seconds(300)) {
            self.maxAttempts = maxAttempts
            self.pollInterval = pollInterval
            self.initialBackoff = initialBackoff
            self.maxBackoff = maxBackoff
        }
    }

    let name: String
    let pool: ConnectionPool
    let processor: BatchProcessor
    let wake: WakeSignal
    let waiters: DecisionWaiters
    let settings: Settings
    let metrics = EngineMetrics()
    let logger: Logger

    public init(name: String, pool: ConnectionPool, processor: BatchProcessor, wake: WakeSignal, waiters: DecisionWaiters,
                settings: Settings, logger: Logger) {
        self.name = name
        self.pool = pool
        self.processor = processor
        self.wake = wake
        self.waiters = waiters
        self.settings = settings
        var logger = logger
        logger[metadataKey: "worker"] = .string(name)
        self.logger = logger
    }

    public func run() async throws {
        let stopping = StopSwitch()
        try await withGracefulShutdownHandler {
            try await loop(stopping)
        } onGracefulShutdown: {
            stopping.stop()
            wake.signal()
        }
        logger.debug("queue worker stopped")
    }

    private func loop(_ stopping: StopSwitch) async throws {
        // After a failed batch: how many requests to take one at a time.
        var singles = 0
        var failuresInARow = 0
        while !stopping.isStopped && !Task.isCancelled {
            let generation = wake.generation
            do {
                let limit = singles > 0 ? 1 : nil
                let report = try await runBatch(limit: limit)
                if singles > 0 { singles -= 1 }
                failuresInARow = 0
                record(report)
                if report.claimed == 0 {
                    singles = 0
                    await wake.wait(since: generation, timeout: settings.pollInterval)
                }
            } catch let failure as BatchProcessor.Failure {
                failuresInARow += 1
                if failure.claimed.count == 1, let only = failure.claimed.first {
                    await recordFailure(only, failure.underlying)
                } else {
                    logger.warning("batch failed; deciding its requests one at a time", metadata: [
                        "claimed": .stringConvertible(failure.claimed.count), "error": .string("\(failure.underlying)"),
                    ])
                    metrics.batchRetried(reason: Self.kind(of: failure.underlying))
                    singles = failure.claimed.count
                }
            } catch {
                // Could not even start a batch (no connection, say): wait and try again.
                failuresInARow += 1
                logger.warning("cannot run a batch", metadata: ["error": .string("\(error)")])
                try? await Task.sleep(for: .milliseconds(min(5_000, 100 * (1 << min(failuresInARow, 6)))))
            }
        }
    }

    private func runBatch(limit: Int?) async throws -> BatchProcessor.Report {
        let processor = self.processor
        do {
            return try await pool.withConnection { connection in
                try await connection.withTransaction { db in
                    try processor.run(limit: limit, on: db)
                }
            }
        } catch let error as TransactionError {
            if let failure = error.underlying as? BatchProcessor.Failure { throw failure }
            throw error.underlying
        }
    }

    private func record(_ report: BatchProcessor.Report) {
        guard report.claimed > 0 else { return }
        metrics.finished(report.decided.map { ($0.service, $0.outcome.rawValue) })
        metrics.decided(batchSeconds: report.seconds, count: report.claimed)
        waiters.decided(report.decided.map(\.id))
        logger.trace("batch decided", metadata: ["claimed": .stringConvertible(report.claimed)])
    }

    /// A request that failed alone: count the attempt, back off, park it when out of attempts.
    private func recordFailure(_ request: (id: UUID, service: String), _ error: any Error) async {
        do {
            let maxAttempts = settings.maxAttempts
            let clock = processor.clock
            let parked = try await pool.withConnection { connection in
                try await connection.withTransaction { db in
                    try RequestQueue.recordFailure(
                        request.id, error: "\(error)", backoff: backoff, maxAttempts: maxAttempts,
                        decidedAt: try clock.now(on: db), on: db)
                }
            }
            metrics.retried(service: request.service, parked: parked)
            if parked {
                metrics.finished(service: request.service, outcome: "failed")
                waiters.decided([request.id])
                logger.error("request parked as failed after \(maxAttempts) attempts", metadata: [
                    "request_id": .string(request.id.lowercasedText), "service": .string(request.service),
                    "error": .string("\(error)"),
                ])
            } else {
                logger.warning("request failed; it will be retried", metadata: [
                    "request_id": .string(request.id.lowercasedText), "service": .string(request.service),
                    "error": .string("\(error)"),
                ])
            }
        } catch {
            logger.warning("cannot record a request's failure", metadata: ["error": .string("\(error)")])
        }
    }

    /// Exponential back-off with jitter: about `initialBackoff × 2^(attempt-1)`, at most `maxBackoff`.
    var backoff: @Sendable (Int) -> TimeInterval {
        let base = settings.initialBackoff.inSeconds
        let cap = settings.maxBackoff.inSeconds
        return { attempt in
            min(cap, base * pow(2, Double(max(0, attempt - 1)))) * Double.random(in: 0.5...1.5)
        }
    }

    static func kind(of error: any Error) -> String {
        if error is StoreConflict { return "conflict" }
        if let state = sqlState(of: error), state.isTransient { return "serialization" }
        if let error = error as? PQError, error.isConnectionLoss { return "connection" }
        return "error"
    }
}

/// A flag set once from the shutdown handler, read by the loop.
final class StopSwitch: Sendable {
    private let flag = Mutex(false)
    func stop() { flag.withLock { $0 = true } }
    var isStopped: Bool { flag.withLock { $0 } }
}
