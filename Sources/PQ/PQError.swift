/// An error from libpq or from the server, with everything the server said about it.
///
/// `description` holds the kind, SQLSTATE and the server's message only; it never holds
/// parameter values, connection strings or passwords. `debugDescription` adds detail,
/// hint and the statement's name.
public struct PQError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// What went wrong, as an open set of kinds.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        /// Could not connect, or the connection was lost.
        public static let connection = Kind("connection")
        /// The server refused the statement.
        public static let server = Kind("server")
        /// A value did not decode to the type asked for.
        public static let decoding = Kind("decoding")
        /// A parameter could not be encoded.
        public static let encoding = Kind("encoding")
        /// The connection was closed by us before the call.
        public static let closed = Kind("closed")
        /// Waiting for a pooled connection took longer than allowed.
        public static let poolTimeout = Kind("pool timeout")
        /// The pool was shut down.
        public static let poolClosed = Kind("pool closed")
        /// libpq misbehaved or returned something unexpected.
        public static let client = Kind("client")
        /// The task was cancelled.
        public static let cancelled = Kind("cancelled")
    }

    public var kind: Kind
    public var sqlState: SQLState?
    /// ERROR, FATAL, PANIC (or the localized equivalent).
    public var severity: String?
    public var message: String
    public var detail: String?
    public var hint: String?
    public var constraint: String?
    public var table: String?
    public var column: String?
    /// A name for the statement, when it has one (never its parameters).
    public var statement: String?

    public init(
        _ kind: Kind, _ message: String, sqlState: SQLState? = nil, severity: String? = nil,
        detail: String? = nil, hint: String? = nil, constraint: String? = nil,
        table: String? = nil, column: String? = nil, statement: String? = nil
    ) {
        self.kind = kind
        self.message = message
        self.sqlState = sqlState
        self.severity = severity
        self.detail = detail
        self.hint = hint
        self.constraint = constraint
        self.table = table
        self.column = column
        self.statement = statement
    }

    public var description: String {
        var text = "PQError(\(kind)"
        if let sqlState { text += " \(sqlState)" }
        text += "): \(message)"
        return text
    }

    public var debugDescription: String {
        var text = description
        if let severity { text += " severity=\(severity)" }
        if let detail { text += " detail=\(detail)" }
        if let hint { text += " hint=\(hint)" }
        if let constraint { text += " constraint=\(constraint)" }
        if let table { text += " table=\(table)" }
        if let column { text += " column=\(column)" }
        if let statement { text += " statement=\(statement)" }
        return text
    }

    /// Whether the database could not serve the call for now and a later try may succeed:
    /// no session to be had (the pool was busy past its wait, or is closing), the session
    /// lost, the server starting, shutting down, out of connections or now a standby (after a
    /// failover), or a transaction that lost a serialization race. Such a failure is the service's to be sorry for ("try again
    /// shortly"), never the caller's.
    public var isUnavailability: Bool {
        if kind == .poolTimeout || kind == .poolClosed || isConnectionLoss { return true }
        guard let sqlState else { return false }
        return sqlState.isTransient || sqlState == .tooManyConnections || sqlState.errorClass == "53"
    }

    /// Whether the connection that produced this error can no longer be used. A session on a
    /// server that has become a standby is as good as lost: no write will succeed there, and
    /// a new session goes to whichever host is writable now (`target_session_attrs`).
    public var isConnectionLoss: Bool {
        if kind == .connection || kind == .closed { return true }
        guard let sqlState else { return false }
        return sqlState.errorClass == "08" || sqlState == .adminShutdown
            || sqlState == .crashShutdown || sqlState == .cannotConnectNow || sqlState == .readOnlySQLTransaction
    }
}

/// Which step of a scoped transaction failed.
public struct TransactionError: Error, Sendable, CustomStringConvertible {
    public struct Phase: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        public static let begin = Phase("begin")
        public static let body = Phase("body")
        public static let commit = Phase("commit")
        public static let rollback = Phase("rollback")
    }

    public var phase: Phase
    /// The error of that phase.
    public var underlying: any Error
    /// When the rollback failed after the body threw: the body's error.
    public var bodyError: (any Error)?

    public init(phase: Phase, underlying: any Error, bodyError: (any Error)? = nil) {
        self.phase = phase
        self.underlying = underlying
        self.bodyError = bodyError
    }

    public var description: String {
        "transaction failed in \(phase): \(underlying)"
    }
}
