import Foundation
@testable import PQ
import Testing
import TestSupport

@Suite("UUID text")
struct UUIDTextTests {
    static let edges = [
        UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)),
        UUID(uuid: (255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255)),
        UUID(uuidString: "0123456789ABCDEF0123456789abcdef".replacingOccurrences(
            of: #"(.{8})(.{4})(.{4})(.{4})(.{12})"#, with: "$1-$2-$3-$4-$5", options: .regularExpression))!,
    ]

    @Test("written as Foundation writes it, lowercased, and read back equal")
    func formatAndParse() {
        for uuid in Self.edges + (0..<1_000).map({ _ in UUID() }) {
            let text = UUIDText.format(uuid)
            #expect(text == uuid.uuidString.lowercased())
            let parsed = Array(text.utf8).withUnsafeBufferPointer(UUIDText.parse)
            #expect(parsed == uuid)
            let upper = Array(uuid.uuidString.utf8).withUnsafeBufferPointer(UUIDText.parse)
            #expect(upper == uuid)
        }
    }

    @Test("anything but the hyphenated 36-character form is refused", arguments: [
        "", "0123456789abcdef0123456789abcdef", "01234567-89ab-cdef-0123-456789abcde",
        "01234567-89ab-cdef-0123-456789abcdef0", "01234567_89ab-cdef-0123-456789abcdef",
        "0123456g-89ab-cdef-0123-456789abcdef", "{1234567-89ab-cdef-0123-456789abcdef",
        "01234567-89ab-cdef-0123-456789abcde\u{00e9}",
    ])
    func refusesOtherForms(text: String) {
        #expect(Array(text.utf8).withUnsafeBufferPointer(UUIDText.parse) == nil)
    }

    @Test("PostgreSQL reads what is written and writes what is read")
    func throughTheServer() async throws {
        let connection = try await TestDatabase.connect()
        let ids = Self.edges + (0..<200).map { _ in UUID() }
        let row = try await connection.query(
            "SELECT $1::uuid[] AS ids, $1::uuid[]::text AS text", [ids]).single()
        #expect(try row.decode([UUID].self, "ids") == ids)
        #expect(try row.decode(String.self, "text") == "{" + ids.map { $0.uuidString.lowercased() }.joined(separator: ",") + "}")
        await connection.close()
    }
}
