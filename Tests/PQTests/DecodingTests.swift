import Foundation
import PQ
import Testing
import TestSupport

@Suite("Typed values")
struct DecodingTests {
    @Test("every supported type goes in as a parameter and comes back equal")
    func roundTrip() async throws {
        let connection = try await TestDatabase.connect()
        let id = UUID()
        let when = Date(timeIntervalSince1970: 1_795_000_000.123456)
        let bytes = Data([0, 1, 2, 254, 255])
        let row = try await connection.query("""
            SELECT $1::text AS t, $2::int2 AS i2, $3::int4 AS i4, $4::int8 AS i8, $5::bool AS b,
                   $6::float8 AS f, $7::numeric AS n, $8::date AS d, $9::timestamptz AS ts,
                   $10::uuid AS u, $11::jsonb AS j, $12::bytea AS by,
                   $13::int8[] AS ai, $14::text[] AS at, $15::uuid[] AS au, $16::bool[] AS ab
            """, [
                "مرحبا \"quoted\" \\ tab\t", Int16(-7), Int32(123_456), Int64.max, true,
                2.5, Decimal(string: "12345.678901")!, Date(timeIntervalSince1970: 86_400 * 20_000), when,
                id, try JSONParameter(["a": 1]), bytes,
                [1, 2, 3], ["a b", "c,d", "e\"f", "NULL", "", "\\g\"\"h\\", "عربي \\"], [id], [true, false],
            ]).single()
        #expect(try row.decode(String.self, "t") == "مرحبا \"quoted\" \\ tab\t")
        #expect(try row.decode(Int16.self, "i2") == -7)
        #expect(try row.decode(Int32.self, "i4") == 123_456)
        #expect(try row.decode(Int64.self, "i8") == Int64.max)
        #expect(try row.decode(Bool.self, "b") == true)
        #expect(try row.decode(Double.self, "f") == 2.5)
        #expect(try row.decode(Decimal.self, "n") == Decimal(string: "12345.678901")!)
        #expect(try row.decode(Date.self, "d") == Date(timeIntervalSince1970: 86_400 * 20_000))
        #expect(abs(try row.decode(Date.self, "ts").timeIntervalSince(when)) < 0.000_001)
        #expect(try row.decode(UUID.self, "u") == id)
        #expect(try row.decodeJSON([String: Int].self, "j") == ["a": 1])
        #expect(try row.decode(Data.self, "by") == bytes)
        #expect(try row.decode([Int].self, "ai") == [1, 2, 3])
        #expect(try row.decode([String].self, "at") == ["a b", "c,d", "e\"f", "NULL", "", "\\g\"\"h\\", "عربي \\"])
        #expect(try row.decode([UUID].self, "au") == [id])
        #expect(try row.decode([Bool].self, "ab") == [true, false])
    }

    @Test("NULL decodes to nil for optionals, also inside arrays")
    func nulls() async throws {
        let connection = try await TestDatabase.connect()
        let row = try await connection.query(
            "SELECT NULL::int AS n, $1::text AS p, ARRAY[1, NULL, 3] AS a",
            [String?.none]).single()
        #expect(try row.decode(Int?.self, "n") == nil)
        #expect(try row.decode(String?.self, "p") == nil)
        #expect(try row.decode([Int?].self, "a") == [1, nil, 3])
        #expect(row.isNull(at: 0))
    }

    @Test("an unexpected NULL is an error naming the column and the row")
    func unexpectedNull() async throws {
        let connection = try await TestDatabase.connect()
        let result = try await connection.query("SELECT x AS amount FROM (VALUES (1), (NULL)) AS v(x)")
        #expect(try result[0].decode(Int.self, "amount") == 1)
        let error = #expect(throws: PQError.self) { try result[1].decode(Int.self, "amount") }
        #expect(error?.kind == .decoding)
        #expect(error?.message.contains("\"amount\"") == true)
        #expect(error?.message.contains("row 1") == true)
        #expect(error?.message.contains("NULL") == true)
    }

    @Test("a wrong type is an error naming the column, the row and both types")
    func wrongType() async throws {
        let connection = try await TestDatabase.connect()
        let row = try await connection.query("SELECT 'abc'::text AS name, 5::int AS count").single()
        let error = #expect(throws: PQError.self) { try row.decode(Int.self, "name") }
        #expect(error?.message.contains("\"name\"") == true)
        #expect(error?.message.contains("row 0") == true)
        #expect(error?.message.contains("text") == true)
        #expect(throws: PQError.self) { try row.decode(String.self, "count") }
        #expect(throws: PQError.self) { try row.decode(Bool.self, "count") }
        #expect(throws: PQError.self) { try row.decode(Int.self, "missing") }
        #expect(throws: PQError.self) { try row.decode(Int.self, at: 7) }
    }

    @Test("integers that do not fit are errors, not truncations")
    func overflow() async throws {
        let connection = try await TestDatabase.connect()
        let row = try await connection.query("SELECT 100000::int4 AS big").single()
        #expect(throws: PQError.self) { try row.decode(Int16.self, "big") }
        #expect(try row.decode(Int32.self, "big") == 100_000)
    }

    @Test("timestamps keep microseconds and read infinity", arguments: [
        "2026-11-29 12:15:53.123456+00", "1999-12-31 23:59:59+00", "2000-02-29 00:00:00.5+00",
    ])
    func timestamps(text: String) async throws {
        let connection = try await TestDatabase.connect()
        let row = try await connection.query(
            "SELECT $1::timestamptz AS t, extract(epoch FROM $1::timestamptz)::float8 AS e", [text]).single()
        let date = try row.decode(Date.self, "t")
        #expect(abs(date.timeIntervalSince1970 - (try row.decode(Double.self, "e"))) < 0.000_001)
        let infinite = try await connection.query("SELECT 'infinity'::timestamptz AS t").single()
        #expect(try infinite.decode(Date.self, "t") == .distantFuture)
    }

    @Test("a text parameter with a NUL byte is refused before it is sent")
    func nulByte() async throws {
        let connection = try await TestDatabase.connect()
        let error = await #expect(throws: PQError.self) {
            try await connection.query("SELECT $1::text", ["a\u{0}b"])
        }
        #expect(error?.kind == .encoding)
    }
}
