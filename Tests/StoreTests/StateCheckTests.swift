import Domain
import Foundation
import PQ
import Store
import Testing
import TestSupport

/// The record of versions (Schema/0025) and `StateCheck` (`muamala verify --state`): clean
/// after loads and the engine's writes; each way around the record named.
@Suite("State against its record of versions")
struct StateCheckTests {
    static let first = Fixtures.person(1), second = Fixtures.person(2)

    /// An establishment, two workers and a permit, loaded; then the engine's write of a raise.
    private func world(_ connection: Connection) async throws {
        try await connection.run { db in
            try Fixtures.establishment("1-1", on: db)
            try Fixtures.worker(Self.first, at: "1-1", on: db)
            try Fixtures.worker(Self.second, at: "1-1", on: db)
            try Fixtures.permit(Self.first, at: "1-1", expiresOn: "2027-01-01", on: db)
        }
        let store = AggregateStore()
        try await connection.withTransaction { db in
            var needs = AggregateStore.Needs()
            needs.workers = [Self.first]
            let loaded = try store.load(needs, on: db)
            var worker = try #require(loaded.world.workers[Self.first])
            worker.wage = 7000
            let writes = store.writes([.worker(worker)], loaded: loaded, now: Date())
            try AggregateStore.check(writes, try db.pipeline(writes.map(\.statement))[...])
        }
    }

    @Test("loads and the engine's writes leave every row its newest version: nothing to name")
    func clean() async throws {
        try await withScratchDatabase { database in
            let connection = try await database.connect()
            try await world(connection)
            let report = try await connection.run { db in try StateCheck.run(on: db) }
            #expect(report.isConsistent, "\(report.differences)")
            #expect(report.rows["workers"] == 2 && report.rows["establishments"] == 1 && report.rows["permits"] == 1)
            // The raise is the engine's version, after the load's.
            let sources = try await connection.run { db in
                try db.query("SELECT source FROM aggregate_versions WHERE entity = 'workers' AND key = $1 ORDER BY n", [Self.first.digits])
                    .map { try $0.decode(String.self, at: 0) }
            }
            #expect(sources == ["load", "engine"])
        }
    }

    @Test("a superuser's UPDATE is named: outside the engine, by whom, and the column it changed")
    func superuserEdit() async throws {
        try await withScratchDatabase { database in
            let connection = try await database.connect()
            try await world(connection)
            // A psql prompt: a session of its own, which says nothing of what it is doing.
            let prompt = try await database.connect()
            try await prompt.execute("UPDATE workers SET wage = 1 WHERE id = '\(Self.second.digits)'")
            let report = try await connection.run { db in try StateCheck.run(on: db) }
            #expect(!report.isConsistent)
            let found = try #require(report.differences.only)
            #expect(found.kind == .outside && found.table == "workers" && found.key == Self.second.digits)
            #expect(found.columns.map(\.name) == ["wage"])
            #expect(found.columns.first?.before == 5000 && found.columns.first?.after == 1)
            #expect(found.by?.isEmpty == false)
            #expect(found.description.contains("wage 5000 → 1"), "\(found)")
        }
    }

    @Test("with the triggers off: a changed row differs from its record, a deleted one is missing from it")
    func triggersOff() async throws {
        try await withScratchDatabase { database in
            let connection = try await database.connect()
            try await world(connection)
            try await connection.withTransaction { db in
                _ = try db.query("SET LOCAL session_replication_role = replica")
                _ = try db.query("UPDATE workers SET name = 'Someone else' WHERE id = $1", [Self.first.digits])
                _ = try db.query("DELETE FROM permits WHERE worker_id = $1", [Self.first.digits])
            }
            let report = try await connection.run { db in try StateCheck.run(on: db) }
            let changed = report.differences.filter { $0.kind == .unrecorded }
            let missing = report.differences.filter { $0.kind == .missing }
            #expect(changed.map(\.key) == [Self.first.digits])
            #expect(changed.first?.columns.map(\.name) == ["name"])
            #expect(changed.first?.columns.first?.before == "Worker")
            #expect(missing.map(\.table) == ["permits"])
            #expect(report.differences.count == 2, "\(report.differences)")
        }
    }

    @Test("a count moved twice (a delta applied again) is named: stored against what the workers add up to")
    func countsAddUp() async throws {
        try await withScratchDatabase { database in
            let connection = try await database.connect()
            try await world(connection)
            try await connection.run { db in
                try StateHistory.markLoads(on: db)  // vouched for: only the counts are wrong
                _ = try db.query("UPDATE establishments SET headcount = headcount + 1 WHERE id = '1-1'")
            }
            let report = try await connection.run { db in try StateCheck.run(on: db) }
            let found = report.differences.filter { $0.kind == .counts }
            #expect(found.map(\.key) == ["1-1"], "\(report.differences)")
            #expect(found.first?.columns.map(\.name) == ["headcount"])
            #expect(found.first?.columns.first?.before == 3 && found.first?.columns.first?.after == 2)
            #expect(report.differences.count == 1, "\(report.differences)")
        }
    }

    @Test("a load written in Riyadh's time zone is the same image as one compared in UTC: no false difference")
    func timeZones() async throws {
        try await withScratchDatabase { database in
            let connection = try await database.connect()
            try await world(connection)
            let riyadh = try await database.connect()
            try await riyadh.run { db in
                _ = try db.execute("SET TimeZone = 'Asia/Riyadh'")
                try StateHistory.markLoads(on: db)
                _ = try db.query("UPDATE permits SET updated_at = updated_at - interval '1 hour' WHERE worker_id = $1", [Self.first.digits])
            }
            let report = try await riyadh.run { db in try StateCheck.run(on: db) }
            #expect(report.isConsistent, "\(report.differences)")
        }
    }

    @Test("a login of the daemon's role cannot pass its writes off as a load: they are the engine's")
    func daemonRoleCannotClaimALoad() async throws {
        try await withScratchDatabase { database in
            let connection = try await database.connect()
            try await world(connection)
            _ = try await connection.execute("""
                DO $$ BEGIN CREATE ROLE muamala_test_daemon LOGIN IN ROLE muamala_app;
                EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$
                """)
            let url = database.url.replacing(#/user=[^&]*/#, with: "user=muamala_test_daemon")
            let daemon = try await Connection.connect(ConnectionConfig(connectionString: url.contains("user=") ? url : url + "&user=muamala_test_daemon"))
            try await daemon.run { db in
                try StateHistory.markLoads(on: db)
                _ = try db.query("UPDATE workers SET wage = wage + 1 WHERE id = $1", [Self.second.digits])
            }
            await daemon.close()
            let newest = try await connection.query("""
                SELECT source, changed_by FROM aggregate_versions WHERE entity = 'workers' AND key = $1 ORDER BY n DESC LIMIT 1
                """, [Self.second.digits]).single()
            #expect(try newest.decode(String.self, at: 0) == "engine")
            #expect(try newest.decode(String.self, at: 1) == "muamala_test_daemon")
        }
    }

    @Test("a write that names a source the record does not know is refused, and changes nothing")
    func unknownSourceRefused() async throws {
        try await withScratchDatabase { database in
            let connection = try await database.connect()
            try await world(connection)
            await #expect(throws: TransactionError.self) {
                try await connection.withTransaction { db in
                    _ = try db.query("SELECT set_config('muamala.change_source', 'cleanup', true)")
                    _ = try db.query("UPDATE workers SET wage = 1 WHERE id = $1", [Self.second.digits])
                }
            }
            #expect(try await connection.query("SELECT wage FROM workers WHERE id = $1", [Self.second.digits])
                .single().decode(Int.self, at: 0) == 5000)
        }
    }

    @Test("versions are history: the daemon's role cannot write one, and nobody changes or removes one")
    func versionsAreAppendOnly() async throws {
        try await withScratchDatabase { database in
            let connection = try await database.connect()
            try await world(connection)
            await #expect(throws: PQError.self) { try await connection.execute("UPDATE aggregate_versions SET source = 'engine'") }
            await #expect(throws: PQError.self) { try await connection.execute("DELETE FROM aggregate_versions") }
            await #expect(throws: PQError.self) { try await connection.execute("TRUNCATE aggregate_versions") }
            await #expect(throws: TransactionError.self) {
                try await connection.withTransaction { db in
                    _ = try db.query("SET LOCAL ROLE muamala_app")
                    _ = try db.query("""
                        INSERT INTO aggregate_versions (entity, key, at, source, changed_by, image)
                        VALUES ('workers', 'x', now(), 'engine', 'me', '{}')
                        """)
                }
            }
            // Yet the daemon's role writes rows, and their versions with them.
            try await connection.withTransaction { db in
                _ = try db.query("SET LOCAL ROLE muamala_app")
                _ = try db.query("UPDATE workers SET wage = wage + 1 WHERE id = $1", [Self.second.digits])
            }
            #expect(try await connection.query("SELECT count(*)::int FROM aggregate_versions WHERE key = $1", [Self.second.digits])
                .single().decode(Int.self, at: 0) == 2)
        }
    }
}

extension Array {
    /// The one element, or nil when there are none or several.
    fileprivate var only: Element? { count == 1 ? first : nil }
}
