import ArgumentParser
import Domain
import Foundation
import Store

/// `muamala stats`: the open-data figures, decided requests by Hijri month and service.
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Decided requests by Hijri month and service (open data).",
        discussion: """
            Months are Umm al-Qura months of Riyadh days; a request counts in the month of its \
            decision (business time, so a simulated clock's months in a demo). Internal timers \
            are left out. As text: a bar per month, then each service; --csv for spreadsheets, \
            --json for machines (the same document as GET /v1/statistics).

            Examples:
              muamala stats
              muamala stats --from 2026-01-01 --to 2026-06-30 --csv > figures.csv
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "First Riyadh day to count (YYYY-MM-DD).", transform: Self.day) var from: Day?
    @Option(help: "Last Riyadh day to count (YYYY-MM-DD).", transform: Self.day) var to: Day?
    @Flag(help: "Print CSV (RFC 4180, UTF-8) instead of text.") var csv = false

    static func day(_ text: String) throws -> Day {
        guard let day = Day(iso: text) else { throw ValidationError("\(text): a day is YYYY-MM-DD") }
        return day
    }

    func validate() throws {
        if let from, let to, to < from { throw ValidationError("--to (\(to.iso)) is before --from (\(from.iso))") }
        if csv && global.json { throw ValidationError("--csv and --json: choose one") }
    }

    func run() async throws {
        let connection = try await global.connect()
        let (from, to) = (self.from, self.to)
        let statistics = try await connection.run { db in try StatisticsStore.monthly(from: from, to: to, on: db) }
        if global.json { return print(statistics.json(from: from, to: to).jsonText) }
        if csv { return print(statistics.csv.joined(separator: "\r\n")) }
        guard !statistics.months.isEmpty else { return print("no decided requests\(from == nil && to == nil ? "" : " in that range")") }
        let widest = statistics.months.map(\.total.total).max() ?? 1
        for month in statistics.months {
            let total = month.total
            let bar = String(repeating: "█", count: max(1, total.total * 40 / max(widest, 1)))
            print("\(month.month.nameEn) — \(month.month.nameAr)  (\(month.firstDay.iso) … \(month.lastDay.iso))")
            print("  \(bar) \(total.total): \(total.completed) completed, \(total.rejected) refused\(total.failed > 0 ? ", \(total.failed) failed" : "")")
        }
        print("")
        printTable(["service", "completed", "refused", "failed", "cancelled", "total"], statistics.total.map { code, counts in
            [code, String(counts.completed), String(counts.rejected), String(counts.failed), String(counts.cancelled), String(counts.total)]
        })
    }
}
