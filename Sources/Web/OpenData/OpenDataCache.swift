import Domain
import Engine
import Foundation

/// The open data, read from the database at most once a minute whoever asks and whatever
/// period they ask for: every period is cut from one reading of all the months, so a crawler
/// walking every period costs the database nothing more. Readers that arrive while a reading
/// is under way wait for that one.
actor OpenDataCache {
    struct Snapshot: Sendable {
        /// Every month with a decided request.
        let statistics: MonthlyStatistics
        /// Business time's day (a simulated clock's in a demo): the default period ends with its month.
        let today: Day
        let readAt: Date
    }

    let lifetime: Duration
    private let load: @Sendable () async throws -> Snapshot
    private var current: (snapshot: Snapshot, at: ContinuousClock.Instant)?
    private var loading: Task<Snapshot, Error>?
    /// How many times the database was read (for the tests).
    private(set) var reads = 0

    init(lifetime: Duration = .seconds(60), load: @escaping @Sendable () async throws -> Snapshot) {
        self.lifetime = lifetime
        self.load = load
    }

    init(operations: Operations, lifetime: Duration = .seconds(60)) {
        self.init(lifetime: lifetime) {
            async let statistics = operations.statistics(from: nil, to: nil)
            let reading = try await operations.clockReading()
            return Snapshot(statistics: try await statistics, today: Day(reading.simulatedNow ?? Date()), readAt: Date())
        }
    }

    func snapshot() async throws -> Snapshot {
        if let current, ContinuousClock.now - current.at < lifetime { return current.snapshot }
        if let loading { return try await loading.value }
        let task = Task { try await load() }
        loading = task
        defer { loading = nil }
        let snapshot = try await task.value
        reads += 1
        current = (snapshot, ContinuousClock.now)
        return snapshot
    }
}
