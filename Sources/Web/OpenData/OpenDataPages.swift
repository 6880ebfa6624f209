import API
import Domain
import Foundation
import HTTPTypes
import Hummingbird
import Mustache

/// The public open data: `/open-data` (the figures of a period of Hijri months, a bar per
/// month), `/open-data.csv` and `/open-data.json` (the same figures), and
/// `/open-data/press-release` (the seed's press release written from them, in Arabic).
/// No token, no id, nothing about any one establishment or person; every period is cut from
/// one cached reading (`OpenDataCache`).
struct OpenDataPages {
    let cache: OpenDataCache
    let templates: MustacheLibrary

    /// Browsers and proxies may keep a page as long as the cache does.
    static let cacheControl = "public, max-age=60"

    /// GET, and HEAD for link checkers and monitors (the same headers, no body).
    func register(on router: Router<APIRequestContext>) {
        let pages: [(String, @Sendable (Request) async throws -> Response)] = [
            ("/open-data", page), ("/open-data/press-release", pressRelease), ("/open-data.csv", csv), ("/open-data.json", json),
        ]
        for (path, respond) in pages {
            router.get(RouterPath(path)) { request, _ in try await respond(request) }
            router.head(RouterPath(path)) { request, _ in try await respond(request).createHeadResponse() }
        }
    }

    /// The period asked for, cut from the cached reading; an HTML or JSON refusal otherwise.
    private func figures(_ request: Request) async throws -> (MonthlyStatistics, Period, OpenDataCache.Snapshot)? {
        let snapshot = try await cache.snapshot()
        let query = request.uri.queryParameters
        let fallback = Period.default(latest: snapshot.statistics.months.last?.month, today: snapshot.today)
        guard case .success(let period) = Period.parse(from: query["from"].map(String.init), to: query["to"].map(String.init), default: fallback) else {
            return nil
        }
        return (snapshot.statistics.within(period), period, snapshot)
    }

    private func page(_ request: Request) async throws -> Response {
        let language = Language(request)
        guard let (statistics, period, snapshot) = try await figures(request) else { return badPeriod(request, language) }
        var view = View.frame(request, language, title: Texts.text("open_data_title", language), home: "/open-data")
        let t = Texts.of(language)
        let periodQuery = [("from", period.first.description), ("to", period.last.description)]
        view["period_text"] = periodText(period, language)
        view["csv_href"] = Language.url("/open-data.csv", periodQuery)
        view["json_href"] = Language.url("/open-data.json", periodQuery)
        view["press_href"] = Language.url("/open-data/press-release", periodQuery)
        let figures = PressRelease.Figures(statistics)
        view["beneficiaries"] = language.number(figures.beneficiaries)
        view["beneficiaries_value"] = figures.beneficiaries
        // The months one may choose: those with figures, the period's own, and this month.
        var choices = Set(snapshot.statistics.months.map(\.month))
        choices.formUnion(period.months)
        choices.insert(HijriMonth(snapshot.today))
        let sorted = choices.sorted()
        view["months_from"] = sorted.map { ["value": $0.description, "label": monthName($0, language), "selected": $0 == period.first] }
        view["months_to"] = sorted.map { ["value": $0.description, "label": monthName($0, language), "selected": $0 == period.last] }
        view["has_months"] = !statistics.months.isEmpty
        let byMonth = Dictionary(uniqueKeysWithValues: statistics.months.map { ($0.month, $0) })
        let bars = period.months.map { month -> BarChart.Bar in
            let total = byMonth[month]?.total ?? MonthlyStatistics.Counts()
            return BarChart.Bar(value: total.total, secondary: total.total - total.completed,
                                label: shortMonthName(month, language),
                                tooltip: "\(monthName(month, language)): \(language.number(total.total))")
        }
        view["chart"] = BarChart.render(id: "months", title: t["by_month"] ?? "", bars: bars, language: language, showValues: true)
        view["groups"] = groups(statistics, language)
        view["grand"] = cells(statistics.grandTotal, language)
        view["monthly"] = statistics.months.flatMap { month in
            month.services.map { code, counts in
                cells(counts, language).merging(["month": month.month.description, "month_label": monthName(month.month, language),
                                                  "service": code, "label": serviceName(code, language)]) { $1 }
            }
        }
        return render("open_data", view, language)
    }

    private func pressRelease(_ request: Request) async throws -> Response {
        // The release is Arabic, whatever the reader's language (which it leaves as it is, and
        // whose switch leads back to the figures); the digits are the reader's.
        let reader = Language(request)
        let language = Language(code: .ar, numerals: reader.numerals)
        guard let (statistics, period, _) = try await figures(request) else { return badPeriod(request, language) }
        let figures = PressRelease.Figures(statistics)
        var view = View.frame(request, language, title: Texts.text("press_release", language), home: "/open-data")
        view["switches"] = language.switches(path: "/open-data", query: [("from", period.first.description), ("to", period.last.description)])
        let arabicPeriod = periodText(period, language)
        view["headline"] = "\(language.number(figures.beneficiaries)) مستفيداً من الخدمات الإلكترونية \(arabicPeriod)"
        view["paragraphs"] = PressRelease.arabic(figures, period: arabicPeriod, number: language.number)
        view["caption"] = "الأرقام \(arabicPeriod)"
        view["beneficiaries"] = language.number(figures.beneficiaries)
        view["beneficiaries_value"] = figures.beneficiaries
        view["rows"] = PressRelease.groups.flatMap(\.rows).map { row -> [String: Any] in
            ["service": row.service, "label": row.labelAr, "count": language.number(figures[row: row]), "value": figures[row: row]]
        }
        view["back"] = Language.url("/open-data", [("from", period.first.description), ("to", period.last.description)])
        return render("press_release", view, reader)
    }

    private func csv(_ request: Request) async throws -> Response {
        guard let (statistics, period, _) = try await figures(request) else { throw APIError(.badRequest, .badPeriod) }
        var response = Page.text(statistics.csv.joined(separator: "\r\n") + "\r\n", contentType: "text/csv; charset=utf-8", cache: Self.cacheControl,
                                 filename: "muamala-open-data-\(period.first)-\(period.last).csv")
        // Open data: any site may read it.
        response.headers[.accessControlAllowOrigin] = "*"
        return response
    }

    /// The document of `GET /v1/statistics` for the period's days, with the period and the
    /// report's rows beside it.
    private func json(_ request: Request) async throws -> Response {
        guard let (statistics, period, _) = try await figures(request) else { throw APIError(.badRequest, .badPeriod) }
        guard case .object(var document) = statistics.json(from: period.first.firstDay, to: period.last.lastDay) else {
            throw APIError(.internalServerError, .internalError)
        }
        let figures = PressRelease.Figures(statistics)
        document["period"] = ["from_month": .string(period.first.description), "to_month": .string(period.last.description)]
        document["beneficiaries"] = JSONValue(figures.beneficiaries)
        document["report"] = .array(PressRelease.groups.map { group in
            ["title_ar": .string(group.titleAr), "title_en": .string(group.titleEn),
             "rows": .array(group.rows.map { row in
                 var line: [String: JSONValue] = ["service": .string(row.service), "label_ar": .string(row.labelAr),
                                                  "label_en": .string(row.labelEn), "completed": JSONValue(figures[row: row])]
                 if row.isSum { line["services"] = .array(row.services.map(JSONValue.string)) }
                 return .object(line)
             })]
        })
        var response = Page.text(JSONValue.object(document).jsonText, contentType: "application/json; charset=utf-8", cache: Self.cacheControl)
        response.headers[.accessControlAllowOrigin] = "*"
        return response
    }

    // MARK: Views

    /// The seed's groups, then every other service that has figures.
    private func groups(_ statistics: MonthlyStatistics, _ language: Language) -> [[String: Any]] {
        let totals = Dictionary(uniqueKeysWithValues: statistics.total.map { ($0.code, $0.counts) })
        var groups: [[String: Any]] = PressRelease.groups.map { group in
            ["title": language.pick(group.titleAr, group.titleEn),
             "rows": group.rows.map { row in
                 let counts = row.services.reduce(MonthlyStatistics.Counts()) { $0 + (totals[$1] ?? MonthlyStatistics.Counts()) }
                 return cells(counts, language).merging(["service": row.service, "derived": row.isSum,
                                                         "label": language.pick(row.labelAr, row.labelEn)]) { $1 }
             }]
        }
        let others = statistics.total.filter { !PressRelease.reported.contains($0.code) }
        if !others.isEmpty {
            groups.append(["title": Texts.text("other_services", language),
                           "rows": others.map { cells($0.counts, language).merging(["service": $0.code, "label": serviceName($0.code, language)]) { $1 } }])
        }
        return groups
    }

    private func cells(_ counts: MonthlyStatistics.Counts, _ language: Language) -> [String: Any] {
        ["completed": language.number(counts.completed), "completed_value": counts.completed,
         "rejected": language.number(counts.rejected), "rejected_value": counts.rejected,
         "failed": language.number(counts.failed), "failed_value": counts.failed,
         "cancelled": language.number(counts.cancelled), "cancelled_value": counts.cancelled,
         "total": language.number(counts.total), "total_value": counts.total]
    }

    private func serviceName(_ code: String, _ language: Language) -> String {
        guard let service = ServiceCatalog.service(code) else { return code }
        return language.pick(service.nameAr, service.nameEn)
    }

    private func monthName(_ month: HijriMonth, _ language: Language) -> String {
        language.digits(language.pick(month.nameAr, month.nameEn))
    }

    private func shortMonthName(_ month: HijriMonth, _ language: Language) -> String {
        let name = language.pick(month.nameAr, month.nameEn)
        return language.digits(String(name.split(separator: " ").dropLast().joined(separator: " ")))
    }

    private func periodText(_ period: Period, _ language: Language) -> String {
        let first = monthName(period.first, language), last = monthName(period.last, language)
        let months = Self.months(period.months.count, language)
        return language.isArabic ? "من \(first) إلى \(last) (\(months))" : "from \(first) to \(last) (\(months))"
    }

    /// "1 month", "3 months"; in Arabic "شهر واحد", "شهران", "٣ أشهر", "١٢ شهراً".
    static func months(_ count: Int, _ language: Language) -> String {
        guard language.isArabic else { return count == 1 ? "1 month" : "\(language.number(count)) months" }
        switch count {
        case 1: return "شهر واحد"
        case 2: return "شهران"
        case 3...10: return "\(language.number(count)) أشهر"
        default: return "\(language.number(count)) شهراً"
        }
    }

    private func badPeriod(_ request: Request, _ language: Language) -> Response {
        let reason = Reason.Code.badPeriod()
        var view = View.frame(request, language, title: Texts.text("refused", language), home: "/open-data")
        view["heading"] = Texts.text("refused", language)
        view["message_ar"] = reason.arabic
        view["message_en"] = reason.english
        view["code"] = reason.code.rawValue
        view["back"] = "/open-data"
        return render("error", view, language, status: .badRequest, cache: "no-store")
    }

    private func render(_ name: String, _ view: [String: Any], _ language: Language,
                        status: HTTPResponse.Status = .ok, cache: String = OpenDataPages.cacheControl) -> Response {
        let body = templates.render(view, withTemplate: name) ?? ""
        // A page that sets the language's cookies is the reader's own: not for shared caches.
        let cookies = language.cookies
        var headers = HTTPFields()
        for cookie in cookies { headers.append(HTTPField(name: .setCookie, value: cookie.description)) }
        // Without ?lang= and ?digits=, the page follows the reader's cookies and browser.
        headers[.vary] = "Cookie, Accept-Language"
        return Page.html(body, status: status, cache: cookies.isEmpty ? cache : "private, max-age=60", headers: headers)
    }
}
