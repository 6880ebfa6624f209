/// A bounded set of sessions shared by many tasks.
///
/// - at most `maxConnections` sessions; a checkout waits up to `checkoutTimeout` for one;
/// - a session is checked cheaply (no round trip) before it is handed out, and dropped when
///   it is broken or was left inside a transaction;
/// - when a call fails because the connection was lost (a server restart, say, or a server
///   that is now a standby), the call's error reaches the caller, that session and the idle
///   ones, likely lost as well, are dropped: the next calls connect afresh (to whichever host
///   is writable, given `target_session_attrs=read-write`), so the pool recovers by itself;
/// - cancelling the task inside `withConnection` cancels the statement on the server.
public final class ConnectionPool: Sendable {
    public nonisolated let configuration: Configuration
    private let state: PoolState

    public init(_ configuration: Configuration) {
        self.configuration = configuration
        self.state = PoolState(configuration)
    }

    /// Runs `body` with a session of its own; the session returns to the pool afterwards.
    public func withConnection<T>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (Connection) async throws -> T
    ) async throws -> T {
        let connection = try await state.checkout()
        let value: T
        do {
            value = try await withTaskCancellationHandler {
                try await body(connection)
            } onCancel: {
                connection.cancelRunningStatement()
            }
        } catch {
            await state.checkin(connection, failure: error)
            throw error
        }
        await state.checkin(connection, failure: nil)
        return value
    }

    /// Numbers for metrics and `muamala queue`.
    public var statistics: Statistics { get async { await state.statistics } }

    /// Pings every idle session once and drops those that do not answer.
    public func checkIdleSessions() async { await state.checkIdleSessions() }

    /// Checks idle sessions every `healthCheckInterval` until the task is cancelled.
    public func runHealthChecks() async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: configuration.healthCheckInterval)
            } catch {
                return
            }
            if await state.isClosed { return }
            await state.checkIdleSessions()
        }
    }

    /// Closes idle sessions, fails the waiters, and refuses later checkouts. Sessions in use
    /// are closed when they come back.
    public func close() async { await state.close() }

    /// Numbers for metrics and `muamala queue`.
    public struct Statistics: Sendable {
        public let open: Int
        public let idle: Int
        public let waiting: Int
    }

    public struct Configuration: Sendable {
        public var connection: ConnectionConfig
        public var maxConnections: Int
        public var checkoutTimeout: Duration
        /// How often `runHealthChecks` pings the idle sessions.
        public var healthCheckInterval: Duration

        public init(
            connection: ConnectionConfig, maxConnections: Int = 8,
            checkoutTimeout: Duration = .seconds(10), healthCheckInterval: Duration = .seconds(15)
        ) {
            self.connection = connection
            self.maxConnections = max(1, maxConnections)
            self.checkoutTimeout = checkoutTimeout
            self.healthCheckInterval = healthCheckInterval
        }
    }

}

/// The pool's bookkeeping, isolated in an actor; see `ConnectionPool`.
private actor PoolState {
    typealias Configuration = ConnectionPool.Configuration
    typealias Statistics = ConnectionPool.Statistics

    /// What a waiting checkout receives: a session, or permission to open one.
    private enum Grant: Sendable {
        case connection(Connection)
        case slot
    }

    private struct Waiter {
        let id: Int
        let continuation: CheckedContinuation<Grant, any Error>
    }

    let configuration: Configuration
    private var idle: [Connection] = []
    /// Sessions open or being opened, in use or idle.
    private var openCount = 0
    private var waiters: [Waiter] = []
    private var nextWaiterID = 0
    private(set) var isClosed = false

    init(_ configuration: Configuration) {
        self.configuration = configuration
    }

    var statistics: Statistics {
        Statistics(open: openCount, idle: idle.count, waiting: waiters.count)
    }

    /// Takes a session: an idle healthy one, a new one, or the next one returned.
    func checkout() async throws -> Connection {
        guard !isClosed else { throw PQError(.poolClosed, "the connection pool is closed") }
        while let connection = idle.popLast() {
            if await connection.isHealthy { return connection }
            openCount -= 1
            await connection.close()
        }
        if openCount < configuration.maxConnections {
            openCount += 1
            return try await openCounted()
        }
        switch try await waitForGrant() {
        case .connection(let connection): return connection
        case .slot: return try await openCounted()
        }
    }

    /// Returns a session taken with `checkout`. `failure` is the error its user saw, if any.
    func checkin(_ connection: Connection, failure: (any Error)?) async {
        var lost = false
        if let failure = failure as? PQError ?? (failure as? TransactionError)?.underlying as? PQError,
           failure.isConnectionLoss {
            await dropIdle()
            // Also a session that still looks healthy: one on a server that became a standby.
            lost = true
        }
        var healthy = false
        if !lost { healthy = await connection.isHealthy }
        guard healthy && !isClosed else {
            openCount -= 1
            await connection.close()
            grantSlotIfWaiting()
            return
        }
        if !waiters.isEmpty {
            waiters.removeFirst().continuation.resume(returning: .connection(connection))
        } else {
            idle.append(connection)
        }
    }

    /// Opens a session whose slot is already counted in `openCount`.
    private func openCounted() async throws -> Connection {
        do {
            return try await Connection.connect(configuration.connection)
        } catch {
            openCount -= 1
            grantSlotIfWaiting()
            throw error
        }
    }

    private func grantSlotIfWaiting() {
        guard !waiters.isEmpty, openCount < configuration.maxConnections else { return }
        openCount += 1
        waiters.removeFirst().continuation.resume(returning: .slot)
    }

    private func waitForGrant() async throws -> Grant {
        let id = nextWaiterID
        nextWaiterID += 1
        let timeout = configuration.checkoutTimeout
        return try await withThrowingTaskGroup(of: Void.self) { group in
            // The timer: fires the timeout, or (cancelled with the waiting task) the cancellation.
            group.addTask {
                do {
                    try await Task.sleep(for: timeout)
                    await self.expire(id, cancelled: false)
                } catch {
                    await self.expire(id, cancelled: true)
                }
            }
            defer { group.cancelAll() }
            return try await withCheckedThrowingContinuation { continuation in
                waiters.append(Waiter(id: id, continuation: continuation))
            }
        }
    }

    private func expire(_ id: Int, cancelled: Bool) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        let waiter = waiters.remove(at: index)
        if cancelled {
            waiter.continuation.resume(throwing: CancellationError())
        } else {
            waiter.continuation.resume(throwing: PQError(
                .poolTimeout,
                "no database connection became free within \(configuration.checkoutTimeout) (all \(configuration.maxConnections) in use)"))
        }
    }

    /// Closes the idle sessions (after a connection loss they are likely dead as well).
    private func dropIdle() async {
        let dropped = idle
        idle.removeAll()
        openCount -= dropped.count
        for connection in dropped { await connection.close() }
        for _ in dropped { grantSlotIfWaiting() }
    }

    /// Pings every idle session once and drops those that do not answer.
    func checkIdleSessions() async {
        let candidates = idle
        idle.removeAll()
        for connection in candidates {
            let alive = (try? await connection.query("SELECT 1")) != nil
            if alive && !isClosed {
                idle.append(connection)
            } else {
                openCount -= 1
                await connection.close()
                grantSlotIfWaiting()
            }
        }
    }

    func close() async {
        isClosed = true
        let waiting = waiters
        waiters.removeAll()
        for waiter in waiting {
            waiter.continuation.resume(throwing: PQError(.poolClosed, "the connection pool is closed"))
        }
        await dropIdle()
    }
}
