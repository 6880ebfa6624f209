import Domain
import Engine
import Foundation

/// The open data, read from the database at most once a `lifetime` whoever asks and whatever
/// period they ask for: every period is cut from one reading, so a crawler walking every
/// period costs the database nothing more. Readers arriving while a reading is under way wait
/// for that one.
///
/// A month wholly past on business time can gain no decision (a decision is dated by the
/// clock, which only moves forward), so it is read once and kept: each reading after the
/// first covers only the months not yet settled, the current one and the one before.
actor OpenDataCache {
    struct Snapshot: Sendable {
        /// Every month with a decided request.
        let statistics: MonthlyStatistics
        /// Business time's day (a simulated clock's in a demo): the default period ends with its month.
        let today: Day
    }

    let lifetime: Duration
    /// Business time's day in Riyadh.
    private let today: @Sendable () async throws -> Day
    /// The figures of the months from a day on (nil: from the beginning).
    private let months: @Sendable (Day?) async throws -> MonthlyStatistics
    private var current: (snapshot: Snapshot, at: ContinuousClock.Instant)?
    private var loading: Task<Snapshot, Error>?
    /// Months that can no longer change, in order, and the last of them.
    private var settled: [MonthlyStatistics.Month] = []
    private var settledThrough: HijriMonth?
    /// The first day each reading asked for (nil: everything), for the tests.
    private(set) var readings: [Day?] = []

    init(lifetime: Duration = .seconds(60), today: @escaping @Sendable () async throws -> Day,
         months: @escaping @Sendable (Day?) async throws -> MonthlyStatistics) {
        self.lifetime = lifetime
        self.today = today
        self.months = months
    }

    init(operations: Operations, lifetime: Duration = .seconds(60)) {
        self.init(lifetime: lifetime, today: {
            let reading = try await operations.clockReading()
            return Day(reading.simulatedNow ?? Date())
        }, months: { from in try await operations.statistics(from: from, to: nil) })
    }

    func snapshot() async throws -> Snapshot {
        if let current, ContinuousClock.now - current.at < lifetime { return current.snapshot }
        if let loading { return try await loading.value }
        let task = Task { try await read() }
        loading = task
        defer { loading = nil }
        let snapshot = try await task.value
        current = (snapshot, ContinuousClock.now)
        return snapshot
    }

    private func read() async throws -> Snapshot {
        let day = try await today()
        // A clock set back (a demo started again) unsettles everything.
        if let last = current?.snapshot.today, day < last { (settled, settledThrough) = ([], nil) }
        let from = settledThrough.map { $0.adding(months: 1).firstDay }
        readings.append(from)
        let fresh = try await months(from)
        // Settled: months that ended before yesterday (a decision in flight at midnight is
        // dated by the clock it read, a moment earlier).
        let open = HijriMonth(day.adding(days: -1))
        settled += fresh.months.filter { $0.month < open }
        let live = fresh.months.filter { $0.month >= open }
        if settledThrough.map({ $0 < open.adding(months: -1) }) ?? true { settledThrough = open.adding(months: -1) }
        return Snapshot(statistics: MonthlyStatistics(months: settled + live), today: day)
    }
}
