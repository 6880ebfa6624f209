import Domain
import Foundation
import PropertyBased
import Testing

@Suite("Identifiers")
struct IdentifierTests {
    @Test("the documented examples", arguments: [("1000000008", true), ("1000000000", false), ("2000000014", true), ("3000000006", false), ("200000001", false), ("20000000a4", false)])
    func examples(text: String, valid: Bool) {
        #expect(((try? PersonID(text)) != nil) == valid)
    }

    @Test("Luhn: made numbers always pass; changing any one digit always fails")
    func luhnProperty() async {
        await propertyCheck(input: Gen.int(in: 1...2), Gen.int(in: 0...99_999_999), Gen.int(in: 1...9), Gen.int(in: 1...9)) { prefix, body, position, delta in
            let person = PersonID.make(prefix: prefix, body: body)
            #expect((try? PersonID(person.digits)) != nil)
            #expect(person.isSaudi == (prefix == 1))
            var digits = Array(person.digits)
            let original = digits[position].wholeNumberValue!
            digits[position] = Character(String((original + delta) % 10))
            #expect((try? PersonID(String(digits))) == nil, "\(String(digits)) must fail")
        }
    }

    @Test("establishment numbers and unified numbers")
    func establishments() {
        #expect((try? EstablishmentID("1-12345"))?.description == "1-12345")
        // Long digit runs (found by fuzzing: 30 nines overflowed Int and stopped the daemon).
        let long = String(repeating: "9", count: 30)
        for bad in ["1-", "-1", "1-2-3", "a-1", "0-1", "1234567890-1", "1 -2", long, "1-" + long, long + "-1", "999999999999999999999-9"] {
            #expect((try? EstablishmentID(bad)) == nil, "\(bad)")
        }
        #expect((try? EstablishmentID("999999999-999999999"))?.description == "999999999-999999999")
        #expect((try? UnifiedNumber("7000000001")) != nil)
        #expect((try? UnifiedNumber("8000000001")) == nil)
        #expect((try? CRNumber("101000000")) == nil)
    }

    @Test("days: ISO text round trips, months clamp to their last day, Riyadh midnight")
    func days() async {
        await propertyCheck(input: Gen.int(in: -20_000...60_000)) { number in
            let day = Day(number: number)
            #expect(Day(iso: day.iso) == day)
            #expect(Day(day.start) == day)
            #expect(Day(day.start.addingTimeInterval(86_399)) == day)
        }
        #expect(Day(year: 2026, month: 1, day: 31).adding(months: 1) == Day(year: 2026, month: 2, day: 28))
        #expect(Day(year: 2024, month: 2, day: 29).adding(years: 1) == Day(year: 2025, month: 2, day: 28))
        #expect(Day(iso: "2026-02-30") == nil)
    }

    @Test("JSON text: what is written parses back equal, with sorted keys")
    func jsonRoundTrip() async {
        let strings = Gen.letterOrNumber.string(of: 0...12)
        await propertyCheck(input: strings, strings, Gen.int(in: -1_000_000...1_000_000), Gen.bool) { key, text, number, flag in
            let value: JSONValue = ["b": .string(text + "\"\\\n\u{1}عربي"), "a": .number(Double(number)), .init(stringLiteral: "k" + key): .bool(flag), "n": .null, "list": [1, "x"]]
            let written = value.jsonText
            #expect(JSONValue.parse(written) == value)
        }
        #expect(JSONValue.parse(#"{"b":1,"a":[true,null,"x"]}"#)?.jsonText == #"{"a":[true,null,"x"],"b":1}"#)
        let escapes: JSONValue = ["\"k": .string("\\a\u{1F}\n\"ب\r\t"), "": .string("")]
        #expect(escapes.jsonText == #"{"":"","\"k":"\\a\u001f\n\"ب\r\t"}"#)
        for bad in ["{", "[1,]", #"{"a" 1}"#, "tru", "01", #""\u12""#, "1 2"] {
            #expect(JSONValue.parse(bad) == nil, "\(bad)")
        }
        // From bytes: contiguous (a file's Data) or not (a lazy view, copied first); same answers.
        let text = #"{"b":1,"a":[true,null,"عربي"]}"#
        #expect(JSONValue.parse(utf8: Data(text.utf8)) == JSONValue.parse(text))
        #expect(JSONValue.parse(utf8: Array(text.utf8).lazy.map { $0 }) == JSONValue.parse(text))
        #expect(JSONValue.parse(utf8: Data("[1,]".utf8)) == nil)
    }
}
