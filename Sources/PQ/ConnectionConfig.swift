/// How to reach a PostgreSQL server.
///
/// Built from a libpq connection string (`host=/tmp port=5432 dbname=x`) or URI
/// (`postgresql://user@host/db`), from keyword/value pairs, or both: pairs override the
/// string. Handed to libpq as keywords and values (`PQconnectdbParams`), never as an
/// interpolated string. `description` never shows a password.
public struct ConnectionConfig: Sendable, CustomStringConvertible {
    /// A connection string or URI; libpq expands it (`expand_dbname`).
    public var connectionString: String?
    /// Keyword/value pairs that override the connection string (`host`, `dbname`, …).
    public var parameters: [String: String]
    /// How long connecting may take before it fails. libpq counts whole seconds (minimum 2).
    public var connectTimeout: Duration
    /// Shown in `pg_stat_activity`.
    public var applicationName: String
    /// Statements run once after connecting (for example `SET ROLE muamala_app`).
    public var setupStatements: [String]

    public init(
        connectionString: String? = nil,
        parameters: [String: String] = [:],
        connectTimeout: Duration = .seconds(10),
        applicationName: String = "muamala",
        setupStatements: [String] = []
    ) {
        self.connectionString = connectionString
        self.parameters = parameters
        self.connectTimeout = connectTimeout
        self.applicationName = applicationName
        self.setupStatements = setupStatements
    }

    /// The keywords and values handed to `PQconnectdbParams`, in order.
    ///
    /// The session always speaks UTF-8, ISO dates and UTC, which the decoders rely on.
    var keywordsAndValues: [(String, String)] {
        var pairs: [(String, String)] = []
        if let connectionString { pairs.append(("dbname", connectionString)) }
        for (key, value) in parameters.sorted(by: { $0.key < $1.key }) {
            pairs.append((key, value))
        }
        // A connect_timeout the operator wrote into the connection string wins (with several
        // hosts it is the wait for each one): a later keyword would override it.
        if !(connectionString?.contains("connect_timeout") ?? false) {
            let seconds = max(2, Int((connectTimeout.components.seconds)) + (connectTimeout.components.attoseconds > 0 ? 1 : 0))
            pairs.append(("connect_timeout", String(seconds)))
        }
        pairs.append(("application_name", applicationName))
        pairs.append(("client_encoding", "UTF8"))
        pairs.append(("options", "-c TimeZone=UTC -c DateStyle=ISO,YMD -c IntervalStyle=postgres -c extra_float_digits=3"))
        return pairs
    }

    public var description: String {
        var parts: [String] = []
        if let connectionString { parts.append(Self.redact(connectionString)) }
        for (key, value) in parameters.sorted(by: { $0.key < $1.key }) {
            parts.append(key == "password" ? "password=***" : "\(key)=\(value)")
        }
        return parts.joined(separator: " ")
    }

    /// A connection string with any password replaced by `***`.
    public static func redact(_ connectionString: String) -> String {
        if connectionString.hasPrefix("postgres://") || connectionString.hasPrefix("postgresql://") {
            var text = connectionString
            // userinfo: scheme://user:password@host
            if let schemeEnd = text.range(of: "://"),
               let at = text[schemeEnd.upperBound...].firstIndex(of: "@") {
                let userinfo = text[schemeEnd.upperBound..<at]
                if let colon = userinfo.firstIndex(of: ":") {
                    text.replaceSubrange(text.index(after: colon)..<at, with: "***")
                }
            }
            // query parameter: ?password=…&
            if let range = text.range(of: "password=") {
                let end = text[range.upperBound...].firstIndex(of: "&") ?? text.endIndex
                text.replaceSubrange(range.upperBound..<end, with: "***")
            }
            return text
        }
        // key=value form; values may be single-quoted.
        var result: [String] = []
        var rest = Substring(connectionString)
        while let range = rest.range(of: "password") {
            result.append(String(rest[..<range.upperBound]))
            rest = rest[range.upperBound...]
            let trimmed = rest.drop(while: { $0 == " " })
            guard trimmed.first == "=" else { continue }
            var value = trimmed.dropFirst().drop(while: { $0 == " " })
            if value.first == "'" {
                value = value.dropFirst()
                while let c = value.first, c != "'" {
                    value = value.dropFirst(c == "\\" ? 2 : 1)
                }
                value = value.dropFirst()
            } else {
                value = value.drop(while: { $0 != " " })
            }
            result.append("=***")
            rest = value
        }
        result.append(String(rest))
        return result.joined()
    }
}
