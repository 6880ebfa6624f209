@testable import Domain
import Foundation
import Testing

/// `JSONValue.decode`, which reads the rulebook's parameters, against Foundation's decoder.
@Suite("Decoding a parsed JSON value")
struct JSONValueDecodingTests {
    @Test("every edition's parameters read as Foundation's snake-case decoder reads them")
    func sameAsFoundation() throws {
        let file = try Data(contentsOf: Scenario.rulebookFile)
        let rulebook = try Rulebook(json: file)
        guard case .array(let editions)? = JSONValue.parse(utf8: file)?["editions"] else {
            Issue.record("no editions")
            return
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        var merged: JSONValue = .object([:])
        for (edition, entry) in zip(rulebook.editions, editions) {
            merged = Rulebook.merge(merged, entry["parameters"] ?? .null)
            let foundation = try decoder.decode(RuleParameters.self, from: Data(merged.jsonBytes))
            #expect(edition.parameters == foundation, "\(edition.effectiveFrom)")
        }
        // Dictionary keys are kept as written, underscores and all.
        #expect(rulebook.editions[0].parameters.activities["information_technology"] != nil)
    }

    struct Sample: Decodable, Equatable {
        let someCount: Int
        let ratio: Double
        let label: String?
        let flags: [Bool]
        let nested: [String: [Int8]]
    }

    @Test("values, optionals, arrays and dictionaries; a missing key, a wrong type or a fraction is an error with its path")
    func valuesAndErrors() throws {
        let sample: JSONValue = ["some_count": 3, "ratio": 0.5, "flags": [true, false], "nested": ["a_b": [1, -2]]]
        #expect(try sample.decode(Sample.self) == Sample(someCount: 3, ratio: 0.5, label: nil, flags: [true, false], nested: ["a_b": [1, -2]]))
        let labelled = Rulebook.merge(sample, ["label": "x"])
        #expect(try labelled.decode(Sample.self).label == "x")

        let missing = sample.objectValue!.filter { $0.key != "ratio" }
        #expect {
            try JSONValue.object(missing).decode(Sample.self)
        } throws: { error in
            guard case DecodingError.keyNotFound(let key, _) = error else { return false }
            return key.stringValue == "ratio"
        }
        #expect {
            try Rulebook.merge(sample, ["flags": [true, "no"]]).decode(Sample.self)
        } throws: { error in
            guard case DecodingError.typeMismatch(_, let context) = error else { return false }
            return context.codingPath.map(\.stringValue) == ["flags", "Index 1"]
        }
        #expect {
            try Rulebook.merge(sample, ["some_count": 2.5]).decode(Sample.self)
        } throws: { error in
            guard case DecodingError.dataCorrupted(let context) = error else { return false }
            return context.codingPath.map(\.stringValue) == ["someCount"]
        }
        #expect(throws: DecodingError.self) { try Rulebook.merge(sample, ["nested": ["a": [300]]]).decode(Sample.self) }
    }
}
