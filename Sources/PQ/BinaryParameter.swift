import Foundation

/// PostgreSQL's binary formats for the parameter types this layer writes (the `*recv`
/// functions of the server read them), big-endian throughout.
///
/// A named statement's parameters go in binary when the server's type for the parameter
/// (learned once per session when the statement is prepared) is one a value can write, in
/// text otherwise. Arrays are the point: the engine sends its batches as arrays, and as
/// array literals they cost the daemon the quoting of every element and the server the
/// parsing of the literal and of every element's text (`array_in` was a tenth of
/// PostgreSQL's time under the HTTP load, BENCHMARKS.md).
public enum BinaryParameter {
    /// Microseconds from 1970-01-01 to 2000-01-01, PostgreSQL's epoch for timestamps.
    static let epochOffsetMicroseconds: Int64 = 946_684_800 * 1_000_000
    /// Days from 1970-01-01 to 2000-01-01, PostgreSQL's epoch for dates.
    public static let epochOffsetDays = 10_957

    @inline(__always)
    public static func append(_ value: Int32, to buffer: inout [UInt8]) {
        append(UInt32(bitPattern: value), to: &buffer)
    }

    @inline(__always)
    static func append(_ value: UInt32, to buffer: inout [UInt8]) {
        buffer.append(UInt8(truncatingIfNeeded: value >> 24))
        buffer.append(UInt8(truncatingIfNeeded: value >> 16))
        buffer.append(UInt8(truncatingIfNeeded: value >> 8))
        buffer.append(UInt8(truncatingIfNeeded: value))
    }

    @inline(__always)
    static func append(_ value: Int64, to buffer: inout [UInt8]) {
        let bits = UInt64(bitPattern: value)
        append(UInt32(truncatingIfNeeded: bits >> 32), to: &buffer)
        append(UInt32(truncatingIfNeeded: bits), to: &buffer)
    }

    @inline(__always)
    static func append(_ value: Int16, to buffer: inout [UInt8]) {
        let bits = UInt16(bitPattern: value)
        buffer.append(UInt8(truncatingIfNeeded: bits >> 8))
        buffer.append(UInt8(truncatingIfNeeded: bits))
    }

    /// Overwrites four bytes at `offset` (a length or a flag written before what it describes).
    @inline(__always)
    static func overwrite(_ value: UInt32, at offset: Int, in buffer: inout [UInt8]) {
        buffer[offset] = UInt8(truncatingIfNeeded: value >> 24)
        buffer[offset + 1] = UInt8(truncatingIfNeeded: value >> 16)
        buffer[offset + 2] = UInt8(truncatingIfNeeded: value >> 8)
        buffer[offset + 3] = UInt8(truncatingIfNeeded: value)
    }

    /// A text's UTF-8 bytes; PostgreSQL stores no NUL in a text, in either format.
    static func appendUTF8(_ text: String, to buffer: inout [UInt8]) throws {
        var text = text
        try text.withUTF8 { utf8 in
            guard !utf8.contains(0) else {
                throw PQError(.encoding, "a text parameter contains a NUL byte, which PostgreSQL cannot store")
            }
            buffer.append(contentsOf: utf8)
        }
    }

    /// Writes an integer as `int2`, `int4` or `int8`; false for another type or a value out
    /// of the type's range (sent as text, the server then refuses it as it always did).
    static func appendInteger(_ value: Int64, as type: OID, to buffer: inout [UInt8]) -> Bool {
        switch type {
        case .int8:
            append(value, to: &buffer)
        case .int4:
            guard let narrow = Int32(exactly: value) else { return false }
            append(narrow, to: &buffer)
        case .int2:
            guard let narrow = Int16(exactly: value) else { return false }
            append(narrow, to: &buffer)
        default:
            return false
        }
        return true
    }

    /// UTF-8 text as `text`, `varchar`, `bpchar`, `json` or `jsonb` (a version byte, then the text).
    static func appendText(_ text: String, as type: OID, to buffer: inout [UInt8]) throws -> Bool {
        switch type {
        case .text, .varchar, .bpchar, .json:
            break
        case .jsonb:
            buffer.append(1)
        default:
            return false
        }
        try appendUTF8(text, to: &buffer)
        return true
    }

    /// A one-dimensional array of `elements` as the array type `type`; false when the type
    /// is not an array this layer knows, or an element cannot be written (the whole array
    /// then goes as text).
    ///
    /// Called through `any PostgresEncodable`, an array's code runs unspecialized, every
    /// element through the runtime's generic machinery (10% of the daemon under the HTTP
    /// load, more than the text it replaced). So the element types the engine's batches
    /// carry get loops compiled for them.
    static func appendArray<Element: PostgresEncodable>(
        _ elements: [Element?], as type: OID, to buffer: inout [UInt8]
    ) throws -> Bool {
        guard let elementType = type.arrayElement else { return false }
        let flagAt = appendHeader(count: elements.count, elementType: elementType, to: &buffer)
        switch Element.self {
        case is String.Type: return try appendElements(unsafeBitCast(elements, to: [String?].self), elementType, flagAt, &buffer)
        case is UUID.Type: return try appendElements(unsafeBitCast(elements, to: [UUID?].self), elementType, flagAt, &buffer)
        case is Date.Type: return try appendElements(unsafeBitCast(elements, to: [Date?].self), elementType, flagAt, &buffer)
        case is Int.Type: return try appendElements(unsafeBitCast(elements, to: [Int?].self), elementType, flagAt, &buffer)
        default: return try appendElements(elements, elementType, flagAt, &buffer)
        }
    }

    /// The same for an array without NULLs.
    static func appendArray<Element: PostgresEncodable>(
        _ elements: [Element], as type: OID, to buffer: inout [UInt8]
    ) throws -> Bool {
        guard let elementType = type.arrayElement else { return false }
        appendHeader(count: elements.count, elementType: elementType, to: &buffer)
        switch Element.self {
        case is String.Type: return try appendElements(unsafeBitCast(elements, to: [String].self), elementType, &buffer)
        case is UUID.Type: return try appendElements(unsafeBitCast(elements, to: [UUID].self), elementType, &buffer)
        case is Date.Type: return try appendElements(unsafeBitCast(elements, to: [Date].self), elementType, &buffer)
        case is Int.Type: return try appendElements(unsafeBitCast(elements, to: [Int].self), elementType, &buffer)
        case is Bool.Type: return try appendElements(unsafeBitCast(elements, to: [Bool].self), elementType, &buffer)
        default: return try appendElements(elements, elementType, &buffer)
        }
    }

    /// Dimensions (none for an empty array), the NULL flag (0 until a NULL sets it; the
    /// flag's position is returned), the element type, and for a non-empty array its
    /// length and lower bound (1).
    @discardableResult
    private static func appendHeader(count: Int, elementType: OID, to buffer: inout [UInt8]) -> Int {
        append(Int32(count == 0 ? 0 : 1), to: &buffer)
        let flagAt = buffer.count
        append(Int32(0), to: &buffer)
        append(elementType.rawValue, to: &buffer)
        guard count > 0 else { return flagAt }
        append(Int32(count), to: &buffer)
        append(Int32(1), to: &buffer)
        return flagAt
    }

    private static func appendElements<Element: PostgresEncodable>(
        _ elements: [Element?], _ elementType: OID, _ flagAt: Int, _ buffer: inout [UInt8]
    ) throws -> Bool {
        for element in elements {
            guard let element else {
                append(Int32(-1), to: &buffer)
                overwrite(1, at: flagAt, in: &buffer)
                continue
            }
            guard try appendElement(element, elementType, &buffer) else { return false }
        }
        return true
    }

    private static func appendElements<Element: PostgresEncodable>(
        _ elements: [Element], _ elementType: OID, _ buffer: inout [UInt8]
    ) throws -> Bool {
        for element in elements {
            guard try appendElement(element, elementType, &buffer) else { return false }
        }
        return true
    }

    /// One element: its length, then its bytes.
    @inline(__always)
    private static func appendElement<Element: PostgresEncodable>(
        _ element: Element, _ elementType: OID, _ buffer: inout [UInt8]
    ) throws -> Bool {
        let lengthAt = buffer.count
        append(Int32(0), to: &buffer)
        guard try element.appendBinary(as: elementType, to: &buffer) else { return false }
        overwrite(UInt32(buffer.count - lengthAt - 4), at: lengthAt, in: &buffer)
        return true
    }
}

// MARK: The values that write themselves in binary

extension String {
    public func appendBinary(as type: OID, to buffer: inout [UInt8]) throws -> Bool {
        try BinaryParameter.appendText(self, as: type, to: &buffer)
    }
}

extension Substring {
    public func appendBinary(as type: OID, to buffer: inout [UInt8]) throws -> Bool {
        try BinaryParameter.appendText(String(self), as: type, to: &buffer)
    }
}

extension Int {
    public func appendBinary(as type: OID, to buffer: inout [UInt8]) throws -> Bool {
        BinaryParameter.appendInteger(Int64(self), as: type, to: &buffer)
    }
}

extension Int64 {
    public func appendBinary(as type: OID, to buffer: inout [UInt8]) throws -> Bool {
        BinaryParameter.appendInteger(self, as: type, to: &buffer)
    }
}

extension Int32 {
    public func appendBinary(as type: OID, to buffer: inout [UInt8]) throws -> Bool {
        BinaryParameter.appendInteger(Int64(self), as: type, to: &buffer)
    }
}

extension Int16 {
    public func appendBinary(as type: OID, to buffer: inout [UInt8]) throws -> Bool {
        BinaryParameter.appendInteger(Int64(self), as: type, to: &buffer)
    }
}

extension Bool {
    public func appendBinary(as type: OID, to buffer: inout [UInt8]) throws -> Bool {
        guard type == .bool else { return false }
        buffer.append(self ? 1 : 0)
        return true
    }
}

extension Double {
    public func appendBinary(as type: OID, to buffer: inout [UInt8]) throws -> Bool {
        guard type == .float8 else { return false }
        BinaryParameter.append(Int64(bitPattern: bitPattern), to: &buffer)
        return true
    }
}

extension UUID {
    public func appendBinary(as type: OID, to buffer: inout [UInt8]) throws -> Bool {
        guard type == .uuid else { return false }
        withUnsafeBytes(of: uuid) { buffer.append(contentsOf: $0) }
        return true
    }
}

extension Date {
    /// `timestamptz` and `timestamp`: microseconds from 2000-01-01 UTC, rounded as the text
    /// form rounds them.
    public func appendBinary(as type: OID, to buffer: inout [UInt8]) throws -> Bool {
        guard type == .timestamptz || type == .timestamp else { return false }
        let (seconds, fraction) = TimestampFormat.microseconds(self)
        BinaryParameter.append(seconds * 1_000_000 + fraction - BinaryParameter.epochOffsetMicroseconds, to: &buffer)
        return true
    }
}

extension Data {
    public func appendBinary(as type: OID, to buffer: inout [UInt8]) throws -> Bool {
        guard type == .bytea else { return false }
        buffer.append(contentsOf: self)
        return true
    }
}

extension JSONParameter {
    public func appendBinary(as type: OID, to buffer: inout [UInt8]) throws -> Bool {
        try BinaryParameter.appendText(postgresText, as: type, to: &buffer)
    }
}

extension Array where Element: PostgresEncodable {
    public func appendBinary(as type: OID, to buffer: inout [UInt8]) throws -> Bool {
        try BinaryParameter.appendArray(self, as: type, to: &buffer)
    }
}

extension NullableArray {
    public func appendBinary(as type: OID, to buffer: inout [UInt8]) throws -> Bool {
        try BinaryParameter.appendArray(elements, as: type, to: &buffer)
    }
}
