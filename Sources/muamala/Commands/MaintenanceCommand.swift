import ArgumentParser
import Foundation
import PQ
import Store

/// `muamala maintenance`: upkeep an operator may run by hand. Autovacuum does the same on its
/// own schedule (README, "The database server under load"); this is for the moment an
/// operator sees claims slow down, or after a large backlog drained.
struct MaintenanceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "maintenance",
        abstract: "Vacuum and analyze the request queue now, and say how many dead rows it held.",
        discussion: """
            Needs the queue table's owner (or the database's): the daemon's limited role \
            muamala_app may not vacuum. Safe while daemons run; a vacuum already under way \
            elsewhere is skipped, not waited for.
            """)

    @OptionGroup var global: GlobalOptions

    struct Report: Encodable {
        let deadRowsBefore: Int
        let deadRowsAfter: Int
        let seconds: Double

        enum CodingKeys: String, CodingKey {
            case deadRowsBefore = "dead_rows_before", deadRowsAfter = "dead_rows_after", seconds
        }
    }

    func run() async throws {
        let connection = try await global.connect()
        guard try await connection.run({ db in try RequestQueue.mayVacuum(on: db) }) else {
            throw ValidationError("this role may not vacuum the queue table; connect as its owner (see --database-url)")
        }
        let before = try await connection.run { db in try RequestQueue.deadRows(on: db) }
        let started = ContinuousClock.now
        try await connection.run { db in try RequestQueue.vacuum(on: db) }
        let elapsed = ContinuousClock.now - started
        // The statistics collector reports the vacuum a moment later.
        try await Task.sleep(for: .milliseconds(600))
        let after = try await connection.run { db in try RequestQueue.deadRows(on: db) }
        let report = Report(deadRowsBefore: before, deadRowsAfter: after, seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        if global.json {
            try printJSON(report)
        } else {
            print("queue vacuumed in \(String(format: "%.2f", report.seconds)) s: \(before) dead rows before, \(after) after")
        }
    }
}
