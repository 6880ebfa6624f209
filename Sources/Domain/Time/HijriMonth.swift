import Foundation

/// A month of the Umm al-Qura calendar, the calendar the ministry reports its figures in
/// ("during the first ten months of the current Hijri year…").
public struct HijriMonth: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let year: Int
    /// 1 (Muharram) … 12 (Dhu al-Hijjah).
    public let month: Int

    public init(year: Int, month: Int) {
        precondition((1...12).contains(month), "a Hijri month is 1…12")
        self.year = year
        self.month = month
    }

    /// The Hijri month a Riyadh day falls in. (`.islamicCivil` is a day off from Umm al-Qura
    /// on some dates; NOTES.md.)
    public init(_ day: Day) {
        // Noon UTC of the civil date: the same date in any time zone the calendar might use.
        let noon = Date(timeIntervalSince1970: TimeInterval(day.number * 86_400 + 12 * 3600))
        let parts = Self.calendar.dateComponents([.year, .month], from: noon)
        self.init(year: parts.year ?? 0, month: parts.month ?? 1)
    }

    private static let calendar: Calendar = {
        var calendar = Calendar(identifier: .islamicUmmAlQura)
        calendar.timeZone = TimeZone(secondsFromGMT: 0)!
        return calendar
    }()

    /// The month's first Riyadh day.
    public var firstDay: Day {
        var parts = DateComponents()
        parts.year = year
        parts.month = month
        parts.day = 1
        parts.hour = 12
        guard let noon = Self.calendar.date(from: parts) else { return Day(number: 0) }
        return Day(number: Int((noon.timeIntervalSince1970 / 86_400).rounded(.down)))
    }

    /// The month's last Riyadh day: the day before the next month's first.
    public var lastDay: Day {
        let next = month == 12 ? HijriMonth(year: year + 1, month: 1) : HijriMonth(year: year, month: month + 1)
        return next.firstDay.adding(days: -1)
    }

    /// `1447-03`: sortable, Latin digits (machine output).
    public var description: String { "\(year)-" + (month < 10 ? "0\(month)" : "\(month)") }

    public var nameEn: String { Self.names[month - 1].en + " \(year)" }
    public var nameAr: String { Self.names[month - 1].ar + " \(year)هـ" }

    private static let names: [(en: String, ar: String)] = [
        ("Muharram", "محرم"), ("Safar", "صفر"), ("Rabi al-Awwal", "ربيع الأول"), ("Rabi al-Thani", "ربيع الآخر"),
        ("Jumada al-Ula", "جمادى الأولى"), ("Jumada al-Akhirah", "جمادى الآخرة"), ("Rajab", "رجب"), ("Shaban", "شعبان"),
        ("Ramadan", "رمضان"), ("Shawwal", "شوال"), ("Dhu al-Qadah", "ذو القعدة"), ("Dhu al-Hijjah", "ذو الحجة"),
    ]

    public static func < (a: HijriMonth, b: HijriMonth) -> Bool { (a.year, a.month) < (b.year, b.month) }
}
