/// Nitaqat (Saudization) bands, from lowest to highest. Yellow was merged into red in 2020.
public enum NitaqatBand: String, Sendable, Codable, CaseIterable, Comparable {
    case red
    case lowGreen = "low_green"
    case mediumGreen = "medium_green"
    case highGreen = "high_green"
    case platinum

    public static func < (a: NitaqatBand, b: NitaqatBand) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// Any green band or platinum.
    public var isCompliant: Bool { self >= .lowGreen }

    public var english: String {
        switch self {
        case .red: return "red"
        case .lowGreen: return "low green"
        case .mediumGreen: return "medium green"
        case .highGreen: return "high green"
        case .platinum: return "platinum"
        }
    }

    public var arabic: String {
        switch self {
        case .red: return "الأحمر"
        case .lowGreen: return "الأخضر المنخفض"
        case .mediumGreen: return "الأخضر المتوسط"
        case .highGreen: return "الأخضر المرتفع"
        case .platinum: return "البلاتيني"
        }
    }
}
