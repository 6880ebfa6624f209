import Mustache

/// The pages' templates (Mustache, escaped HTML), compiled once when the daemon starts.
enum Templates {
    static let all: [String: String] = [
        "layout": layout, "error": error, "bar_chart": barChart, "timeline": timeline,
        "open_data": openData, "counts": counts, "press_release": pressRelease,
        "sign_in": signIn, "queue": queue, "failed": failed, "request": request,
        "worker": worker, "establishment": establishment, "workers": workers, "workflows": workflows,
    ]

    /// Fails at start-up, never on a request, when a template does not parse.
    static func library() throws -> MustacheLibrary {
        var library = MustacheLibrary()
        for (name, text) in all { try library.register(text, named: name) }
        return library
    }
}
