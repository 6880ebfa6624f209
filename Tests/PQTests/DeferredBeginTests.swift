import Foundation
import PQ
import Testing
import TestSupport

/// `withTransaction` sends its BEGIN with the first statement instead of on its own. These
/// pin that every statement still runs inside the transaction, whatever goes first, and
/// that failures and empty transactions leave the session as before.
@Suite("Transactions: BEGIN with the first statement")
struct DeferredBeginTests {
    static let now = Statement("pq_deferred_now", "SELECT now()::text AS t")

    /// The transaction's time, read three ways, must be one: if the first statement ran
    /// before BEGIN (in an implicit transaction of its own), its `now()` would be earlier.
    private func sameTransactionTime(first: @escaping @Sendable (isolated Connection) throws -> String) async throws {
        let connection = try await TestDatabase.connect()
        let (a, b) = try await connection.withTransaction { db -> (String, String) in
            let a = try first(db)
            try db.query("SELECT pg_sleep(0.02)")
            return (a, try db.query(Self.now).single().decode(String.self, "t"))
        }
        #expect(a == b)
        #expect(await connection.inTransaction == false)
        await connection.close()
    }

    @Test("a named statement first: it runs inside the transaction")
    func namedFirst() async throws {
        try await sameTransactionTime { db in try db.query(Self.now).single().decode(String.self, "t") }
    }

    @Test("a pipeline first: its statements run inside the transaction")
    func pipelineFirst() async throws {
        try await sameTransactionTime { db in
            let results = try db.pipeline([PipelineStatement(Self.now), PipelineStatement("SELECT 1")])
            return try results[0].single().decode(String.self, "t")
        }
    }

    @Test("plain SQL first, and a savepoint first: inside the transaction too")
    func otherFirsts() async throws {
        try await sameTransactionTime { db in try db.query("SELECT now()::text AS t").single().decode(String.self, "t") }
        try await sameTransactionTime { db in
            try db.withSavepoint { db in try db.query(Self.now).single().decode(String.self, "t") }
        }
    }

    /// A session, a fresh table of ids, and a named insert into it.
    private func makeTable() async throws -> (Connection, String, Statement) {
        let connection = try await TestDatabase.connect()
        let table = TestDatabase.uniqueName("pq_deferred")
        try await connection.execute("CREATE TABLE \(table) (id int PRIMARY KEY)")
        return (connection, table, Statement("pq_deferred_insert_\(table)", "INSERT INTO \(table) VALUES ($1)"))
    }

    @Test("a first statement that fails: rolled back, the error is the statement's, the session stays usable")
    func firstStatementFails() async throws {
        let (connection, table, insert) = try await makeTable()
        try await connection.query(insert, [1])
        let error = await #expect(throws: TransactionError.self) {
            try await connection.withTransaction { db in
                try db.query(insert, [1])  // the first statement: a duplicate key
                try db.query(insert, [2])
            }
        }
        #expect(error?.phase == .body)
        #expect(error.flatMap { sqlState(of: $0) } == .uniqueViolation)
        #expect(await connection.isHealthy)
        // The next transaction starts clean and commits.
        try await connection.withTransaction { db in
            try db.pipeline([PipelineStatement(insert, [3]), PipelineStatement(insert, [4])])
        }
        #expect(try await connection.query("SELECT array_agg(id ORDER BY id)::text AS ids FROM \(table)").single()
            .decode(String.self, "ids") == "{1,3,4}")
        try await connection.execute("DROP TABLE \(table)")
        await connection.close()
    }

    @Test("a body that throws after its first statement rolls that statement back")
    func rollsBackTheFirstStatement() async throws {
        let (connection, table, insert) = try await makeTable()
        struct Refused: Error {}
        await #expect(throws: TransactionError.self) {
            try await connection.withTransaction { db in
                try db.query(insert, [1])
                throw Refused()
            }
        }
        #expect(try await connection.query("SELECT count(*)::int AS n FROM \(table)").single().decode(Int.self, "n") == 0)
        try await connection.execute("DROP TABLE \(table)")
        await connection.close()
    }

    @Test("a transaction that sends nothing: open inside, nothing sent (no BEGIN, COMMIT or ROLLBACK), idle after")
    func emptyTransaction() async throws {
        let connection = try await TestDatabase.connect()
        let observer = try await TestDatabase.connect()
        // The server shows each session's last statement; the empty transactions below must
        // leave this one in place.
        let marker = "SELECT pg_backend_pid() AS pid"
        let pid = try await connection.query(marker).single().decode(Int.self, "pid")
        func lastStatement() async throws -> String {
            try await observer.query("SELECT query FROM pg_stat_activity WHERE pid = $1", [pid]).single().decode(String.self, "query")
        }
        let inside = try await connection.withTransaction { db in db.inTransaction }
        #expect(inside)
        #expect(await connection.inTransaction == false)
        #expect(try await lastStatement() == marker)
        #expect(await connection.isHealthy)
        struct Refused: Error {}
        let error = await #expect(throws: TransactionError.self) {
            try await connection.withTransaction { _ in throw Refused() }
        }
        #expect(error?.phase == .body)
        #expect(try await lastStatement() == marker)
        #expect(await connection.isHealthy)
        await observer.close()
        await connection.close()
    }
}
