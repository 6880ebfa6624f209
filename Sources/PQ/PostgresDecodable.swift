import Foundation

/// A Swift type that can be decoded from a result column.
///
/// Each type states which PostgreSQL types it accepts; any other column type, and NULL for
/// a non-optional type, is an error that names the column and the row.
public protocol PostgresDecodable: Sendable {
    /// Decodes the text form of a non-NULL value of PostgreSQL type `type`.
    static func decode(text: UnsafeBufferPointer<UInt8>, type: OID) throws(DecodingFailure) -> Self
    /// The value for SQL NULL; only optionals have one.
    static func decodeNull() throws(DecodingFailure) -> Self
}

extension PostgresDecodable {
    public static func decodeNull() throws(DecodingFailure) -> Self { throw .unexpectedNull }
}

/// Why a value did not decode; `Row` turns it into a `PQError` naming column and row.
public enum DecodingFailure: Error, Sendable {
    case unexpectedNull
    case typeMismatch
    case malformed(String)

    func explanation(for swiftType: Any.Type, type: OID) -> String {
        switch self {
        case .unexpectedNull: return "unexpected NULL for \(swiftType)"
        case .typeMismatch: return "a \(type) value cannot be decoded as \(swiftType)"
        case .malformed(let why): return "malformed \(type) value for \(swiftType): \(why)"
        }
    }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public static func decode(text: UnsafeBufferPointer<UInt8>, type: OID) throws(DecodingFailure) -> Self {
        try Wrapped.decode(text: text, type: type)
    }

    public static func decodeNull() throws(DecodingFailure) -> Self { nil }
}

extension String: PostgresDecodable {
    /// Text-like types, JSON, UUIDs, and user-defined types such as enums. An array: every
    /// text column of every row is checked, and a few comparisons cost less than hashing.
    static let accepted: [OID] = [.text, .varchar, .bpchar, .name, .char, .json, .jsonb, .xml, .unknown, .uuid]

    public static func decode(text: UnsafeBufferPointer<UInt8>, type: OID) throws(DecodingFailure) -> String {
        guard accepted.contains(type) || type.isUserDefined else { throw .typeMismatch }
        return String(decoding: text, as: UTF8.self)
    }
}

/// Integers parse without allocating.
private func parseInteger(_ text: UnsafeBufferPointer<UInt8>) throws(DecodingFailure) -> Int64 {
    var index = 0
    var negative = false
    if text.first == UInt8(ascii: "-") {
        negative = true
        index = 1
    }
    guard index < text.count else { throw .malformed("empty integer") }
    var value: Int64 = 0
    while index < text.count {
        let byte = text[index]
        guard byte >= 48 && byte <= 57 else { throw .malformed("not an integer") }
        let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
        let (sum, overflow2) = negative
            ? times.subtractingReportingOverflow(Int64(byte - 48))
            : times.addingReportingOverflow(Int64(byte - 48))
        guard !overflow1 && !overflow2 else { throw .malformed("integer out of range") }
        value = sum
        index += 1
    }
    return value
}

private let integerTypes: [OID] = [.int2, .int4, .int8, .oid]

extension Int64: PostgresDecodable {
    public static func decode(text: UnsafeBufferPointer<UInt8>, type: OID) throws(DecodingFailure) -> Int64 {
        guard integerTypes.contains(type) else { throw .typeMismatch }
        return try parseInteger(text)
    }
}

extension Int: PostgresDecodable {
    public static func decode(text: UnsafeBufferPointer<UInt8>, type: OID) throws(DecodingFailure) -> Int {
        Int(try Int64.decode(text: text, type: type))
    }
}

extension Int32: PostgresDecodable {
    public static func decode(text: UnsafeBufferPointer<UInt8>, type: OID) throws(DecodingFailure) -> Int32 {
        guard let value = Int32(exactly: try Int64.decode(text: text, type: type)) else {
            throw .malformed("out of range for Int32")
        }
        return value
    }
}

extension Int16: PostgresDecodable {
    public static func decode(text: UnsafeBufferPointer<UInt8>, type: OID) throws(DecodingFailure) -> Int16 {
        guard let value = Int16(exactly: try Int64.decode(text: text, type: type)) else {
            throw .malformed("out of range for Int16")
        }
        return value
    }
}

extension Bool: PostgresDecodable {
    public static func decode(text: UnsafeBufferPointer<UInt8>, type: OID) throws(DecodingFailure) -> Bool {
        guard type == .bool else { throw .typeMismatch }
        switch text.first {
        case UInt8(ascii: "t"): return true
        case UInt8(ascii: "f"): return false
        default: throw .malformed("expected t or f")
        }
    }
}

extension Double: PostgresDecodable {
    public static func decode(text: UnsafeBufferPointer<UInt8>, type: OID) throws(DecodingFailure) -> Double {
        guard type == .float8 || type == .float4 || type == .numeric || integerTypes.contains(type) else {
            throw .typeMismatch
        }
        guard let value = Double(String(decoding: text, as: UTF8.self)) else { throw .malformed("not a number") }
        return value
    }
}

extension Decimal: PostgresDecodable {
    public static func decode(text: UnsafeBufferPointer<UInt8>, type: OID) throws(DecodingFailure) -> Decimal {
        guard type == .numeric || integerTypes.contains(type) else { throw .typeMismatch }
        let string = String(decoding: text, as: UTF8.self)
        guard let value = Decimal(string: string, locale: Locale(identifier: "en_US_POSIX")) else {
            throw .malformed("not a decimal number")
        }
        return value
    }
}

extension UUID: PostgresDecodable {
    public static func decode(text: UnsafeBufferPointer<UInt8>, type: OID) throws(DecodingFailure) -> UUID {
        guard type == .uuid else { throw .typeMismatch }
        guard let value = UUIDText.parse(text) else {
            throw .malformed("not a UUID")
        }
        return value
    }
}

extension Date: PostgresDecodable {
    /// `timestamptz`, `timestamp` (read as UTC) and `date` (midnight UTC).
    public static func decode(text: UnsafeBufferPointer<UInt8>, type: OID) throws(DecodingFailure) -> Date {
        guard type == .timestamptz || type == .timestamp || type == .date else { throw .typeMismatch }
        guard let date = TimestampFormat.parse(text) else { throw .malformed("not an ISO timestamp") }
        return date
    }
}

/// `bytea` in hex form: `\x0a1b…`.
extension Data: PostgresDecodable {
    public static func decode(text: UnsafeBufferPointer<UInt8>, type: OID) throws(DecodingFailure) -> Data {
        guard type == .bytea else { throw .typeMismatch }
        guard text.count >= 2, text[0] == UInt8(ascii: "\\"), text[1] == UInt8(ascii: "x"),
              text.count % 2 == 0 else {
            throw .malformed("expected hex bytea output")
        }
        var data = Data(capacity: (text.count - 2) / 2)
        var index = 2
        while index < text.count {
            guard let high = hexValue(text[index]), let low = hexValue(text[index + 1]) else {
                throw .malformed("not a hex digit")
            }
            data.append(high << 4 | low)
            index += 2
        }
        return data
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 48...57: return byte - 48
        case 97...102: return byte - 87
        case 65...70: return byte - 55
        default: return nil
        }
    }
}

extension Array: PostgresDecodable where Element: PostgresDecodable {
    /// One-dimensional arrays; elements decode with the array's element type.
    public static func decode(text: UnsafeBufferPointer<UInt8>, type: OID) throws(DecodingFailure) -> [Element] {
        let elementType: OID
        if let element = type.arrayElement {
            elementType = element
        } else if type.isUserDefined {
            elementType = .unknown
        } else {
            throw .typeMismatch
        }
        let items: [String?]
        do {
            items = try ArrayLiteral.parse(text)
        } catch {
            switch error {
            case .malformed(let why): throw .malformed(why)
            }
        }
        var result: [Element] = []
        result.reserveCapacity(items.count)
        for item in items {
            guard let item else {
                result.append(try Element.decodeNull())
                continue
            }
            let element = try [UInt8](item.utf8).withUnsafeBufferPointer { bytes throws(DecodingFailure) in
                try Element.decode(text: bytes, type: elementType)
            }
            result.append(element)
        }
        return result
    }
}

extension Row {
    /// Decodes a `json`/`jsonb` column into a `Decodable` value.
    public func decodeJSON<T: Decodable>(_ type: T.Type, _ name: String) throws -> T {
        let text = try decode(String.self, name)
        do {
            return try JSONDecoder.postgres.decode(T.self, from: Data(text.utf8))
        } catch {
            throw PQError(.decoding, "column \"\(name)\" (row \(index)): JSON does not decode as \(T.self): \(error)", column: name)
        }
    }
}

extension JSONDecoder {
    /// Dates as ISO 8601, matching `JSONParameter`.
    static var postgres: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
