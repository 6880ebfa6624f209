import Domain
import Engine
import Foundation
import Hummingbird
import Store

/// The portal's reads: who the caller is, an establishment and its workers, a worker, a
/// case. Each answers only within the caller's rights (`Operations`, "reads"); what he may
/// not see is the same 404 as what does not exist, whatever the id.
struct ReadRoutes {
    let environment: APIEnvironment

    func register(on router: RouterGroup<APIRequestContext>) {
        router.get("/me") { _, context in try await me(context) }
        router.get("/me/establishments") { request, context in try await myEstablishments(request, context) }
        router.get("/establishments/{id}") { request, context in try await establishment(request, context) }
        router.get("/establishments/{id}/workers") { request, context in try await workers(request, context) }
        router.get("/workers/{id}") { request, context in try await worker(request, context) }
        router.get("/cases/{id}") { request, context in try await caseFile(request, context) }
    }

    private func me(_ context: APIRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        return jsonResponse(ReadViews.me(try await environment.operations.me(principal)))
    }

    private func myEstablishments(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        var after: EstablishmentID?
        if let text = request.uri.queryParameters["after"].map(String.init) {
            guard let id = try? EstablishmentID(text) else { throw APIError(.badRequest, .badQuery, ["field": "after"]) }
            after = id
        }
        let limit = try PageLimit.parse(request, default: 100)
        let ids = try await environment.operations.myEstablishments(principal, after: after, limit: limit)
        let next = ids.count == limit ? ids.last.map { JSONValue.string($0.description) } : nil
        let page: JSONValue = ["establishments": .array(ids.map { .string($0.description) }), "next_after": next ?? .null]
        return jsonResponse(page)
    }

    private func establishment(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let asOf = try Self.asOf(request)
        guard let id = Self.establishmentID(context),
              let read = try await Self.asOfChecked({
                  try await environment.operations.establishment(id, for: principal, rulebook: environment.rulebook, asOf: asOf)
              }) else {
            throw Self.notFound
        }
        return jsonResponse(ReadViews.stamped(ReadViews.establishment(read), asOf: asOf))
    }

    private func workers(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let query = request.uri.queryParameters
        var after: PersonID?
        if let text = query["after"].map(String.init) {
            guard let person = PersonID(cursor: text) else { throw APIError(.badRequest, .badQuery, ["field": "after"]) }
            after = person
        }
        let limit = try PageLimit.parse(request, default: 100)
        guard let id = Self.establishmentID(context),
              let lines = try await environment.operations.workers(of: id, after: after, limit: limit, for: principal) else {
            throw Self.notFound
        }
        let next = lines.count == limit ? lines.last.map { JSONValue.string($0.worker.id.digits) } : nil
        let page: JSONValue = ["workers": .array(lines.map(ReadViews.workerLine)), "next_after": next ?? .null]
        return jsonResponse(page)
    }

    private func worker(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let asOf = try Self.asOf(request)
        guard let text = context.parameters.get("id"), let id = try? PersonID(text),
              let read = try await Self.asOfChecked({
                  try await environment.operations.worker(id, for: principal, rulebook: environment.rulebook, asOf: asOf)
              }) else {
            throw Self.notFound
        }
        return jsonResponse(ReadViews.stamped(ReadViews.worker(read), asOf: asOf))
    }

    private func caseFile(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let asOf = try Self.asOf(request)
        guard let text = context.parameters.get("id"), let id = UUID(uuidString: text),
              let read = try await Self.asOfChecked({ try await environment.operations.caseFile(id, for: principal, asOf: asOf) }) else {
            throw Self.notFound
        }
        return jsonResponse(ReadViews.stamped(ReadViews.caseFile(read.file, showCounterpart: read.counterpartVisible), asOf: asOf))
    }

    /// `?as_of=YYYY-MM-DD`: the record as it stood at the end of that day (Riyadh time).
    private static func asOf(_ request: Request) throws -> Day? {
        guard let text = request.uri.queryParameters["as_of"].map(String.init) else { return nil }
        guard let day = Day(iso: text) else { throw APIError(.badRequest, .badQuery, ["field": "as_of"]) }
        return day
    }

    /// A read as of a day after today finds nothing, as a day before the record did: a 404,
    /// whose reason names today (the same whatever the id, so it tells nothing of the record).
    private static func asOfChecked<T>(_ read: () async throws -> T) async throws -> T {
        do { return try await read() } catch let error as Operations.AsOfAfterToday {
            throw APIError(.notFound, error.reason)
        }
    }

    private static func establishmentID(_ context: APIRequestContext) -> EstablishmentID? {
        context.parameters.get("id").flatMap { try? EstablishmentID($0) }
    }

    /// One answer for a malformed id, an unknown one and one the caller may not see.
    static let notFound = APIError(.notFound, .recordNotFound)
}

extension PersonID {
    /// A number of a person's shape (ten digits, 1… or 2…) without its check digit checked: a
    /// cursor or a filter, which a wrong number simply matches nothing with.
    public init?(cursor text: String) {
        let digits = Array(text.utf8)
        guard digits.count == 10, digits[0] == UInt8(ascii: "1") || digits[0] == UInt8(ascii: "2"),
              digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { return nil }
        self.init(trusted: text)
    }
}
