import Domain
import Foundation
import PQ
import Store

/// What a superuser can do to the history without the checkpoint key: switch off the
/// append-only trigger, change events, recompute every hash after them and the stream's
/// head, and switch the trigger on again. The chain then verifies as whole.
public enum HistoryForgery {
    /// Appends `count` events to `stream`, as the engine does.
    public static func append(_ count: Int, to stream: String, on db: isolated Connection) throws {
        let heads = try EventLog.heads([stream], on: db)
        let events = (0..<count).map { DomainEvent("testHappened", aggregate: "test:\(stream)", data: ["n": JSONValue($0)]) }
        let chained = EventLog.chain(events, stream: stream, head: heads[stream] ?? .empty, establishmentID: nil,
                                     requestID: UUID(), actorID: "test", at: Date())
        _ = try db.pipeline(EventLog.appendStatements(chained.entries, heads: [stream: chained.head]))
    }

    /// Replaces event `seq`'s data and re-chains the rest of the stream and its head.
    public static func rewrite(_ stream: String, seq edited: Int64, data: String, on db: isolated Connection) throws {
        try rechain(stream, on: db) { seq, old in seq == edited ? data : old }
    }

    /// Removes the stream's events after `keep` and points its head at the last one kept.
    public static func truncate(_ stream: String, keeping keep: Int64, on db: isolated Connection) throws {
        try db.execute("ALTER TABLE events DISABLE TRIGGER events_no_update")
        try db.query("DELETE FROM events WHERE stream = $1 AND seq > $2", [stream, keep])
        try db.query("UPDATE streams SET seq = $2, head = (SELECT hash FROM events WHERE stream = $1 AND seq = $2) WHERE stream = $1", [stream, keep])
        try db.execute("ALTER TABLE events ENABLE TRIGGER events_no_update")
    }

    static func rechain(_ stream: String, on db: isolated Connection, data change: (Int64, String) -> String) throws {
        try db.execute("ALTER TABLE events DISABLE TRIGGER events_no_update")
        let rows = try db.query("""
            SELECT seq, aggregate, type, data::text AS data, request_id, actor_id, at FROM events WHERE stream = $1 ORDER BY seq
            """, [stream])
        var previous = EventChain.genesis
        for row in rows {
            let seq = try row.decode(Int64.self, "seq")
            let data = change(seq, try row.decode(String.self, "data"))
            let hash = EventChain.hash(
                previous: previous, stream: stream, seq: seq, aggregate: try row.decode(String.self, "aggregate"),
                type: try row.decode(String.self, "type"), requestID: try row.decode(UUID?.self, "request_id"),
                actorID: try row.decode(String.self, "actor_id"), at: try row.decode(Date.self, "at"), data: data)
            try db.query("UPDATE events SET data = $3::json, prev_hash = $4, hash = $5 WHERE stream = $1 AND seq = $2",
                         [stream, seq, data, Data(previous), Data(hash)])
            previous = hash
        }
        try db.query("UPDATE streams SET head = $2 WHERE stream = $1", [stream, Data(previous)])
        try db.execute("ALTER TABLE events ENABLE TRIGGER events_no_update")
    }
}
