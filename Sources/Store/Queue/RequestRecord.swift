import Domain
import Foundation
import PQ

/// A request as stored: in the queue (`queued`) or in history (`completed`, `rejected`,
/// `failed`, `cancelled`).
public struct RequestRecord: Sendable, Codable, Equatable {
    public enum State: String, Sendable, Codable, CaseIterable {
        case queued, completed, rejected, failed, cancelled
    }

    public let id: UUID
    public let seq: Int64
    public let service: String
    public let establishmentID: String?
    public let subject: String
    public let actorID: String
    public let actorRole: String
    public let payload: JSONValue
    public let idempotencyKey: String?
    public let priority: Int
    public let origin: String
    public let submittedAt: Date
    public let notBefore: Date
    public let attempts: Int
    public let lastError: String?
    public let state: State
    /// What changed (completed), or `{code, message_ar, message_en}` (rejected), or the error (failed).
    public let outcome: JSONValue?
    public let reasonCode: String?
    public let decidedAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, seq, service, establishmentID = "establishment_id", subject, actorID = "actor_id", actorRole = "actor_role"
        case payload, idempotencyKey = "idempotency_key", priority, origin, submittedAt = "submitted_at"
        case notBefore = "not_before", attempts, lastError = "last_error", state, outcome, reasonCode = "reason_code"
        case decidedAt = "decided_at"
    }

    /// Whether the request is decided (or otherwise finished).
    public var isFinished: Bool { state != .queued }

    /// The columns every query of a record selects, in this order (see `init(row:)`).
    static let columns = """
        id, seq, service, establishment_id, subject, actor_id, actor_role, payload::text AS payload, idempotency_key,
        priority, origin, submitted_at, not_before, attempts, last_error
        """

    init(row: Row) throws {
        id = try row.decode(UUID.self, "id")
        seq = try row.decode(Int64.self, "seq")
        service = try row.decode(String.self, "service")
        establishmentID = try row.decode(String?.self, "establishment_id")
        subject = try row.decode(String.self, "subject")
        actorID = try row.decode(String.self, "actor_id")
        actorRole = try row.decode(String.self, "actor_role")
        payload = try JSONCoding.decode(try row.decode(String.self, "payload"))
        idempotencyKey = try row.decode(String?.self, "idempotency_key")
        priority = try row.decode(Int.self, "priority")
        origin = try row.decode(String.self, "origin")
        submittedAt = try row.decode(Date.self, "submitted_at")
        notBefore = try row.decode(Date.self, "not_before")
        attempts = try row.decode(Int.self, "attempts")
        lastError = try row.decode(String?.self, "last_error")
        let stateText = try row.decode(String.self, "state")
        guard let state = State(rawValue: stateText) else {
            throw PQError(.decoding, "row \(row.index): unknown request state \(stateText)", column: "state")
        }
        self.state = state
        outcome = try row.decode(String?.self, "outcome").map(JSONCoding.decode)
        reasonCode = try row.decode(String?.self, "reason_code")
        decidedAt = try row.decode(Date?.self, "decided_at")
    }
}

extension RequestRecord {
    /// A request just queued, as it was sent, with the sequence number the queue gave it.
    init(queued request: NewRequest, seq: Int64) {
        self.init(request, seq: seq, attempts: 0, state: .queued, outcome: nil, reasonCode: nil, decidedAt: nil)
    }

    /// A request decided in the transaction that accepted it, as history now holds it.
    public init(decided request: RequestQueue.Deciding, _ completion: RequestQueue.Completion, decidedAt: Date) {
        self.init(request.request, seq: request.seq, attempts: 1, state: completion.state, outcome: completion.outcome,
                  reasonCode: completion.reasonCode, decidedAt: decidedAt.atPostgresPrecision)
    }

    private init(_ request: NewRequest, seq: Int64, attempts: Int, state: State, outcome: JSONValue?, reasonCode: String?,
                 decidedAt: Date?) {
        id = request.id
        self.seq = seq
        service = request.service
        establishmentID = request.establishment?.description
        subject = request.subject.key
        actorID = request.actor.id
        actorRole = request.actor.role.rawValue
        payload = .object(request.payload)
        idempotencyKey = request.idempotencyKey
        priority = request.priority
        origin = request.origin
        submittedAt = request.submittedAt.atPostgresPrecision
        notBefore = request.notBefore.atPostgresPrecision
        self.attempts = attempts
        lastError = nil
        self.state = state
        self.outcome = outcome
        self.reasonCode = reasonCode
        self.decidedAt = decidedAt
    }
}

/// JSON text in and out of the database: sorted keys, so equal values have equal text.
public enum JSONCoding {
    /// JSON values take the fast writer (sorted keys as well).
    public static func encode(_ value: JSONValue) -> String { value.jsonText }

    public static func encode<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        // Encoding our own value types cannot fail; an empty object keeps the row valid if it ever did.
        guard let data = try? encoder.encode(value) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    public static func decode(_ text: String) throws -> JSONValue {
        guard let value = JSONValue.parse(text) else {
            throw PQError(.decoding, "stored JSON does not parse")
        }
        return value
    }
}
