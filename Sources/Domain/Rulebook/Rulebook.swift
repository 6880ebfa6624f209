import Foundation

/// The ministry's rules as dated editions: each decision uses the edition in force on the
/// day its request was submitted.
///
/// The file (`Rulebook/rulebook.json`) lists editions in order. The first gives every
/// parameter; each later one gives only what changed, merged over the one before.
public struct Rulebook: Sendable {
    public struct Edition: Sendable {
        public let effectiveFrom: Day
        public let note: String
        public let parameters: RuleParameters
    }

    public let editions: [Edition]

    /// The edition in force on `day` (the first edition for days before it).
    public func parameters(on day: Day) -> RuleParameters {
        edition(on: day).parameters
    }

    public func edition(on day: Day) -> Edition {
        editions.last { $0.effectiveFrom <= day } ?? editions[0]
    }

    /// Loads the rulebook file: its JSON text.
    ///
    /// Read with the engine's own JSON reader, and each edition's parameters decoded from the
    /// parsed value (`JSONValue.decode`), not through Foundation's coders: every CLI command
    /// loads the rulebook, and Foundation's were a fifth of `muamala worker show`'s time.
    public init(json data: Data) throws {
        guard let parsed = JSONValue.parse(utf8: data) else { throw RulebookError("the rulebook is not valid JSON") }
        guard case .object(let root) = parsed, case .array(let list)? = root["editions"], !list.isEmpty else {
            throw RulebookError("the rulebook needs a non-empty \"editions\" list")
        }
        var merged: JSONValue = .object([:])
        var editions: [Edition] = []
        for (index, entry) in list.enumerated() {
            guard let text = entry["effective_from"]?.stringValue, let day = Day(iso: text) else {
                throw RulebookError("edition \(index + 1) needs \"effective_from\" as YYYY-MM-DD")
            }
            if let previous = editions.last, day <= previous.effectiveFrom {
                throw RulebookError("edition \(index + 1) (\(text)) is not after the one before (\(previous.effectiveFrom))")
            }
            guard let changes = entry["parameters"], case .object = changes else {
                throw RulebookError("edition \(index + 1) (\(text)) needs a \"parameters\" object")
            }
            if let problem = Self.outOfBounds(changes, path: "parameters") {
                throw RulebookError("edition \(index + 1) (\(text)): \(problem) is not a number between -\(Self.bound) and \(Self.bound)")
            }
            merged = Self.merge(merged, changes)
            let parameters: RuleParameters
            do {
                parameters = try merged.decode(RuleParameters.self)
            } catch {
                throw RulebookError("edition \(index + 1) (\(text)) is incomplete or malformed: \(error)")
            }
            editions.append(Edition(effectiveFrom: day, note: entry["note"]?.stringValue ?? "", parameters: parameters))
        }
        self.editions = editions
    }

    public init(editions: [Edition]) {
        precondition(!editions.isEmpty, "a rulebook has at least one edition")
        self.editions = editions
    }

    /// The largest magnitude a rulebook number may have: days, months, percentages and fees
    /// are all far below it, and arithmetic on it (months × a levy) stays far from overflow.
    static let bound = 1_000_000_000

    /// The path of the first number out of bounds (or not finite), if any.
    static func outOfBounds(_ value: JSONValue, path: String) -> String? {
        switch value {
        case .number(let number):
            return number.isFinite && abs(number) <= Double(bound) ? nil : path
        case .array(let values):
            for (index, element) in values.enumerated() {
                if let problem = outOfBounds(element, path: "\(path)[\(index)]") { return problem }
            }
            return nil
        case .object(let members):
            for (key, member) in members.sorted(by: { $0.key < $1.key }) {
                if let problem = outOfBounds(member, path: "\(path).\(key)") { return problem }
            }
            return nil
        default:
            return nil
        }
    }

    /// Objects merge key by key; anything else is replaced.
    static func merge(_ base: JSONValue, _ changes: JSONValue) -> JSONValue {
        guard case .object(var object) = base, case .object(let overrides) = changes else { return changes }
        for (key, value) in overrides {
            object[key] = object[key].map { merge($0, value) } ?? value
        }
        return .object(object)
    }
}

public struct RulebookError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
