/// A person's ten-digit number: a Saudi national ID (starts with 1) or a resident's iqama
/// number (starts with 2). Valid only when the Luhn check over all ten digits passes.
public struct PersonID: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let digits: String

    /// Validates `text`; a refusal says exactly what is wrong.
    public init(_ text: String) throws(IdentifierError) {
        let utf8 = text.utf8
        guard utf8.count == 10, utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
            throw .init(.identifierFormat, "a national ID or iqama number has exactly 10 digits")
        }
        guard utf8.first == UInt8(ascii: "1") || utf8.first == UInt8(ascii: "2") else {
            throw .init(.identifierPrefix, "a national ID starts with 1 and an iqama number with 2")
        }
        guard Luhn.isValid(text) else {
            throw .init(.identifierChecksum, "the check digit does not match")
        }
        digits = text
    }

    /// For numbers that were validated before (read back from the database).
    public init(trusted digits: String) { self.digits = digits }

    /// Saudi citizens hold national IDs (1…); residents hold iqamas (2…).
    public var isSaudi: Bool { digits.utf8.first == UInt8(ascii: "1") }

    public var description: String { digits }
    public static func < (a: PersonID, b: PersonID) -> Bool { a.digits < b.digits }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { self = try PersonID(text) } catch { throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.english)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(digits)
    }

    /// Makes a valid number from a prefix (1 or 2) and eight digits by adding the check digit.
    public static func make(prefix: Int, body: Int) -> PersonID {
        let stem = "\(prefix)" + String(format8(body))
        return PersonID(trusted: stem + String(Luhn.checkDigit(for: stem)))
    }

    private static func format8(_ value: Int) -> String {
        let text = String(value % 100_000_000)
        return String(repeating: "0", count: 8 - text.count) + text
    }
}

/// The Luhn (mod 10) check used by national IDs and iqama numbers.
public enum Luhn {
    public static func isValid(_ digits: String) -> Bool {
        sum(digits, doubleEven: false) % 10 == 0
    }

    /// The digit that makes `stem` + digit valid.
    public static func checkDigit(for stem: String) -> Int {
        (10 - sum(stem, doubleEven: true) % 10) % 10
    }

    /// Sums digits from the right, doubling every second one (the rightmost is doubled when
    /// `doubleEven`, i.e. when a check digit will be appended after it).
    private static func sum(_ digits: String, doubleEven: Bool) -> Int {
        var total = 0
        for (index, byte) in digits.utf8.reversed().enumerated() {
            guard byte >= 48 && byte <= 57 else { return 1 }
            let digit = Int(byte - 48)
            let doubled = (index % 2 == 0) == doubleEven
            if doubled {
                let twice = digit * 2
                total += twice > 9 ? twice - 9 : twice
            } else {
                total += digit
            }
        }
        return total
    }
}
