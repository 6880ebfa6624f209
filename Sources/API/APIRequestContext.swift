import Hummingbird
import Logging
import Store

/// The per-request context of the API: who is asking, once the bearer token is checked.
public struct APIRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `AuthenticationMiddleware` on the routes that need it.
    public var principal: AccountStore.Principal?

    public init(source: Source) {
        self.coreContext = .init(source: source)
    }

    /// The authenticated principal; routes behind the middleware always have one.
    func requirePrincipal() throws -> AccountStore.Principal {
        guard let principal else { throw APIError(.unauthorized, .unauthenticated) }
        return principal
    }
}

extension AccountStore.Principal {
    /// Staff and systems see the text of technical errors; everyone else their code.
    var seesTechnicalDetail: Bool { user.role == .staff || user.role == .system }
}
