import Domain

/// The names the rulebook gives occupations and activities, in both languages, from every
/// edition (a later edition's name wins): the pages show `بنّاء` or `Mason`, not `mason`.
struct RulebookNames: Sendable {
    private let occupations: [String: (ar: String, en: String)]
    private let activities: [String: (ar: String, en: String)]

    init(_ rulebook: Rulebook) {
        var occupations: [String: (ar: String, en: String)] = [:], activities: [String: (ar: String, en: String)] = [:]
        for edition in rulebook.editions {
            for (code, occupation) in edition.parameters.occupations { occupations[code] = (occupation.nameAr, occupation.nameEn) }
            for (code, activity) in edition.parameters.activities { activities[code] = (activity.nameAr, activity.nameEn) }
        }
        self.occupations = occupations
        self.activities = activities
    }

    /// The occupation's name, or its code when the rulebook has none.
    func occupation(_ code: String, _ language: Language) -> String {
        occupations[code].map { language.pick($0.ar, $0.en) } ?? code
    }

    func activity(_ code: String, _ language: Language) -> String {
        activities[code].map { language.pick($0.ar, $0.en) } ?? code
    }
}
