/// One field of a service's payload: its name, type, whether it is required, and a line
/// saying what it is for (published in `GET /v1/services`).
public struct FieldSpec: Sendable, Equatable {
    public enum FieldType: Sendable, Equatable {
        case personID
        case establishmentID
        case unifiedNumber
        case crNumber
        case day
        case integer(ClosedRange<Int>)
        case number(ClosedRange<Double>)
        case text(maxLength: Int)
        case boolean
        case choice([String])
        case uuid
        /// A visa's number, `<establishment>/<n>` (`Visa.number`).
        case visaNumber
        /// A list of distinct national IDs or iqama numbers (1 to `maxCount`).
        case personIDs(maxCount: Int)
        /// A list of distinct service codes (`work-permit.renew`), or `*` alone for every one.
        case serviceCodes(maxCount: Int)

        /// JSON Schema for the type.
        public var jsonSchema: JSONValue {
            switch self {
            case .personID:
                // `format` names the Luhn check, which a pattern cannot say (JSON Schema lets a
                // validator that does not know a format ignore it).
                return ["type": "string", "pattern": "^[12][0-9]{9}$", "format": "saudi-person-id",
                        "description": "national ID (1…) or iqama (2…), Luhn-checked"]
            case .establishmentID: return ["type": "string", "pattern": "^[1-9][0-9]{0,8}-[1-9][0-9]{0,8}$"]
            case .unifiedNumber: return ["type": "string", "pattern": "^7[0-9]{9}$"]
            case .crNumber: return ["type": "string", "pattern": "^[0-9]{10}$"]
            case .day: return ["type": "string", "format": "date", "pattern": .string(Day.isoPattern)]
            case .integer(let range): return ["type": "integer", "minimum": .number(Double(range.lowerBound)), "maximum": .number(Double(range.upperBound))]
            case .number(let range): return ["type": "number", "minimum": .number(range.lowerBound), "maximum": .number(range.upperBound)]
            // No NUL: PostgreSQL's text and jsonb cannot hold one.
            case .text(let maxLength): return ["type": "string", "minLength": 1, "maxLength": .number(Double(maxLength)), "pattern": "^[^\\u0000]*$"]
            case .boolean: return ["type": "boolean"]
            case .choice(let values): return ["type": "string", "enum": .array(values.map(JSONValue.string))]
            case .uuid: return ["type": "string", "format": "uuid"]
            case .visaNumber: return ["type": "string", "pattern": "^[1-9][0-9]{0,8}-[1-9][0-9]{0,8}/[1-9][0-9]{0,8}$"]
            case .personIDs(let maxCount):
                return ["type": "array", "minItems": 1, "maxItems": .number(Double(maxCount)), "uniqueItems": true,
                        "items": FieldType.personID.jsonSchema]
            case .serviceCodes(let maxCount):
                return ["type": "array", "minItems": 1, "maxItems": .number(Double(maxCount)), "uniqueItems": true,
                        "items": ["type": "string", "pattern": .string(Self.serviceCodePattern)]]
            }
        }

        /// A service's code, or `*`.
        static let serviceCodePattern = "^([a-z][a-z-]{0,39}\\.[a-z][a-z-]{0,39}|\\*)$"

        static func isServiceCode(_ text: String) -> Bool {
            if text == "*" { return true }
            let parts = text.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 2 else { return false }
            return parts.allSatisfy { part in
                (1...40).contains(part.count) && part.first!.isASCII && part.first!.isLowercase
                    && part.allSatisfy { $0 == "-" || ($0.isASCII && $0.isLowercase) }
            }
        }

        var expected: String {
            switch self {
            case .personID, .establishmentID, .unifiedNumber, .crNumber, .day, .text, .choice, .uuid, .visaNumber: return "a string"
            case .personIDs, .serviceCodes: return "a list of strings"
            case .integer: return "a whole number"
            case .number: return "a number"
            case .boolean: return "true or false"
            }
        }

        var expectedArabic: String {
            switch self {
            case .personID, .establishmentID, .unifiedNumber, .crNumber, .day, .text, .choice, .uuid, .visaNumber: return "نصًا"
            case .personIDs, .serviceCodes: return "قائمة نصوص"
            case .integer: return "عددًا صحيحًا"
            case .number: return "عددًا"
            case .boolean: return "true أو false"
            }
        }
    }

    public let name: String
    public let type: FieldType
    public let required: Bool
    public let about: String

    public init(_ name: String, _ type: FieldType, required: Bool = true, _ about: String) {
        self.name = name
        self.type = type
        self.required = required
        self.about = about
    }
}

/// A field that did not validate, with a reason code and its bilingual text.
public struct FieldError: Error, Sendable, Equatable, Codable {
    public let field: String
    public let reason: Reason

    public init(field: String, reason: Reason) {
        self.field = field
        self.reason = reason
    }

    enum CodingKeys: String, CodingKey { case field, reason }
}

/// Every field problem of one payload.
public struct PayloadErrors: Error, Sendable, Equatable {
    public let fields: [FieldError]
}

/// A validated payload: every field present has the declared type and is well formed.
public struct Payload: Sendable, Equatable {
    public let values: [String: JSONValue]

    /// Validates `json` against `fields`; all problems are reported, not just the first.
    public static func validate(_ json: JSONValue, against fields: [FieldSpec]) -> Result<Payload, PayloadErrors> {
        guard case .object(let object) = json else {
            return .failure(PayloadErrors(fields: [FieldError(field: "$", reason: Reason.Code.wrongType("payload", en: "an object", ar: "كائن JSON"))]))
        }
        var errors: [FieldError] = []
        let known = Set(fields.map(\.name))
        for key in object.keys.sorted() where !known.contains(key) {
            errors.append(FieldError(field: key, reason: Reason.Code.fieldUnknown(["field": key])))
        }
        for field in fields {
            guard let value = object[field.name], value != .null else {
                if field.required {
                    errors.append(FieldError(field: field.name, reason: Reason.Code.fieldMissing(["field": field.name])))
                }
                continue
            }
            if let problem = check(value, field) {
                errors.append(FieldError(field: field.name, reason: problem))
            }
        }
        return errors.isEmpty ? .success(Payload(values: object)) : .failure(PayloadErrors(fields: errors))
    }

    /// A payload built in code (timers, tests); not validated.
    public init(values: [String: JSONValue]) { self.values = values }

    private static func check(_ value: JSONValue, _ field: FieldSpec) -> Reason? {
        // Made only when needed: rendering a reason's text is not free.
        var wrongType: Reason { Reason.Code.wrongType(field.name, en: field.type.expected, ar: field.type.expectedArabic) }
        switch field.type {
        case .personID:
            guard let text = value.stringValue else { return wrongType }
            do { _ = try PersonID(text) } catch { return error.code(["field": field.name]) }
        case .establishmentID:
            guard let text = value.stringValue else { return wrongType }
            do { _ = try EstablishmentID(text) } catch { return error.code(["field": field.name]) }
        case .unifiedNumber:
            guard let text = value.stringValue else { return wrongType }
            do { _ = try UnifiedNumber(text) } catch { return error.code(["field": field.name]) }
        case .crNumber:
            guard let text = value.stringValue else { return wrongType }
            do { _ = try CRNumber(text) } catch { return error.code(["field": field.name]) }
        case .day:
            guard let text = value.stringValue else { return wrongType }
            guard Day(iso: text) != nil else { return Reason.Code.dateFormat(["field": field.name]) }
        case .integer(let range):
            // Compared as a Double first: a number beyond Int's range (1e19, 1e400) is out of
            // the field's range, never converted.
            guard let number = value.numberValue, number.rounded() == number else { return wrongType }
            guard number >= Double(range.lowerBound), number <= Double(range.upperBound),
                  let integer = Int(exactly: number), range.contains(integer) else {
                return Reason.Code.invalid(field.name, en: "between \(range.lowerBound) and \(range.upperBound)", ar: "بين \(range.lowerBound) و\(range.upperBound)")
            }
        case .number(let range):
            guard let number = value.numberValue else { return wrongType }
            guard number.isFinite, range.contains(number) else {
                return Reason.Code.invalid(field.name, en: "between \(range.lowerBound) and \(range.upperBound)", ar: "بين \(range.lowerBound) و\(range.upperBound)")
            }
        case .text(let maxLength):
            guard let text = value.stringValue else { return wrongType }
            // Counted in Unicode scalars, as JSON Schema's maxLength counts (docs/openapi.yaml).
            guard !text.isEmpty, text.unicodeScalars.count <= maxLength else {
                return Reason.Code.invalid(field.name, en: "1 to \(maxLength) characters", ar: "من حرف إلى \(maxLength) حرفًا")
            }
            // PostgreSQL's text and jsonb cannot hold NUL: refused here, not failed in a batch.
            guard !text.utf8.contains(0) else {
                return Reason.Code.invalid(field.name, en: "text without the NUL character", ar: "نصًا بلا المحرف الصفري NUL")
            }
        case .boolean:
            guard value.boolValue != nil else { return wrongType }
        case .choice(let choices):
            guard let text = value.stringValue else { return wrongType }
            guard choices.contains(text) else {
                return Reason.Code.invalid(field.name, en: "one of \(choices.joined(separator: ", "))", ar: "إحدى القيم: \(choices.joined(separator: "، "))")
            }
        case .uuid:
            guard let text = value.stringValue else { return wrongType }
            guard UUIDText.isValid(text) else { return Reason.Code.invalid(field.name, en: "a UUID", ar: "معرّفًا فريدًا (UUID)") }
        case .visaNumber:
            guard let text = value.stringValue else { return wrongType }
            guard Visa.establishment(ofNumber: text) != nil else {
                return Reason.Code.invalid(field.name, en: "a visa number, establishment/n (1-12345/7)", ar: "رقم تأشيرة بصيغة المنشأة/الرقم (1-12345/7)")
            }
        case .personIDs(let maxCount):
            guard let items = list(value, maxCount: maxCount) else { return wrongList(field, maxCount) }
            for item in items {
                do { _ = try PersonID(item) } catch { return error.code(["field": field.name]) }
            }
        case .serviceCodes(let maxCount):
            guard let items = list(value, maxCount: maxCount) else { return wrongList(field, maxCount) }
            guard items.allSatisfy({ FieldSpec.FieldType.isServiceCode($0) }), !(items.contains("*") && items.count > 1) else {
                return Reason.Code.invalid(field.name, en: "service codes (work-permit.renew), or \"*\" alone for all",
                                           ar: "رموز خدمات (work-permit.renew)، أو \"*\" وحدها لكل الخدمات")
            }
        }
        return nil
    }

    /// The strings of a list of 1 to `maxCount` distinct strings; nil for anything else.
    private static func list(_ value: JSONValue, maxCount: Int) -> [String]? {
        guard case .array(let items) = value, (1...maxCount).contains(items.count) else { return nil }
        let strings = items.compactMap(\.stringValue)
        guard strings.count == items.count, Set(strings).count == strings.count else { return nil }
        return strings
    }

    private static func wrongList(_ field: FieldSpec, _ maxCount: Int) -> Reason {
        Reason.Code.invalid(field.name, en: "a list of 1 to \(maxCount) distinct strings", ar: "قائمة من 1 إلى \(maxCount) من النصوص المختلفة")
    }

    // MARK: Typed access (after validation)

    public func string(_ name: String) -> String? { values[name]?.stringValue }
    public func person(_ name: String) -> PersonID? { string(name).flatMap { try? PersonID($0) } }
    public func establishment(_ name: String) -> EstablishmentID? { string(name).flatMap { try? EstablishmentID($0) } }
    public func visa(_ name: String) -> String? { string(name).flatMap { Visa.establishment(ofNumber: $0) == nil ? nil : $0 } }
    public func unifiedNumber(_ name: String) -> UnifiedNumber? { string(name).flatMap { try? UnifiedNumber($0) } }
    public func cr(_ name: String) -> CRNumber? { string(name).flatMap { try? CRNumber($0) } }
    public func day(_ name: String) -> Day? { string(name).flatMap { Day(iso: $0) } }
    public func int(_ name: String) -> Int? { values[name]?.intValue }
    public func number(_ name: String) -> Double? { values[name]?.numberValue }
    public func bool(_ name: String) -> Bool? { values[name]?.boolValue }
    /// The strings of a list field (empty when absent).
    public func strings(_ name: String) -> [String] {
        guard case .array(let items)? = values[name] else { return [] }
        return items.compactMap(\.stringValue)
    }
    public func people(_ name: String) -> [PersonID] { strings(name).compactMap { try? PersonID($0) } }
}

enum UUIDText {
    static func isValid(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.map(\.count) == [8, 4, 4, 4, 12] else { return false }
        return parts.allSatisfy { $0.allSatisfy(\.isHexDigit) }
    }
}

extension IdentifierError {
    /// The reason for this identifier problem, naming the field.
    func code(_ parameters: [String: String]) -> Reason { code.callAsFunction(parameters) }
}
