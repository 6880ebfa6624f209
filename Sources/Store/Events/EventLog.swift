import Domain
import Foundation
import PQ

/// The append-only, hash-chained history (`events`) and its stream heads (`streams`).
public enum EventLog {
    /// An event about to be appended, already chained.
    public struct Entry: Sendable {
        public let stream: String
        public let seq: Int64
        public let aggregate: String
        public let type: String
        public let data: String
        public let establishmentID: String?
        public let requestID: UUID?
        public let actorID: String
        public let at: Date
        public let previousHash: [UInt8]
        public let hash: [UInt8]
    }

    /// The head of one stream: the last event's number and hash.
    public struct Head: Sendable, Equatable {
        public var seq: Int64
        public var hash: [UInt8]

        public static let empty = Head(seq: 0, hash: EventChain.genesis)
    }

    /// Chains events onto a stream's head; returns the entries and the new head.
    public static func chain(
        _ events: [DomainEvent], stream: String, head: Head, establishmentID: String?, requestID: UUID?,
        actorID: String, at: Date
    ) -> (entries: [Entry], head: Head) {
        var head = head
        var entries: [Entry] = []
        entries.reserveCapacity(events.count)
        let at = EventChain.storable(at)
        for event in events {
            let seq = head.seq + 1
            let data = JSONCoding.encode(JSONValue.object(event.data))
            let hash = EventChain.hash(
                previous: head.hash, stream: stream, seq: seq, aggregate: event.aggregate, type: event.type,
                requestID: requestID, actorID: actorID, at: at, data: data)
            entries.append(Entry(
                stream: stream, seq: seq, aggregate: event.aggregate, type: event.type, data: data,
                establishmentID: establishmentID, requestID: requestID, actorID: actorID, at: at,
                previousHash: head.hash, hash: hash))
            head = Head(seq: seq, hash: hash)
        }
        return (entries, head)
    }

    /// The heads of the given streams (absent streams are empty).
    public static func heads(_ streams: [String], on db: isolated Connection) throws -> [String: Head] {
        guard !streams.isEmpty else { return [:] }
        var heads: [String: Head] = [:]
        for row in try db.query(loadHeads, [streams]) {
            heads[try row.decode(String.self, at: 0)] = Head(seq: try row.decode(Int64.self, at: 1), hash: [UInt8](try row.decode(Data.self, at: 2)))
        }
        return heads
    }

    /// The statements that append entries and move the heads (for a pipeline).
    public static func appendStatements(_ entries: [Entry], heads: [String: Head]) -> [PipelineStatement] {
        guard !entries.isEmpty else { return [] }
        return [
            PipelineStatement(insertEvents, [
                entries.map(\.stream), entries.map(\.seq), entries.map(\.aggregate), entries.map(\.type), entries.map(\.data),
                NullableArray(entries.map(\.establishmentID)), NullableArray(entries.map(\.requestID)), entries.map(\.actorID),
                entries.map(\.at), entries.map { Data($0.previousHash) }, entries.map { Data($0.hash) },
            ]),
            PipelineStatement(upsertHeads, [
                Array(heads.keys), heads.values.map(\.seq), heads.values.map { Data($0.hash) },
            ]),
        ]
    }

    /// One stored event, for `muamala history` and the API.
    public struct Stored: Sendable, Codable {
        public let stream: String
        public let seq: Int64
        public let aggregate: String
        public let type: String
        public let data: JSONValue
        public let establishmentID: String?
        public let requestID: UUID?
        public let actorID: String
        public let at: Date

        enum CodingKeys: String, CodingKey {
            case stream, seq, aggregate, type, data, at
            case establishmentID = "establishment_id", requestID = "request_id", actorID = "actor_id"
        }

        init(row: Row) throws {
            stream = try row.decode(String.self, "stream")
            seq = try row.decode(Int64.self, "seq")
            aggregate = try row.decode(String.self, "aggregate")
            type = try row.decode(String.self, "type")
            data = try JSONCoding.decode(try row.decode(String.self, "data"))
            establishmentID = try row.decode(String?.self, "establishment_id")
            requestID = try row.decode(UUID?.self, "request_id")
            actorID = try row.decode(String.self, "actor_id")
            at = try row.decode(Date.self, "at")
        }
    }

    /// Events of a stream (`worker:…`, `establishment:…`), of an aggregate, or of a request.
    public static func history(stream: String? = nil, aggregate: String? = nil, request: UUID? = nil, limit: Int = 1000, on db: isolated Connection) throws -> [Stored] {
        try db.query(historyStatement, [stream, aggregate, request, limit]).map(Stored.init(row:))
    }

    /// The newest `limit` events of a stream or a request, oldest first (a page that shows a
    /// long history shows its end).
    public static func latest(stream: String? = nil, request: UUID? = nil, limit: Int, on db: isolated Connection) throws -> [Stored] {
        try db.query(latestHistoryStatement, [stream, request, limit]).map(Stored.init(row:)).reversed()
    }

    /// What `verify` found.
    public struct Verification: Sendable, Codable {
        public var streams = 0
        public var events = 0
        /// Signed heads (checkpoints) the history was checked against, and how many it reaches.
        public var signedHeads = 0
        public var signedHeadsReached = 0
        public var problems: [String] = []
        public var isIntact: Bool { problems.isEmpty }

        enum CodingKeys: String, CodingKey {
            case streams, events, signedHeads = "signed_heads", signedHeadsReached = "signed_heads_reached", problems
        }
    }

    /// Whether each stream's history still runs, unbroken, from its signed head (or from its
    /// beginning, for a stream never signed) to `heads`: the signed event still there with
    /// the signed hash, every later event linked to the one before and matching its own
    /// hash, the last one the head. What a checkpoint taker checks before it signs new
    /// heads, so that it never signs over a history rewritten since the last checkpoint.
    /// Returns the problems, by stream; reads `chunk` streams a round trip.
    public static func continuity(from signed: [String: (seq: Int64, hash: [UInt8], checkpoint: Int)],
                                  to heads: [String: (seq: Int64, hash: [UInt8])], chunk: Int = 1_000,
                                  on db: isolated Connection) throws -> [String] {
        var problems: [String] = []
        let streams = heads.keys.sorted()
        for start in stride(from: 0, to: streams.count, by: chunk) {
            let part = Array(streams[start..<min(start + chunk, streams.count)])
            let rows = try db.query(segmentsStatement, [part, part.map { signed[$0]?.seq ?? 1 }])
            var byStream: [String: [Row]] = [:]
            for row in rows { byStream[try row.decode(String.self, "stream"), default: []].append(row) }
            for stream in part {
                guard let head = heads[stream] else { continue }
                let mark = signed[stream]
                let events = byStream[stream] ?? []
                var previous: (seq: Int64, hash: [UInt8]) = (0, EventChain.genesis)
                var broken: String?
                for (index, row) in events.enumerated() {
                    let seq = try row.decode(Int64.self, "seq")
                    let stored = [UInt8](try row.decode(Data.self, "hash"))
                    let link = [UInt8](try row.decode(Data.self, "prev_hash"))
                    if index == 0, let mark {
                        guard seq == mark.seq, stored == mark.hash else {
                            broken = "#\(mark.seq), signed in checkpoint \(mark.checkpoint), is not in the history as signed"
                            break
                        }
                        previous = (seq, stored)
                        continue
                    }
                    let recomputed = try Self.recomputedHash(row, previous: link, stream: stream, seq: seq)
                    guard seq == previous.seq + 1, link == previous.hash, recomputed == stored else {
                        broken = "#\(seq) does not follow from #\(previous.seq) as it should"
                        break
                    }
                    previous = (seq, stored)
                }
                if broken == nil, events.isEmpty { broken = "has no events" }
                if broken == nil, previous.seq != head.seq || previous.hash != head.hash {
                    broken = "its head (#\(head.seq)) is not where its events end (#\(previous.seq))"
                }
                if let broken { problems.append("\(stream): \(broken)") }
            }
        }
        return problems
    }

    /// Every stream's head as the `streams` table has it, read in one snapshot.
    public static func currentHeads(on db: isolated Connection) throws -> [String: (seq: Int64, hash: [UInt8])] {
        try db.query(allHeads).reduce(into: [:]) { heads, row in
            heads[try row.decode(String.self, at: 0)] = (try row.decode(Int64.self, at: 1), [UInt8](try row.decode(Data.self, at: 2)))
        }
    }

    /// Recomputes every chain and compares it with the stored hashes and heads. Reads in
    /// pages of `pageSize` events; `progress` is told the events checked so far.
    ///
    /// With `signed` heads (from checkpoints, `CheckpointChain.heads`), each stream's chain
    /// must also still pass through its signed head: the event at that number, its hash the
    /// one signed. A superuser who edits an event and recomputes the hashes after it and the
    /// head makes a chain that is whole, but that no longer reaches what was signed.
    public static func verify(pageSize: Int = 10_000, signed: [String: CheckpointChain.Signed] = [:],
                              progress: @Sendable (Int) -> Void = { _ in }, on db: isolated Connection) throws -> Verification {
        var report = Verification()
        report.signedHeads = signed.count
        var reachedSigned = Set<String>()
        let heads = try db.query(allHeads).reduce(into: [String: Head]()) { heads, row in
            heads[try row.decode(String.self, at: 0)] = Head(seq: try row.decode(Int64.self, at: 1), hash: [UInt8](try row.decode(Data.self, at: 2)))
        }
        var after: (String, Int64) = ("", 0)
        var current: (stream: String, head: Head)? = nil
        func finish(_ stream: String, _ head: Head) {
            report.streams += 1
            guard let recorded = heads[stream] else {
                report.problems.append("\(stream): events without a recorded head")
                return
            }
            if recorded != head {
                report.problems.append("\(stream): chain ends at \(head.seq) but its head says \(recorded.seq) (events removed or head altered)")
            }
        }
        while true {
            let page = try db.query(verifyPage, [after.0, after.1, pageSize])
            if page.isEmpty { break }
            for row in page {
                let stream = try row.decode(String.self, "stream")
                let seq = try row.decode(Int64.self, "seq")
                if current?.stream != stream {
                    if let current { finish(current.stream, current.head) }
                    current = (stream, .empty)
                }
                let expectedPrevious = current!.head
                let previous = [UInt8](try row.decode(Data.self, "prev_hash"))
                let stored = [UInt8](try row.decode(Data.self, "hash"))
                let recomputed = try Self.recomputedHash(row, previous: previous, stream: stream, seq: seq)
                if seq != expectedPrevious.seq + 1 {
                    report.problems.append("\(stream): event \(seq) follows \(expectedPrevious.seq) (a gap)")
                }
                if previous != expectedPrevious.hash {
                    report.problems.append("\(stream) #\(seq): does not link to the event before it")
                }
                if recomputed != stored {
                    report.problems.append("\(stream) #\(seq): content does not match its hash (edited)")
                }
                if let mark = signed[stream], mark.seq == seq {
                    if mark.hash == stored && recomputed == stored {
                        reachedSigned.insert(stream)
                    } else {
                        report.problems.append("\(stream) #\(seq): not the event checkpoint \(mark.checkpoint) signed (history rewritten)")
                    }
                }
                current = (stream, Head(seq: seq, hash: stored))
                report.events += 1
                after = (stream, seq)
            }
            progress(report.events)
            if report.problems.count > 1000 { break }
        }
        if let current { finish(current.stream, current.head) }
        let seen = report.streams
        if seen < heads.count {
            report.problems.append("\(heads.count - seen) stream head(s) have no events (history removed)")
        }
        report.signedHeadsReached = reachedSigned.count
        if report.problems.count <= 1000 {
            for (stream, mark) in signed.sorted(by: { $0.key < $1.key }) where !reachedSigned.contains(stream) {
                // Reported above when the event is there but differs; here, it is gone.
                if report.problems.contains(where: { $0.hasPrefix("\(stream) #\(mark.seq): not the event") }) { continue }
                report.problems.append("\(stream): the history no longer reaches #\(mark.seq), signed in checkpoint \(mark.checkpoint) (events removed)")
                if report.problems.count > 1000 { break }
            }
        }
        return report
    }

    /// The hash an event row should carry, from its content and the hash it links to
    /// (`verify` and the checkpoint taker's continuity check both recompute it).
    static func recomputedHash(_ row: Row, previous: [UInt8], stream: String, seq: Int64) throws -> [UInt8] {
        EventChain.hash(
            previous: previous, stream: stream, seq: seq, aggregate: try row.decode(String.self, "aggregate"),
            type: try row.decode(String.self, "type"), requestID: try row.decode(UUID?.self, "request_id"),
            actorID: try row.decode(String.self, "actor_id"), at: try row.decode(Date.self, "at"),
            data: try row.decode(String.self, "data"))
    }
}

extension EventLog {
    /// One index probe per stream (see AggregateStore's loads): the table starts empty and
    /// grows fast, and with stale statistics `= ANY` was planned as a scan of all of it.
    static let loadHeads = Statement("events_heads", """
        SELECT s.* FROM unnest($1::text[]) AS k(stream)
        CROSS JOIN LATERAL (SELECT stream, seq, head FROM streams WHERE stream = k.stream) s
        """)

    static let insertEvents = Statement("events_insert", """
        INSERT INTO events (stream, seq, aggregate, type, data, establishment_id, request_id, actor_id, at, prev_hash, hash)
        SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::json[], $6::text[], $7::uuid[],
                             $8::text[], $9::timestamptz[], $10::bytea[], $11::bytea[])
        """)

    static let upsertHeads = Statement("events_upsert_heads", """
        INSERT INTO streams (stream, seq, head)
        SELECT * FROM unnest($1::text[], $2::bigint[], $3::bytea[])
        ON CONFLICT (stream) DO UPDATE SET seq = excluded.seq, head = excluded.head
        WHERE streams.seq < excluded.seq
        """)

    static let historyStatement = Statement("events_history", """
        SELECT stream, seq, aggregate, type, data::text AS data, establishment_id, request_id, actor_id, at
        FROM events
        WHERE ($1::text IS NULL OR stream = $1) AND ($2::text IS NULL OR aggregate = $2) AND ($3::uuid IS NULL OR request_id = $3)
        ORDER BY at, stream, seq
        LIMIT $4
        """)

    /// The newest events, newest first (`latest` turns them around).
    static let latestHistoryStatement = Statement("events_history_latest", """
        SELECT stream, seq, aggregate, type, data::text AS data, establishment_id, request_id, actor_id, at
        FROM events
        WHERE ($1::text IS NULL OR stream = $1) AND ($2::uuid IS NULL OR request_id = $2)
        ORDER BY at DESC, stream DESC, seq DESC
        LIMIT $3
        """)

    static let allHeads = Statement("events_all_heads", "SELECT stream, seq, head FROM streams")

    /// Each stream's events from a number on, in order (`continuity`).
    static let segmentsStatement = Statement("events_segments", """
        SELECT e.stream, e.seq, e.aggregate, e.type, e.data::text AS data, e.request_id, e.actor_id, e.at, e.prev_hash, e.hash
        FROM unnest($1::text[], $2::bigint[]) AS f(stream, from_seq)
        CROSS JOIN LATERAL (SELECT * FROM events WHERE stream = f.stream AND seq >= f.from_seq ORDER BY seq) e
        ORDER BY e.stream, e.seq
        """)

    static let verifyPage = Statement("events_verify_page", """
        SELECT stream, seq, aggregate, type, data::text AS data, request_id, actor_id, at, prev_hash, hash
        FROM events
        WHERE (stream, seq) > ($1, $2)
        ORDER BY stream, seq
        LIMIT $3
        """)
}
