import CLibPQ
import Foundation

/// One statement of a pipeline: named (prepared on first use) or plain SQL, with parameters.
public struct PipelineStatement: Sendable {
    let statement: Statement?
    let sql: String
    /// Encoded when sent: how depends on the session's knowledge of the statement.
    let parameters: [(any PostgresEncodable)?]

    public init(_ statement: Statement, _ parameters: [(any PostgresEncodable)?] = []) {
        self.statement = statement
        self.sql = statement.sql
        self.parameters = parameters
    }

    public init(_ sql: String, _ parameters: [(any PostgresEncodable)?] = []) {
        self.statement = nil
        self.sql = sql
        self.parameters = parameters
    }
}

extension Connection {
    /// Sends many statements in one round trip (libpq pipeline mode) and returns their
    /// results in order.
    ///
    /// Outside an explicit transaction, the statements form one implicit transaction: if one
    /// fails, none takes effect, and the error (a `PQError` naming the statement's position)
    /// is thrown after the pipeline is drained.
    public func pipeline(_ statements: [PipelineStatement]) throws -> [QueryResult] {
        if statements.isEmpty { return [] }
        let (handle, begin) = try handleAndDeferredBegin()
        return try pipeline(on: handle, statements, after: begin)
    }

    /// Runs `statements` on `handle`, after `begin` (a transaction's deferred BEGIN) when
    /// given, all in one round trip. `begin`'s result is checked, not returned.
    func pipeline(on handle: ConnectionHandle, _ statements: [PipelineStatement], after begin: String?) throws -> [QueryResult] {
        var pipeline = Pipeline(handle: handle)
        return try pipeline.run(statements, after: begin)
    }
}

/// The state of one pipeline run on one handle.
private struct Pipeline {
    /// What each result in the stream answers.
    enum Expected {
        case begin
        case statement(Int)
    }

    let handle: ConnectionHandle
    var expected: [Expected] = []
    var received = 0
    var syncSent = false
    var syncReached = false
    var results: [QueryResult?] = []
    var firstError: PQError?

    init(handle: ConnectionHandle) { self.handle = handle }

    var pointer: OpaquePointer { handle.pointer }

    /// Results are read every so many sends, so neither side's buffers fill up and stall.
    static let drainEvery = 64

    mutating func run(_ statements: [PipelineStatement], after begin: String? = nil) throws -> [QueryResult] {
        // Statements new to the session are prepared first, outside the pipeline, so that
        // their parameter types are known before their values are encoded (at a session's
        // start only; BEGIN has not gone out yet).
        for statement in statements.compactMap(\.statement) {
            try handle.prepareIfNeeded(statement)
        }
        // Every value encoded before anything is sent: a value that cannot go (a NUL in a
        // text) fails the call with nothing half-sent.
        let parameters = try statements.map { item in
            try item.statement.map { try handle.encode(item.parameters, for: $0) } ?? EncodedParameters(item.parameters)
        }
        guard PQenterPipelineMode(pointer) == 1 else {
            throw PQError(.client, "could not enter pipeline mode: \(ConnectionHandle.errorMessage(pointer))")
        }
        guard PQsetnonblocking(pointer, 1) == 0 else {
            _ = PQexitPipelineMode(pointer)
            throw PQError(.client, "could not make the connection non-blocking")
        }
        results = Array(repeating: nil, count: statements.count)
        do {
            try send(statements, parameters, after: begin)
            while !syncReached {
                try readAvailable(block: true)
            }
        } catch {
            recover()
            throw error
        }
        leave()
        if let firstError { throw firstError }
        return try results.enumerated().map { index, result in
            guard let result else { throw PQError(.client, "pipeline statement \(index) returned no result") }
            return result
        }
    }

    /// Sends every statement and the sync, reading results as it goes.
    private mutating func send(_ statements: [PipelineStatement], _ parameters: [EncodedParameters], after begin: String?) throws {
        var sentSinceDrain = 0
        if let begin {
            let sent = begin.withCString { PQsendQueryParams(pointer, $0, 0, nil, nil, nil, nil, 0) }
            try check(sent, "the transaction's BEGIN")
            expected.append(.begin)
        }
        for (index, item) in statements.enumerated() {
            if let statement = item.statement {
                let sent = parameters[index].withLibpqArguments { count, values, lengths, formats in
                    statement.name.withCString { name in
                        PQsendQueryPrepared(pointer, name, count, values, lengths, formats, 0)
                    }
                }
                try check(sent, "statement \(index)")
            } else {
                let sent = parameters[index].withLibpqArguments { count, values, lengths, formats in
                    item.sql.withCString { text in
                        PQsendQueryParams(pointer, text, count, nil, values, lengths, formats, 0)
                    }
                }
                try check(sent, "statement \(index)")
            }
            expected.append(.statement(index))
            sentSinceDrain += 1
            if sentSinceDrain >= Self.drainEvery {
                sentSinceDrain = 0
                try flush()
                try readAvailable(block: false)
            }
        }
        guard PQpipelineSync(pointer) == 1 else {
            throw handle.connectionError(statement: "pipeline sync")
        }
        syncSent = true
        try flush()
    }

    /// After a failure part-way (libpq refused a statement, say): the sync goes out if it
    /// has not, everything up to it is read and dropped, and the session leaves pipeline
    /// mode, as it was before the call (the statements sent before the failure ran; inside
    /// a transaction its owner rolls back). On a connection that is gone this stops at the
    /// first error, and the session stays marked unhealthy (`Connection.isHealthy`), so the
    /// pool drops it.
    private mutating func recover() {
        if !syncSent, handle.isOK, PQpipelineSync(pointer) == 1 { syncSent = true }
        if syncSent {
            do {
                try flush()
                while !syncReached { try readAvailable(block: true) }
            } catch {
                // The connection broke: nothing more to read.
            }
        }
        leave()
    }

    /// Leaves pipeline and non-blocking mode. Either can fail only with results still
    /// unread (a broken connection): the session then reports itself unhealthy.
    private func leave() {
        _ = PQexitPipelineMode(pointer)
        _ = PQsetnonblocking(pointer, 0)
    }

    private func check(_ sent: Int32, _ what: String) throws {
        guard sent == 1 else {
            throw PQError(handle.isOK ? .client : .connection,
                          "pipeline could not send \(what): \(ConnectionHandle.errorMessage(pointer))")
        }
    }

    /// Pushes the output buffer to the server, reading results meanwhile so that the server
    /// never blocks on a full socket while we block on ours.
    private mutating func flush() throws {
        while true {
            let status = PQflush(pointer)
            if status == 0 { return }
            guard status == 1 else { throw handle.connectionError(statement: "pipeline flush") }
            try wait(forWrite: true)
            try readAvailable(block: false)
        }
    }

    private func wait(forWrite: Bool) throws {
        var descriptor = pollfd(fd: PQsocket(pointer), events: Int16(forWrite ? (POLLIN | POLLOUT) : POLLIN), revents: 0)
        while true {
            let ready = poll(&descriptor, 1, -1)
            if ready >= 0 { break }
            if errno != EINTR { throw PQError(.connection, "poll failed: errno \(errno)") }
        }
        if descriptor.revents & Int16(POLLIN) != 0 || descriptor.revents & Int16(POLLHUP | POLLERR) != 0 {
            guard PQconsumeInput(pointer) == 1 else { throw handle.connectionError(statement: "pipeline read") }
        }
    }

    /// Reads the results that have arrived; with `block`, waits until the sync arrives.
    private mutating func readAvailable(block: Bool) throws {
        guard PQconsumeInput(pointer) == 1 else { throw handle.connectionError(statement: "pipeline read") }
        while !syncReached {
            if PQisBusy(pointer) == 1 {
                guard block else { return }
                try wait(forWrite: false)
                continue
            }
            guard let result = PQgetResult(pointer) else {
                // The end of one statement's results; nothing in flight means nothing more to read now.
                if received >= expected.count && !block { return }
                continue
            }
            defer { PQclear(result) }
            if PQresultStatus(result) == PGRES_PIPELINE_SYNC {
                syncReached = true
                return
            }
            guard received < expected.count else {
                throw PQError(.client, "pipeline returned more results than statements sent")
            }
            let slot = expected[received]
            received += 1
            switch slot {
            case .begin:
                do {
                    _ = try ConnectionHandle.copy(result, connection: handle, statement: "BEGIN")
                } catch let error as PQError {
                    if firstError == nil { firstError = error }
                }
            case .statement(let index):
                do {
                    results[index] = try ConnectionHandle.copy(result, connection: handle, statement: "pipeline statement \(index)")
                } catch var error as PQError {
                    // The first failure is the cause; the statements after it only report "not run".
                    error.statement = "pipeline statement \(index)"
                    if firstError == nil { firstError = error }
                }
            }
        }
    }
}
