import Domain
import Foundation
import Synchronization
import Testing
@testable import Web

/// `OpenDataCache`: one reading at a time whoever asks, and settled months read once.
@Suite("Open data cache")
struct OpenDataCacheTests {
    /// A fake history: decided requests by day, and business time's day.
    final class History: Sendable {
        let state = Mutex<(today: Day, rows: [MonthlyStatistics.DayCount])>((Day(year: 2025, month: 8, day: 10), []))

        func decide(_ iso: String, _ service: String = "work-permit.renew") {
            state.withLock { $0.rows.append((Day(iso: iso)!, service, "completed", 1)) }
        }

        func months(from: Day?) -> MonthlyStatistics {
            MonthlyStatistics(state.withLock { $0.rows }.filter { from == nil || $0.day >= from! })
        }
    }

    static func total(_ snapshot: OpenDataCache.Snapshot) -> Int { snapshot.statistics.grandTotal.total }

    @Test("months that ended before yesterday are read once; later readings start at the first month still open")
    func settledMonths() async throws {
        let history = History()
        history.decide("2025-06-27")  // Muharram 1447
        history.decide("2025-08-01")  // Safar 1447 (from 2025-07-26)
        let cache = OpenDataCache(lifetime: .zero, today: { history.state.withLock { $0.today } },
                                  months: { from in history.months(from: from) })
        #expect(Self.total(try await cache.snapshot()) == 2)
        #expect(await cache.readings == [nil])

        history.decide("2025-06-28")  // cannot happen (Muharram is past); shows it is not read again
        history.decide("2025-08-09")
        let second = try await cache.snapshot()
        #expect(Self.total(second) == 3)
        #expect(await cache.readings == [nil, Day(year: 2025, month: 7, day: 26)])
        #expect(second.statistics.months.map(\.month.month) == [1, 2])

        // The clock moves into Rabi al-Awwal (from 2025-08-24): Safar settles the day after.
        history.state.withLock { $0.today = Day(year: 2025, month: 8, day: 26) }
        history.decide("2025-08-25")
        #expect(Self.total(try await cache.snapshot()) == 4)
        #expect(Self.total(try await cache.snapshot()) == 4)
        #expect(await cache.readings.last == Day(year: 2025, month: 8, day: 24))

        // A clock set back: everything is read again.
        history.state.withLock { $0.today = Day(year: 2025, month: 7, day: 1) }
        #expect(Self.total(try await cache.snapshot()) == 5)
        #expect(await cache.readings.last == .some(nil))
    }

    @Test("readers arriving during a reading share it; within the lifetime nobody reads")
    func oneReadingAtATime() async throws {
        let history = History()
        history.decide("2025-08-01")
        let cache = OpenDataCache(lifetime: .seconds(60), today: { history.state.withLock { $0.today } }, months: { from in
            try await Task.sleep(for: .milliseconds(200))
            return history.months(from: from)
        })
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<20 { group.addTask { Self.total(try await cache.snapshot()) } }
            for try await total in group { #expect(total == 1) }
        }
        _ = try await cache.snapshot()
        #expect(await cache.readings.count == 1)
    }
}
