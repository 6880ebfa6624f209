import Domain
import Foundation
import PQ
import Store
import Testing
import TestSupport

/// A `Day` goes to a `date` parameter of a named statement in binary (days from
/// 2000-01-01): it must land on the same calendar date as its text form.
@Suite("Day as a parameter")
struct DayParameterTests {
    static let days = [
        Day(number: 0), Day(number: BinaryParameter.epochOffsetDays), Day(number: BinaryParameter.epochOffsetDays - 1),
        Day(number: 20_424), Day(number: -3_650), Day(number: 2_900_000),
    ]

    @Test("in binary, a day is the date its text names, also in arrays and beside NULLs")
    func sameDate() async throws {
        let connection = try await TestDatabase.connect()
        let scalar = Statement("store_test_day", "SELECT $1::date::text AS day")
        let array = Statement("store_test_days", "SELECT $1::date[]::text AS days")
        for day in Self.days {
            #expect(try await connection.query(scalar, [day]).single().decode(String.self, "day") == day.iso)
        }
        let viaText = try await connection.query("SELECT $1::date[]::text AS days", [NullableArray<Day>(Self.days + [nil])])
        let viaStatement = try await connection.query(array, [NullableArray<Day>(Self.days + [nil])])
        #expect(try viaStatement.single().decode(String.self, "days") == viaText.single().decode(String.self, "days"))
    }
}
