import Domain
import Foundation
import Store

/// A request as the API shows it.
struct RequestView {
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
    /// Why a failed (or retrying) request is not decided, as a code with both texts.
    let error: Reason?
    /// The technical error itself, for staff only: the server's text can carry values, and
    /// it means nothing to a portal user (who gets the code).
    let errorDetail: String?

    /// `detail`: whether the viewer may see technical errors' text (staff and system).
    init(_ record: RequestRecord, detail: Bool) {
        id = record.id.lowercasedText
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
        let troubled = record.lastError != nil && (record.state == .failed || record.state == .queued)
        error = troubled ? (record.state == .failed ? Reason.Code.technicalFailure() : Reason.Code.technicalRetrying()) : nil
        errorDetail = troubled && detail ? record.lastError : nil
    }
}

extension RequestView {
    /// The same fields as `JSONValue` (written without Foundation's encoder).
    var json: JSONValue {
        var object: [String: JSONValue] = [
            "id": .string(id), "service": .string(service), "state": .string(state), "subject": .string(subject),
            "actor_role": .string(actor_role), "payload": payload, "submitted_at": .string(Self.iso(submitted_at)),
            "not_before": .string(Self.iso(not_before)), "attempts": JSONValue(attempts),
            "establishment_id": establishment_id.map(JSONValue.string) ?? .null,
            "decided_at": decided_at.map { .string(Self.iso($0)) } ?? .null,
        ]
        if let outcome { object["outcome"] = outcome }
        if let reason { object["reason"] = reason }
        if let error {
            object["error"] = ["code": .string(error.code.rawValue), "message_ar": .string(error.arabic), "message_en": .string(error.english)]
        }
        if let errorDetail { object["error_detail"] = .string(errorDetail) }
        return .object(object)
    }

    /// ISO 8601 in UTC to the second, as JSONEncoder's `.iso8601` writes it.
    static func iso(_ date: Date) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let day = Day(number: Int(seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400))
        let second = Int(seconds - Int64(day.number) * 86_400)
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : String(value) }
        return "\(day.iso)T\(two(second / 3600)):\(two(second / 60 % 60)):\(two(second % 60))Z"
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
