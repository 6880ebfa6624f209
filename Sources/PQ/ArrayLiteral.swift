/// PostgreSQL's text form of one-dimensional arrays: `{1,NULL,"a b","say \"hi\""}`.
enum ArrayLiteral {
    /// Formats elements (already in text form) as an array literal; `nil` is NULL. Runs of
    /// bytes that need no backslash are copied whole.
    static func format(_ elements: [String?]) -> String {
        var bytes: [UInt8] = [UInt8(ascii: "{")]
        bytes.reserveCapacity(2 + elements.reduce(0) { $0 + 3 + ($1?.utf8.count ?? 4) })
        for (index, element) in elements.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            guard var element else {
                bytes.append(contentsOf: "NULL".utf8)
                continue
            }
            bytes.append(UInt8(ascii: "\""))
            element.withUTF8 { utf8 in
                var runStart = 0
                for index in utf8.indices where utf8[index] == UInt8(ascii: "\"") || utf8[index] == UInt8(ascii: "\\") {
                    bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
                    bytes.append(UInt8(ascii: "\\"))
                    runStart = index
                }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
            }
            bytes.append(UInt8(ascii: "\""))
        }
        bytes.append(UInt8(ascii: "}"))
        return String(decoding: bytes, as: UTF8.self)
    }

    enum ParseError: Error {
        case malformed(String)
    }

    /// Parses a one-dimensional array literal into its elements' text; `nil` is NULL.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(ParseError) -> [String?] {
        var index = 0
        // Skip an optional dimension decoration: [1:3]={…}
        if bytes.first == UInt8(ascii: "[") {
            while index < bytes.count && bytes[index] != UInt8(ascii: "=") { index += 1 }
            index += 1
        }
        guard index < bytes.count, bytes[index] == UInt8(ascii: "{") else {
            throw .malformed("an array literal starts with '{'")
        }
        index += 1
        var elements: [String?] = []
        if index < bytes.count && bytes[index] == UInt8(ascii: "}") { return elements }
        var element: [UInt8] = []
        while index < bytes.count {
            element.removeAll(keepingCapacity: true)
            var quoted = false
            if bytes[index] == UInt8(ascii: "{") {
                throw .malformed("multi-dimensional arrays are not supported")
            }
            if bytes[index] == UInt8(ascii: "\"") {
                quoted = true
                index += 1
                while index < bytes.count && bytes[index] != UInt8(ascii: "\"") {
                    if bytes[index] == UInt8(ascii: "\\") { index += 1 }
                    guard index < bytes.count else { break }
                    element.append(bytes[index])
                    index += 1
                }
                guard index < bytes.count else { throw .malformed("unterminated quoted element") }
                index += 1  // closing quote
            } else {
                while index < bytes.count && bytes[index] != UInt8(ascii: ",")
                    && bytes[index] != UInt8(ascii: "}") {
                    if bytes[index] == UInt8(ascii: "\\") { index += 1 }
                    guard index < bytes.count else { break }
                    element.append(bytes[index])
                    index += 1
                }
            }
            let text = String(decoding: element, as: UTF8.self)
            elements.append(!quoted && text == "NULL" ? nil : text)
            guard index < bytes.count else { throw .malformed("unterminated array") }
            if bytes[index] == UInt8(ascii: "}") { return elements }
            guard bytes[index] == UInt8(ascii: ",") else { throw .malformed("expected ',' between elements") }
            index += 1
        }
        throw .malformed("unterminated array")
    }
}
