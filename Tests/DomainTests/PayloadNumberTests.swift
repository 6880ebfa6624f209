@testable import Domain
import Foundation
import PropertyBased
import Testing

/// Numbers from outside are checked, never converted blindly: a number beyond `Int`'s range
/// stopped the daemon once (`Int(1e19)` traps).
@Suite("Payload numbers")
struct PayloadNumberTests {
    static let months = [FieldSpec("months", .integer(1...24), "months")]

    static func refusal(_ json: String, _ fields: [FieldSpec] = months) -> FieldError? {
        guard let value = JSONValue.parse(json) else { return nil }
        switch Payload.validate(value, against: fields) {
        case .success: return nil
        case .failure(let errors): return errors.fields.first
        }
    }

    @Test("numbers past Int, past Double and fractions are refused with the field's range, in both languages",
          arguments: ["1e19", "-1e19", "9223372036854775808", "-9223372036854775809", "1e300", "1e400", "-1e400",
                      "18446744073709551616", "12.5", "0.1", "1e-400", "25", "0", "-1"])
    func outOfRange(_ number: String) throws {
        let error = try #require(Self.refusal(#"{"months": \#(number)}"#), "\(number) was accepted")
        #expect(error.field == "months")
        #expect(["request.field_invalid", "request.field_type"].contains(error.reason.code.rawValue))
        #expect(!error.reason.arabic.isEmpty && !error.reason.english.isEmpty)
    }

    @Test("whole numbers inside the range are accepted, written in any JSON form", arguments: ["1", "24", "12.0", "1.2e1", "120e-1", "2E1"])
    func inRange(_ number: String) {
        #expect(Self.refusal(#"{"months": \#(number)}"#) == nil, "\(number)")
    }

    @Test("a number field refuses what is not finite")
    func numberField() {
        let fields = [FieldSpec("days", .number(0...3_660), "days")]
        #expect(Self.refusal(#"{"days": 1e400}"#, fields)?.field == "days")
        #expect(Self.refusal(#"{"days": 1e308}"#, fields)?.field == "days")
        #expect(Self.refusal(#"{"days": 0.5}"#, fields) == nil)
    }

    @Test("typed access never traps: a value Int cannot hold reads as nil")
    func typedAccess() {
        let payload = Payload(values: ["a": .number(1e19), "b": .number(.infinity), "c": .number(12.5), "d": .number(7)])
        #expect(payload.int("a") == nil)
        #expect(payload.int("b") == nil)
        #expect(payload.int("c") == nil)
        #expect(payload.int("d") == 7)
    }

    /// Any number JSON can write, against every integer and number field of every service:
    /// validation answers (never traps), and accepts exactly the whole numbers in range.
    @Test("every service's numeric fields, over numbers of every size")
    func everyNumericField() async {
        let numericFields = ServiceCatalog.all.flatMap { service in
            service.fields.filter { if case .integer = $0.type { return true }; if case .number = $0.type { return true }; return false }
        }
        #expect(!numericFields.isEmpty)
        let digits = Gen.int(in: 0...9).array(of: 1...25).map { $0.map(String.init).joined() }
        await propertyCheck(count: 400, input: Gen.bool, digits, Gen.int(in: 0...3).array(of: 0...3), Gen.int(in: -420...420).optional(),
                            Gen.int(in: 0..<numericFields.count)) { negative, mantissa, fraction, exponent, which in
            var text = (negative ? "-" : "") + (mantissa.count > 1 ? String(mantissa.drop { $0 == "0" }.isEmpty ? "0" : mantissa.drop { $0 == "0" }) : mantissa)
            if !fraction.isEmpty { text += "." + fraction.map(String.init).joined() }
            if let exponent { text += "e\(exponent)" }
            let field = numericFields[which]
            guard let json = JSONValue.parse(#"{"\#(field.name)": \#(text)}"#), let number = json[field.name]?.numberValue else {
                Issue.record("\(text) did not parse")
                return
            }
            let accepted: Bool
            switch field.type {
            case .integer(let range):
                accepted = number.rounded() == number && Double(range.lowerBound) <= number && number <= Double(range.upperBound)
            case .number(let range):
                accepted = number.isFinite && range.contains(number)
            default:
                accepted = false
            }
            let refusal = Self.refusal(#"{"\#(field.name)": \#(text)}"#, [field])
            #expect((refusal == nil) == accepted, "\(field.name) = \(text)")
            if let refusal { #expect(refusal.field == field.name) }
        }
    }
}

@Suite("The JSON reader")
struct JSONReaderTests {
    static let tokens = ["{", "}", "[", "]", ",", ":", "\"a\"", "\"\\u00e9\"", "\"\\ud800\"", "1", "-0", "1e999", "0.5e-3", "true",
                         "false", "null", " ", "\"", "\\", "01", "-", "1.", ".5", "tru", "\u{0}", "\"\u{1}\"", "ؤ", "\"ع\""]

    @Test("arbitrary token soup: the reader answers a value or nil, and a value it reads writes back to itself")
    func tokenSoup() async {
        await propertyCheck(count: 2_000, input: Gen.element(of: Self.tokens).array(of: 0...40)) { pieces in
            let text = pieces.compactMap { $0 }.joined()
            guard let value = JSONValue.parse(text) else { return }
            #expect(JSONValue.parse(value.jsonText) == value.normalizedForWriting, "\(text)")
        }
    }

    @Test("arbitrary bytes never trap the reader")
    func bytes() async {
        await propertyCheck(count: 2_000, input: Gen.uint8(in: 0...255).array(of: 0...64)) { bytes in
            _ = JSONValue.parse(utf8: bytes)
        }
    }

    @Test("nesting is bounded: deep arrays and objects are refused, not a stack overflow")
    func nesting() {
        #expect(JSONValue.parse(String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)) == nil)
        #expect(JSONValue.parse(String(repeating: #"{"a":"#, count: 50_000) + "1" + String(repeating: "}", count: 50_000)) == nil)
        #expect(JSONValue.parse(String(repeating: "[", count: 60) + String(repeating: "]", count: 60)) != nil)
    }

    @Test("values built from any strings, numbers and nesting read back as written")
    func roundTrip() async {
        // Any scalar, control characters and the astral planes among them (surrogates are not scalars).
        let scalars = Gen.int(in: 0...0x10FFFF).map { Unicode.Scalar(UInt32($0)) ?? "?" }
        let strings = scalars.array(of: 0...8).map { String(String.UnicodeScalarView($0)) }
        await propertyCheck(count: 500, input: strings, Gen.double(in: -1e20...1e20), Gen.int(in: 0...6), Gen.bool) { text, number, depth, flag in
            var value: JSONValue = ["s": .string(text), "n": .number(number), "b": .bool(flag), "z": .null]
            for level in 0..<depth { value = level.isMultiple(of: 2) ? .array([value, .string(text)]) : .object([text: value]) }
            #expect(JSONValue.parse(value.jsonText) == value.normalizedForWriting)
        }
    }
}

extension JSONValue {
    /// What writing and reading back gives: numbers that are not finite are written as null.
    var normalizedForWriting: JSONValue {
        switch self {
        case .number(let number) where !number.isFinite: return .null
        case .array(let values): return .array(values.map(\.normalizedForWriting))
        case .object(let members): return .object(members.mapValues(\.normalizedForWriting))
        default: return self
        }
    }
}

/// Every identifier parser takes any text a client sends and answers; none traps.
@Suite("Identifier parsers over arbitrary text")
struct IdentifierParserFuzzTests {
    @Test("digits, dashes, signs and anything else, at any length: a value or an error")
    func anyText() async {
        let pieces = Gen.element(of: ["9", "0", "1", "7", "-", "+", " ", "a", "٩", "\u{0}", "99999999999", "-0", "e"])
        await propertyCheck(count: 3_000, input: pieces.array(of: 0...40)) { parts in
            let text = parts.compactMap { $0 }.joined()
            _ = try? EstablishmentID(text)
            _ = try? PersonID(text)
            _ = try? UnifiedNumber(text)
            _ = try? CRNumber(text)
            _ = Day(iso: text)
            let json: JSONValue = ["worker_id": .string(text), "establishment_id": .string(text), "months": 12]
            for service in ServiceCatalog.all {
                _ = Payload.validate(json, against: service.fields)
            }
        }
    }
}

/// What PostgreSQL cannot store is refused at the edge, not failed in a batch with others.
@Suite("Text and days PostgreSQL can hold")
struct StorableValueTests {
    @Test("a text field with NUL is refused (jsonb cannot hold it; it once failed a whole intake batch)")
    func nul() {
        let fields = [FieldSpec("name", .text(maxLength: 20), "name")]
        for text in ["a\u{0}", "\u{0}", "ab\u{0}cd"] {
            guard case .failure(let errors) = Payload.validate(["name": .string(text)], against: fields) else {
                Issue.record("\(text.debugDescription) accepted")
                continue
            }
            #expect(errors.fields.first?.field == "name")
        }
        if case .failure = Payload.validate(["name": "a\tb\nc"], against: fields) { Issue.record("tabs and newlines refused") }
    }

    @Test("days from 1900 to 2199 only: year 0 (PostgreSQL's 1 BC, unreadable back) and the far future are refused")
    func years() {
        for bad in ["0000-01-01", "0001-01-01", "1899-12-31", "2200-01-01", "9999-12-31", "+999-01-01", "2026-1-01", "2026-02-30", "２٠26-01-01"] {
            #expect(Day(iso: bad) == nil, "\(bad)")
        }
        for good in ["1900-01-01", "2026-02-28", "2199-12-31", "2028-02-29"] {
            #expect(Day(iso: good)?.iso == good, "\(good)")
        }
        let fields = [FieldSpec("birth_date", .day, "born")]
        #expect({ if case .failure = Payload.validate(["birth_date": "0000-01-01"], against: fields) { return true }; return false }())
    }

    @Test("a rulebook number out of bounds is refused when the file is read, naming where")
    func rulebookBounds() throws {
        let file = try Data(contentsOf: Scenario.rulebookFile)
        guard case .object(var root)? = JSONValue.parse(utf8: file), case .array(var editions)? = root["editions"],
              case .object(var first) = editions[0], case .object(var parameters)? = first["parameters"],
              case .object(var levy)? = parameters["levy"] else {
            Issue.record("unexpected rulebook shape")
            return
        }
        levy["expat_majority_monthly"] = .number(1e300)
        parameters["levy"] = .object(levy)
        first["parameters"] = .object(parameters)
        editions[0] = .object(first)
        root["editions"] = .array(editions)
        #expect(throws: RulebookError.self) { _ = try Rulebook(json: Data(JSONValue.object(root).jsonBytes)) }
        do {
            _ = try Rulebook(json: Data(JSONValue.object(root).jsonBytes))
        } catch {
            #expect("\(error)".contains("parameters.levy.expat_majority_monthly"), "\(error)")
        }
    }
}
