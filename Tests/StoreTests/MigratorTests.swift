import Foundation
import PQ
import Store
import Testing
import TestSupport

@Suite("Schema migrations")
struct MigratorTests {
    /// A database of its own, dropped at the end.
    private func withScratchDatabase(_ body: (ConnectionConfig) async throws -> Void) async throws {
        let admin = try await TestDatabase.connect()
        let name = TestDatabase.uniqueName("migrate")
        try await admin.execute("CREATE DATABASE \(name)")
        var config = TestDatabase.config
        config.parameters["dbname"] = name
        do {
            try await body(config)
        } catch {
            _ = try? await admin.execute("DROP DATABASE \(name) WITH (FORCE)")
            throw error
        }
        try await admin.execute("DROP DATABASE \(name) WITH (FORCE)")
    }

    private var schema: [Migration] {
        get throws { try Migration.load(from: TestDatabase.repositoryRoot.appendingPathComponent("Schema")) }
    }

    @Test("the repository's migrations apply in order, and a second run applies nothing")
    func appliesRepositorySchema() async throws {
        let migrations = try schema
        #expect(!migrations.isEmpty)
        #expect(migrations.map(\.version) == Array(1...migrations.count))
        try await withScratchDatabase { config in
            let connection = try await Connection.connect(config)
            let migrator = Migrator(migrations: migrations)
            let before = try await migrator.status(connection)
            #expect(before.pending.count == migrations.count)
            let applied = try await migrator.migrate(connection)
            #expect(applied.map(\.version) == migrations.map(\.version))
            let again = try await migrator.migrate(connection)
            #expect(again.isEmpty)
            let after = try await migrator.status(connection)
            #expect(after.isCurrent)
            #expect(after.applied.map(\.checksum) == migrations.map(\.checksum))
        }
    }

    @Test("a failing migration is rolled back whole and stops the run")
    func failureRollsBack() async throws {
        try await withScratchDatabase { config in
            let connection = try await Connection.connect(config)
            let migrator = Migrator(migrations: [
                Migration(version: 1, name: "good", sql: "CREATE TABLE good (id int);"),
                Migration(version: 2, name: "bad", sql: "CREATE TABLE half (id int); SELECT * FROM missing_table;"),
                Migration(version: 3, name: "after", sql: "CREATE TABLE after_bad (id int);"),
            ])
            let error = await #expect(throws: MigrationError.self) { try await migrator.migrate(connection) }
            #expect(error?.description.contains("2_bad") == true)
            #expect(error?.description.contains("missing_table") == true)
            let tables = try await connection.query(
                "SELECT count(*)::int FROM pg_tables WHERE tablename IN ('good', 'half', 'after_bad')").single().decode(Int.self, at: 0)
            #expect(tables == 1)
            let status = try await migrator.status(connection)
            #expect(status.applied.map(\.version) == [1])
            #expect(status.pending.map(\.version) == [2, 3])
        }
    }

    @Test("an applied migration whose file changed stops the run")
    func changedFileRefused() async throws {
        try await withScratchDatabase { config in
            let connection = try await Connection.connect(config)
            try await Migrator(migrations: [Migration(version: 1, name: "one", sql: "CREATE TABLE one (id int);")]).migrate(connection)
            let edited = Migrator(migrations: [
                Migration(version: 1, name: "one", sql: "CREATE TABLE one (id bigint);"),
                Migration(version: 2, name: "two", sql: "CREATE TABLE two (id int);"),
            ])
            let status = try await edited.status(connection)
            #expect(status.changed.map(\.version) == [1])
            let error = await #expect(throws: MigrationError.self) { try await edited.migrate(connection) }
            #expect(error?.description.contains("different") == true)
            let two = try await connection.query("SELECT to_regclass('two') IS NULL").single().decode(Bool.self, at: 0)
            #expect(two)
        }
    }

    @Test("two runs at once apply each migration exactly once")
    func concurrentRuns() async throws {
        try await withScratchDatabase { config in
            let migrations = (1...5).map {
                Migration(version: $0, name: "m\($0)", sql: "CREATE TABLE m\($0) (id int); SELECT pg_sleep(0.05);")
            }
            let migrator = Migrator(migrations: migrations)
            let counts = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<3 {
                    group.addTask {
                        let connection = try await Connection.connect(config)
                        return try await migrator.migrate(connection).count
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(counts.reduce(0, +) == 5)
            let connection = try await Connection.connect(config)
            #expect(try await migrator.status(connection).isCurrent)
        }
    }

    @Test("file names must be numbered and unique")
    func fileNames() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(TestDatabase.uniqueName("schema"))
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "SELECT 1;".write(to: folder.appendingPathComponent("0002_b.sql"), atomically: true, encoding: .utf8)
        try "SELECT 1;".write(to: folder.appendingPathComponent("0001_a.sql"), atomically: true, encoding: .utf8)
        try "notes".write(to: folder.appendingPathComponent("README.md"), atomically: true, encoding: .utf8)
        #expect(try Migration.load(from: folder).map(\.name) == ["a", "b"])
        try "SELECT 1;".write(to: folder.appendingPathComponent("0002_c.sql"), atomically: true, encoding: .utf8)
        #expect(throws: MigrationError.self) { try Migration.load(from: folder) }
        try FileManager.default.removeItem(at: folder.appendingPathComponent("0002_c.sql"))
        try "SELECT 1;".write(to: folder.appendingPathComponent("add_things.sql"), atomically: true, encoding: .utf8)
        #expect(throws: MigrationError.self) { try Migration.load(from: folder) }
    }
}

extension MigratorTests {
    @Test("0014 takes workers on a temporary permit out of their employers' headcount, once")
    func seasonalWorkersLeaveTheCounts() async throws {
        let schema = try schema
        try await withScratchDatabase { config in
            let connection = try await Connection.connect(config)
            _ = try await Migrator(migrations: schema.filter { $0.version < 14 }).migrate(connection)
            // 1-1 employs five residents as counted before 0014: one on an active temporary
            // permit, one on an expired one, one whose temporary permit is void (a newer regular
            // one is current), one on a regular permit, one whose current permit is temporary
            // with an older, void regular one stored first. 1-2 employs one whose temporary permit is
            // void (removed, then registered again: counted) and had one who departed.
            try await connection.execute("""
                INSERT INTO establishments (id, unified_number, cr_number, name_ar, name_en, activity, status, cr_expires_on, opened_on, headcount)
                VALUES ('1-1', '7000000001', '1000000001', 'م', 'E', 'construction', 'active', '2030-01-01', '2015-01-01', 5),
                       ('1-2', '7000000002', '1000000002', 'م', 'E', 'construction', 'active', '2030-01-01', '2015-01-01', 1);
                INSERT INTO workers (id, name, nationality, birth_date, establishment_id, occupation, wage, employment)
                VALUES ('2000000011', 'a', 'IND', '1990-01-01', '1-1', 'mason', 2000, 'employed'),
                       ('2000000012', 'b', 'IND', '1990-01-01', '1-1', 'mason', 2000, 'employed'),
                       ('2000000013', 'c', 'IND', '1990-01-01', '1-1', 'mason', 2000, 'employed'),
                       ('2000000014', 'd', 'IND', '1990-01-01', '1-1', 'mason', 2000, 'employed'),
                       ('2000000015', 'e', 'IND', '1990-01-01', NULL, 'mason', 2000, 'departed'),
                       ('2000000016', 'f', 'IND', '1990-01-01', '1-2', 'mason', 2000, 'employed'),
                       ('2000000017', 'g', 'IND', '1990-01-01', '1-1', 'mason', 2000, 'employed');
                INSERT INTO permits (id, worker_id, establishment_id, kind, state, valid_from, expires_on, months, levy, fee, updated_at)
                VALUES (gen_random_uuid(), '2000000017', '1-1', 'regular', 'void', '2024-01-01', '2025-01-01', 12, 0, 100, now() - interval '1 day'),
                       (gen_random_uuid(), '2000000017', '1-1', 'temporary', 'active', '2026-01-01', '2026-04-01', 3, 0, 25, now()),
                       (gen_random_uuid(), '2000000011', '1-1', 'temporary', 'active', '2026-01-01', '2026-04-01', 3, 0, 25, now()),
                       (gen_random_uuid(), '2000000012', '1-1', 'temporary', 'expired', '2026-01-01', '2026-04-01', 3, 0, 25, now()),
                       (gen_random_uuid(), '2000000013', '1-1', 'temporary', 'void', '2025-01-01', '2025-04-01', 3, 0, 25, now() - interval '1 day'),
                       (gen_random_uuid(), '2000000013', '1-1', 'regular', 'active', '2026-01-01', '2027-01-01', 12, 0, 100, now()),
                       (gen_random_uuid(), '2000000014', '1-1', 'regular', 'active', '2026-01-01', '2027-01-01', 12, 0, 100, now()),
                       (gen_random_uuid(), '2000000015', '1-2', 'temporary', 'void', '2026-01-01', '2026-04-01', 3, 0, 25, now()),
                       (gen_random_uuid(), '2000000016', '1-2', 'temporary', 'void', '2025-01-01', '2025-04-01', 3, 0, 25, now());
                """)
            let applied = try await Migrator(migrations: schema).migrate(connection)
            #expect(applied.map(\.version).contains(14))
            let counts = try await connection.query("SELECT id, headcount FROM establishments ORDER BY id")
                .map { (try $0.decode(String.self, at: 0), try $0.decode(Int.self, at: 1)) }
            #expect(counts.map(\.0) == ["1-1", "1-2"])
            #expect(counts.map(\.1) == [2, 1])
        }
    }
}
