import Foundation
import Logging
import PQ
import ServiceLifecycle
import Store

/// Listens for work queued by others (intake on other daemons, the CLI, clock moves), for
/// decisions made by other daemons, and for changes to accounts, and passes them on to this
/// daemon's workers, waiters and principal cache. Notifications can be lost while it
/// reconnects; the workers' polling and the cache's short lifetime cover that gap.
public struct QueueListener: Service {
    let connection: ConnectionConfig
    let wake: WakeSignal
    let waiters: DecisionWaiters
    let accountsChanged: @Sendable (AccountStore.Announcement) -> Void
    let logger: Logger

    public init(connection: ConnectionConfig, wake: WakeSignal, waiters: DecisionWaiters,
                accountsChanged: @escaping @Sendable (AccountStore.Announcement) -> Void = { _ in }, logger: Logger) {
        self.connection = connection
        self.wake = wake
        self.waiters = waiters
        self.accountsChanged = accountsChanged
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let stream = NotificationListener.notifications(
                        connection, channels: [RequestQueue.queueChannel, RequestQueue.decidedChannel, AccountStore.changedChannel])
                    for try await event in stream {
                        switch event {
                        case .gap:
                            // Something was missed: as if everything changed.
                            wake.signal()
                            waiters.wakeEveryone()
                            accountsChanged(.everyone)
                        case .notification(let notification) where notification.channel == RequestQueue.queueChannel:
                            wake.signal()
                        case .notification(let notification) where notification.channel == AccountStore.changedChannel:
                            accountsChanged(AccountStore.Announcement(payload: notification.payload))
                        case .notification(let notification):
                            waiters.decided(notification.payload.split(separator: ",").compactMap { UUID(uuidString: String($0)) })
                        }
                    }
                } catch {
                    logger.warning("cannot listen for queue notifications; polling meanwhile", metadata: ["error": .string("\(error)")])
                    try? await Task.sleep(for: .seconds(2))
                }
            }
        }
    }
}

/// Samples the queue's size for the metrics every few seconds.
public struct QueueSampler: Service {
    let pool: ConnectionPool
    let clock: EngineClock
    let interval: Duration
    let logger: Logger
    let metrics = EngineMetrics()

    public init(pool: ConnectionPool, clock: EngineClock, interval: Duration = .seconds(5), logger: Logger) {
        self.pool = pool
        self.clock = clock
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        let clock = self.clock
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let statistics = try await pool.withConnection { connection in
                        try await connection.run { db in
                            try RequestQueue.statistics(
                                businessNow: try clock.now(on: db), realNow: Date(), counting: .sampled, on: db)
                        }
                    }
                    metrics.queue(due: statistics.due, scheduled: statistics.scheduled, failed: statistics.failed,
                                  oldestDueAgeSeconds: statistics.oldestDueAgeSeconds)
                } catch {
                    logger.debug("cannot sample the queue", metadata: ["error": .string("\(error)")])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
