import Domain
import Hummingbird
import Store

/// `GET /v1/statistics?from=YYYY-MM-DD&to=YYYY-MM-DD` (anyone signed in): decided requests by
/// Hijri month and service, the open-data figures (the same document as `muamala stats
/// --json`). Aggregates only, nothing about any one establishment or person; signed in all
/// the same, since each call reads the history of its range.
struct StatisticsRoutes {
    let environment: APIEnvironment

    func register(on router: RouterGroup<APIRequestContext>) {
        router.get("/statistics") { request, context in
            _ = try context.requirePrincipal()
            let from = try Self.day(request.uri.queryParameters.get("from"), field: "from")
            let to = try Self.day(request.uri.queryParameters.get("to"), field: "to")
            // A period that ends before it begins holds no day: no months, every total zero.
            let statistics = try await environment.operations.statistics(from: from, to: to)
            return jsonResponse(statistics.json(from: from, to: to))
        }
    }

    private static func day(_ text: String?, field: String) throws -> Day? {
        guard let text else { return nil }
        guard let day = Day(iso: text) else { throw APIError(.badRequest, .badQuery, ["field": field]) }
        return day
    }
}
