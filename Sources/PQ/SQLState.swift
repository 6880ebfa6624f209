/// A PostgreSQL SQLSTATE code (five characters), as an open set.
///
/// New codes never break callers: match the ones you act on and let the rest fall through.
/// `catch SQLState.uniqueViolation { … }` works on any error that carries this state
/// (`PQError`, or a `TransactionError` wrapping one).
public struct SQLState: Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    public let code: String

    public init(_ code: String) { self.code = code }
    public init(stringLiteral value: String) { self.code = value }

    public var description: String { code }

    /// The two-character class (`"23"` for integrity violations).
    public var errorClass: Substring { code.prefix(2) }

    public static let successfulCompletion: SQLState = "00000"
    public static let uniqueViolation: SQLState = "23505"
    public static let foreignKeyViolation: SQLState = "23503"
    public static let notNullViolation: SQLState = "23502"
    public static let checkViolation: SQLState = "23514"
    public static let exclusionViolation: SQLState = "23P01"
    public static let serializationFailure: SQLState = "40001"
    public static let deadlockDetected: SQLState = "40P01"
    public static let lockNotAvailable: SQLState = "55P03"
    public static let queryCanceled: SQLState = "57014"
    public static let adminShutdown: SQLState = "57P01"
    public static let crashShutdown: SQLState = "57P02"
    public static let cannotConnectNow: SQLState = "57P03"
    /// A write on a server in recovery (a standby), or in a read-only transaction.
    public static let readOnlySQLTransaction: SQLState = "25006"
    public static let insufficientPrivilege: SQLState = "42501"
    public static let undefinedTable: SQLState = "42P01"
    public static let undefinedColumn: SQLState = "42703"
    public static let syntaxError: SQLState = "42601"
    public static let invalidTextRepresentation: SQLState = "22P02"
    public static let raiseException: SQLState = "P0001"
    public static let connectionFailure: SQLState = "08006"
    public static let connectionDoesNotExist: SQLState = "08003"
    public static let tooManyConnections: SQLState = "53300"

    /// Whether a transaction that failed with this state may succeed if simply run again.
    public var isTransient: Bool {
        self == .serializationFailure || self == .deadlockDetected
    }

    /// Lets `catch SQLState.uniqueViolation` match any error that carries this state.
    public static func ~= (pattern: SQLState, error: any Error) -> Bool {
        sqlState(of: error) == pattern
    }
}

/// The SQLSTATE an error carries, looking through the wrappers of this module.
public func sqlState(of error: any Error) -> SQLState? {
    switch error {
    case let error as PQError: return error.sqlState
    case let error as TransactionError: return sqlState(of: error.underlying)
    default: return nil
    }
}
