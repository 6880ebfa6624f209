import Foundation
import PQ
import Synchronization
import Testing
import TestSupport

@Suite("Transactions")
struct TransactionTests {
    private func makeTable(_ connection: Connection) async throws -> String {
        let table = TestDatabase.uniqueName("pq_tx")
        try await connection.execute("CREATE TABLE \(table) (id int PRIMARY KEY, note text)")
        return table
    }

    @Test("a transaction commits when the body returns")
    func commits() async throws {
        let connection = try await TestDatabase.connect()
        let table = try await makeTable(connection)
        let inserted = try await connection.withTransaction { db in
            try db.query("INSERT INTO \(table) VALUES ($1, $2)", [1, "one"]).affectedRows
        }
        #expect(inserted == 1)
        let other = try await TestDatabase.connect()
        #expect(try await other.query("SELECT count(*)::int AS n FROM \(table)").single().decode(Int.self, "n") == 1)
        try await connection.execute("DROP TABLE \(table)")
    }

    @Test("a throwing body rolls back, and the error says the body failed")
    func rollsBack() async throws {
        let connection = try await TestDatabase.connect()
        let table = try await makeTable(connection)
        struct Refused: Error {}
        let error = await #expect(throws: TransactionError.self) {
            try await connection.withTransaction { db in
                try db.query("INSERT INTO \(table) VALUES ($1, $2)", [1, "one"])
                throw Refused()
            }
        }
        #expect(error?.phase == .body)
        #expect(error?.underlying is Refused)
        #expect(try await connection.query("SELECT count(*)::int AS n FROM \(table)").single().decode(Int.self, "n") == 0)
        #expect(await connection.isHealthy)
        try await connection.execute("DROP TABLE \(table)")
    }

    @Test("a failure at commit (a deferred constraint) is told apart from the body")
    func commitFailure() async throws {
        let connection = try await TestDatabase.connect()
        let table = TestDatabase.uniqueName("pq_deferred")
        try await connection.execute("""
            CREATE TABLE \(table) (id int, CONSTRAINT \(table)_u UNIQUE (id) DEFERRABLE INITIALLY DEFERRED)
            """)
        let error = await #expect(throws: TransactionError.self) {
            try await connection.withTransaction { db in
                try db.query("INSERT INTO \(table) VALUES (1), (1)")
            }
        }
        #expect(error?.phase == .commit)
        #expect(error.flatMap { sqlState(of: $0) } == .uniqueViolation)
        #expect(await connection.isHealthy)
        try await connection.execute("DROP TABLE \(table)")
    }

    @Test("a nested transaction fails at begin; savepoints nest instead")
    func nestingAndSavepoints() async throws {
        let connection = try await TestDatabase.connect()
        let table = try await makeTable(connection)
        try await connection.withTransaction { db in
            let nested = #expect(throws: TransactionError.self) {
                try db.withTransaction { _ in }
            }
            #expect(nested?.phase == .begin)
            try db.query("INSERT INTO \(table) VALUES ($1, $2)", [1, "kept"])
            #expect(throws: PQError.self) {
                try db.withSavepoint { inner in
                    try inner.query("INSERT INTO \(table) VALUES ($1, $2)", [2, "undone"])
                    try inner.query("INSERT INTO \(table) VALUES ($1, $2)", [1, "duplicate"])
                }
            }
            try db.query("INSERT INTO \(table) VALUES ($1, $2)", [3, "kept too"])
        }
        let ids = try await connection.query("SELECT id FROM \(table) ORDER BY id").map { try $0.decode(Int.self, at: 0) }
        #expect(ids == [1, 3])
        try await connection.execute("DROP TABLE \(table)")
    }

    @Test("isolation level and read-only are applied", arguments: [
        (IsolationLevel.readCommitted, "read committed"),
        (.repeatableRead, "repeatable read"),
        (.serializable, "serializable"),
    ])
    func isolation(level: IsolationLevel, shown: String) async throws {
        let connection = try await TestDatabase.connect()
        let seen = try await connection.withTransaction(isolation: level, readOnly: true) { db in
            try db.query("SHOW transaction_isolation").single().decode(String.self, at: 0)
        }
        #expect(seen == shown)
        let error = await #expect(throws: TransactionError.self) {
            try await connection.withTransaction(readOnly: true) { db in
                try db.query("CREATE TEMP TABLE pq_never (x int)")
            }
        }
        #expect(error.flatMap { sqlState(of: $0) } == "25006")
    }

    @Test("serialization failures and deadlocks are retried; other errors are not", arguments: [
        ("40001", 3, true), ("40P01", 2, true), ("23505", 1, false),
    ])
    func retries(code: String, expectedAttempts: Int, succeeds: Bool) async throws {
        let connection = try await TestDatabase.connect()
        let attempts = Locked(0)
        let failures = expectedAttempts - 1
        do {
            let value = try await connection.withRetryingTransaction(initialBackoff: .milliseconds(1)) { db in
                let attempt = attempts.withLock { $0 += 1; return $0 }
                if attempt <= max(failures, succeeds ? 0 : 1) {
                    try db.execute("DO $$ BEGIN RAISE EXCEPTION 'simulated' USING ERRCODE = '\(code)'; END $$")
                }
                return attempt
            }
            #expect(succeeds)
            #expect(value == expectedAttempts)
        } catch {
            #expect(!succeeds)
            #expect(sqlState(of: error) == SQLState(code))
        }
        #expect(attempts.withLock { $0 } == expectedAttempts)
    }

    @Test("a real serialization conflict between two sessions is retried until it succeeds")
    func realConflict() async throws {
        let setup = try await TestDatabase.connect()
        let table = TestDatabase.uniqueName("pq_counter")
        try await setup.execute("CREATE TABLE \(table) (id int PRIMARY KEY, n int NOT NULL)")
        try await setup.query("INSERT INTO \(table) VALUES (1, 0)")
        let pool = ConnectionPool(.init(connection: TestDatabase.config, maxConnections: 4))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    for _ in 0..<10 {
                        try await pool.withConnection { connection in
                            try await connection.withRetryingTransaction(isolation: .serializable, maxAttempts: 50) { db in
                                let n = try db.query("SELECT n FROM \(table) WHERE id = 1").single().decode(Int.self, at: 0)
                                try db.query("UPDATE \(table) SET n = $1 WHERE id = 1", [n + 1])
                            }
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try await setup.query("SELECT n FROM \(table)").single().decode(Int.self, at: 0) == 40)
        try await setup.execute("DROP TABLE \(table)")
        await pool.close()
    }
}
