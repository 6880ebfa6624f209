/// Decided requests by Hijri month and service: the figures the ministry publishes as open
/// data. Built from counts per Riyadh day (what the database can group by), folded here into
/// Umm al-Qura months.
public struct MonthlyStatistics: Sendable {
    /// How the requests of one service ended in one month.
    public struct Counts: Sendable, Equatable {
        public var completed = 0
        public var rejected = 0
        public var failed = 0
        public var cancelled = 0
        public var total: Int { completed + rejected + failed + cancelled }

        public init(completed: Int = 0, rejected: Int = 0, failed: Int = 0, cancelled: Int = 0) {
            self.completed = completed
            self.rejected = rejected
            self.failed = failed
            self.cancelled = cancelled
        }

        public static func + (a: Counts, b: Counts) -> Counts {
            Counts(completed: a.completed + b.completed, rejected: a.rejected + b.rejected,
                   failed: a.failed + b.failed, cancelled: a.cancelled + b.cancelled)
        }
    }

    public struct Month: Sendable {
        public let month: HijriMonth
        /// The month's own first and last Riyadh days (Umm al-Qura).
        public var firstDay: Day { month.firstDay }
        public var lastDay: Day { month.lastDay }
        /// By service code, in code order.
        public var services: [(code: String, counts: Counts)]
        public var total: Counts { services.reduce(Counts()) { $0 + $1.counts } }
    }

    /// In calendar order.
    public let months: [Month]

    /// One count from the database: the requests of `service` decided on `day` that ended in
    /// `state` (completed, rejected, failed or cancelled; anything else is not a decision).
    public typealias DayCount = (day: Day, service: String, state: String, count: Int)

    /// Some months of another reading (a period cut from all of them).
    public init(months: [Month]) { self.months = months }

    public init(_ rows: [DayCount]) {
        var byMonth: [HijriMonth: [String: Counts]] = [:]
        var monthOfDay: [Day: HijriMonth] = [:]
        for row in rows {
            let month = monthOfDay[row.day] ?? HijriMonth(row.day)
            monthOfDay[row.day] = month
            var counts = byMonth[month]?[row.service] ?? Counts()
            switch row.state {
            case "completed": counts.completed += row.count
            case "rejected": counts.rejected += row.count
            case "failed": counts.failed += row.count
            case "cancelled": counts.cancelled += row.count
            default: continue
            }
            byMonth[month, default: [:]][row.service] = counts
        }
        months = byMonth.keys.sorted().map { month in
            let services = byMonth[month] ?? [:]
            return Month(month: month, services: services.keys.sorted().map { ($0, services[$0] ?? Counts()) })
        }
    }

    /// Every month together.
    public var grandTotal: Counts { total.reduce(Counts()) { $0 + $1.counts } }

    /// Every month together, by service.
    public var total: [(code: String, counts: Counts)] {
        var sums: [String: Counts] = [:]
        for month in months { for (code, counts) in month.services { sums[code] = (sums[code] ?? Counts()) + counts } }
        return sums.keys.sorted().map { ($0, sums[$0]!) }
    }
}
