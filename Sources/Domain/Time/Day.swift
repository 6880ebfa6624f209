import Foundation

/// A calendar day in Saudi Arabia (UTC+3, no daylight saving), as days since 1970-01-01.
///
/// Deadlines count in whole days: a case opened on day D with a 10-day window is still open
/// on D+10 and lapses when D+11 begins.
public struct Day: Hashable, Comparable, Sendable, Codable, CustomStringConvertible, Strideable {
    public let number: Int

    public init(number: Int) { self.number = number }

    /// Riyadh is three hours ahead of UTC all year.
    public static let utcOffsetSeconds = 3 * 3600

    /// The day on which `date` falls in Riyadh.
    public init(_ date: Date) {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down)) + Self.utcOffsetSeconds
        number = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
    }

    public init(year: Int, month: Int, day: Int) {
        number = Self.days(fromCivil: year, month, day)
    }

    /// The years a day from outside may fall in: past any birth date and any expiry the
    /// services know, and far inside what PostgreSQL's dates (which have no year 0) and the
    /// Umm al-Qura calendar hold.
    public static let acceptedYears = 1900...2199

    /// `acceptedYears`' `YYYY-MM-DD` as a JSON Schema pattern, beside `format: date`.
    public static let isoPattern = "^(19|20|21)[0-9]{2}-[0-9]{2}-[0-9]{2}$"

    /// Parses `YYYY-MM-DD`, a real date of `acceptedYears`.
    public init?(iso text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.utf8.allSatisfy { $0 >= 48 && $0 <= 57 } }),
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              Self.acceptedYears.contains(year), (1...12).contains(month), (1...31).contains(day) else { return nil }
        let candidate = Day(year: year, month: month, day: day)
        guard candidate.components == (year, month, day) else { return nil }
        self = candidate
    }

    /// Midnight at the start of this day, Riyadh time.
    public var start: Date {
        Date(timeIntervalSince1970: TimeInterval(number * 86_400 - Self.utcOffsetSeconds))
    }

    public var components: (year: Int, month: Int, day: Int) { Self.civil(fromDays: number) }

    public var iso: String {
        let (year, month, day) = components
        var bytes: [UInt8] = []
        bytes.reserveCapacity(10)
        func digits(_ value: Int, _ width: Int) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            var rest = value
            while divisor > 0 {
                bytes.append(UInt8(48 + rest / divisor % 10))
                rest %= divisor
                divisor /= 10
            }
        }
        if year >= 0 && year <= 9999 { digits(year, 4) } else { bytes.append(contentsOf: String(year).utf8) }
        bytes.append(UInt8(ascii: "-"))
        digits(month, 2)
        bytes.append(UInt8(ascii: "-"))
        digits(day, 2)
        return String(decoding: bytes, as: UTF8.self)
    }

    public var description: String { iso }

    public func adding(days: Int) -> Day { Day(number: number + days) }

    /// The same day of the month `months` later (clamped to the month's last day).
    public func adding(months: Int) -> Day {
        let (year, month, day) = components
        let total = year * 12 + (month - 1) + months
        let newYear = total >= 0 ? total / 12 : (total - 11) / 12
        let newMonth = total - newYear * 12 + 1
        let lastDay = Self.daysInMonth(year: newYear, month: newMonth)
        return Day(year: newYear, month: newMonth, day: min(day, lastDay))
    }

    public func adding(years: Int) -> Day { adding(months: years * 12) }

    /// Whole days from `self` to `other` (negative when `other` is earlier).
    public func days(until other: Day) -> Int { other.number - number }

    public func distance(to other: Day) -> Int { other.number - number }
    public func advanced(by n: Int) -> Day { Day(number: number + n) }

    public static func < (a: Day, b: Day) -> Bool { a.number < b.number }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let day = Day(iso: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "expected a date as YYYY-MM-DD"))
        }
        self = day
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(iso)
    }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 (proleptic Gregorian; Howard Hinnant's algorithm).
    static func days(fromCivil year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civil(fromDays days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
