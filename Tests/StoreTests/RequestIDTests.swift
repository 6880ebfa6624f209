import Foundation
import Store
import Testing

@Suite("Request ids")
struct RequestIDTests {
    @Test("version 7, RFC 9562 variant, and in time order across milliseconds")
    func timeOrdered() {
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        // Half a millisecond in, so that floating-point time never rounds down a millisecond.
        let ids = (0..<1_000).map { RequestID.make(at: start.addingTimeInterval((Double($0) + 0.5) / 1000)) }
        for id in ids {
            let bytes = withUnsafeBytes(of: id.uuid) { Array($0) }
            #expect(bytes[6] >> 4 == 7)
            #expect(bytes[8] >> 6 == 0b10)
        }
        // Byte order (PostgreSQL's uuid order) follows the millisecond.
        let texts = ids.map { $0.uuidString.lowercased() }
        #expect(texts == texts.sorted(), "ids out of time order")
        // The first 48 bits are the Unix time in milliseconds.
        let first = withUnsafeBytes(of: ids[0].uuid) { Array($0) }
        let milliseconds = first[0..<6].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        #expect(milliseconds == 1_800_000_000_000)
        // Within one millisecond, the random bits keep ids apart.
        #expect(Set((0..<1_000).map { _ in RequestID.make(at: start) }).count == 1_000)
    }

    @Test("an id's text is Foundation's, lowercased: API answers, logs and event hashes keep their form")
    func lowercasedText() {
        let ids = (0..<1_000).map { _ in UUID() } + (0..<1_000).map { _ in RequestID.make() }
            + [UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)),
               UUID(uuid: (255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255))]
        for id in ids {
            #expect(id.lowercasedText == id.uuidString.lowercased())
        }
    }
}
