import Domain
import Foundation
import PQ
import Store
import Testing
import TestSupport

@Suite("Event history")
struct EventLogTests {
    /// Appends `count` events to a stream, as the engine does.
    private func append(_ count: Int, to stream: String, on db: isolated Connection) throws {
        let heads = try EventLog.heads([stream], on: db)
        let events = (0..<count).map { DomainEvent("testHappened", aggregate: "test:\(stream)", data: ["n": JSONValue($0), "text": "نص"]) }
        let chained = EventLog.chain(events, stream: stream, head: heads[stream] ?? .empty, establishmentID: nil,
                                     requestID: UUID(), actorID: "test", at: Date())
        _ = try db.pipeline(EventLog.appendStatements(chained.entries, heads: [stream: chained.head]))
    }

    @Test("the newest events of a stream, oldest first: a long history shows its end")
    func latest() async throws {
        try await withScratchDatabase { database in
            let connection = try await database.connect()
            try await connection.run { db in
                try append(5, to: "worker:2000000014", on: db)
                try append(3, to: "worker:2000000014", on: db)
                try append(2, to: "worker:2000000022", on: db)
            }
            let newest = try await connection.run { db in try EventLog.latest(stream: "worker:2000000014", limit: 4, on: db) }
            #expect(newest.map(\.seq) == [5, 6, 7, 8])
            #expect(Set(newest.map(\.stream)) == ["worker:2000000014"])
            let all = try await connection.run { db in try EventLog.latest(stream: "worker:2000000022", limit: 10, on: db) }
            #expect(all.map(\.seq) == [1, 2])
        }
    }

    @Test("the daemon's role may append but never update or delete; the trigger refuses even the owner")
    func appendOnly() async throws {
        try await withScratchDatabase { database in
            let connection = try await database.connect()
            try await connection.run { db in try append(3, to: "worker:2000000014", on: db) }
            // As the daemon's role.
            let asApp = try await Connection.connect({
                var config = database.config
                config.setupStatements = ["SET ROLE muamala_app"]
                return config
            }())
            try await asApp.run { db in try append(1, to: "worker:2000000014", on: db) }
            let update = await #expect(throws: PQError.self) { try await asApp.query("UPDATE events SET type = 'edited'") }
            #expect(update?.sqlState == .insufficientPrivilege)
            #expect(update?.message.contains("permission denied") == true)
            let delete = await #expect(throws: PQError.self) { try await asApp.query("DELETE FROM events") }
            #expect(delete?.sqlState == .insufficientPrivilege)
            // The owner (a superuser here) is refused by the trigger.
            let ownerUpdate = await #expect(throws: PQError.self) { try await connection.query("UPDATE events SET type = 'edited'") }
            #expect(ownerUpdate?.message.contains("append-only") == true)
            await #expect(throws: PQError.self) { try await connection.query("DELETE FROM events WHERE seq = 1") }
            await #expect(throws: PQError.self) { try await connection.execute("TRUNCATE events") }
            #expect(try await connection.query("SELECT count(*)::int FROM events").single().decode(Int.self, at: 0) == 4)
        }
    }

    @Test("verify finds an intact history intact, and finds edits, removals and broken links")
    func verifyDetectsTampering() async throws {
        try await withScratchDatabase { database in
            let connection = try await database.connect()
            try await connection.run { db in
                try append(5, to: "worker:2000000014", on: db)
                try append(3, to: "establishment:1-1", on: db)
                try append(2, to: "worker:2000000014", on: db)
            }
            let intact = try await connection.run { db in try EventLog.verify(pageSize: 4, on: db) }
            #expect(intact.isIntact)
            #expect(intact.events == 10)
            #expect(intact.streams == 2)

            // Someone with the power to bypass the trigger edits one event's data…
            try await connection.execute("""
                ALTER TABLE events DISABLE TRIGGER events_no_update;
                UPDATE events SET data = '{"n": 99}' WHERE stream = 'worker:2000000014' AND seq = 3;
                """)
            let edited = try await connection.run { db in try EventLog.verify(on: db) }
            #expect(!edited.isIntact)
            #expect(edited.problems.contains { $0.contains("worker:2000000014 #3") && $0.contains("edited") })

            // …removes the last events of a stream…
            try await connection.execute("DELETE FROM events WHERE stream = 'establishment:1-1' AND seq = 3")
            let truncated = try await connection.run { db in try EventLog.verify(on: db) }
            #expect(truncated.problems.contains { $0.contains("establishment:1-1") && $0.contains("head") })

            // …or one in the middle.
            try await connection.execute("DELETE FROM events WHERE stream = 'worker:2000000014' AND seq = 5")
            let gap = try await connection.run { db in try EventLog.verify(on: db) }
            #expect(gap.problems.contains { $0.contains("gap") })
            #expect(gap.problems.contains { $0.contains("does not link") })
        }
    }

    @Test("the chain is exactly the documented formula")
    func documentedFormula() {
        let at = Date(timeIntervalSince1970: 1_800_000_000.123456)
        let hash = EventChain.hash(previous: EventChain.genesis, stream: "s", seq: 1, aggregate: "a", type: "t",
                                   requestID: nil, actorID: "x", at: at, data: "{}")
        // SHA-256 of 32 zero bytes followed by "s␟1␟a␟t␟␟x␟1800000000123456␟{}".
        let text = Array("s\u{1F}1\u{1F}a\u{1F}t\u{1F}\u{1F}x\u{1F}1800000000123456\u{1F}{}".utf8)
        #expect(hash == EventChainReference.sha256(EventChain.genesis + text))
        #expect(hash.count == 32)
    }
}
