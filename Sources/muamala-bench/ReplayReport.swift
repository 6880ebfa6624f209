import Foundation
import PQ

/// The replay's report: per service, submitted, completed, rejected, and the top refusal
/// reasons in English and Arabic; then what the timers did.
enum ReplayReport {
    static func print(connection: Connection, failures: Int) async throws {
        let rows = try await connection.query("""
            SELECT service,
                   count(*)::int AS submitted,
                   count(*) FILTER (WHERE state = 'completed')::int AS completed,
                   count(*) FILTER (WHERE state = 'rejected')::int AS rejected,
                   count(*) FILTER (WHERE state = 'failed')::int AS failed
            FROM request_history WHERE origin <> 'timer'
            GROUP BY service ORDER BY count(*) DESC
            """)
        let reasons = try await connection.query("""
            SELECT service, reason_code, outcome->>'message_en' AS en, outcome->>'message_ar' AS ar, count(*)::int AS n,
                   row_number() OVER (PARTITION BY service ORDER BY count(*) DESC) AS rank
            FROM (SELECT service, reason_code, outcome FROM request_history WHERE state = 'rejected' AND origin <> 'timer') r
            GROUP BY service, reason_code, outcome->>'message_en', outcome->>'message_ar'
            ORDER BY service, n DESC
            """)
        var top: [String: [(String, Int, String, String)]] = [:]
        var seen: [String: Set<String>] = [:]
        for row in reasons {
            let service = try row.decode(String.self, "service")
            let code = try row.decode(String.self, "reason_code")
            guard !(seen[service]?.contains(code) ?? false), (top[service]?.count ?? 0) < 3 else {
                if let index = top[service]?.firstIndex(where: { $0.0 == code }) { top[service]![index].1 += try row.decode(Int.self, "n") }
                continue
            }
            seen[service, default: []].insert(code)
            top[service, default: []].append((code, try row.decode(Int.self, "n"), try row.decode(String?.self, "en") ?? "", try row.decode(String?.self, "ar") ?? ""))
        }
        Swift.print("")
        Swift.print("service".padding(toLength: 32, withPad: " ", startingAt: 0) + "submitted  completed   rejected   failed")
        var totals = (0, 0, 0, 0)
        for row in rows {
            let service = try row.decode(String.self, "service")
            let (submitted, completed, rejected, failed) = (try row.decode(Int.self, "submitted"), try row.decode(Int.self, "completed"),
                                                            try row.decode(Int.self, "rejected"), try row.decode(Int.self, "failed"))
            totals = (totals.0 + submitted, totals.1 + completed, totals.2 + rejected, totals.3 + failed)
            Swift.print(service.padding(toLength: 32, withPad: " ", startingAt: 0) + pad(submitted) + pad(completed) + pad(rejected) + pad(failed))
            for (code, count, english, arabic) in top[service] ?? [] {
                Swift.print("    \(count) × \(code): \(english)")
                Swift.print("        \(arabic)")
            }
        }
        Swift.print("total".padding(toLength: 32, withPad: " ", startingAt: 0) + pad(totals.0) + pad(totals.1) + pad(totals.2) + pad(totals.3))
        let timers = try await connection.query("""
            SELECT service, count(*)::int AS n, count(*) FILTER (WHERE outcome->>'why' = 'superseded')::int AS idle
            FROM request_history WHERE origin = 'timer' GROUP BY service ORDER BY n DESC
            """)
        Swift.print("\ntimers that fired as the simulated clock passed them:")
        for row in timers {
            Swift.print("    \(try row.decode(String.self, "service")): \(try row.decode(Int.self, "n")) (\(try row.decode(Int.self, "idle")) with nothing left to do)")
        }
        if failures > 0 { Swift.print("\nHTTP calls that failed after retries: \(failures)") }
        let pending = try await connection.query("SELECT count(*)::int FROM requests").single().decode(Int.self, at: 0)
        Swift.print("still scheduled for later (timers beyond the replayed months): \(pending)")
    }

    private static func pad(_ value: Int) -> String {
        let text = String(value)
        return String(repeating: " ", count: max(0, 9 - text.count)) + text + "  "
    }
}
