import Domain
import Engine
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PQ
import Store

/// `/v1/requests`: submit, look up (optionally waiting for the decision), list, withdraw, re-drive.
struct RequestRoutes {
    let environment: APIEnvironment

    func register(on router: RouterGroup<APIRequestContext>) {
        router.post("/requests") { request, context in try await submit(request, context) }
        router.get("/requests") { request, context in try await list(request, context) }
        router.get("/requests/{id}") { request, context in try await show(request, context) }
        router.post("/requests/{id}/cancel") { request, context in try await cancel(request, context) }
        router.post("/requests/{id}/retry") { request, context in try await retry(request, context) }
    }

    // MARK: Submit

    private func submit(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        // The header and the query are checked as for any submission, dry run or not (the key
        // of a dry run is then not kept).
        let key = try Self.idempotencyKey(request.headers)
        let wait = try waitSeconds(request)
        if try Self.isDryRun(request) { return try await dryRun(request, principal) }
        let submission = try Self.submission(try await request.jsonBody(limit: environment.maxBodyBytes), key: key, wait: wait)
        let record = try Self.record(try await environment.operations.submit(submission, by: principal, wait: .seconds(wait)))
        let (status, headers, body) = Self.response(record, detail: principal.seesTechnicalDetail)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// `?dry_run=true`: the decision the engine would make now, and nothing written (no
    /// request, no event; the idempotency key is checked, not kept).
    private func dryRun(_ request: Request, _ principal: AccountStore.Principal) async throws -> Response {
        let submission = try Self.submission(try await request.jsonBody(limit: environment.maxBodyBytes), key: "dry-run", wait: 0)
        switch try await environment.operations.dryRun(submission, by: principal) {
        case .success(let dryRun):
            return jsonResponse(dryRun.json)
        case .failure(let refusal):
            throw Self.error(for: refusal)
        }
    }

    /// `dry_run=true` or `false` (absent: false).
    static func isDryRun(_ request: Request) throws -> Bool {
        guard let text = request.uri.queryParameters["dry_run"].map(String.init) else { return false }
        guard text == "true" || text == "false" else { throw APIError(.badRequest, .badQuery, ["field": "dry_run"]) }
        return text == "true"
    }

    // The steps of a submission, each testable alone.

    static let idempotencyKeyField = HTTPField.Name("Idempotency-Key")!

    /// The key: 1 to 200 visible ASCII characters, spaces allowed inside (spaces and tabs
    /// around it are not part of it), as `docs/openapi.yaml` says.
    static func idempotencyKey(_ headers: HTTPFields) throws -> String {
        guard let key = headers[idempotencyKeyField].map({ String($0.trimmingHeaderWhitespace) }), !key.isEmpty else {
            throw APIError(.badRequest, .idempotencyKeyMissing)
        }
        guard key.utf8.count <= 200, key.utf8.allSatisfy({ $0 >= 0x20 && $0 <= 0x7E }) else {
            throw APIError(.badRequest, .idempotencyKeyInvalid)
        }
        return key
    }

    /// The largest `?wait=` accepted (the daemon honours at most its own limit within it).
    static let maxWaitParameter = 3600

    /// `?wait=` in seconds, at most `limit`; 0 when absent.
    static func waitSeconds(_ text: String?, limit: Int) throws -> Int {
        guard let text else { return 0 }
        guard let seconds = Int(text), (0...maxWaitParameter).contains(seconds) else { throw APIError(.badRequest, .badQuery, ["field": "wait"]) }
        return min(seconds, limit)
    }

    /// The body's shape: `{"service": "…", "payload": {…}}` and nothing else.
    static func submission(_ body: JSONValue, key: String, wait: Int) throws -> Intake.Submission {
        guard case .object(let object) = body else {
            throw APIError(.badRequest, Reason.Code.wrongType("body", en: "an object", ar: "كائن JSON"))
        }
        var problems: [FieldError] = []
        for unknown in object.keys.sorted() where unknown != "service" && unknown != "payload" {
            problems.append(FieldError(field: unknown, reason: Reason.Code.fieldUnknown(["field": unknown])))
        }
        let service = object["service"]?.stringValue
        if object["service"] == nil {
            problems.append(FieldError(field: "service", reason: Reason.Code.fieldMissing(["field": "service"])))
        } else if service == nil {
            problems.append(FieldError(field: "service", reason: Reason.Code.wrongType("service", en: "a string", ar: "نصًا")))
        }
        let payload = object["payload"] ?? .object([:])
        if case .object = payload {} else {
            problems.append(FieldError(field: "payload", reason: Reason.Code.wrongType("payload", en: "an object", ar: "كائن JSON")))
        }
        guard problems.isEmpty, let service else {
            throw APIError(.unprocessableContent, problems[0].reason, fields: problems)
        }
        return Intake.Submission(service: service, payload: payload, idempotencyKey: key, notify: wait > 0)
    }

    /// The accepted request, or the refusal as the API's error.
    static func record(_ result: Result<Intake.Accepted, Intake.Refusal>) throws -> RequestRecord {
        switch result {
        case .success(let accepted): return accepted.record
        case .failure(let refusal): throw error(for: refusal)
        }
    }

    /// 200 with the decision, or 202 while it is pending; `Location` names the request.
    static func response(_ record: RequestRecord, detail: Bool) -> (HTTPResponse.Status, HTTPFields, [UInt8]) {
        var headers = HTTPFields()
        headers[.location] = "/v1/requests/\(record.id.lowercasedText)"
        headers[.contentType] = "application/json; charset=utf-8"
        return (record.isFinished ? .ok : .accepted, headers, RequestView(record, detail: detail).json.jsonBytes)
    }

    static func error(for refusal: Intake.Refusal) -> APIError {
        switch refusal {
        case .unknownService:
            return APIError(.notFound, refusal.reasons[0].reason, fields: refusal.reasons)
        case .roleNotAllowed, .forbidden:
            return APIError(.forbidden, refusal.reasons[0].reason)
        case .invalidPayload(let fields):
            return APIError(.unprocessableContent, fields.first?.reason ?? Reason.Code.malformedJSON(), fields: fields)
        case .idempotencyConflict:
            return APIError(.conflict, refusal.reasons[0].reason)
        }
    }

    // MARK: Look up

    private func show(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let id = try requestID(context)
        let wait = try waitSeconds(request)
        // Someone else's request is not there, as one that never was.
        guard let record = try await environment.operations.request(id, for: principal, wait: .seconds(wait)) else {
            throw APIError(.notFound, .requestNotFound)
        }
        return jsonResponse(RequestView(record, detail: principal.seesTechnicalDetail).json)
    }

    private func list(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let query = request.uri.queryParameters
        var filter = RequestQueue.ListFilter()
        if let text = query["establishment"].map(String.init) {
            guard let establishment = try? EstablishmentID(text) else { throw APIError(.badRequest, .badQuery, ["field": "establishment"]) }
            filter.establishment = establishment.description
        }
        if let text = query["state"].map(String.init) {
            guard let state = RequestRecord.State(rawValue: text) else { throw APIError(.badRequest, .badQuery, ["field": "state"]) }
            filter.state = state
        }
        if let text = query["subject"].map(String.init) {
            guard let subject = Self.subject(text) else { throw APIError(.badRequest, .badQuery, ["field": "subject"]) }
            filter.subject = subject.key
        }
        if let text = query["before"].map(String.init) {
            guard let before = Int64(text), before >= 1 else { throw APIError(.badRequest, .badQuery, ["field": "before"]) }
            filter.before = before
        }
        filter.limit = try PageLimit.parse(request, default: filter.limit)
        let records: [RequestRecord]
        switch try await environment.operations.requests(filter, for: principal) {
        case .success(let page): records = page
        // Not a malformed query (the same query is staff's to make): not this caller's to make.
        case .failure(.establishmentRequired): throw APIError(.forbidden, .listNeedsEstablishment)
        case .failure(.forbidden): throw APIError(.forbidden, .forbidden)
        }
        let next = records.count == filter.limit ? records.last?.seq : nil
        return jsonResponse([
            "requests": .array(records.map { RequestView($0, detail: principal.seesTechnicalDetail).json }),
            "next_before": next.map { .number(Double($0)) } ?? .null,
        ])
    }

    /// `?subject=worker:<national ID or iqama>`, `person:<…>` or `establishment:<number>`, each number checked.
    static func subject(_ text: String) -> Subject? {
        switch Subject(key: text) {
        case .worker(let person)?: PersonID(cursor: person.digits).map(Subject.worker)
        case .person(let person)?: PersonID(cursor: person.digits).map(Subject.person)
        case let subject: subject
        }
    }

    // MARK: Withdraw and re-drive

    private func cancel(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        switch try await environment.operations.cancel(try requestID(context), by: principal) {
        case .success(let cancelled):
            return jsonResponse(RequestView(cancelled, detail: principal.seesTechnicalDetail).json)
        case .failure(.forbidden):
            throw APIError(.forbidden, .forbidden)
        case .failure(.refused(let refusal)):
            throw Self.error(for: refusal, whenWrongState: .requestNotCancellable)
        }
    }

    private func retry(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        switch try await environment.operations.redrive(try requestID(context), by: principal) {
        case .success(let record):
            return jsonResponse(RequestView(record, detail: principal.seesTechnicalDetail).json, status: .accepted)
        case .failure(.forbidden):
            throw APIError(.forbidden, .forbidden)
        case .failure(.refused(let refusal)):
            throw Self.error(for: refusal, whenWrongState: .requestNotFailed)
        }
    }

    static func error(for refusal: RequestQueue.ChangeRefusal, whenWrongState code: Reason.Code) -> APIError {
        switch refusal {
        case .notFound: return APIError(.notFound, .requestNotFound)
        case .beingProcessed: return APIError(.conflict, .requestBeingProcessed)
        case .wrongState(let state): return APIError(.conflict, code, ["state": state.rawValue])
        }
    }

    // MARK: Helpers

    private func requestID(_ context: APIRequestContext) throws -> UUID {
        guard let text = context.parameters.get("id"), let id = UUID(uuidString: text) else {
            throw APIError(.notFound, .requestNotFound)
        }
        return id
    }

    private func waitSeconds(_ request: Request) throws -> Int {
        try Self.waitSeconds(request.uri.queryParameters["wait"].map(String.init), limit: environment.maxWaitSeconds)
    }
}
