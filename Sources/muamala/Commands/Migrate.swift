import ArgumentParser
import Foundation
import Store

/// `muamala migrate`: applies `Schema/` to the database.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply the pending schema migrations (numbered SQL files in Schema/).",
        discussion: """
            Each migration runs in its own transaction, under an advisory lock, so two runs \
            at once are safe. Applied migrations are recorded with a checksum; a changed file \
            of an applied migration stops the run. The schema folder is Schema/ found from \
            the current folder upwards, or MUAMALA_SCHEMA_DIR.
            """)

    @OptionGroup var global: GlobalOptions

    @Flag(help: "List applied and pending migrations; change nothing.")
    var status = false

    @Option(help: "The folder of migrations (default: MUAMALA_SCHEMA_DIR, then Schema/ found upwards).")
    var schemaDir: String?

    func run() async throws {
        let directory: URL
        if let schemaDir {
            directory = URL(fileURLWithPath: schemaDir)
        } else {
            directory = try global.settings.schemaFolder()
        }
        let migrator = Migrator(migrations: try Migration.load(from: directory))
        let connection = try await global.connect()
        if status {
            try await printStatus(try await migrator.status(connection))
            return
        }
        let json = global.json
        let applied = try await migrator.migrate(connection) { migration in
            if !json { print("applying \(migration.version)_\(migration.name)") }
        }
        if json {
            try printJSON(["applied": applied.map { "\($0.version)_\($0.name)" }])
        } else {
            print(applied.isEmpty ? "the schema is current" : "applied \(applied.count) migration(s)")
        }
    }

    private func printStatus(_ status: Migrator.Status) async throws {
        let changed = Set(status.changed.map(\.version))
        if global.json {
            struct Entry: Encodable {
                let version: Int
                let name: String
                let state: String
                let applied_at: Date?
            }
            let entries = status.applied.map {
                Entry(version: $0.version, name: $0.name, state: changed.contains($0.version) ? "changed" : "applied", applied_at: $0.appliedAt)
            } + status.pending.map { Entry(version: $0.version, name: $0.name, state: "pending", applied_at: nil) }
            try printJSON(entries)
            return
        }
        for applied in status.applied {
            let mark = changed.contains(applied.version) ? "CHANGED" : "applied"
            print("\(mark)  \(String(format: "%04d", applied.version))_\(applied.name)  \(applied.appliedAt.formatted(.iso8601))")
        }
        for pending in status.pending {
            print("pending  \(String(format: "%04d", pending.version))_\(pending.name)")
        }
        if status.isCurrent { print("the schema is current") }
        if !changed.isEmpty { throw ExitCode(2) }
    }
}
