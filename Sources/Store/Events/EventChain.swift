import Foundation

/// How an event's hash is made, so that anyone can check the history independently.
///
/// `hash = SHA-256(prev_hash ‖ text)`, where `text` is UTF-8 of these fields joined by the
/// unit separator U+001F: stream, seq, aggregate, type, request id (lowercase, or empty),
/// actor id, time in whole microseconds since 1970 (UTC), and the data exactly as stored.
/// The first event of a stream has `prev_hash` = 32 zero bytes.
public enum EventChain {
    public static let genesis = [UInt8](repeating: 0, count: 32)

    public static func hash(
        previous: [UInt8], stream: String, seq: Int64, aggregate: String, type: String,
        requestID: UUID?, actorID: String, at: Date, data: String
    ) -> [UInt8] {
        let separator = "\u{1F}"
        let text = [
            stream, String(seq), aggregate, type, requestID?.lowercasedText ?? "", actorID,
            String(microseconds(at)), data,
        ].joined(separator: separator)
        return SHA256Digest.of(previous + Array(text.utf8))
    }

    /// Time as stored by `timestamptz`: whole microseconds.
    public static func microseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
    }

    /// `date` rounded to the microsecond, as it will read back from the database.
    public static func storable(_ date: Date) -> Date {
        Date(timeIntervalSince1970: Double(microseconds(date)) / 1_000_000)
    }
}
