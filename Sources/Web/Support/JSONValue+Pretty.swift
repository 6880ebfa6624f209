import Domain
import Foundation

extension JSONValue {
    /// Indented, keys sorted: a payload or an event's data for people to read (escaped by the template).
    var prettyText: String {
        let text = jsonText
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]),
              let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed]),
              let pretty = String(data: data, encoding: .utf8) else { return text }
        return pretty
    }
}
