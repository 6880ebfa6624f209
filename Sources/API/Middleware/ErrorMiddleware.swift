import Domain
import Hummingbird
import Logging

/// Turns every failure into the API's bilingual JSON error: unknown routes (404), wrong
/// methods, oversized bodies (413) and unexpected errors (500, logged, with no details).
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return try error.response(from: request, context: context)
        } catch let error as HTTPError {
            let mapped: APIError
            switch error.status {
            case .notFound: mapped = APIError(.notFound, .notFound)
            case .methodNotAllowed: mapped = APIError(.methodNotAllowed, .methodNotAllowed)
            case .contentTooLarge: mapped = APIError(.contentTooLarge, .bodyTooLarge, ["limit": "?"])
            case .badRequest: mapped = APIError(.badRequest, .malformedJSON)
            default:
                context.logger.error("unexpected HTTP error", metadata: ["error": .string("\(error)")])
                mapped = APIError(error.status, .internalError)
            }
            return try mapped.response(from: request, context: context)
        } catch {
            context.logger.error("request failed", metadata: ["error": .string("\(error)"), "path": .string(request.uri.path)])
            let unavailable = "\(error)".contains("pool") || "\(error)".contains("connect")
            let mapped = unavailable ? APIError(.serviceUnavailable, .unavailable) : APIError(.internalServerError, .internalError)
            return try mapped.response(from: request, context: context)
        }
    }
}
