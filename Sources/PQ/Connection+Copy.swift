import CLibPQ
import Foundation

/// Writes rows for `COPY … FROM STDIN` in PostgreSQL's text format, in chunks.
public struct CopyWriter: ~Copyable {
    fileprivate var buffer: [UInt8] = []
    fileprivate let send: ([UInt8]) throws -> Void
    /// Rows written so far.
    public private(set) var rowCount = 0

    static let chunkSize = 256 * 1024

    fileprivate init(send: @escaping ([UInt8]) throws -> Void) {
        self.send = send
        buffer.reserveCapacity(Self.chunkSize + 1024)
    }

    /// Appends one row; `nil` is NULL. The values' count must match the COPY's columns.
    public mutating func append(_ values: [(any PostgresEncodable)?]) throws {
        for (index, value) in values.enumerated() {
            if index > 0 { buffer.append(UInt8(ascii: "\t")) }
            guard let value else {
                buffer.append(UInt8(ascii: "\\"))
                buffer.append(UInt8(ascii: "N"))
                continue
            }
            for byte in value.postgresText.utf8 {
                switch byte {
                case UInt8(ascii: "\\"): buffer.append(byte); buffer.append(byte)
                case UInt8(ascii: "\t"): buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "t"))
                case UInt8(ascii: "\n"): buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "n"))
                case UInt8(ascii: "\r"): buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "r"))
                case 0: throw PQError(.encoding, "a COPY value contains a NUL byte")
                default: buffer.append(byte)
                }
            }
        }
        buffer.append(UInt8(ascii: "\n"))
        rowCount += 1
        if buffer.count >= Self.chunkSize {
            try send(buffer)
            buffer.removeAll(keepingCapacity: true)
        }
    }

    fileprivate mutating func finish() throws {
        if !buffer.isEmpty {
            try send(buffer)
            buffer.removeAll()
        }
    }
}

extension Connection {
    /// Bulk-loads rows with `COPY table (columns) FROM STDIN`; `write` appends them.
    ///
    /// Returns the number of rows the server stored. An error in `write` or from the server
    /// aborts the COPY: no row is stored.
    @discardableResult
    public func copyIn(_ sql: String, _ write: (inout CopyWriter) throws -> Void) throws -> Int {
        let handle = try handleForStatement()
        let pointer = handle.pointer
        let start = sql.withCString { PQexec(pointer, $0) }
        guard let start else { throw handle.connectionError(statement: "copy") }
        let status = PQresultStatus(start)
        if status != PGRES_COPY_IN {
            defer { PQclear(start) }
            _ = try ConnectionHandle.copy(start, connection: handle, statement: "copy")
            throw PQError(.client, "the statement is not COPY … FROM STDIN")
        }
        PQclear(start)
        var writer = CopyWriter { bytes in
            let sent = bytes.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { PQputCopyData(pointer, $0.baseAddress, Int32($0.count)) }
            }
            guard sent == 1 else { throw handle.connectionError(statement: "copy data") }
        }
        var failure: (any Error)?
        do {
            try write(&writer)
            try writer.finish()
        } catch {
            failure = error
        }
        let ended: Int32
        if let failure {
            ended = PQputCopyEnd(pointer, "aborted by the client: \(failure)")
        } else {
            ended = PQputCopyEnd(pointer, nil)
        }
        guard ended == 1 else { throw handle.connectionError(statement: "copy end") }
        // Read the COPY's final result (and the NULL after it).
        var outcome: Result<QueryResult, any Error> = .failure(PQError(.client, "COPY returned no result"))
        while let result = PQgetResult(pointer) {
            do {
                outcome = .success(try ConnectionHandle.copy(result, connection: handle, statement: "copy"))
            } catch {
                outcome = .failure(error)
            }
            PQclear(result)
        }
        if let failure { throw failure }
        return try outcome.get().affectedRows
    }
}
