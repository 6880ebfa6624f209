import Domain
import Foundation
import PQ

/// The open-data figures: decided requests by Hijri month and service (`muamala stats`,
/// `GET /v1/statistics`).
public enum StatisticsStore {
    /// Requests decided from `from` to `to` (Riyadh days, both included; nil: no bound),
    /// by Hijri month and service. Internal timers (a permit's expiry, a case's deadline) are
    /// the engine's own work, not transactions anyone asked for, and are left out.
    public static func monthly(from: Day?, to: Day?, on db: isolated Connection) throws -> MonthlyStatistics {
        let rows = try db.query(dailyStatement, [from?.start, to.map { $0.adding(days: 1).start }])
        return MonthlyStatistics(try rows.map { row in
            (day: Day(number: try row.decode(Int.self, at: 0)), service: try row.decode(String.self, at: 1),
             state: try row.decode(String.self, at: 2), count: try row.decode(Int.self, at: 3))
        })
    }

    /// Counts per Riyadh day (UTC+3, as `Day`), service and final state. Reads the whole
    /// history in the range: a report, not a path that requests take.
    static let dailyStatement = Statement("statistics_daily", """
        SELECT (((decided_at AT TIME ZONE 'UTC') + interval '3 hours')::date - date '1970-01-01')::int AS day,
               service, state, count(*)::int
        FROM request_history
        WHERE origin <> 'timer'
          AND ($1::timestamptz IS NULL OR decided_at >= $1) AND ($2::timestamptz IS NULL OR decided_at < $2)
        GROUP BY 1, 2, 3
        """)
}
