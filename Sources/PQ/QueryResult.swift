/// One column of a result: its name and type.
public struct Column: Sendable, Hashable {
    public let name: String
    public let type: OID
}

/// The rows of one statement, copied out of libpq's `PGresult` (which is freed at once).
///
/// Values stay in PostgreSQL's text form in one buffer and are decoded on access, so a
/// result is cheap to build and `Sendable`.
public struct QueryResult: Sendable, RandomAccessCollection {
    public let columns: [Column]
    /// The command tag (`INSERT 0 3`, `SELECT 10`, …).
    public let commandTag: String
    /// Rows affected by INSERT/UPDATE/DELETE/COPY/MERGE, or rows returned by SELECT.
    public let affectedRows: Int
    let storage: ResultStorage

    init(columns: [Column], commandTag: String, affectedRows: Int, storage: ResultStorage) {
        self.columns = columns
        self.commandTag = commandTag
        self.affectedRows = affectedRows
        self.storage = storage
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { storage.rowCount }
    public subscript(position: Int) -> Row { Row(result: self, index: position) }

    /// The position of a column by name.
    public func columnIndex(_ name: String) -> Int? {
        columns.firstIndex { $0.name == name }
    }

    /// The only row, or an error naming what was expected.
    public func single() throws -> Row {
        guard count == 1 else {
            throw PQError(.decoding, "expected exactly one row, got \(count)")
        }
        return self[0]
    }
}

/// The immutable bytes of a result: every value's text, one after the other.
///
/// Immutable after `init` (all `let`), hence `Sendable`.
final class ResultStorage: Sendable {
    let rowCount: Int
    let columnCount: Int
    let bytes: [UInt8]
    /// Per cell (row-major): the offset into `bytes`, or -1 for NULL.
    let offsets: [Int]
    /// Per cell: the length in bytes.
    let lengths: [Int]

    init(rowCount: Int, columnCount: Int, bytes: [UInt8], offsets: [Int], lengths: [Int]) {
        self.rowCount = rowCount
        self.columnCount = columnCount
        self.bytes = bytes
        self.offsets = offsets
        self.lengths = lengths
    }
}

/// One row of a `QueryResult`.
public struct Row: Sendable {
    public let result: QueryResult
    /// The row's position in its result, from 0.
    public let index: Int

    /// Decodes the value in column `column` (by position).
    public func decode<T: PostgresDecodable>(_ type: T.Type = T.self, at column: Int) throws -> T {
        let columns = result.columns
        guard column >= 0 && column < columns.count else {
            throw PQError(.decoding, "row \(index): no column at position \(column) (the result has \(columns.count))")
        }
        let storage = result.storage
        let cell = index * storage.columnCount + column
        let offset = storage.offsets[cell]
        do throws(DecodingFailure) {
            if offset < 0 { return try T.decodeNull() }
            return try storage.bytes.withUnsafeBufferPointer { buffer throws(DecodingFailure) in
                let slice = UnsafeBufferPointer(rebasing: buffer[offset..<(offset + storage.lengths[cell])])
                return try T.decode(text: slice, type: columns[column].type)
            }
        } catch {
            throw PQError(
                .decoding,
                "column \"\(columns[column].name)\" (row \(index)): \(error.explanation(for: T.self, type: columns[column].type))",
                column: columns[column].name)
        }
    }

    /// Decodes the value in the column named `name`.
    public func decode<T: PostgresDecodable>(_ type: T.Type = T.self, _ name: String) throws -> T {
        guard let column = result.columnIndex(name) else {
            throw PQError(.decoding, "row \(index): no column named \"\(name)\"", column: name)
        }
        return try decode(type, at: column)
    }

    /// Whether the value in the column at `column` is NULL.
    public func isNull(at column: Int) -> Bool {
        result.storage.offsets[index * result.storage.columnCount + column] < 0
    }
}
