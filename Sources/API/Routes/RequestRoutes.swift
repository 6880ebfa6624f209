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
        let key = try Self.idempotencyKey(request.headers)
        let wait = try waitSeconds(request)
        let submission = try Self.submission(try await request.jsonBody(limit: environment.maxBodyBytes), key: key, wait: wait)
        var record = try Self.record(try await environment.intake.submit(submission, by: principal))
        if wait > 0 && !record.isFinished {
            record = try await waitForDecision(record.id, seconds: wait) ?? record
        }
        let (status, headers, body) = Self.response(record, detail: principal.seesTechnicalDetail)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
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
        guard var record = try await find(id) else { throw APIError(.notFound, .requestNotFound) }
        try await checkReadable(record, principal)
        if wait > 0 && !record.isFinished {
            record = try await waitForDecision(id, seconds: wait) ?? record
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
        if let text = query["before"].map(String.init) {
            guard let before = Int64(text), before >= 1 else { throw APIError(.badRequest, .badQuery, ["field": "before"]) }
            filter.before = before
        }
        if let text = query["limit"].map(String.init) {
            guard let limit = Int(text), (1...500).contains(limit) else { throw APIError(.badRequest, .badQuery, ["field": "limit"]) }
            filter.limit = limit
        }
        switch principal.user.role {
        case .staff, .system:
            break
        case .worker:
            guard let person = principal.user.personID else { throw APIError(.forbidden, .forbidden) }
            filter.subject = Subject.worker(PersonID(trusted: person)).key
        case .owner, .delegate, .agent:
            guard let establishment = filter.establishment.flatMap({ try? EstablishmentID($0) }) else {
                throw APIError(.badRequest, .badQuery, ["field": "establishment"])
            }
            let company = try await environment.pool.withConnection { connection in
                try await connection.run { db in try DirectoryStore.company(of: establishment, on: db) }
            }
            let readable = principal.user.role == .owner
                ? company?.digits == principal.user.unifiedNumber
                : principal.grants.contains { $0.establishmentID == establishment.description }
            guard readable else { throw APIError(.forbidden, .forbidden) }
        }
        let finalFilter = filter
        let records = try await environment.pool.withConnection { connection in
            try await connection.run { db in try RequestQueue.list(finalFilter, on: db) }
        }
        let next = records.count == filter.limit ? records.last?.seq : nil
        return jsonResponse(["requests": .array(records.map { RequestView($0, detail: principal.seesTechnicalDetail).json }), "next_before": next.map { .number(Double($0)) } ?? .null])
    }

    // MARK: Withdraw and re-drive

    private func cancel(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let id = try requestID(context)
        guard let record = try await find(id) else { throw APIError(.notFound, .requestNotFound) }
        try await checkReadable(record, principal)
        let clock = environment.clock
        let result = try await environment.pool.withConnection { connection in
            try await connection.withTransaction { db in
                try RequestQueue.cancel(id, by: principal.user.actor, at: try clock.now(on: db), on: db)
            }
        }
        switch result {
        case .success(let cancelled):
            environment.waiters.decided([id])
            return jsonResponse(RequestView(cancelled, detail: principal.seesTechnicalDetail).json)
        case .failure(.notFound):
            throw APIError(.notFound, .requestNotFound)
        case .failure(.beingProcessed):
            throw APIError(.conflict, .requestBeingProcessed)
        case .failure(.wrongState(let state)):
            throw APIError(.conflict, .requestNotCancellable, ["state": state.rawValue])
        }
    }

    private func retry(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        guard principal.user.role == .staff else { throw APIError(.forbidden, .forbidden) }
        let id = try requestID(context)
        let clock = environment.clock
        let result = try await environment.pool.withConnection { connection in
            try await connection.withTransaction { db in
                let result = try RequestQueue.redrive(id, at: try clock.now(on: db), on: db)
                if case .success = result { try RequestQueue.notifyQueued(on: db) }
                return result
            }
        }
        switch result {
        case .success(let record):
            environment.intake.wake?.signal()
            return jsonResponse(RequestView(record, detail: principal.seesTechnicalDetail).json, status: .accepted)
        case .failure(.notFound):
            throw APIError(.notFound, .requestNotFound)
        case .failure(.beingProcessed):
            throw APIError(.conflict, .requestBeingProcessed)
        case .failure(.wrongState(let state)):
            throw APIError(.conflict, .requestNotFailed, ["state": state.rawValue])
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

    private func find(_ id: UUID) async throws -> RequestRecord? {
        try await environment.pool.withConnection { connection in
            try await connection.run { db in try RequestQueue.find(id, on: db) }
        }
    }

    /// A request the caller may not see is not there: the same 404 as an id nobody used.
    private func checkReadable(_ record: RequestRecord, _ principal: AccountStore.Principal) async throws {
        let company: UnifiedNumber?
        if let establishment = record.establishmentID.flatMap({ try? EstablishmentID($0) }), principal.user.role == .owner {
            company = try await environment.pool.withConnection { connection in
                try await connection.run { db in try DirectoryStore.company(of: establishment, on: db) }
            }
        } else {
            company = nil
        }
        guard AccessPolicy.mayRead(principal, record: record, company: company) else {
            throw APIError(.notFound, .requestNotFound)
        }
    }

    func waitForDecision(_ id: UUID, seconds: Int) async throws -> RequestRecord? {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while true {
            if let record = try await find(id), record.isFinished { return record }
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { return nil }
            // Woken by the decision; the short slice covers a decision made just before the wait began.
            await environment.waiters.wait(for: id, timeout: min(remaining, .milliseconds(100)))
        }
    }
}
