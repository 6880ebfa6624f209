import Foundation

/// Why a request was refused: a stable code and the same sentence in Arabic and English.
///
/// Codes are stable identifiers for machines (`permit.renewal_too_early`); the texts are
/// for people and may say more (the dates, the band). Every code is declared once, with
/// both texts, in `Reason.Code+Catalog.swift`.
public struct Reason: Error, Hashable, Sendable, Codable, CustomStringConvertible {
    public let code: Code
    public let arabic: String
    public let english: String
    /// The values its texts were filled with (a fee's `due`, …), for programs that act on a
    /// refusal (`muamala simulate` pays what a draft rulebook makes due). Not sent: the texts say it.
    public let parameters: [String: String]

    /// A code with its two text templates; `{name}` placeholders take parameters.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public let arabicTemplate: String
        public let englishTemplate: String

        public init(_ rawValue: String, ar: String, en: String) {
            self.rawValue = rawValue
            self.arabicTemplate = ar
            self.englishTemplate = en
        }

        public var description: String { rawValue }

        public static func == (a: Code, b: Code) -> Bool { a.rawValue == b.rawValue }
        public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }

        /// The reason with its templates filled in.
        public func callAsFunction(_ parameters: [String: String] = [:]) -> Reason {
            Reason(code: self, parameters: parameters)
        }
    }

    public init(code: Code, parameters: [String: String] = [:]) {
        self.code = code
        self.parameters = parameters
        self.arabic = Self.fill(code.arabicTemplate, parameters)
        self.english = Self.fill(code.englishTemplate, parameters)
    }

    public var description: String { "\(code.rawValue): \(english)" }

    /// Reasons are equal when they say the same (their parameters are how they came to say it).
    public static func == (a: Reason, b: Reason) -> Bool { a.code == b.code && a.arabic == b.arabic && a.english == b.english }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(english)
    }

    /// Replaces `{name}` with the parameter's value, in one pass over the template.
    private static func fill(_ template: String, _ parameters: [String: String]) -> String {
        guard !parameters.isEmpty, template.utf8.contains(UInt8(ascii: "{")) else { return template }
        var output: [UInt8] = []
        output.reserveCapacity(template.utf8.count + 32)
        let bytes = Array(template.utf8)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "{"), let close = bytes[index...].firstIndex(of: UInt8(ascii: "}")),
               let value = parameters[String(decoding: bytes[(index + 1)..<close], as: UTF8.self)] {
                output.append(contentsOf: value.utf8)
                index = close + 1
            } else {
                output.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    enum CodingKeys: String, CodingKey {
        case code, arabic = "message_ar", english = "message_en"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let raw = try container.decode(String.self, forKey: .code)
        code = Code.catalog.first { $0.rawValue == raw } ?? Code(raw, ar: "", en: "")
        arabic = try container.decode(String.self, forKey: .arabic)
        english = try container.decode(String.self, forKey: .english)
        parameters = [:]
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(code.rawValue, forKey: .code)
        try container.encode(arabic, forKey: .arabic)
        try container.encode(english, forKey: .english)
    }
}
