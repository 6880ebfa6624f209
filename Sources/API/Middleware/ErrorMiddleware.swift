import Domain
import Hummingbird
import Logging

/// Turns every failure into the API's bilingual JSON error (`APIError.mapping`): unknown
/// routes are 404, a known path with a method it does not take is 405 with `Allow`, and an
/// unexpected error is 500 (or 503 when the database cannot serve for now), logged with its
/// detail and answered without it.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    /// The largest body the routes take, for a 413 that says it.
    let maxBodyBytes: Int
    /// Every route served, for the 405's `Allow`.
    var routes: [(method: String, path: String)] = APIRouter.routes

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            // The router found no route: for a path it knows, the method is what is wrong.
            if let allowed = APIRouter.methods(at: request.uri.path, among: routes), !allowed.isEmpty {
                var refusal = APIError(.methodNotAllowed, .methodNotAllowed)
                refusal.headers[.allow] = allowed.joined(separator: ", ")
                return try refusal.response(from: request, context: context)
            }
            return try APIError(.notFound, .notFound).response(from: request, context: context)
        } catch {
            let mapped = APIError.mapping(error, maxBodyBytes: maxBodyBytes)
            if mapped.status.code >= 500 {
                context.logger.error("request failed", metadata: [
                    "error": .string(String(reflecting: error)), "path": .string(request.uri.path),
                    "method": .string(request.method.rawValue), "status": .stringConvertible(mapped.status.code),
                ])
            }
            return try mapped.response(from: request, context: context)
        }
    }
}
