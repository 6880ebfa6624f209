import Foundation

/// A Swift value that can be sent as a statement parameter (`$1`, `$2`, …).
///
/// The server infers the parameters' types from the statement. A named statement's
/// parameters go in PostgreSQL's binary format where the value can write the type the
/// server expects (`appendBinary`, see `BinaryParameter`), in its text format otherwise;
/// plain SQL's always go as text. `nil` is SQL NULL.
public protocol PostgresEncodable: Sendable {
    /// The value in PostgreSQL's text input format.
    var postgresText: String { get }

    /// Appends the value in PostgreSQL's binary format for the server's type `type` and
    /// returns true, or returns false when this value does not write that type (it then
    /// goes as text; what was appended is discarded).
    func appendBinary(as type: OID, to buffer: inout [UInt8]) throws -> Bool
}

extension PostgresEncodable {
    /// Text only, unless the type says otherwise.
    public func appendBinary(as type: OID, to buffer: inout [UInt8]) throws -> Bool { false }
}

extension String: PostgresEncodable {
    public var postgresText: String { self }
}

extension Substring: PostgresEncodable {
    public var postgresText: String { String(self) }
}

extension Int: PostgresEncodable {
    public var postgresText: String { String(self) }
}

extension Int64: PostgresEncodable {
    public var postgresText: String { String(self) }
}

extension Int32: PostgresEncodable {
    public var postgresText: String { String(self) }
}

extension Int16: PostgresEncodable {
    public var postgresText: String { String(self) }
}

extension Bool: PostgresEncodable {
    public var postgresText: String { self ? "true" : "false" }
}

extension Double: PostgresEncodable {
    public var postgresText: String {
        if isNaN { return "NaN" }
        if isInfinite { return self > 0 ? "Infinity" : "-Infinity" }
        return "\(self)"
    }
}

extension Decimal: PostgresEncodable {
    public var postgresText: String {
        var value = self
        return NSDecimalString(&value, Locale(identifier: "en_US_POSIX"))
    }
}

extension UUID: PostgresEncodable {
    public var postgresText: String { UUIDText.format(self) }
}

extension Date: PostgresEncodable {
    /// ISO 8601 in UTC with microseconds, the precision of `timestamptz`.
    public var postgresText: String { TimestampFormat.format(self) }

    /// The date as a `timestamptz` column holds it once written (rounded to the microsecond),
    /// equal to what reading it back gives.
    public var atPostgresPrecision: Date {
        let (seconds, fraction) = TimestampFormat.microseconds(self)
        return Date(timeIntervalSince1970: Double(seconds) + Double(fraction) / 1_000_000)
    }
}

/// A `bytea` value.
extension Data: PostgresEncodable {
    public var postgresText: String {
        let digits = Array("0123456789abcdef".utf8)
        var bytes: [UInt8] = [UInt8(ascii: "\\"), UInt8(ascii: "x")]
        bytes.reserveCapacity(2 + count * 2)
        for byte in self {
            bytes.append(digits[Int(byte >> 4)])
            bytes.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// A value sent as `json`/`jsonb` text, encoded with sorted keys.
public struct JSONParameter: PostgresEncodable {
    public let postgresText: String

    public init<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        let data = try encoder.encode(value)
        self.postgresText = String(decoding: data, as: UTF8.self)
    }

    /// JSON text that is already serialized.
    public init(text: String) { self.postgresText = text }
}

/// Arrays travel as array literals: `{1,2,NULL,"a b"}`.
extension Array: PostgresEncodable where Element: PostgresEncodable {
    public var postgresText: String { ArrayLiteral.format(map { Optional($0.postgresText) }) }
}

/// An array whose elements may be NULL.
public struct NullableArray<Element: PostgresEncodable>: PostgresEncodable {
    public var elements: [Element?]
    public init(_ elements: [Element?]) { self.elements = elements }
    public var postgresText: String { ArrayLiteral.format(elements.map { $0?.postgresText }) }
}
