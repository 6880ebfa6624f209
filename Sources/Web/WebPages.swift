import API
import Engine
import Hummingbird
import Mustache

/// The pages `muamalad` serves to people, beside the API on the same router:
///
/// - `/open-data` (public): the open-data figures, their CSV and JSON, and the press release
///   (`OpenData/`);
/// - `/console` (staff): the queue, failed requests, requests, workers, establishments and
///   workflows (`Console/`);
/// - `/assets/muamala-<hash>.css`: their one stylesheet, named by its content.
///
/// Server-rendered HTML from Mustache templates (`Templates/`), SVG drawn on the server, no
/// script; Arabic (right to left) or English, Arabic-Indic or Latin digits (`Support/Language`).
public enum WebPages {
    public static let routes: [(method: String, path: String)] = [
        ("GET", Assets.stylesheetPath),
        ("GET", "/open-data"), ("GET", "/open-data/press-release"), ("GET", "/open-data.csv"), ("GET", "/open-data.json"),
        ("HEAD", "/open-data"), ("HEAD", "/open-data/press-release"), ("HEAD", "/open-data.csv"), ("HEAD", "/open-data.json"),
        ("GET", "/console"), ("GET", "/console/sign-in"), ("POST", "/console/sign-in"), ("POST", "/console/sign-out"),
        ("GET", "/console/queue"), ("GET", "/console/failed"), ("GET", "/console/find"),
        ("GET", "/console/requests/{id}"), ("POST", "/console/requests/{id}/retry"),
        ("GET", "/console/workers/{id}"), ("GET", "/console/establishments/{id}"), ("GET", "/console/establishments/{id}/workers"),
        ("GET", "/console/workflows"),
    ]

    /// Adds the pages to the API's router (made with `pages: WebPages.routes`). Throws only
    /// when a template does not parse: at start-up, never on a request.
    public static func register(on router: Router<APIRequestContext>, environment: APIEnvironment,
                                publicOrigin: PublicOrigin? = nil, openDataLifetime: Duration = .seconds(60)) throws {
        let templates = try Templates.library()
        router.get(RouterPath(Assets.stylesheetPath)) { _, _ in Assets.stylesheet() }
        OpenDataPages(cache: OpenDataCache(operations: environment.operations, lifetime: openDataLifetime), templates: templates).register(on: router)
        ConsolePages(environment: environment, templates: templates, origin: publicOrigin, names: RulebookNames(environment.rulebook)).register(on: router)
    }
}
