import Foundation
@testable import PQ
import Testing
import TestSupport

/// A named statement's parameters go in binary where the server's type allows; plain SQL's
/// go in text. Each case sends one value both ways and compares what the server made of it.
@Suite("Binary parameters")
struct BinaryParameterTests {
    struct Case: Sendable, CustomStringConvertible {
        let type: String
        let value: any PostgresEncodable
        /// Whether the value is expected to travel in binary as this type.
        let binary: Bool
        var description: String { "\(type) \(value)" }
    }

    static let id = UUID(uuidString: "0193A5B2-7C4D-7E8F-9A0B-1C2D3E4F5061")!
    static let tricky = ["a b", "c,d", "e\"f", "NULL", "", "\\g\"\"h\\", "عربي \\", "{x}", " lead", "tab\there", "😀"]
    static let dates = [
        Date(timeIntervalSince1970: 1_795_000_000.123456),
        Date(timeIntervalSince1970: 946_684_800),  // PostgreSQL's epoch
        Date(timeIntervalSince1970: 946_684_799.999_999),
        Date(timeIntervalSince1970: -86_400 * 365.25 * 40 + 0.5),  // before 1970
        Date(timeIntervalSince1970: 1_795_000_000.000_000_4),  // rounds to the microsecond
    ]

    static let cases: [Case] = [
        Case(type: "uuid[]", value: [id, UUID(), id], binary: true),
        Case(type: "text[]", value: tricky, binary: true),
        Case(type: "varchar[]", value: tricky, binary: true),
        Case(type: "timestamptz[]", value: dates, binary: true),
        Case(type: "timestamp[]", value: dates, binary: true),
        Case(type: "bool[]", value: [true, false, true], binary: true),
        Case(type: "int2[]", value: [-32_768, 0, 32_767], binary: true),
        Case(type: "int4[]", value: [Int(Int32.min), -1, 0, Int(Int32.max)], binary: true),
        Case(type: "int8[]", value: [Int.min, 0, Int.max], binary: true),
        Case(type: "float8[]", value: [0.1, -2.5e300, 3], binary: true),
        Case(type: "bytea[]", value: [Data([0, 1, 254, 255]), Data()], binary: true),
        Case(type: "jsonb[]", value: [#"{"b": 1, "a": [true, null]}"#, "\"ق\""], binary: true),
        Case(type: "text[]", value: NullableArray<String>([nil, "x", nil]), binary: true),
        Case(type: "int4[]", value: NullableArray<Int>([1, nil]), binary: true),
        Case(type: "uuid[]", value: [UUID](), binary: true),
        Case(type: "text[]", value: [String](), binary: true),
        Case(type: "uuid", value: id, binary: true),
        Case(type: "text", value: "مرحبا \"quoted\" \\", binary: true),
        Case(type: "timestamptz", value: dates[3], binary: true),
        Case(type: "int4", value: 42, binary: true),
        Case(type: "int8", value: Int64.min, binary: true),
        Case(type: "bool", value: false, binary: true),
        Case(type: "bytea", value: Data([0, 0, 7]), binary: true),
        Case(type: "jsonb", value: #"{"z": "ي", "a": 1.50}"#, binary: true),
        Case(type: "json", value: #"{"z": 1,  "a": 2}"#, binary: true),
        Case(type: "jsonb", value: try! JSONParameter(["k": [1, 2]]), binary: true),
        // What has no binary writer, or does not fit, goes as text.
        Case(type: "numeric[]", value: [Decimal(string: "1.25")!, Decimal(7)], binary: false),
        Case(type: "date", value: Date(timeIntervalSince1970: 86_400 * 20_000), binary: false),
        Case(type: "int4[]", value: [Decimal(1), Decimal(-2)], binary: false),
        Case(type: "text", value: 17, binary: false),
    ]

    @Test("each value arrives as its text form would have", arguments: cases.indices)
    func sameAsText(_ index: Int) async throws {
        let item = Self.cases[index]
        let connection = try await TestDatabase.connect()
        let sql = "SELECT $1::\(item.type)::text AS value"
        let statement = Statement("pq_test_binary_\(index)", sql)
        let viaText = try await connection.query(sql, [item.value]).single().decode(String.self, "value")
        let viaStatement = try await connection.query(statement, [item.value]).single().decode(String.self, "value")
        #expect(viaStatement == viaText)
        let types = try #require(await connection.parameterTypes(of: statement))
        let encoded = try EncodedParameters([item.value], types: types)
        #expect(encoded.formats == [item.binary ? 1 : 0], "\(item)")
    }

    @Test("the same values go in binary in a pipeline, and NULL stays NULL")
    func pipeline() async throws {
        let connection = try await TestDatabase.connect()
        let statement = Statement("pq_test_binary_pipeline", """
            SELECT count(*)::int AS n, count(t)::int AS present, string_agg(t, '|' ORDER BY n) AS texts,
                   min(d) = $3 AS first_date
            FROM unnest($1::text[], $2::int[]) AS u(t, n), (SELECT $3::timestamptz AS d) AS x
            """)
        let results = try await connection.withTransaction { db in
            try db.pipeline([
                PipelineStatement(statement, [NullableArray<String>(["a", nil, "c\"d"]), [1, 2, 3], Self.dates[0]]),
                PipelineStatement(statement, [[String](), [Int](), nil]),
            ])
        }
        #expect(try results[0].single().decode(Int.self, "n") == 3)
        #expect(try results[0].single().decode(Int.self, "present") == 2)
        #expect(try results[0].single().decode(String.self, "texts") == "a|c\"d")
        #expect(try results[0].single().decode(Bool.self, "first_date") == true)
        #expect(try results[1].single().decode(Int.self, "n") == 0)
    }

    @Test("a value out of its type's range is refused by the server as in text")
    func outOfRange() async throws {
        let connection = try await TestDatabase.connect()
        let statement = Statement("pq_test_binary_range", "SELECT $1::int4[] AS a")
        let error = await #expect(throws: PQError.self) {
            try await connection.query(statement, [[1, Int(Int32.max) + 1]])
        }
        #expect(error?.sqlState == SQLState("22003"))
        #expect(try await connection.query(statement, [[5]]).single().decode([Int].self, "a") == [5])
    }

    @Test("a NUL inside a text is refused before anything is sent, in binary as in text")
    func nulInText() async throws {
        let connection = try await TestDatabase.connect()
        let statement = Statement("pq_test_binary_nul", "SELECT $1::text[] AS a")
        for parameter: any PostgresEncodable in [["ok", "a\u{0}b"], "a\u{0}b"] {
            let error = await #expect(throws: PQError.self) {
                try await connection.query(statement, [parameter])
            }
            #expect(error?.kind == .encoding)
        }
        #expect(try await connection.query(statement, [["ok"]]).single().decode([String].self, "a") == ["ok"])
    }

    @Test("a pipeline with a value that cannot go sends none of its statements")
    func nulInPipeline() async throws {
        let connection = try await TestDatabase.connect()
        try await connection.execute("CREATE TEMP TABLE pq_test_nul (t text)")
        let insert = Statement("pq_test_binary_nul_insert", "INSERT INTO pq_test_nul VALUES ($1)")
        let error = await #expect(throws: PQError.self) {
            try await connection.pipeline([PipelineStatement(insert, ["first"]), PipelineStatement(insert, ["a\u{0}b"])])
        }
        #expect(error?.kind == .encoding)
        #expect(try await connection.query("SELECT count(*)::int AS n FROM pq_test_nul").single().decode(Int.self, "n") == 0)
        _ = try await connection.pipeline([PipelineStatement(insert, ["again"])])
        #expect(try await connection.query("SELECT count(*)::int AS n FROM pq_test_nul").single().decode(Int.self, "n") == 1)
    }
}
