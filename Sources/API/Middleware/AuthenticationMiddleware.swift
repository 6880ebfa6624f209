import Domain
import Hummingbird
import PQ
import Store

/// Requires `Authorization: Bearer <token>` and puts the token's user in the context.
/// An absent, unknown or revoked token is 401; nothing else is said about why.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let pool: ConnectionPool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else {
            throw APIError(.unauthorized, .unauthenticated).withChallenge
        }
        let token = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        guard !token.isEmpty, token.count <= 200 else { throw APIError(.unauthorized, .unauthenticated).withChallenge }
        let principal = try await pool.withConnection { connection in
            try await connection.run { db in try AccountStore.authenticate(token: token, on: db) }
        }
        guard let principal else { throw APIError(.unauthorized, .unauthenticated).withChallenge }
        var context = context
        context.principal = principal
        context.logger[metadataKey: "actor"] = .string(principal.user.actor.id)
        return try await next(request, context)
    }
}

extension APIError {
    /// With the `WWW-Authenticate` header a 401 should carry.
    var withChallenge: APIError {
        var error = self
        error.headers[.wwwAuthenticate] = "Bearer realm=\"muamala\""
        return error
    }
}
