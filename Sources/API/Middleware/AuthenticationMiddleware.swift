import Domain
import Foundation
import Hummingbird
import PQ
import Store
import Synchronization

/// Requires `Authorization: Bearer <token>` and puts the token's user in the context.
/// An absent, unknown or revoked token is 401; nothing else is said about why.
///
/// What a token stands for is remembered for up to `PrincipalCache.lifetime` (30 s), so a
/// busy portal does not pay a database round trip per request. A revoked token or a changed
/// grant is announced on commit and the cache emptied at once (see `PrincipalCache`).
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let pool: ConnectionPool
    let cache: PrincipalCache

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.hasHeaderPrefix("bearer ") else {
            throw APIError(.unauthorized, .unauthenticated).withChallenge
        }
        let token = String(header.dropFirst(7).trimmingHeaderWhitespace)
        guard !token.isEmpty, token.count <= 200 else { throw APIError(.unauthorized, .unauthenticated).withChallenge }
        let key = AccountStore.cacheKey(for: token)
        var principal = cache[key]
        if principal == nil {
            principal = try await pool.withConnection { connection in
                try await connection.run { db in try AccountStore.authenticate(token: token, on: db) }
            }
            if let principal { cache[key] = principal }
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

/// Principals by token hash, each for a short while: forgotten at once when grants or
/// tokens change (`AccountStore.changedChannel`, heard by the daemon's `QueueListener`),
/// and after `lifetime` in any case, should a notification be lost while it reconnects.
public final class PrincipalCache: Sendable {
    static let lifetime: Duration = .seconds(30)
    static let limit = 50_000
    private let entries = Mutex<[Data: (AccountStore.Principal, ContinuousClock.Instant)]>([:])

    public init() {}

    /// Forgets every principal: the next request of each token reads the database again.
    public func removeAll() {
        entries.withLock { $0.removeAll(keepingCapacity: true) }
    }

    subscript(key: Data) -> AccountStore.Principal? {
        get {
            entries.withLock { entries in
                guard let (principal, expires) = entries[key] else { return nil }
                if expires < .now {
                    entries[key] = nil
                    return nil
                }
                return principal
            }
        }
        set {
            entries.withLock { entries in
                if entries.count >= Self.limit { entries.removeAll(keepingCapacity: true) }
                entries[key] = newValue.map { ($0, .now + Self.lifetime) }
            }
        }
    }
}
