import CLibPQ
import Foundation

/// The one owner of a `PGconn*`: every libpq call on a connection goes through here.
///
/// Not `Sendable`: a handle lives inside one `Connection` actor and is used only on that
/// actor's thread. `PQfinish` runs in `deinit`, also after a failed connect.
final class ConnectionHandle {
    let pointer: OpaquePointer
    /// Statement names prepared on this session (a new session starts empty).
    var prepared: Set<String> = []
    /// The server's type for each parameter of each prepared statement, by name.
    var parameterTypes: [String: [OID]] = [:]

    /// Connects, blocking the calling thread for at most the configured timeout.
    @available(*, noasync, message: "libpq blocks; call it on a connection's own thread")
    init(config: ConnectionConfig) throws {
        let pairs = config.keywordsAndValues
        guard let pointer = CStringArray.withPointers(pairs.map(\.0), { keywords in
            CStringArray.withPointers(pairs.map(\.1)) { values in
                PQconnectdbParams(keywords, values, 1)
            }
        }) else {
            throw PQError(.connection, "out of memory while connecting")
        }
        guard PQstatus(pointer) == CONNECTION_OK else {
            let message = Self.errorMessage(pointer)
            PQfinish(pointer)
            throw PQError(.connection, "could not connect to \(Self.target(config)): \(message)")
        }
        self.pointer = pointer
        // libpq prints NOTICEs to stderr by default; they are not errors, so keep them quiet.
        PQsetNoticeProcessor(pointer, { _, _ in }, nil)
        for statement in config.setupStatements {
            try execute(statement)
        }
    }

    deinit {
        PQfinish(pointer)
    }

    /// Where we tried to connect, without user or password.
    private static func target(_ config: ConnectionConfig) -> String {
        if let host = config.parameters["host"] {
            return "host \(host)" + (config.parameters["port"].map { " port \($0)" } ?? "")
        }
        return "the server"
    }

    static func errorMessage(_ pointer: OpaquePointer) -> String {
        guard let message = PQerrorMessage(pointer) else { return "unknown error" }
        return String(cString: message).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    var isOK: Bool { PQstatus(pointer) == CONNECTION_OK }

    /// Whether the session sits inside a transaction block (open or failed).
    var inTransaction: Bool {
        let status = PQtransactionStatus(pointer)
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE
    }

    /// Whether the session is back in its ordinary mode: not left in pipeline mode or
    /// non-blocking by a pipeline that could not finish (a broken connection).
    var isInOrdinaryMode: Bool { PQpipelineStatus(pointer) == PQ_PIPELINE_OFF && PQisnonblocking(pointer) == 0 }

    var transactionFailed: Bool { PQtransactionStatus(pointer) == PQTRANS_INERROR }

    var socket: Int32 { PQsocket(pointer) }

    /// Reads whatever the server sent without waiting; false when the connection is gone.
    ///
    /// A server that shut down sends a FATAL message and closes the socket; reading it here
    /// marks the connection bad before anyone sends a statement into the void.
    func pollAlive() -> Bool {
        guard isOK else { return false }
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, 0) > 0 else { return true }
        if descriptor.revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0 { return false }
        // Data on an idle session is a notice or the server's goodbye; read it, then look
        // for the end of the stream that follows a goodbye.
        if PQconsumeInput(pointer) == 0 || !isOK { return false }
        var byte: UInt8 = 0
        let peeked = recv(socket, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
        if peeked == 0 { return false }
        if peeked < 0 && errno != EAGAIN && errno != EWOULDBLOCK { return false }
        return isOK
    }

    // MARK: Statements

    /// Runs a statement with parameters (extended protocol, one statement only), all in text.
    func query(_ sql: String, _ parameters: [(any PostgresEncodable)?], statement: String? = nil) throws -> QueryResult {
        let encoded = try EncodedParameters(parameters)
        let result = encoded.withLibpqArguments { count, values, lengths, formats in
            sql.withCString { text in PQexecParams(pointer, text, count, nil, values, lengths, formats, 0) }
        }
        return try consume(result, statement: statement)
    }

    /// Prepares `statement` on this session unless it already is, and learns the types the
    /// server gave its parameters (two round trips, once per session and statement).
    func prepareIfNeeded(_ statement: Statement) throws {
        guard !prepared.contains(statement.name) else { return }
        let result = statement.name.withCString { name in
            statement.sql.withCString { text in PQprepare(pointer, name, text, 0, nil) }
        }
        _ = try consume(result, statement: statement.name)
        // Prepared from here on, whatever the description gives: without the types, values go as text.
        prepared.insert(statement.name)
        guard let description = statement.name.withCString({ PQdescribePrepared(pointer, $0) }) else {
            throw connectionError(statement: statement.name)
        }
        defer { PQclear(description) }
        _ = try Self.copy(description, connection: self, statement: statement.name)
        parameterTypes[statement.name] = (0..<PQnparams(description)).map { OID(PQparamtype(description, $0)) }
    }

    /// The parameters of a prepared statement, each in binary where its type allows.
    func encode(_ parameters: [(any PostgresEncodable)?], for statement: Statement) throws -> EncodedParameters {
        try EncodedParameters(parameters, types: parameterTypes[statement.name])
    }

    /// Runs a statement prepared on this session (`prepareIfNeeded`).
    func queryPrepared(_ statement: Statement, _ parameters: [(any PostgresEncodable)?]) throws -> QueryResult {
        let encoded = try encode(parameters, for: statement)
        let result = encoded.withLibpqArguments { count, values, lengths, formats in
            statement.name.withCString { name in PQexecPrepared(pointer, name, count, values, lengths, formats, 0) }
        }
        return try consume(result, statement: statement.name)
    }

    /// Runs SQL text with the simple protocol: several statements, no parameters.
    @discardableResult
    func execute(_ sql: String) throws -> QueryResult {
        let result = sql.withCString { PQexec(pointer, $0) }
        return try consume(result)
    }

    /// Takes ownership of a `PGresult*`: copies it out, frees it, and throws on failure.
    func consume(_ result: OpaquePointer?, statement: String? = nil) throws -> QueryResult {
        guard let result else {
            throw connectionError(statement: statement)
        }
        defer { PQclear(result) }
        return try Self.copy(result, connection: self, statement: statement)
    }

    /// The error for a call that returned no result at all.
    func connectionError(statement: String? = nil) -> PQError {
        PQError(isOK ? .client : .connection, Self.errorMessage(pointer), statement: statement)
    }

    /// Copies a result out of libpq, or turns an error result into a `PQError`.
    /// Does not free `result`.
    static func copy(_ result: OpaquePointer, connection: ConnectionHandle?, statement: String? = nil) throws -> QueryResult {
        let status = PQresultStatus(result)
        switch status {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY, PGRES_SINGLE_TUPLE, PGRES_COPY_IN, PGRES_PIPELINE_SYNC:
            break
        case PGRES_PIPELINE_ABORTED:
            throw PQError(.server, "not run: an earlier statement of the pipeline failed", statement: statement)
        default:
            throw error(from: result, connection: connection, statement: statement)
        }
        let rowCount = Int(PQntuples(result))
        let columnCount = Int(PQnfields(result))
        var columns: [Column] = []
        columns.reserveCapacity(columnCount)
        for column in 0..<columnCount {
            let name = PQfname(result, Int32(column)).map { String(cString: $0) } ?? ""
            columns.append(Column(name: name, type: OID(PQftype(result, Int32(column)))))
        }
        var bytes: [UInt8] = []
        var offsets: [Int] = []
        var lengths: [Int] = []
        offsets.reserveCapacity(rowCount * columnCount)
        lengths.reserveCapacity(rowCount * columnCount)
        for row in 0..<Int32(rowCount) {
            for column in 0..<Int32(columnCount) {
                if PQgetisnull(result, row, column) == 1 {
                    offsets.append(-1)
                    lengths.append(0)
                    continue
                }
                let length = Int(PQgetlength(result, row, column))
                offsets.append(bytes.count)
                lengths.append(length)
                if length > 0, let value = PQgetvalue(result, row, column) {
                    value.withMemoryRebound(to: UInt8.self, capacity: length) { pointer in
                        bytes.append(contentsOf: UnsafeBufferPointer(start: pointer, count: length))
                    }
                }
            }
        }
        let tag = PQcmdStatus(result).map { String(cString: $0) } ?? ""
        let affected: Int
        if let tuples = PQcmdTuples(result), tuples.pointee != 0 {
            affected = Int(String(cString: tuples)) ?? rowCount
        } else {
            affected = rowCount
        }
        let storage = ResultStorage(rowCount: rowCount, columnCount: columnCount, bytes: bytes, offsets: offsets, lengths: lengths)
        return QueryResult(columns: columns, commandTag: tag, affectedRows: affected, storage: storage)
    }

    /// Every field the server sent about an error.
    static func error(from result: OpaquePointer, connection: ConnectionHandle?, statement: String?) -> PQError {
        func field(_ code: Int32) -> String? {
            PQresultErrorField(result, code).map { String(cString: $0) }
        }
        let sqlState = field(PQ_DIAG_SQLSTATE).map { SQLState($0) }
        var message = field(PQ_DIAG_MESSAGE_PRIMARY)
        if message == nil, let text = PQresultErrorMessage(result), text.pointee != 0 {
            message = String(cString: text).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        if message == nil, let connection {
            message = errorMessage(connection.pointer)
        }
        let lost = connection.map { !$0.isOK } ?? false
        return PQError(
            lost ? .connection : (sqlState == nil ? .client : .server),
            message ?? "unknown error",
            sqlState: sqlState,
            severity: field(PQ_DIAG_SEVERITY_NONLOCALIZED) ?? field(PQ_DIAG_SEVERITY),
            detail: field(PQ_DIAG_MESSAGE_DETAIL),
            hint: field(PQ_DIAG_MESSAGE_HINT),
            constraint: field(PQ_DIAG_CONSTRAINT_NAME),
            table: field(PQ_DIAG_TABLE_NAME),
            column: field(PQ_DIAG_COLUMN_NAME),
            statement: statement)
    }

    /// Quotes an identifier (`PQescapeIdentifier`) for the few places where one must vary.
    func escapeIdentifier(_ identifier: String) throws -> String {
        let bytes = Array(identifier.utf8)
        let escaped = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { PQescapeIdentifier(pointer, $0.baseAddress, buffer.count) }
        }
        guard let escaped else {
            throw PQError(.encoding, "identifier could not be escaped: \(Self.errorMessage(pointer))")
        }
        defer { PQfreemem(escaped) }
        return String(cString: escaped)
    }

    /// A token that can cancel this session's running statement from any thread.
    func makeCancelToken() -> CancelToken? {
        PQgetCancel(pointer).map(CancelToken.init)
    }
}

/// Owns a `PGcancel*`. `PQcancel` is thread-safe by libpq's contract, so this may be
/// called from any thread; `@unchecked Sendable` rests on that contract and on the
/// pointer never changing after `init`.
public final class CancelToken: @unchecked Sendable {
    private let pointer: OpaquePointer

    init(_ pointer: OpaquePointer) { self.pointer = pointer }

    deinit { PQfreeCancel(pointer) }

    /// Asks the server to cancel the statement that is running, if any.
    @discardableResult
    public func cancel() -> Bool {
        var buffer = [CChar](repeating: 0, count: 256)
        return PQcancel(pointer, &buffer, Int32(buffer.count)) == 1
    }
}

/// C string arrays for libpq calls, alive exactly as long as the call.
enum CStringArray {
    static func withPointers<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
        var owned: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
        owned.append(nil)
        defer { for pointer in owned { free(pointer) } }
        let pointers = owned.map { UnsafePointer($0) }
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
