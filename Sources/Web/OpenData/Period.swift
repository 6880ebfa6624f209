import Domain

/// A period of whole Umm al-Qura months, as `?from=1447-01&to=1447-10` gives it.
struct Period: Sendable, Equatable {
    let first: HijriMonth
    let last: HijriMonth

    /// The longest period a page shows (three years): more is one request too many months.
    static let maxMonths = 36
    /// The years the Umm al-Qura tables cover comfortably.
    static let years = 1400...1500

    enum Refusal: Error, Equatable { case malformed(String), reversed, tooLong }

    var months: [HijriMonth] {
        var months: [HijriMonth] = [], month = first
        while month <= last {
            months.append(month)
            month = month.month == 12 ? HijriMonth(year: month.year + 1, month: 1) : HijriMonth(year: month.year, month: month.month + 1)
        }
        return months
    }

    /// The default: the ten months that end with the latest one holding a decision (or with
    /// this month, when none does), as the seed reports its first ten months.
    static func `default`(latest: HijriMonth?, today: Day) -> Period {
        let last = latest ?? HijriMonth(today)
        return Period(first: last.adding(months: -9), last: last)
    }

    /// From the query, any part missing taken from the default.
    static func parse(from: String?, to: String?, default fallback: Period) -> Result<Period, Refusal> {
        var first = fallback.first, last = fallback.last
        if let from {
            guard let month = month(from) else { return .failure(.malformed("from")) }
            first = month
            if to == nil { last = max(month, min(fallback.last, month.adding(months: 9))) }
        }
        if let to {
            guard let month = month(to) else { return .failure(.malformed("to")) }
            last = month
            if from == nil { first = month.adding(months: -9) }
        }
        // A period counted back from its end stops at the first month covered.
        if from == nil { first = max(first, HijriMonth(year: years.lowerBound, month: 1)) }
        guard first <= last else { return .failure(.reversed) }
        guard Period(first: first, last: last).months.count <= maxMonths else { return .failure(.tooLong) }
        return .success(Period(first: first, last: last))
    }

    /// `1447-03`: four digits, a dash, two digits, within the years covered; nothing else.
    static func month(_ text: String) -> HijriMonth? {
        let bytes = Array(text.utf8)
        guard bytes.count == 7, bytes[4] == UInt8(ascii: "-"),
              bytes.enumerated().allSatisfy({ $0.offset == 4 || (48...57).contains($0.element) }),
              let year = Int(text.prefix(4)), let month = Int(text.suffix(2)),
              years.contains(year), (1...12).contains(month) else { return nil }
        return HijriMonth(year: year, month: month)
    }
}

extension HijriMonth {
    func adding(months: Int) -> HijriMonth {
        let index = year * 12 + (month - 1) + months
        return HijriMonth(year: index / 12, month: index % 12 + 1)
    }
}

extension MonthlyStatistics {
    /// The months of a period only (their figures unchanged: a month is whole or absent).
    func within(_ period: Period) -> MonthlyStatistics {
        MonthlyStatistics(months: months.filter { $0.month >= period.first && $0.month <= period.last })
    }
}
