/// Header values are ASCII; these helpers read them without Foundation's `CharacterSet`
/// machinery, which showed in the profile of every submission (BENCHMARKS.md, "HTTP").
extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    var trimmingHeaderWhitespace: Substring {
        let text = Substring(self)
        let utf8 = text.utf8
        var start = utf8.startIndex
        var end = utf8.endIndex
        while start < end, utf8[start] == UInt8(ascii: " ") || utf8[start] == UInt8(ascii: "\t") {
            start = utf8.index(after: start)
        }
        while end > start {
            let last = utf8.index(before: end)
            guard utf8[last] == UInt8(ascii: " ") || utf8[last] == UInt8(ascii: "\t") else { break }
            end = last
        }
        return text[start..<end]
    }

    /// Whether the value begins with `prefix`, ASCII letters compared without case.
    func hasHeaderPrefix(_ prefix: String) -> Bool {
        var value = utf8.makeIterator()
        for expected in prefix.utf8 {
            guard let byte = value.next() else { return false }
            if Self.lowercase(byte) != Self.lowercase(expected) { return false }
        }
        return true
    }

    private static func lowercase(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
    }
}
