import Domain
import Foundation

/// Prints a value as pretty JSON with sorted keys and ISO dates (machine output).
func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

/// Prints rows as aligned columns.
func printTable(_ header: [String], _ rows: [[String]]) {
    let widths = header.indices.map { column in
        ([header[column]] + rows.map { column < $0.count ? $0[column] : "" }).map(\.count).max() ?? 0
    }
    func line(_ cells: [String]) -> String {
        cells.enumerated().map { index, cell in
            index == cells.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
        }.joined(separator: "  ")
    }
    print(line(header))
    for row in rows { print(line(row)) }
}

/// A JSON value as short text for tables.
func brief(_ value: JSONValue?) -> String {
    guard let value else { return "" }
    switch value {
    case .string(let text): return text
    case .number(let number): return Int(exactly: number).map(String.init) ?? String(number)
    case .bool(let flag): return flag ? "true" : "false"
    case .null: return "null"
    default: return String(decoding: (try? JSONEncoder().encode(value)) ?? Data(), as: UTF8.self)
    }
}

extension Date {
    /// ISO 8601 with seconds, UTC.
    var iso: String { formatted(.iso8601) }
}
