import Domain
import Foundation
import HTTPTypes
import HummingbirdTesting
import PQ
import Store
import Testing
import TestSupport

/// `/open-data`: public, the same figures as `GET /v1/statistics` and the CSV, read once a
/// minute whatever is asked.
@Suite("Open data page")
struct OpenDataTests {
    @Test("public, in both languages and both digits; the page, the CSV and the JSON hold the statistics' figures")
    func figures() async throws {
        try await withScratchDatabase { database in
            let web = try TestWeb(database)
            // Muharram 1447 began on 2025-06-26, Safar on 2025-07-26.
            for (service, state, day) in [("work-permit.renew", "completed", "2025-06-27"), ("work-permit.renew", "completed", "2025-07-27"),
                                          ("work-permit.renew", "rejected", "2025-07-28"), ("account.register", "completed", "2025-07-01"),
                                          ("worker.register", "completed", "2025-07-02"), ("service-transfer.request", "cancelled", "2025-07-30")] {
                _ = try await web.decided(service, state: state, at: day)
            }
            let statistics = try await web.run { db in try StatisticsStore.monthly(from: Day(iso: "2025-06-26"), to: Day(iso: "2025-08-24"), on: db) }
            try await web.application.test(.router) { client in
                let english = try await client.page(.get, "/open-data?from=1447-01&to=1447-02&lang=en&digits=latn")
                #expect(english.status == .ok)
                #expect(english.body.contains(#"<html lang="en" dir="ltr">"#))
                #expect(english.body.contains(#"id="beneficiaries" data-value="4""#))
                for (code, counts) in statistics.total {
                    let row = try #require(Self.row(english.body, service: code), "\(code)")
                    #expect(row.contains(#"data-outcome="completed" data-value="\#(counts.completed)""#), "\(code)")
                    #expect(row.contains(#"data-outcome="rejected" data-value="\#(counts.rejected)""#), "\(code)")
                    #expect(row.contains(#"data-outcome="cancelled" data-value="\#(counts.cancelled)""#), "\(code)")
                    #expect(row.contains(#"data-outcome="total" data-value="\#(counts.total)""#), "\(code)")
                }
                #expect(english.headers[.cacheControl]?.hasPrefix("private") == true, "a page setting the reader's cookies is not shared")
                #expect(!english.body.contains("worker:2000000008") && !english.body.contains("2000000008"), "no personal data")

                let arabic = try await client.page(.get, "/open-data?from=1447-01&to=1447-02", headers: [.acceptLanguage: "ar"])
                #expect(arabic.body.contains(#"<html lang="ar" dir="rtl">"#))
                #expect(arabic.body.contains("٤</strong>"), "Arabic-Indic digits by default in Arabic")
                #expect(arabic.headers[.cacheControl] == "public, max-age=60")

                let csv = try await client.page(.get, "/open-data.csv?from=1447-01&to=1447-02")
                #expect(csv.headers[.contentType] == "text/csv; charset=utf-8")
                #expect(csv.body == statistics.csv.joined(separator: "\r\n") + "\r\n")

                let json = try await client.page(.get, "/open-data.json?from=1447-01&to=1447-02")
                let document = try JSONDecoder().decode(JSONValue.self, from: Data(json.body.utf8))
                #expect(document["months"] == statistics.json(from: nil, to: nil)["months"])
                #expect(document["beneficiaries"] == 4)
                #expect(document["period"]?["from_month"] == "1447-01")

                let release = try await client.page(.get, "/open-data/press-release?from=1447-01&to=1447-02&digits=latn")
                #expect(release.body.contains(#"<article class="press" lang="ar" dir="rtl">"#))
                #expect(release.body.contains(#"<tr data-service="work-permit.renew"><th scope="row">رخص مجددة</th><td data-value="2">2</td>"#))
            }
        }
    }

    @Test("a bad period is refused in both languages, as HTML, CSV or JSON; nothing needs a token")
    func badPeriods() async throws {
        try await withScratchDatabase { database in
            let web = try TestWeb(database)
            try await web.application.test(.router) { client in
                for query in ["from=1447-13", "from=1447-1", "to=99999-01", "from=1447-05&to=1447-01", "from=1400-01&to=1447-01", "from=١٤٤٧-٠١"] {
                    let page = try await client.page(.get, "/open-data?\(query)")
                    #expect(page.status == .badRequest, "\(query)")
                    #expect(page.body.contains("الفترة غير صالحة") && page.body.contains("The period is not valid"), "\(query)")
                    for path in ["/open-data.csv", "/open-data.json"] {
                        let data = try await client.page(.get, "\(path)?\(query)")
                        #expect(data.status == .badRequest && data.body.contains("open_data.bad_period"), "\(path)?\(query)")
                    }
                }
                #expect(try await client.page(.get, "/open-data").status == .ok, "an empty history has a page too")
                let refused = try await client.page(.post, "/open-data")
                #expect(refused.status == .methodNotAllowed && refused.headers[.allow] == "GET, HEAD")
                // HEAD, for link checkers and monitors: the same headers, no body.
                for path in ["/open-data", "/open-data.csv", "/open-data.json", "/open-data/press-release"] {
                    let full = try await client.page(.get, path), head = try await client.page(.head, path)
                    #expect(head.status == .ok && head.body.isEmpty, "\(path)")
                    #expect(head.headers[.contentLength] == String(full.body.utf8.count), "\(path)")
                    #expect(head.headers[.contentType] == full.headers[.contentType], "\(path)")
                }
            }
        }
    }

    @Test("every period is cut from one reading a minute: a crawler walking them all reads the history once")
    func cache() async throws {
        try await withScratchDatabase { database in
            let web = try TestWeb(database)
            _ = try await web.decided("work-permit.renew", state: "completed", at: "2025-06-27")
            try await web.application.test(.router) { client in
                let first = try await client.page(.get, "/open-data.json?from=1447-01&to=1447-01")
                #expect(first.body.contains(#""beneficiaries":1"#))
                _ = try await web.decided("work-permit.renew", state: "completed", at: "2025-06-28")
                for month in 1...12 {
                    let page = try await client.page(.get, "/open-data.json?from=1447-\(month < 10 ? "0" : "")\(month)")
                    #expect(page.status == .ok)
                }
                let again = try await client.page(.get, "/open-data.json?from=1447-01&to=1447-01")
                #expect(again.body.contains(#""beneficiaries":1"#), "read again within the minute")
            }
            // With no lifetime, the new decision shows at once (the reading above was the cache's).
            let fresh = try TestWeb(database, openDataLifetime: .zero)
            try await fresh.application.test(.router) { client in
                let page = try await client.page(.get, "/open-data.json?from=1447-01&to=1447-01")
                #expect(page.body.contains(#""beneficiaries":2"#))
            }
        }
    }

    /// The `<tr data-service="…">` row of the figures table.
    static func row(_ body: String, service: String) -> String? {
        guard let start = body.range(of: #"<tr data-service="\#(service)">"#) else { return nil }
        guard let end = body[start.upperBound...].range(of: "</tr>") else { return nil }
        return String(body[start.lowerBound..<end.upperBound])
    }
}
