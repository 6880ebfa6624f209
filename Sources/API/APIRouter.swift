import Hummingbird
import HummingbirdCore
import Logging
import Prometheus
import Store

/// The daemon's routes, for the server and for tests.
public enum APIRouter {
    /// Every route: (method, path) as the OpenAPI file (`docs/openapi.yaml`) documents them.
    public static let routes: [(method: String, path: String)] = [
        ("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/metrics"),
        ("GET", "/v1/services"), ("GET", "/v1/services/{code}"), ("GET", "/v1/rulebook"), ("GET", "/v1/workflows"),
        ("POST", "/v1/requests"), ("GET", "/v1/requests"), ("GET", "/v1/requests/{id}"),
        ("POST", "/v1/requests/{id}/cancel"), ("POST", "/v1/requests/{id}/retry"),
        ("GET", "/v1/clock"), ("POST", "/v1/clock/advance"), ("GET", "/v1/statistics"),
        ("GET", "/v1/me"), ("GET", "/v1/me/establishments"), ("GET", "/v1/establishments/{id}"), ("GET", "/v1/establishments/{id}/workers"),
        ("GET", "/v1/workers/{id}"), ("GET", "/v1/cases/{id}"),
    ]

    /// The methods served at a concrete path (`/v1/requests/7f…/cancel`), or nil when no
    /// route has that shape.
    public static func methods(at path: String, among routes: [(method: String, path: String)] = routes) -> [String]? {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        let methods = routes.filter { route in
            let template = route.path.split(separator: "/", omittingEmptySubsequences: false)
            guard template.count == segments.count else { return false }
            return zip(template, segments).allSatisfy { pattern, segment in
                pattern.hasPrefix("{") ? !segment.isEmpty : pattern == segment
            }
        }.map(\.method)
        return methods.isEmpty ? nil : Array(Set(methods)).sorted()
    }

    /// `pages`: the routes another module adds to this router afterwards (the web pages),
    /// so that a wrong method there is a 405 as here.
    public static func make(environment: APIEnvironment, migrator: Migrator, registry: PrometheusCollectorRegistry,
                            pages: [(method: String, path: String)] = []) -> Router<APIRequestContext> {
        let router = Router(context: APIRequestContext.self)
        router.add(middleware: ErrorMiddleware(maxBodyBytes: environment.maxBodyBytes, routes: routes + pages))
        HealthRoutes(pool: environment.pool, migrator: migrator, registry: registry, logger: Logger(label: "muamalad.health")).register(on: router)
        let v1 = router.group("/v1")
        DirectoryRoutes(environment: environment).register(on: v1)
        let authenticated = v1.group().add(middleware: AuthenticationMiddleware(
            pool: environment.pool, cache: environment.principals, identityProvider: environment.identityProvider))
        RequestRoutes(environment: environment).register(on: authenticated)
        ClockRoutes(environment: environment).register(on: authenticated)
        StatisticsRoutes(environment: environment).register(on: authenticated)
        ReadRoutes(environment: environment).register(on: authenticated)
        return router
    }

    /// The HTTP/1 server the router runs in: every request, submissions included, goes
    /// through the router and its middleware (errors, authentication).
    public static func server() -> HTTPServerBuilder { .http1() }
}
