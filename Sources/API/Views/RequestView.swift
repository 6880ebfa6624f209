import Domain
import Foundation
import Store

/// A request as the API shows it.
struct RequestView: Encodable {
    let id: String
    let service: String
    let state: String
    let establishment_id: String?
    let subject: String
    let actor_role: String
    let payload: JSONValue
    let submitted_at: Date
    let not_before: Date
    let decided_at: Date?
    let attempts: Int
    /// What changed, for a completed request.
    let outcome: JSONValue?
    /// Why not, for a rejected request.
    let reason: JSONValue?
    /// The last technical error, for a failed (or retrying) request.
    let error: String?

    init(_ record: RequestRecord) {
        id = record.id.uuidString.lowercased()
        service = record.service
        state = record.state.rawValue
        establishment_id = record.establishmentID
        subject = record.subject
        actor_role = record.actorRole
        payload = record.payload
        submitted_at = record.submittedAt
        not_before = record.notBefore
        decided_at = record.decidedAt
        attempts = record.attempts
        outcome = record.state == .completed ? record.outcome : nil
        reason = record.state == .rejected ? record.outcome : nil
        error = record.state == .failed || record.state == .queued ? record.lastError : nil
    }
}

/// A service of the directory (`GET /v1/services`).
struct ServiceView: Encodable {
    let code: String
    let name_ar: String
    let name_en: String
    let description_ar: String
    let description_en: String
    let roles: [String]
    let payload_schema: JSONValue
    let workflow: String?
    let action: String?
    let terms: [String: String]
    let internal_only: Bool

    init(_ service: ServiceDefinition, rules: RuleParameters) {
        code = service.code
        name_ar = service.nameAr
        name_en = service.nameEn
        description_ar = service.descriptionAr
        description_en = service.descriptionEn
        roles = service.roles.map(\.rawValue).sorted()
        payload_schema = service.payloadSchema
        workflow = service.workflow?.name
        action = service.workflow?.action
        terms = service.terms(rules)
        internal_only = service.internalOnly
    }
}
