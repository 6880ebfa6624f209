/// An establishment's number: labor office and sequence, written `1-12345`.
public struct EstablishmentID: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let office: Int
    public let sequence: Int

    public init(office: Int, sequence: Int) {
        self.office = office
        self.sequence = sequence
    }

    public init(_ text: String) throws(IdentifierError) {
        // One pass over the bytes: digits, one dash, digits (each part 1 to 9 digits, the
        // first not 0): `^[1-9][0-9]{0,8}-[1-9][0-9]{0,8}$`.
        var office = 0, sequence = 0, officeDigits = 0, sequenceDigits = 0
        var afterDash = false
        var valid = true
        for byte in text.utf8 {
            if byte == UInt8(ascii: "-") {
                if afterDash { valid = false; break }
                afterDash = true
            } else if byte >= 48 && byte <= 57 {
                // Each part has 1 to 9 digits and no leading zero (one written form per
                // number); stop before a longer one could overflow.
                if afterDash {
                    if sequenceDigits == 0 && byte == 48 { valid = false; break }
                    sequenceDigits += 1
                    if sequenceDigits > 9 { valid = false; break }
                    sequence = sequence * 10 + Int(byte - 48)
                } else {
                    if officeDigits == 0 && byte == 48 { valid = false; break }
                    officeDigits += 1
                    if officeDigits > 9 { valid = false; break }
                    office = office * 10 + Int(byte - 48)
                }
            } else {
                valid = false
                break
            }
        }
        guard valid, afterDash, (1...9).contains(officeDigits), (1...9).contains(sequenceDigits), office > 0, sequence > 0 else {
            throw .init(.establishmentFormat, "an establishment number is the labor office and a sequence, like 1-12345")
        }
        self.office = office
        self.sequence = sequence
    }

    public var description: String { "\(office)-\(sequence)" }

    public static func < (a: EstablishmentID, b: EstablishmentID) -> Bool {
        (a.office, a.sequence) < (b.office, b.sequence)
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { self = try EstablishmentID(text) } catch { throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.english)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// A company's unified number ("700 number"): 10 digits starting with 7. It groups every
/// establishment of one owner.
public struct UnifiedNumber: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let digits: String

    public init(_ text: String) throws(IdentifierError) {
        guard text.count == 10, text.allSatisfy({ $0.isASCII && $0.isNumber }), text.first == "7" else {
            throw .init(.unifiedNumberFormat, "a unified number has 10 digits and starts with 7")
        }
        digits = text
    }

    public init(trusted digits: String) { self.digits = digits }

    public var description: String { digits }
    public static func < (a: UnifiedNumber, b: UnifiedNumber) -> Bool { a.digits < b.digits }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { self = try UnifiedNumber(text) } catch { throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.english)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(digits)
    }
}

/// A commercial registration number: 10 digits, unique nationwide.
public struct CRNumber: Hashable, Sendable, Codable, CustomStringConvertible {
    public let digits: String

    public init(_ text: String) throws(IdentifierError) {
        guard text.count == 10, text.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw .init(.crFormat, "a commercial registration number has exactly 10 digits")
        }
        digits = text
    }

    public init(trusted digits: String) { self.digits = digits }

    public var description: String { digits }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { self = try CRNumber(text) } catch { throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.english)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(digits)
    }
}

/// Why an identifier is not valid, with a reason code and its bilingual text.
public struct IdentifierError: Error, Sendable, Equatable {
    public let code: Reason.Code
    /// What exactly is wrong, in English (for logs and field errors).
    public let english: String

    init(_ code: Reason.Code, _ english: String) {
        self.code = code
        self.english = english
    }
}
