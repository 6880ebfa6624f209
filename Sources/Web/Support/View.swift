import Hummingbird

/// What every page's layout needs: language, direction, the switches, the words.
enum View {
    static func frame(_ request: Request, _ language: Language, title: String, home: String) -> [String: Any] {
        let query = request.uri.queryParameters.map { (String($0.key), String($0.value)) }.sorted { $0.0 < $1.0 }
        // `//open-data` reaches the page too; its links must not become `//open-data?…` (another host).
        let path = "/" + request.uri.path.drop { $0 == "/" }
        return [
            "lang": language.code.rawValue, "dir": language.direction, "title": title, "home": home, "stylesheet": Assets.stylesheetPath,
            "t": Texts.of(language), "switches": language.switches(path: path, query: query),
        ]
    }
}
