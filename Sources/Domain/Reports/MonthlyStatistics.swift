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
        /// The first and last Riyadh days of the month that had any decision.
        public var firstDay: Day
        public var lastDay: Day
        /// By service code, in code order.
        public var services: [(code: String, counts: Counts)]
        public var total: Counts { services.reduce(Counts()) { $0 + $1.counts } }
    }

    /// In calendar order.
    public let months: [Month]

    /// One count from the database: the requests of `service` decided on `day` that ended in
    /// `state` (completed, rejected, failed or cancelled; anything else is not a decision).
    public typealias DayCount = (day: Day, service: String, state: String, count: Int)

    public init(_ rows: [DayCount]) {
        var byMonth: [HijriMonth: (first: Day, last: Day, services: [String: Counts])] = [:]
        var monthOfDay: [Day: HijriMonth] = [:]
        for row in rows {
            let month = monthOfDay[row.day] ?? HijriMonth(row.day)
            monthOfDay[row.day] = month
            var entry = byMonth[month] ?? (row.day, row.day, [:])
            entry.first = min(entry.first, row.day)
            entry.last = max(entry.last, row.day)
            var counts = entry.services[row.service] ?? Counts()
            switch row.state {
            case "completed": counts.completed += row.count
            case "rejected": counts.rejected += row.count
            case "failed": counts.failed += row.count
            case "cancelled": counts.cancelled += row.count
            default: continue
            }
            entry.services[row.service] = counts
            byMonth[month] = entry
        }
        months = byMonth.keys.sorted().map { month in
            let entry = byMonth[month]!
            return Month(month: month, firstDay: entry.first, lastDay: entry.last,
                         services: entry.services.keys.sorted().map { ($0, entry.services[$0]!) })
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
