import Domain
import Foundation

/// A request about to enter the queue (validated by intake).
public struct NewRequest: Sendable {
    public var id: UUID
    public var service: String
    public var establishment: EstablishmentID?
    public var subject: Subject
    public var actor: Actor
    public var payload: [String: JSONValue]
    public var idempotencyKey: String?
    public var priority: Int
    public var origin: String
    public var submittedAt: Date
    public var notBefore: Date
    /// Someone waits for the decision (HTTP `?wait=`).
    public var notify: Bool

    public init(
        id: UUID = RequestID.make(), service: String, establishment: EstablishmentID?, subject: Subject, actor: Actor,
        payload: [String: JSONValue], idempotencyKey: String?, priority: Int = 0, origin: String = "api",
        submittedAt: Date, notBefore: Date? = nil, notify: Bool = false
    ) {
        self.id = id
        self.service = service
        self.establishment = establishment
        self.subject = subject
        self.actor = actor
        self.payload = payload
        self.idempotencyKey = idempotencyKey
        self.priority = priority
        self.origin = origin
        self.submittedAt = submittedAt
        self.notBefore = notBefore ?? submittedAt
        self.notify = notify
    }

    /// What "the same request" means for an idempotency key: service, establishment and payload.
    var fingerprint: Data {
        let text = JSONCoding.encode(JSONValue.object([
            "service": .string(service), "establishment": establishment.map { .string($0.description) } ?? .null,
            "payload": .object(payload),
        ]))
        return Data(SHA256Digest.of(text))
    }
}
