import Foundation
import Domain
import Hummingbird

/// The reader's language and digits: Arabic (right to left) or English, Arabic-Indic or
/// Latin digits. Chosen by `?lang=` and `?digits=` (the switch links), else the cookie those
/// leave, else the browser's `Accept-Language`; Arabic, in Arabic-Indic digits, by default.
struct Language: Sendable, Equatable {
    enum Code: String, Sendable, CaseIterable { case ar, en }
    let code: Code
    let numerals: Numerals
    /// Whether the choice came from the query (then the cookies below remember it).
    let chosen: Bool

    var isArabic: Bool { code == .ar }
    var direction: String { isArabic ? "rtl" : "ltr" }

    init(code: Code, numerals: Numerals, chosen: Bool = false) {
        self.code = code
        self.numerals = numerals
        self.chosen = chosen
    }

    init(_ request: Request) {
        let query = request.uri.queryParameters
        let cookies = request.cookies
        let asked = query["lang"].flatMap { Code(rawValue: String($0)) }
        let acceptLanguage = request.headers[.acceptLanguage]?.lowercased() ?? ""
        let code = asked ?? cookies["muamala_lang"].flatMap { Code(rawValue: $0.value) }
            ?? (acceptLanguage.hasPrefix("en") ? .en : .ar)
        let askedDigits = query["digits"].flatMap { Numerals(rawValue: String($0)) }
        let numerals = askedDigits ?? cookies["muamala_digits"].flatMap { Numerals(rawValue: $0.value) }
            ?? (code == .ar ? .arabicIndic : .latin)
        self.init(code: code, numerals: numerals, chosen: asked != nil || askedDigits != nil)
    }

    /// The cookies that remember a choice made by the switch links (a year, readable by no script).
    var cookies: [Cookie] {
        guard chosen else { return [] }
        return [Cookie(name: "muamala_lang", value: code.rawValue, maxAge: 365 * 86_400, path: "/", httpOnly: true, sameSite: .lax),
                Cookie(name: "muamala_digits", value: numerals.rawValue, maxAge: 365 * 86_400, path: "/", httpOnly: true, sameSite: .lax)]
    }

    func number(_ value: Int) -> String { numerals.format(value) }
    func digits(_ text: String) -> String { numerals.convert(text) }
    /// A decimal number (`0.5`, `42.5%`): Arabic-Indic digits take the Arabic decimal
    /// separator (٫) and percent sign (٪).
    func decimal(_ text: String) -> String {
        guard numerals == .arabicIndic else { return text }
        return numerals.convert(text).replacingOccurrences(of: ".", with: "\u{066B}").replacingOccurrences(of: "%", with: "\u{066A}")
    }
    func pick(_ arabic: String, _ english: String) -> String { isArabic ? arabic : english }

    /// The parameters a switch link carries over (the page's own: a period, a search, a page).
    static let kept: Set<String> = ["from", "to", "q", "after", "before"]

    /// What the header's switches show: the other language, and the other digits.
    func switches(path: String, query: [(String, String)]) -> [String: Any] {
        let keep = query.filter { Self.kept.contains($0.0) }
        func link(_ lang: Code, _ digits: Numerals) -> String {
            Self.url(path, keep + [("lang", lang.rawValue), ("digits", digits.rawValue)])
        }
        let other: Code = isArabic ? .en : .ar
        return [
            "language_href": link(other, other == .ar ? .arabicIndic : .latin),
            "language_label": isArabic ? "English" : "العربية",
            "language_code": other.rawValue,
            "digits_href": link(code, numerals == .latin ? .arabicIndic : .latin),
            "digits_label": numerals == .latin ? "٠١٢٣" : "0123",
        ]
    }

    /// A path with its query, percent-encoded.
    static func url(_ path: String, _ query: [(String, String)]) -> String {
        guard !query.isEmpty else { return path }
        // RFC 3986's unreserved characters, ASCII only.
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return path + "?" + query.map { name, value in
            "\(name.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")=\(value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")"
        }.joined(separator: "&")
    }
}
