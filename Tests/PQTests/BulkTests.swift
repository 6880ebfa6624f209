import Foundation
@testable import PQ
import Testing
import TestSupport

@Suite("Pipelines and COPY")
struct BulkTests {
    @Test("a 1,000-statement pipeline returns every result, in order")
    func thousandStatements() async throws {
        let connection = try await TestDatabase.connect()
        let table = TestDatabase.uniqueName("pq_pipe")
        try await connection.execute("CREATE TABLE \(table) (id int PRIMARY KEY, label text)")
        let insert = Statement("pq_pipe_insert_" + table, "INSERT INTO \(table) VALUES ($1, $2) RETURNING id * 2 AS doubled")
        let statements = (0..<1000).map { (id: Int) in PipelineStatement(insert, [id, "label " + String(id)]) }
        let results = try await connection.pipeline(statements)
        #expect(results.count == 1000)
        #expect(try results.enumerated().allSatisfy { index, result in
            try result.single().decode(Int.self, "doubled") == index * 2
        })
        let count = try await connection.query("SELECT count(*)::int FROM \(table)").single().decode(Int.self, at: 0)
        #expect(count == 1000)
        // Mixed plain and named statements, and reads of what the pipeline wrote.
        let mixed = try await connection.pipeline([
            PipelineStatement("UPDATE \(table) SET label = $1 WHERE id < $2", ["low", 10]),
            PipelineStatement("SELECT count(*)::int AS n FROM \(table) WHERE label = $1", ["low"]),
        ])
        #expect(mixed[0].affectedRows == 10)
        #expect(try mixed[1].single().decode(Int.self, "n") == 10)
        try await connection.execute("DROP TABLE \(table)")
    }

    @Test("a failing statement undoes the whole pipeline and names its position")
    func failureRollsBack() async throws {
        let connection = try await TestDatabase.connect()
        let table = TestDatabase.uniqueName("pq_pipe_fail")
        try await connection.execute("CREATE TABLE \(table) (id int PRIMARY KEY)")
        let statements = [1, 2, 3, 2, 5].map { PipelineStatement("INSERT INTO \(table) VALUES ($1)", [$0]) }
        let error = await #expect(throws: PQError.self) { try await connection.pipeline(statements) }
        #expect(error?.sqlState == .uniqueViolation)
        #expect(error?.statement == "pipeline statement 3")
        let count = try await connection.query("SELECT count(*)::int FROM \(table)").single().decode(Int.self, at: 0)
        #expect(count == 0)
        // The session is usable afterwards, pipelines included.
        let again = try await connection.pipeline([PipelineStatement("SELECT 7 AS seven")])
        #expect(try again[0].single().decode(Int.self, "seven") == 7)
        try await connection.execute("DROP TABLE \(table)")
    }

    @Test("a pipeline inside an explicit transaction joins it")
    func insideTransaction() async throws {
        let connection = try await TestDatabase.connect()
        let table = TestDatabase.uniqueName("pq_pipe_tx")
        try await connection.execute("CREATE TABLE \(table) (id int)")
        let statements = (0..<10).map { PipelineStatement("INSERT INTO \(table) VALUES ($1)", [$0]) }
        struct Undo: Error {}
        await #expect(throws: TransactionError.self) {
            try await connection.withTransaction { db in
                _ = try db.pipeline(statements)
                throw Undo()
            }
        }
        let count = try await connection.query("SELECT count(*)::int FROM \(table)").single().decode(Int.self, at: 0)
        #expect(count == 0)
        try await connection.execute("DROP TABLE \(table)")
    }

    @Test("COPY loads 10,000 rows with awkward text and NULLs")
    func copyTenThousand() async throws {
        let connection = try await TestDatabase.connect()
        let table = TestDatabase.uniqueName("pq_copy")
        try await connection.execute("CREATE TABLE \(table) (id int PRIMARY KEY, name text, at timestamptz, tags text[])")
        let when = Date(timeIntervalSince1970: 1_800_000_000)
        let stored = try await connection.copyIn("COPY \(table) (id, name, at, tags) FROM STDIN") { writer in
            for id in 0..<10_000 {
                let name: String? = id % 100 == 0 ? nil : "name\t\(id)\n\\ \"q\" عامل"
                try writer.append([id, name, when, ["x y", "z"]])
            }
        }
        #expect(stored == 10_000)
        let row = try await connection.query(
            "SELECT count(*)::int AS n, count(name)::int AS named, min(at) AS at FROM \(table)").single()
        #expect(try row.decode(Int.self, "n") == 10_000)
        #expect(try row.decode(Int.self, "named") == 9_900)
        #expect(try row.decode(Date.self, "at") == when)
        let sample = try await connection.query("SELECT name, tags FROM \(table) WHERE id = $1", [7]).single()
        #expect(try sample.decode(String.self, "name") == "name\t7\n\\ \"q\" عامل")
        #expect(try sample.decode([String].self, "tags") == ["x y", "z"])
        try await connection.execute("DROP TABLE \(table)")
    }

    @Test("a COPY that fails stores nothing and leaves the session usable")
    func copyFailure() async throws {
        let connection = try await TestDatabase.connect()
        let table = TestDatabase.uniqueName("pq_copy_fail")
        try await connection.execute("CREATE TABLE \(table) (id int PRIMARY KEY)")
        await #expect(throws: PQError.self) {
            try await connection.copyIn("COPY \(table) (id) FROM STDIN") { writer in
                for id in [1, 2, 2] { try writer.append([id]) }
            }
        }
        struct Stop: Error {}
        await #expect(throws: Stop.self) {
            try await connection.copyIn("COPY \(table) (id) FROM STDIN") { writer in
                try writer.append([1])
                throw Stop()
            }
        }
        #expect(try await connection.query("SELECT count(*)::int FROM \(table)").single().decode(Int.self, at: 0) == 0)
        try await connection.execute("DROP TABLE \(table)")
    }
}

@Suite("LISTEN and NOTIFY")
struct NotificationTests {
    @Test("a NOTIFY reaches a listener, with its payload")
    func notifyReachesListener() async throws {
        let channel = TestDatabase.uniqueName("pq_channel")
        let notifications = NotificationListener.notifications(TestDatabase.config, channels: [channel, "Mixed Case"])
        let sender = try await TestDatabase.connect()
        let received = try await withThrowingTaskGroup(of: [PGNotification].self) { group in
            group.addTask {
                var seen: [PGNotification] = []
                for try await case .notification(let notification) in notifications {
                    seen.append(notification)
                    if seen.count == 2 { break }
                }
                return seen
            }
            group.addTask {
                // Keep sending until the listener has subscribed (LISTEN happens on its own
                // thread). Both in one transaction, so that the listener sees both or neither.
                for attempt in 0..<100 {
                    try await sender.query(
                        "SELECT pg_notify($1, $2), pg_notify($3, $4)", [channel, "hello \(attempt)", "Mixed Case", "odd name"])
                    try await Task.sleep(for: .milliseconds(50))
                }
                return []
            }
            let first = try await group.next() ?? []
            group.cancelAll()
            return first
        }
        #expect(received.count == 2)
        #expect(received.first?.channel == channel)
        #expect(received.first?.payload.hasPrefix("hello") == true)
        #expect(received.last?.channel == "Mixed Case")
    }

    @Test("a consumer that falls behind holds at most the buffer's events, and learns of the loss by a gap")
    func boundedBuffer() async throws {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: NotificationListener.Event.self, bufferingPolicy: .bufferingNewest(4))
        for n in 0..<200 {
            NotificationListener.deliver(.notification(PGNotification(channel: "c", payload: "\(n)", senderPID: 1)), to: continuation)
        }
        continuation.finish()
        var events: [NotificationListener.Event] = []
        for try await event in stream { events.append(event) }
        #expect(events.count == 4)
        #expect(events.last == .gap)
        // Nothing lost, nothing said.
        let (quiet, quietContinuation) = AsyncThrowingStream.makeStream(of: NotificationListener.Event.self, bufferingPolicy: .bufferingNewest(4))
        for n in 0..<3 {
            NotificationListener.deliver(.notification(PGNotification(channel: "c", payload: "\(n)", senderPID: 1)), to: quietContinuation)
        }
        quietContinuation.finish()
        var calm: [NotificationListener.Event] = []
        for try await event in quiet { calm.append(event) }
        #expect(calm.count == 3 && !calm.contains(.gap))
    }

    @Test("a listener that cannot connect ends with the connection error")
    func listenerFailsClearly() async throws {
        let config = ConnectionConfig(parameters: ["host": "/nonexistent-muamala", "dbname": "x"], connectTimeout: .seconds(2))
        let error = await #expect(throws: PQError.self) {
            for try await _ in NotificationListener.notifications(config, channels: ["x"]) {}
        }
        #expect(error?.kind == .connection)
    }
}
