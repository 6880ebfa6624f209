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

    /// What "the same request" means for an idempotency key: service, establishment and payload,
    /// hashed as the JSON text `{"establishment":…,"payload":…,"service":…}` (keys sorted).
    var fingerprint: Data { encoded.fingerprint }

    /// The payload as stored, and the fingerprint built around that same text: intake needs
    /// both for every request, and encoding the payload once instead of twice was 1–2% of the
    /// daemon under HTTP load. The text is exactly what encoding the whole object gives (a
    /// test holds the two together: a stored key's hash must not change).
    var encoded: (payload: String, fingerprint: Data) {
        let payloadText = JSONCoding.encode(JSONValue.object(payload))
        let establishmentText = establishment.map { JSONValue.string($0.description).jsonText } ?? "null"
        let text = #"{"establishment":"# + establishmentText + #","payload":"# + payloadText
            + #","service":"# + JSONValue.string(service).jsonText + "}"
        return (payloadText, Data(SHA256Digest.of(text)))
    }
}
