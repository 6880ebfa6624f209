import Hummingbird

/// `?limit=` of a paged list: 1 to 500 (as `docs/openapi.yaml` says for every list), or the
/// list's default when absent; anything else is 400 `request.bad_query`.
enum PageLimit {
    static let range = 1...500

    static func parse(_ query: Request, default value: Int) throws -> Int {
        guard let text = query.uri.queryParameters["limit"].map(String.init) else { return value }
        guard let limit = Int(text), range.contains(limit) else { throw APIError(.badRequest, .badQuery, ["field": "limit"]) }
        return limit
    }
}
