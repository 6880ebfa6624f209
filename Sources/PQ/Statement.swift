/// A named SQL statement, prepared once per session on first use.
///
/// The text is a constant; values always travel as `$1, $2, …` parameters.
public struct Statement: Sendable, Hashable, CustomStringConvertible {
    /// The prepared statement's name; unique within the program.
    public let name: String
    public let sql: String

    public init(_ name: String, _ sql: String) {
        self.name = name
        self.sql = sql
    }

    public var description: String { name }
}

/// How strictly a transaction is isolated from concurrent ones.
public enum IsolationLevel: String, Sendable {
    case readCommitted = "READ COMMITTED"
    case repeatableRead = "REPEATABLE READ"
    case serializable = "SERIALIZABLE"

    /// The BEGIN statement for this level; constant text, no values.
    var begin: String {
        switch self {
        case .readCommitted: return "BEGIN ISOLATION LEVEL READ COMMITTED"
        case .repeatableRead: return "BEGIN ISOLATION LEVEL REPEATABLE READ"
        case .serializable: return "BEGIN ISOLATION LEVEL SERIALIZABLE"
        }
    }
}
