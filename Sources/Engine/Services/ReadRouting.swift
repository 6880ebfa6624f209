import Foundation
import Logging
import PQ
import ServiceLifecycle
import Store
import Synchronization

/// Where the portal's reads and the open data go (`MUAMALA_READ_DATABASE_URL`): a standby of
/// streaming replication, while it is no further behind than `maxLag`; else, and whenever
/// its lag is unknown or a read there fails for want of a connection, the primary.
/// Submissions, request lookups, sign-in and everything that writes stay on the primary.
///
/// A standby that is `maxLag` behind can show a worker as he was before a decision the
/// portal already got: a read right after a write may come from before it. Where that matters
/// run the standby with `synchronous_commit = remote_apply`, or send no reads to it.
public final class ReadRouting: Sendable {
    public let primary: ConnectionPool
    public let standby: ConnectionPool
    public let maxLag: Duration
    /// The standby's replay lag in seconds at the last sample; nil: not known (unreachable).
    private let lag = Mutex<Double?>(nil)
    private let metrics = EngineMetrics()

    public init(primary: ConnectionPool, standby: ConnectionPool, maxLag: Duration) {
        self.primary = primary
        self.standby = standby
        self.maxLag = maxLag
    }

    public var lagSeconds: Double? { lag.withLock { $0 } }

    public func observe(lagSeconds: Double?) {
        lag.withLock { $0 = lagSeconds }
        metrics.standbyLag(seconds: lagSeconds)
    }

    /// Whether reads go to the standby now.
    public var usesStandby: Bool {
        guard let seconds = lagSeconds else { return false }
        return seconds <= maxLag.inSeconds
    }

    /// Runs a read on the standby when it is close enough, else (or when the standby cannot
    /// be reached) on the primary.
    public func run<T: Sendable>(_ body: @escaping @Sendable (isolated Connection) throws -> T) async throws -> T {
        if usesStandby {
            do {
                let value = try await standby.withConnection { connection in try await connection.run(body) }
                metrics.read(on: "standby")
                return value
            } catch let error as PQError where error.isUnavailability {
                observe(lagSeconds: nil)
            }
        }
        let value = try await primary.withConnection { connection in try await connection.run(body) }
        metrics.read(on: "primary")
        return value
    }
}

/// Samples the standby's replay lag every `interval` for `ReadRouting`.
public struct StandbyLagSampler: Service {
    let routing: ReadRouting
    let interval: Duration
    let logger: Logger

    public init(routing: ReadRouting, interval: Duration = .seconds(1), logger: Logger) {
        self.routing = routing
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var wasUsable = true
            while !Task.isCancelled {
                do {
                    let seconds = try await routing.standby.withConnection { connection in try await ServerRole.replayLag(connection) }
                    routing.observe(lagSeconds: seconds)
                } catch {
                    routing.observe(lagSeconds: nil)
                    logger.debug("cannot read the standby's lag", metadata: ["error": .string("\(error)")])
                }
                if routing.usesStandby != wasUsable {
                    wasUsable = routing.usesStandby
                    logger.notice(wasUsable ? "reads go to the standby again" : "reads go to the primary: the standby is behind or unreachable",
                                  metadata: ["lag_seconds": .string(routing.lagSeconds.map { String(format: "%.1f", $0) } ?? "unknown")])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
