import ArgumentParser
import Domain
import Engine
import Foundation
import PQ
import Store

/// `muamala simulate --rulebook FILE --from DAY --to DAY`: a draft rulebook tried on the past.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Decide a period's requests again under a draft rulebook, and say what would have changed.",
        discussion: """
            The requests decided from --from to --to (whole days, Riyadh time) are decided \
            again in their order, each at the time it was decided, against the world as it \
            stood on --from (rebuilt from the record of versions), under the rulebook in \
            FILE (a whole rulebook, as Rulebook/rulebook.json: add the draft edition to a copy). \
            The world is copied into temporary tables of this command's own session: the \
            daemons' tables are only read, and nothing is written to them.

            It reports the decisions that flip (by service and reason), the payments made \
            (fees, levies, fines) before and under the draft, and the establishments whose \
            band at the end of the period differs. A payment that was made is assumed made \
            in full: when the draft makes another amount due, it is paid with that amount. \
            With the rulebook in force as FILE, nothing flips: that is the check that the \
            replay is faithful.

            Example:
              muamala simulate --rulebook draft.json --from 2025-06-26 --to 2026-04-17
            """)
    @OptionGroup var global: GlobalOptions
    @Option(help: "The draft rulebook: a whole rulebook file (JSON).") var rulebook: String
    @Option(help: "The first day replayed (YYYY-MM-DD).") var from: String
    @Option(help: "The last day replayed (YYYY-MM-DD).") var to: String
    @Flag(help: "Print the flips and band changes as CSV.") var csv = false

    func validate() throws {
        guard let first = Day(iso: from) else { throw ValidationError("--from \(from): a day is written YYYY-MM-DD") }
        guard let last = Day(iso: to) else { throw ValidationError("--to \(to): a day is written YYYY-MM-DD") }
        guard first <= last else { throw ValidationError("--from \(from) is after --to \(to)") }
        if csv && global.json { throw ValidationError("choose --csv or --json") }
    }

    func run() async throws {
        let first = Day(iso: from)!, last = Day(iso: to)!
        let draft: Rulebook
        do { draft = try ProjectFiles.loadRulebook(path: rulebook) } catch {
            throw ValidationError("\(rulebook): not a rulebook: \(error)")
        }
        let original = try global.settings.rulebook()
        // A session of its own, that has prepared nothing: it becomes the scratch world's.
        let connection = try await global.connect()
        let quiet = global.json || csv
        let started = ContinuousClock.now
        let report = try await SimulateCommand.explained { try await connection.run { db in
            try Simulator(draft: draft).run(from: first, to: last, original: original, progress: { done, total in
                guard !quiet else { return }
                let width = 30, filled = total == 0 ? width : width * done / total
                let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
                FileHandle.standardError.write(Data("\rreplaying \(bar) \(done) of \(total)".utf8))
            }, on: db)
        } }
        await connection.close()
        if !quiet { FileHandle.standardError.write(Data(" (\((ContinuousClock.now - started).formatted(.units(allowed: [.seconds], fractionalPart: .show(length: 1)))))\n".utf8)) }
        if global.json { return try printJSON(report) }
        if csv { return print(Self.csv(report), terminator: "") }
        print(Self.text(report, file: rulebook))
    }

    /// A period older than the record is a usage error, said plainly.
    static func explained<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let error as Simulator.RecordNotThatOld { throw ValidationError(error.description) }
    }

    static func text(_ report: Simulator.Report, file: String) -> String {
        var lines = ["\(report.replayed) decisions from \(report.from) to \(report.to) decided again under \(file):"]
        lines.append("  decisions that flip      \(report.flipped)")
        for flip in report.flips.prefix(40) {
            lines.append("    \(flip.count)× \(flip.service): \(flip.was) → \(flip.now) (\(flip.reason))")
        }
        if report.flips.count > 40 { lines.append("    … \(report.flips.count - 40) more kinds (--json, --csv)") }
        let change = report.paidAfter - report.paidBefore
        lines.append("  payments made            \(report.paidBefore) SAR as decided, \(report.paidAfter) SAR under the draft (\(change >= 0 ? "+" : "")\(change))")
        if report.repaid > 0 { lines.append("    \(report.repaid) payment(s) made with the amount the draft made due") }
        lines.append("  bands changed at the end \(report.bandsChanged) establishment(s)")
        for change in report.bandChanges {
            lines.append("    \(change.count)× \(change.before.english) → \(change.after.english) (\(change.before.arabic) ← \(change.after.arabic))")
        }
        return lines.joined(separator: "\n")
    }

    /// One table: a kind of flip, an establishment whose band changes (its number in the
    /// service column), and the payments (before, after, and how many were paid again).
    static func csv(_ report: Simulator.Report) -> String {
        func field(_ text: String) -> String {
            text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
        }
        var rows = ["kind,service,before,after,reason,count"]
        for flip in report.flips {
            rows.append(["flip", flip.service, flip.was, flip.now, flip.reason, String(flip.count)].map(field).joined(separator: ","))
        }
        for establishment in report.establishments {
            rows.append(["band", establishment.id, establishment.before.rawValue, establishment.after.rawValue, "", "1"].joined(separator: ","))
        }
        rows.append(["payments", "", String(report.paidBefore), String(report.paidAfter), "", String(report.repaid)].joined(separator: ","))
        return rows.joined(separator: "\n") + "\n"
    }
}
