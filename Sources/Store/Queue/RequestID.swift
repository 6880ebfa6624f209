import Foundation
import PQ

/// Request ids in time order (UUID version 7, RFC 9562): 48 bits of Unix milliseconds, then
/// 74 random bits.
///
/// A request's id is the primary key of `requests` and `request_history`. Random (version 4)
/// ids put each new entry on a random leaf of those indexes, so every batch dirtied pages
/// all over them; ids in time order land on the right-most leaves, the pages already in
/// memory. Ids stay unguessable (74 random bits) and tell no more than the submission time,
/// which the request shows anyway.
public enum RequestID {
    public static func make(at date: Date = Date()) -> UUID {
        var random = SystemRandomNumberGenerator()
        let milliseconds = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        let high = random.next() as UInt64
        let low = random.next() as UInt64
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in 0..<6 { bytes[index] = UInt8(truncatingIfNeeded: milliseconds >> (40 - 8 * index)) }
        for index in 6..<16 {
            let word = index < 8 ? high : low
            bytes[index] = UInt8(truncatingIfNeeded: word >> (8 * (index % 8)))
        }
        bytes[6] = (bytes[6] & 0x0F) | 0x70  // version 7
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // RFC 9562 variant
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }
}

extension UUID {
    /// The lowercase hyphenated text, as PostgreSQL writes a uuid and as the API, the logs
    /// and the event chain show ids; without Foundation's `uuidString`, which formats
    /// through `snprintf` on Linux (about 1% of the daemon under HTTP load: every request's
    /// actor, response and Location header).
    public var lowercasedText: String { postgresText }
}
