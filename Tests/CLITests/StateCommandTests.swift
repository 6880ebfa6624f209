import Domain
import Foundation
import Testing
import TestSupport

/// `muamala verify --state` and `--as-of` on the show commands, as an operator runs them.
@Suite("State commands")
struct StateCommandTests {
    static let worker = Fixtures.person(1)

    /// A simulated 2026-03-10 with an establishment and a worker loaded.
    private func loaded(_ database: ScratchDatabase) async throws {
        try await database.run { db in
            try Fixtures.simulate(from: Day(year: 2026, month: 3, day: 10), on: db)
            try Fixtures.establishment("1-1", on: db)
            try Fixtures.worker(Self.worker, at: "1-1", on: db)
        }
    }

    @Test("verify --state: exit 0 when every row is its record; 4 naming a superuser's edit, with --json too")
    func verifyState() async throws {
        try await withScratchDatabase { database in
            try await loaded(database)
            let clean = try await CLIProcess.run(["verify", "--state"], databaseURL: database.url)
            #expect(clean.status == 0, "\(clean.stdout) \(clean.stderr)")
            #expect(clean.stdout.contains("every row is its newest recorded version"), "\(clean.stdout)")
            _ = try await database.connect().execute("UPDATE establishments SET name_en = 'Renamed' WHERE id = '1-1'")
            let edited = try await CLIProcess.run(["verify", "--state"], databaseURL: database.url)
            #expect(edited.status == 4)
            #expect(edited.stdout.contains("establishments 1-1: changed outside the engine by"), "\(edited.stdout)")
            #expect(edited.stdout.contains(#"name_en "Test establishment" → "Renamed""#), "\(edited.stdout)")
            let json = try await CLIProcess.run(["verify", "--state", "--json"], databaseURL: database.url)
            #expect(json.status == 4)
            #expect(json.stdout.contains(#""kind" : "changed_outside_the_engine""#), "\(json.stdout)")
        }
    }

    @Test("--as-of: the day loaded shows the worker and the establishment; the day before has none; a later day is refused in both languages")
    func asOf() async throws {
        try await withScratchDatabase { database in
            try await loaded(database)
            let shown = try await CLIProcess.run(["worker", "show", Self.worker.digits, "--as-of", "2026-03-10"], databaseURL: database.url)
            #expect(shown.status == 0, "\(shown.stderr)")
            #expect(shown.stdout.contains("as of       the end of 2026-03-10"))
            #expect(shown.stdout.contains("employment  employed at 1-1"))
            #expect(!shown.stdout.contains("next"), "no next steps for a past day")
            let establishment = try await CLIProcess.run(["establishment", "show", "1-1", "--as-of", "2026-03-10"], databaseURL: database.url)
            #expect(establishment.status == 0, "\(establishment.stderr)")
            #expect(establishment.stdout.contains("headcount     1 (0 Saudi, 1 resident)"), "\(establishment.stdout)")
            let before = try await CLIProcess.run(["worker", "show", Self.worker.digits, "--as-of", "2026-03-09"], databaseURL: database.url)
            #expect(before.status != 0 && before.stderr.contains("as of the end of 2026-03-09"), "\(before.stderr)")
            let later = try await CLIProcess.run(["establishment", "show", "1-1", "--as-of", "2026-03-11"], databaseURL: database.url)
            #expect(later.status != 0 && later.stderr.contains("after today (2026-03-10)") && later.stderr.contains("2026-03-10)"), "\(later.stderr)")
            let malformed = try await CLIProcess.run(["worker", "show", Self.worker.digits, "--as-of", "10/03/2026"], databaseURL: database.url)
            #expect(malformed.status != 0 && malformed.stderr.contains("YYYY-MM-DD"), "\(malformed.stderr)")
        }
    }
}
