import Logging
import PQ
import ServiceLifecycle

/// Keeps the connection pool healthy while the daemon runs, and closes it on shutdown.
public struct PoolService: Service {
    public let pool: ConnectionPool
    let logger: Logger

    public init(pool: ConnectionPool, logger: Logger) {
        self.pool = pool
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await pool.runHealthChecks()
        }
        // The other services stop before this one (it is listed first), so nobody needs the pool now.
        await pool.close()
        logger.debug("connection pool closed")
    }
}
