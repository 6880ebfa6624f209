import Domain
import Foundation
import PQ

/// The request queue: intake, claiming, completion, retries, withdrawal and look-ups.
///
/// Every function takes the connection `isolated`: it runs on the connection's own thread,
/// inside whatever transaction the caller opened.
public enum RequestQueue {
    /// The result of a submission.
    public enum SubmitOutcome: Sendable {
        /// A new request entered the queue.
        case created(RequestRecord)
        /// The actor had used this idempotency key for the same request: the first one.
        case existing(RequestRecord)
        /// The key was used before for a different request.
        case conflict(existing: UUID)
        /// Accepted to be decided in this same transaction (asked for, and nothing is due
        /// ahead of it on its subject), so not queued: its decision must be written with
        /// `recordDecidedStatement` before the commit.
        case deciding(Deciding)
    }

    /// A request accepted to be decided before its transaction commits.
    public struct Deciding: Sendable {
        public let request: NewRequest
        /// Its place in submission order, from the queue's sequence.
        public let seq: Int64
        /// The payload as stored.
        public let payloadText: String

        /// The request as a worker would have claimed it.
        public var claimed: Claimed {
            Claimed(
                id: request.id, seq: seq, service: request.service, establishmentID: request.establishment?.description,
                subject: request.subject.key, actorID: request.actor.id, actorRole: request.actor.role.rawValue,
                payloadText: payloadText, submittedAt: request.submittedAt.atPostgresPrecision, attempts: 0,
                notify: false)
        }
    }

    // MARK: Intake

    /// Queues a request, or returns the one the same actor submitted with the same key.
    public static func submit(_ request: NewRequest, on db: isolated Connection) throws -> SubmitOutcome {
        let payload = JSONCoding.encode(JSONValue.object(request.payload))
        let parameters: [(any PostgresEncodable)?] = [
            request.id, request.service, request.establishment?.description, request.subject.key,
            request.actor.id, request.actor.role.rawValue, payload, request.idempotencyKey, request.priority,
            request.origin, request.submittedAt, request.notBefore, request.notify,
        ]
        guard let key = request.idempotencyKey else {
            let row = try db.query(insert, parameters).single()
            return .created(try RequestRecord(row: row))
        }
        let inserted = try db.query(insertWithKey, parameters + [request.fingerprint])
        if let row = inserted.first {
            return .created(try RequestRecord(row: row))
        }
        // The key exists: committed by an earlier submission (we waited for it if it was in flight).
        let known = try db.query(findKey, [request.actor.id, key]).single()
        let existingID = try known.decode(UUID.self, "request_id")
        guard try known.decode(Data.self, "payload_hash") == request.fingerprint else {
            return .conflict(existing: existingID)
        }
        guard let record = try find(existingID, on: db) else {
            throw PQError(.client, "idempotency key points at request \(existingID), which does not exist")
        }
        return .existing(record)
    }

    /// Wakes the daemons' workers (delivered when the transaction commits).
    public static func notifyQueued(on db: isolated Connection) throws {
        try db.query(notifyQueue)
    }

    /// The channel daemons LISTEN on for new work.
    public static let queueChannel = "muamala_queue"
    /// The channel that carries ids of decided requests someone waits for.
    public static let decidedChannel = "muamala_decided"

    // MARK: Claiming

    /// A claimed request, as the engine needs it.
    public struct Claimed: Sendable {
        public let id: UUID
        public let seq: Int64
        public let service: String
        public let establishmentID: String?
        public let subject: String
        public let actorID: String
        public let actorRole: String
        public let payloadText: String
        public let submittedAt: Date
        public let attempts: Int
        public let notify: Bool

        /// The same request with another payload (a simulation's payment of what is due).
        public func with(payload text: String) -> Claimed {
            Claimed(id: id, seq: seq, service: service, establishmentID: establishmentID, subject: subject, actorID: actorID,
                    actorRole: actorRole, payloadText: text, submittedAt: submittedAt, attempts: attempts, notify: notify)
        }
    }

    /// Locks up to `limit` due requests, at most one per subject and never one whose subject
    /// has an earlier due request still queued (in flight elsewhere or waiting for a retry).
    /// Requests locked by other workers are skipped.
    public static func claim(limit: Int, businessNow: Date, realNow: Date, on db: isolated Connection) throws -> [Claimed] {
        let rows = try db.query(claimStatement, [businessNow, realNow, limit])
        return try rows.map { row in
            Claimed(
                id: try row.decode(UUID.self, at: 0), seq: try row.decode(Int64.self, at: 1),
                service: try row.decode(String.self, at: 2), establishmentID: try row.decode(String?.self, at: 3),
                subject: try row.decode(String.self, at: 4), actorID: try row.decode(String.self, at: 5),
                actorRole: try row.decode(String.self, at: 6), payloadText: try row.decode(String.self, at: 7),
                submittedAt: try row.decode(Date.self, at: 8), attempts: try row.decode(Int.self, at: 9),
                notify: try row.decode(Bool.self, at: 10))
        }
    }

    // MARK: Completion

    /// How one claimed request ended.
    public struct Completion: Sendable {
        public let id: UUID
        public let state: RequestRecord.State
        public let outcome: JSONValue
        public let reasonCode: String?

        public init(id: UUID, state: RequestRecord.State, outcome: JSONValue, reasonCode: String?) {
            self.id = id
            self.state = state
            self.outcome = outcome
            self.reasonCode = reasonCode
        }
    }

    /// Moves decided requests from the queue to history, as one statement.
    public static func complete(_ completions: [Completion], decidedAt: Date, on db: isolated Connection) throws {
        guard !completions.isEmpty else { return }
        let moved = try db.query(completeStatement, completionParameters(completions, decidedAt: decidedAt))
        guard moved.affectedRows == completions.count else {
            throw StoreConflict("\(completions.count - moved.affectedRows) claimed request(s) were no longer queued")
        }
    }

    /// Writes requests decided in the transaction that accepted them (`SubmitOutcome.deciding`)
    /// straight into history, as a pipeline statement.
    public static func recordDecidedStatement(_ decided: [(request: Deciding, completion: Completion)], decidedAt: Date) -> PipelineStatement {
        let requests = decided.map(\.request.request)
        return PipelineStatement(insertDecided, [
            requests.map(\.id), decided.map(\.request.seq), requests.map(\.service),
            NullableArray(requests.map { $0.establishment?.description }), requests.map(\.subject.key),
            requests.map(\.actor.id), requests.map(\.actor.role.rawValue), decided.map(\.request.payloadText),
            NullableArray(requests.map(\.idempotencyKey)), requests.map(\.priority), requests.map(\.origin),
            requests.map(\.submittedAt), requests.map(\.notBefore), decided.map(\.completion.state.rawValue),
            decided.map { JSONCoding.encode($0.completion.outcome) }, NullableArray(decided.map(\.completion.reasonCode)),
            decidedAt,
        ])
    }

    /// The same as `complete`, as a pipeline statement.
    public static func completeStatementFor(_ completions: [Completion], decidedAt: Date) -> PipelineStatement {
        PipelineStatement(completeStatement, completionParameters(completions, decidedAt: decidedAt))
    }

    static func completionParameters(_ completions: [Completion], decidedAt: Date) -> [(any PostgresEncodable)?] {
        [
            completions.map(\.id), completions.map(\.state.rawValue), completions.map { JSONCoding.encode($0.outcome) },
            NullableArray(completions.map(\.reasonCode)), decidedAt,
        ]
    }

    /// Records a technical failure: one more attempt. Returns true when the request was
    /// parked as `failed` (its attempts ran out); otherwise it stays queued, and blocks its
    /// subject, until `now + backoff(attempts)`.
    @discardableResult
    public static func recordFailure(
        _ id: UUID, error: String, backoff: (Int) -> TimeInterval, maxAttempts: Int, decidedAt: Date, on db: isolated Connection
    ) throws -> Bool {
        let message = String(error.prefix(2000))
        guard let row = try db.query(failStatement, [id, message]).first else { return false }
        let attempts = try row.decode(Int.self, "attempts")
        if attempts >= maxAttempts {
            let outcome = JSONCoding.encode(JSONValue.object(["error": .string(message), "attempts": JSONValue(attempts)]))
            try db.query(parkStatement, [id, outcome, decidedAt])
            return true
        }
        try db.query(retryAtStatement, [id, Date().addingTimeInterval(backoff(attempts))])
        return false
    }

    // MARK: Operators

    /// Why a withdrawal or a re-drive was refused.
    public enum ChangeRefusal: Error, Sendable, Equatable {
        case notFound
        case beingProcessed
        case wrongState(RequestRecord.State)
    }

    /// Withdraws a queued request (it moves to history as `cancelled`). Runs in the caller's
    /// transaction, or in one of its own.
    public static func cancel(_ id: UUID, by actor: Actor, at now: Date, on db: isolated Connection) throws -> Result<RequestRecord, ChangeRefusal> {
        guard db.inTransaction else {
            do {
                return try db.withTransaction { db in try cancel(id, by: actor, at: now, on: db) }
            } catch let error as TransactionError {
                throw error.underlying
            }
        }
        let locked: QueryResult
        do {
            // In a savepoint: a refused lock must not abort the caller's transaction.
            locked = try db.withSavepoint { db in try db.query(lockQueued, [id]) }
        } catch SQLState.lockNotAvailable {
            return .failure(.beingProcessed)
        }
        guard !locked.isEmpty else {
            if let record = try find(id, on: db) { return .failure(.wrongState(record.state)) }
            return .failure(.notFound)
        }
        let outcome = JSONCoding.encode(JSONValue.object(["cancelled_by": .string(actor.id)]))
        try db.query(completeStatement, [[id], ["cancelled"], [outcome], NullableArray<String>([nil]), now])
        guard let record = try find(id, on: db) else { return .failure(.notFound) }
        return .success(record)
    }

    /// Puts a failed request back in the queue, attempts reset, after the subject's others.
    public static func redrive(_ id: UUID, at now: Date, on db: isolated Connection) throws -> Result<RequestRecord, ChangeRefusal> {
        guard let record = try find(id, on: db) else { return .failure(.notFound) }
        guard record.state == .failed else { return .failure(.wrongState(record.state)) }
        let moved = try db.query(redriveStatement, [id, now])
        guard moved.affectedRows == 1, let again = try find(id, on: db) else { return .failure(.notFound) }
        return .success(again)
    }

    // MARK: Look-ups

    public static func find(_ id: UUID, on db: isolated Connection) throws -> RequestRecord? {
        try db.query(findStatement, [id]).first.map(RequestRecord.init(row:))
    }

    /// A page of requests, newest first; `before` is the `seq` to continue from.
    public struct ListFilter: Sendable {
        public var establishment: String?
        public var state: RequestRecord.State?
        public var subject: String?
        public var before: Int64?
        public var limit: Int

        public init(establishment: String? = nil, state: RequestRecord.State? = nil, subject: String? = nil, before: Int64? = nil, limit: Int = 50) {
            self.establishment = establishment
            self.state = state
            self.subject = subject
            self.before = before
            self.limit = limit
        }
    }

    public static func list(_ filter: ListFilter, on db: isolated Connection) throws -> [RequestRecord] {
        try db.query(listStatement, [
            filter.establishment, filter.state?.rawValue, filter.subject, filter.before ?? Int64.max, min(max(filter.limit, 1), 500),
        ]).map(RequestRecord.init(row:))
    }

    /// Numbers about the queue, for `muamala queue` and the metrics.
    public struct Statistics: Sendable, Codable {
        /// Queued requests whose time has come.
        public let due: Int
        /// Timers and scheduled requests not yet due (estimated when sampled).
        public let scheduled: Int
        /// Due requests waiting for a retry after a technical failure.
        public let retrying: Int
        /// Age in seconds of the oldest due request (0 when none).
        public let oldestDueAgeSeconds: Double
        public let failed: Int
        /// Requests finished in the last minute (real time); counted only when exact.
        public let finishedLastMinute: Int?

        enum CodingKeys: String, CodingKey {
            case due, scheduled, retrying, failed
            case oldestDueAgeSeconds = "oldest_due_age_seconds"
            case finishedLastMinute = "finished_last_minute"
        }
    }

    /// How much reading the statistics may cost.
    public enum Counting: Sendable {
        /// Every figure counted, for an operator who asks (`muamala queue`).
        case exact
        /// For the metrics sampler, which reads every few seconds while requests flow: due
        /// requests are counted from the claim index (as many entries as are due), timers are
        /// estimated from the table's size at its last vacuum or analyze (autovacuum keeps
        /// that recent under load), and the finished requests are left out. Counting timers
        /// reads the whole queue table, which holds a timer per permit and per open case:
        /// 45 ms every 5 s with 100,000 workers, ten times that with a million.
        case sampled
    }

    public static func statistics(businessNow: Date, realNow: Date, counting: Counting = .exact,
                                  on db: isolated Connection) throws -> Statistics {
        let row = try db.query(dueStatement, [businessNow, realNow]).single()
        let due = try row.decode(Int.self, "due")
        let scheduled: Int
        let finished: Int?
        switch counting {
        case .exact:
            let counts = try db.query(exactCountsStatement, [businessNow, realNow]).single()
            scheduled = try counts.decode(Int.self, "scheduled")
            finished = try counts.decode(Int.self, "finished")
        case .sampled:
            scheduled = max(0, try row.decode(Int.self, "rows_estimate") - due)
            finished = nil
        }
        return Statistics(
            due: due, scheduled: scheduled, retrying: try row.decode(Int.self, "retrying"),
            oldestDueAgeSeconds: try row.decode(Double.self, "oldest_age"),
            failed: try row.decode(Int.self, "failed"), finishedLastMinute: finished)
    }
}

extension RequestQueue {
    /// Requests finished (decided, failed or withdrawn) in each of the last 60 minutes of the
    /// database's real time, oldest first, the current minute (still counting) last.
    public static func finishedPerMinute(on db: isolated Connection) throws -> [(minute: Date, count: Int)] {
        try db.query(finishedPerMinuteStatement, []).map { row in
            (Date(timeIntervalSince1970: TimeInterval(try row.decode(Int64.self, "minute"))), try row.decode(Int.self, "finished"))
        }
    }
}

// Idempotency keys: kept for a retention, then forgotten.
extension RequestQueue {
    /// Deletes up to `limit` keys made before `cutoff` (real time); returns how many went.
    /// A key gone is a key never seen: the same actor and key then make a new request.
    public static func purgeIdempotencyKeys(madeBefore cutoff: Date, limit: Int, on db: isolated Connection) throws -> Int {
        try db.query(purgeKeys, [cutoff, limit]).affectedRows
    }
}

// Upkeep: the queue is inserted into and deleted from thousands of times a second, and its
// dead rows pile up between autovacuum's visits; every claim then steps over them. The
// table's own thresholds (Schema/0006, 0016) and the server's `autovacuum_naptime` keep it
// lean; `muamala maintenance` vacuums it on demand.
extension RequestQueue {
    public static func deadRows(on db: isolated Connection) throws -> Int {
        try db.query(deadRowsStatement).single().decode(Int.self, at: 0)
    }

    public static func mayVacuum(on db: isolated Connection) throws -> Bool {
        try db.query(mayVacuumStatement).single().decode(Bool.self, at: 0)
    }

    /// Must not be called inside a transaction.
    public static func vacuum(on db: isolated Connection) throws {
        _ = try db.execute(vacuumScript)
    }
}

/// Another writer changed what this transaction read: run it again.
public struct StoreConflict: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = "store conflict: " + description }
}

// MARK: - Intake in batches

extension RequestQueue {
    /// Queues many requests in one statement (group commit for intake), each with the same
    /// guarantees as `submit`: a key already used by the actor returns the first request,
    /// or a conflict when the content differs. Results come back in the input's order.
    ///
    /// A request whose `decideAtOnce` is true is not queued when nothing is due ahead of it on
    /// its subject: it comes back as `.deciding`, for the caller to decide and record in the
    /// same transaction. The caller asks this only of the first request of each subject in
    /// the batch, and of none whose actor and key appear twice in it (the second would look
    /// for the first in the queue and history, where it is not yet).
    public static func submitMany(_ requests: [NewRequest], decideAtOnce: [Bool]? = nil, on db: isolated Connection) throws -> [SubmitOutcome] {
        guard !requests.isEmpty else { return [] }
        let encoded = requests.map(\.encoded)
        let inserted = try db.query(insertMany, [
            requests.map(\.id), requests.map(\.service), NullableArray(requests.map { $0.establishment?.description }),
            requests.map(\.subject.key), requests.map(\.actor.id), requests.map(\.actor.role.rawValue),
            encoded.map(\.payload), NullableArray(requests.map(\.idempotencyKey)),
            requests.map(\.priority), requests.map(\.origin), requests.map(\.submittedAt), requests.map(\.notBefore),
            requests.map(\.notify), encoded.map(\.fingerprint), decideAtOnce ?? [Bool](repeating: false, count: requests.count),
        ])
        // Only the sequence number is the database's: the rest of each record is what was sent.
        var sequence: [UUID: (seq: Int64, atOnce: Bool)] = [:]
        for row in inserted {
            sequence[try row.decode(UUID.self, at: 0)] = (try row.decode(Int64.self, at: 1), try row.decode(Bool.self, at: 2))
        }
        var created: [UUID: RequestRecord] = [:]
        var outcomes: [SubmitOutcome?] = requests.indices.map { index in
            let request = requests[index]
            guard let (seq, atOnce) = sequence[request.id] else { return nil }
            if atOnce { return .deciding(Deciding(request: request, seq: seq, payloadText: encoded[index].payload)) }
            let record = RequestRecord(queued: request, seq: seq)
            created[request.id] = record
            return .created(record)
        }
        // The rest met a key used before (or earlier in this very batch).
        let missing = requests.indices.filter { outcomes[$0] == nil }
        guard !missing.isEmpty else { return outcomes.map { $0! } }
        let keys = try db.query(findKeys, [missing.map { requests[$0].actor.id }, missing.map { requests[$0].idempotencyKey ?? "" }])
        var known: [String: (UUID, Data)] = [:]
        for row in keys {
            known[try row.decode(String.self, at: 0) + "\u{1F}" + (try row.decode(String.self, at: 1))] =
                (try row.decode(UUID.self, at: 2), try row.decode(Data.self, at: 3))
        }
        let wanted = Set(known.values.map(\.0))
        var records: [UUID: RequestRecord] = created
        for row in try db.query(findMany, [Array(wanted)]) {
            let record = try RequestRecord(row: row)
            records[record.id] = record
        }
        for index in missing {
            let request = requests[index]
            guard let (id, hash) = known[request.actor.id + "\u{1F}" + (request.idempotencyKey ?? "")], let record = records[id] else {
                throw PQError(.client, "request \(request.id) was neither queued nor found under its key")
            }
            outcomes[index] = hash == encoded[index].fingerprint ? .existing(record) : .conflict(existing: id)
        }
        return outcomes.map { $0! }
    }
}
