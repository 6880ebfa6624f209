import Foundation

/// UUIDs in the text form PostgreSQL reads and writes: 36 characters, lowercase hex, hyphens
/// after the 4th, 6th, 8th and 10th byte.
///
/// Foundation's own conversions go through `snprintf` and `sscanf` on Linux, 2–3% of the
/// daemon's samples under HTTP load (each request's id is written and read several times).
enum UUIDText {
    private static let digits = Array("0123456789abcdef".utf8)
    /// Whether a hyphen follows the byte at `index`.
    @inline(__always)
    private static func hyphen(after index: Int) -> Bool { index == 3 || index == 5 || index == 7 || index == 9 }

    static func format(_ uuid: UUID) -> String {
        withUnsafeBytes(of: uuid.uuid) { bytes in
            String(unsafeUninitializedCapacity: 36) { text in
                var at = 0
                for (index, byte) in bytes.enumerated() {
                    text[at] = digits[Int(byte >> 4)]
                    text[at + 1] = digits[Int(byte & 0x0F)]
                    at += 2
                    if hyphen(after: index) {
                        text[at] = UInt8(ascii: "-")
                        at += 1
                    }
                }
                return at
            }
        }
    }

    /// The hyphenated form, in either case; nil for anything else.
    static func parse(_ text: UnsafeBufferPointer<UInt8>) -> UUID? {
        guard text.count == 36 else { return nil }
        var uuid: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let parsed = withUnsafeMutableBytes(of: &uuid) { bytes -> Bool in
            var at = 0
            for index in 0..<16 {
                guard let high = nibble(text[at]), let low = nibble(text[at + 1]) else { return false }
                bytes[index] = high << 4 | low
                at += 2
                if hyphen(after: index) {
                    guard text[at] == UInt8(ascii: "-") else { return false }
                    at += 1
                }
            }
            return true
        }
        return parsed ? UUID(uuid: uuid) : nil
    }

    private static func nibble(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
