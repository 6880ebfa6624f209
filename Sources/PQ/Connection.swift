import Foundation
import Synchronization

/// One PostgreSQL session, running on its own thread.
///
/// Every method runs on the connection's dedicated thread (see `ThreadExecutor`), so
/// libpq's blocking calls never occupy Swift's cooperative pool. Work that needs several
/// statements without hopping threads in between goes in a closure that receives the
/// connection `isolated`:
///
/// ```swift
/// let total = try await connection.withTransaction { db in
///     try db.query(Self.debit, [account, amount])
///     return try db.query(Self.balance, [account]).single().decode(Int.self, at: 0)
/// }
/// ```
public actor Connection {
    private nonisolated let executor: ThreadExecutor
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    public nonisolated let config: ConnectionConfig
    private var handle: ConnectionHandle?
    private nonisolated let cancelToken = Mutex<CancelToken?>(nil)
    private var transactionDepth = 0
    /// The `BEGIN` of the open `withTransaction`, not sent yet: it goes out in the same round
    /// trip as the transaction's first statement (see `withTransaction`).
    private var deferredBegin: String?

    private init(config: ConnectionConfig, executor: ThreadExecutor) {
        self.config = config
        self.executor = executor
    }

    deinit {
        executor.shutdown()
    }

    /// Opens a session; fails within the configured connect timeout.
    public static func connect(_ config: ConnectionConfig) async throws -> Connection {
        let connection = Connection(config: config, executor: ThreadExecutor(name: "pq-\(config.applicationName)"))
        try await connection.open()
        return connection
    }

    private func open() throws {
        let handle = try ConnectionHandle(config: config)
        self.handle = handle
        let token = handle.makeCancelToken()
        cancelToken.withLock { $0 = token }
    }

    /// Closes the session. Later calls fail with `PQError.Kind.closed`.
    public func close() {
        handle = nil
        cancelToken.withLock { $0 = nil }
    }

    /// Asks the server to cancel whatever statement this session is running. Safe from any
    /// thread, and returns at once: the cancel itself runs on `CancelDispatcher`'s thread.
    ///
    /// The cancel may reach the server after the statement ended, and then cancel whatever
    /// the session runs next: a session once cancelled is never healthy again (the pool
    /// closes it rather than hand it to someone else).
    public nonisolated func cancelRunningStatement() {
        cancelRequested.withLock { $0 = true }
        guard let token = cancelToken.withLock({ $0 }) else { return }
        CancelDispatcher.shared.submit { token.cancel() }
    }

    private nonisolated let cancelRequested = Mutex(false)

    private func live() throws -> ConnectionHandle {
        guard let handle else { throw PQError(.closed, "the connection is closed") }
        return handle
    }

    /// The handle for a statement sent on its own (plain SQL, a script, COPY), with the open
    /// transaction's deferred BEGIN sent first. (Also used by the COPY file of this module.)
    func handleForStatement() throws -> ConnectionHandle {
        let handle = try uncancelledHandle()
        try sendDeferredBegin(on: handle)
        return handle
    }

    /// The handle and the transaction's deferred `BEGIN`, if it has not gone out yet, for a
    /// caller that sends it in the same round trip as its statement (the pipeline, a named
    /// statement). From here on the `BEGIN` is the caller's to send.
    func handleAndDeferredBegin() throws -> (ConnectionHandle, String?) {
        let handle = try uncancelledHandle()
        let begin = deferredBegin
        deferredBegin = nil
        return (handle, begin)
    }

    /// The handle, refused when the calling task is already cancelled. A cancel reaches the
    /// server only while a statement runs (`withConnection` sends it on cancellation); a task
    /// cancelled just before its statement started would otherwise run it to the end (a 30 s
    /// `pg_sleep` did, under load). COMMIT and ROLLBACK do not come through here: a rollback
    /// always goes out.
    private func uncancelledHandle() throws -> ConnectionHandle {
        let handle = try live()
        if Task.isCancelled {
            throw PQError(.cancelled, "the task was cancelled before the statement was sent", sqlState: .queryCanceled)
        }
        return handle
    }

    /// Sends the transaction's deferred BEGIN on its own, for the paths that cannot carry it.
    private func sendDeferredBegin(on handle: ConnectionHandle) throws {
        guard let begin = deferredBegin else { return }
        deferredBegin = nil
        try handle.execute(begin)
    }

    /// Whether the session is usable: connected, in its ordinary mode, never cancelled, and
    /// not left inside a transaction.
    ///
    /// Reads anything the server sent meanwhile (a shutdown notice, say) without waiting.
    public var isHealthy: Bool {
        guard !cancelRequested.withLock({ $0 }) else { return false }
        guard let handle, handle.isInOrdinaryMode, handle.pollAlive() else { return false }
        return !handle.inTransaction
    }

    /// Whether a transaction block is open on the session (or opened by `withTransaction`,
    /// its `BEGIN` waiting for the first statement).
    public var inTransaction: Bool { deferredBegin != nil || (handle?.inTransaction ?? false) }

    /// Whether the session is connected at all (cheap, no I/O).
    public var isConnected: Bool { handle?.isOK ?? false }

    // MARK: Statements

    /// Runs one SQL statement with parameters (`$1`, `$2`, …).
    @discardableResult
    public func query(_ sql: String, _ parameters: [(any PostgresEncodable)?] = []) throws -> QueryResult {
        try handleForStatement().query(sql, parameters)
    }

    /// Runs a named statement, preparing it on this session the first time.
    @discardableResult
    public func query(_ statement: Statement, _ parameters: [(any PostgresEncodable)?] = []) throws -> QueryResult {
        let (handle, begin) = try handleAndDeferredBegin()
        if let begin {
            // A transaction's first statement: BEGIN and it in one round trip.
            return try pipeline(on: handle, [PipelineStatement(statement, parameters)], after: begin)[0]
        }
        try handle.prepareIfNeeded(statement)
        return try handle.queryPrepared(statement, parameters)
    }

    /// The server's types for a statement's parameters, once prepared on this session.
    func parameterTypes(of statement: Statement) -> [OID]? { handle?.parameterTypes[statement.name] }

    /// Prepares a statement now rather than on first use.
    public func prepare(_ statement: Statement) throws {
        try live().prepareIfNeeded(statement)
    }

    /// Runs SQL text with the simple protocol: any number of statements, no parameters.
    /// Meant for schema scripts; values never go here.
    @discardableResult
    public func execute(_ script: String) throws -> QueryResult {
        try handleForStatement().execute(script)
    }

    /// Quotes an identifier for the rare statement whose table or channel name must vary.
    public func escapeIdentifier(_ identifier: String) throws -> String {
        try live().escapeIdentifier(identifier)
    }

    // MARK: Transactions

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    ///
    /// Failures are `TransactionError`s whose `phase` says which step failed: `.begin`,
    /// `.body` (the body threw; rolled back), `.commit`, or `.rollback` (the body threw and
    /// the rollback failed too, which usually means the connection is gone).
    ///
    /// `BEGIN` is not a round trip of its own: it goes out with the transaction's first
    /// statement (in one pipeline with a named statement or a pipeline; just before any other
    /// statement). A busy engine runs about a thousand small transactions a second, and each
    /// round trip wakes a thread on both sides (BENCHMARKS.md, "Cheaper per request as the
    /// load rises"). A transaction that sent nothing sends no `COMMIT` either.
    public func withTransaction<T>(
        isolation: IsolationLevel = .readCommitted,
        readOnly: Bool = false,
        _ body: @Sendable (isolated Connection) throws -> T
    ) throws -> T {
        let handle: ConnectionHandle
        do {
            handle = try live()
            guard transactionDepth == 0 && !handle.inTransaction else {
                throw PQError(.client, "a transaction is already open on this connection; use withSavepoint")
            }
        } catch {
            throw TransactionError(phase: .begin, underlying: error)
        }
        deferredBegin = isolation.begin + (readOnly ? " READ ONLY" : "")
        transactionDepth = 1
        defer {
            transactionDepth = 0
            deferredBegin = nil
        }
        let value: T
        do {
            value = try body(self)
        } catch {
            // Nothing to roll back if the BEGIN never went out.
            guard deferredBegin == nil else { throw TransactionError(phase: .body, underlying: error) }
            do {
                try handle.execute("ROLLBACK")
            } catch let rollbackError {
                throw TransactionError(phase: .rollback, underlying: rollbackError, bodyError: error)
            }
            throw TransactionError(phase: .body, underlying: error)
        }
        if deferredBegin != nil { return value }
        do {
            let result = try handle.execute("COMMIT")
            // COMMIT of a failed transaction answers "ROLLBACK" instead of an error.
            if result.commandTag == "ROLLBACK" {
                throw PQError(.server, "the transaction was rolled back by the server instead of committed")
            }
        } catch {
            if handle.inTransaction { _ = try? handle.execute("ROLLBACK") }
            throw TransactionError(phase: .commit, underlying: error)
        }
        return value
    }

    /// Runs `body` inside a savepoint of the open transaction: a throw rolls back to the
    /// savepoint only, and the transaction goes on.
    public func withSavepoint<T>(_ body: @Sendable (isolated Connection) throws -> T) throws -> T {
        let handle = try live()
        try sendDeferredBegin(on: handle)
        guard handle.inTransaction else {
            throw PQError(.client, "withSavepoint needs an open transaction")
        }
        // One constant name: PostgreSQL resolves a repeated name to the innermost savepoint.
        try handle.execute("SAVEPOINT pq_savepoint")
        transactionDepth += 1
        defer { transactionDepth -= 1 }
        do {
            let value = try body(self)
            try handle.execute("RELEASE SAVEPOINT pq_savepoint")
            return value
        } catch {
            do {
                try handle.execute("ROLLBACK TO SAVEPOINT pq_savepoint")
                try handle.execute("RELEASE SAVEPOINT pq_savepoint")
            } catch let rollbackError {
                throw TransactionError(phase: .rollback, underlying: rollbackError, bodyError: error)
            }
            throw error
        }
    }

    /// Runs `body` on the connection's thread without a transaction of its own.
    public func run<T>(_ body: @Sendable (isolated Connection) throws -> T) rethrows -> T {
        try body(self)
    }

}

extension Connection {
    /// Runs a transaction again when it failed with a serialization failure (40001) or a
    /// deadlock (40P01), waiting a little longer (with jitter) before each new attempt.
    public func withRetryingTransaction<T: Sendable>(
        isolation: IsolationLevel = .readCommitted,
        maxAttempts: Int = 5,
        initialBackoff: Duration = .milliseconds(5),
        _ body: @Sendable (isolated Connection) throws -> T
    ) async throws -> T {
        var attempt = 1
        var backoff = initialBackoff
        while true {
            do {
                return try withTransaction(isolation: isolation, body)
            } catch let error as TransactionError where attempt < maxAttempts && Self.isRetryable(error) {
                attempt += 1
                let jitter = Double.random(in: 0.5...1.5)
                try await Task.sleep(for: backoff * jitter)
                backoff *= 2
            }
        }
    }

    static func isRetryable(_ error: TransactionError) -> Bool {
        guard error.phase == .body || error.phase == .commit else { return false }
        return sqlState(of: error)?.isTransient ?? false
    }
}
