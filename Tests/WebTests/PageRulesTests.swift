import Domain
import Foundation
import HTTPTypes
import Hummingbird
import Engine
import Testing
import TestSupport
@testable import Web

/// The pages' pure parts: templates, periods, numbers, the report's rows.
@Suite("Page rules")
struct PageRulesTests {
    @Test("every template parses, and none writes a value unescaped")
    func templates() throws {
        _ = try Templates.library()
        for (name, text) in Templates.all {
            #expect(!text.contains("{{{") && !text.contains("{{&"), "\(name) writes a value without escaping it")
        }
    }

    @Test("periods: whole Hijri months written 1447-01, in order, at most 36; the default is ten months")
    func periods() {
        let fallback = Period.default(latest: HijriMonth(year: 1447, month: 10), today: Day(year: 2026, month: 12, day: 6))
        #expect(fallback.first == HijriMonth(year: 1447, month: 1) && fallback.months.count == 10)
        #expect(Period.default(latest: HijriMonth(year: 1447, month: 3), today: Day(year: 2026, month: 1, day: 1)).first == HijriMonth(year: 1446, month: 6))
        #expect(Period.parse(from: "1446-11", to: "1447-02", default: fallback) == .success(Period(first: HijriMonth(year: 1446, month: 11), last: HijriMonth(year: 1447, month: 2))))
        #expect(Period.parse(from: nil, to: "1447-05", default: fallback) == .success(Period(first: HijriMonth(year: 1446, month: 8), last: HijriMonth(year: 1447, month: 5))))
        for bad in ["1447-00", "1447-13", "1447-1", "01-1447", "1399-12", "1501-01", "+447-01", "1447_01", "", " 1447-01", "١٤٤٧-٠١"] {
            #expect(Period.parse(from: bad, to: nil, default: fallback) == .failure(.malformed("from")), "\(bad)")
        }
        #expect(Period.parse(from: "1447-05", to: "1447-04", default: fallback) == .failure(.reversed))
        #expect(Period.parse(from: "1444-01", to: "1447-01", default: fallback) == .failure(.tooLong))
        #expect(Period.parse(from: "1444-02", to: "1447-01", default: fallback).map(\.months.count) == .success(36))
        #expect(Period.parse(from: nil, to: "1400-03", default: fallback) == .success(Period(first: HijriMonth(year: 1400, month: 1), last: HijriMonth(year: 1400, month: 3))))
    }

    @Test("numbers for people: grouped by thousands, Arabic-Indic or Latin")
    func numerals() {
        #expect(Numerals.latin.format(11_395_537) == "11,395,537")
        #expect(Numerals.arabicIndic.format(11_395_537) == "١١٬٣٩٥٬٥٣٧")
        #expect(Numerals.arabicIndic.format(0) == "٠" && Numerals.latin.format(999) == "999" && Numerals.latin.format(-1200) == "-1,200")
        #expect(Numerals.arabicIndic.convert("2026-12-06 12%") == "٢٠٢٦-١٢-٠٦ ١٢%")
    }

    @Test("every state, kind and status the pages print has a name in both languages")
    func codeNames() {
        let codes = Worker.Employment.allCases.map { ("employment", $0.rawValue) } + WorkPermitFlow.State.allCases.map { ("permit", $0.rawValue) }
            + Permit.Kind.allCases.map { ("permit_kind", $0.rawValue) } + Establishment.Status.allCases.map { ("status", $0.rawValue) }
        for (kind, value) in codes {
            let entry = Texts.entries[kind + "." + value]
            #expect(entry != nil && entry?.ar.isEmpty == false && entry?.en.isEmpty == false, "\(kind).\(value)")
        }
    }

    @Test("occupations and activities by the rulebook's names, the code when it has none")
    func rulebookNames() throws {
        let names = RulebookNames(try TestRulebook.load())
        let arabic = Language(code: .ar, numerals: .arabicIndic), english = Language(code: .en, numerals: .latin)
        #expect(names.occupation("mason", arabic) == "بنّاء" && names.occupation("mason", english) == "Mason")
        #expect(names.activity("construction", english) != "construction")
        #expect(names.occupation("no-such-code", arabic) == "no-such-code")
    }

    @Test("the report's rows are the seed's: each names a service that exists, once")
    func report() {
        let services = PressRelease.groups.flatMap(\.rows).filter { !$0.isSum }.map(\.service)
        #expect(services.count == 21 && Set(services).count == 21)
        for service in services { #expect(ServiceCatalog.service(service) != nil, "\(service)") }
        for service in PressRelease.workPermitServices { #expect(ServiceCatalog.service(service) != nil, "\(service)") }
    }

    @Test("the session cookie is Secure except on a loopback address; a form is ours only from this origin")
    func cookiesAndOrigins() {
        func request(_ authority: String, _ headers: HTTPFields = [:]) -> Request {
            Request(head: HTTPRequest(method: .post, scheme: "http", authority: authority, path: "/console/sign-in", headerFields: headers),
                    body: .init(buffer: ByteBuffer()))
        }
        for (authority, loopback) in [("127.0.0.1:8080", true), ("localhost", true), ("[::1]:80", true), ("muamala.example", false),
                                      ("127.0.0.1.example", false), ("10.0.0.5:8080", false), ("", false)] {
            let cookie = ConsoleSession.sessionCookie("v", maxAge: 10, request: request(authority)).description
            #expect(cookie.contains("Secure") == !loopback, "\(authority): \(cookie)")
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/console"))
        }
        let form = Form("csrf=abc&token=x")
        #expect(ConsoleSession.formIsOurs(form, expected: "abc", request: request("muamala.example")))
        #expect(ConsoleSession.formIsOurs(form, expected: "abc", request: request("muamala.example", [.origin: "https://muamala.example"])))
        #expect(!ConsoleSession.formIsOurs(form, expected: "abc", request: request("muamala.example", [.origin: "https://evil.example"])))
        #expect(!ConsoleSession.formIsOurs(form, expected: "abc", request: request("muamala.example", [.origin: "https://muamala.example.evil.example"])))
        #expect(!ConsoleSession.formIsOurs(form, expected: "abd", request: request("muamala.example")))
        #expect(!ConsoleSession.formIsOurs(form, expected: "", request: request("muamala.example")))
        #expect(!ConsoleSession.formIsOurs(Form("token=x"), expected: "abc", request: request("muamala.example")))
    }

    @Test("the public origin: http or https, a host, perhaps a port; forms only from it; its scheme decides Secure")
    func publicOrigin() throws {
        #expect(PublicOrigin("https://Muamala.Example/")?.serialized == "https://muamala.example")
        #expect(PublicOrigin("https://muamala.example:443")?.serialized == "https://muamala.example")
        #expect(PublicOrigin("http://10.0.0.5:8080")?.serialized == "http://10.0.0.5:8080")
        for bad in ["muamala.example", "ftp://muamala.example", "https://", "https://muamala.example/console", "https://u:p@muamala.example",
                    "https://muamala.example?x=1", ""] {
            #expect(PublicOrigin(bad) == nil, "\(bad)")
        }
        let origin = try #require(PublicOrigin("https://muamala.example"))
        // Behind the proxy the daemon sees its own address as the Host.
        let proxied = { (headers: HTTPFields) in
            Request(head: HTTPRequest(method: .post, scheme: "http", authority: "127.0.0.1:8080", path: "/console/sign-out", headerFields: headers),
                    body: .init(buffer: ByteBuffer()))
        }
        let form = Form("csrf=abc")
        #expect(ConsoleSession.formIsOurs(form, expected: "abc", request: proxied([.origin: "https://muamala.example"]), origin: origin))
        #expect(!ConsoleSession.formIsOurs(form, expected: "abc", request: proxied([.origin: "http://127.0.0.1:8080"]), origin: origin))
        #expect(!ConsoleSession.formIsOurs(form, expected: "abc", request: proxied([.origin: "https://evil.example"]), origin: origin))
        #expect(ConsoleSession.sessionCookie("v", maxAge: 1, request: proxied([:]), origin: origin).description.contains("Secure"))
        #expect(!ConsoleSession.sessionCookie("v", maxAge: 1, request: proxied([:]), origin: PublicOrigin("http://10.0.0.5")).description.contains("Secure"))
    }

    @Test("a form's fields: percent-decoded, the first of a repeated name, nothing from a broken pair")
    func forms() {
        let form = Form("a=1+2%2B3&b=%E2%9C%93&a=again&c&=x&d=%ZZ")
        #expect(form["a"] == "1 2+3" && form["b"] == "✓" && form["c"] == "" && form["d"] == nil)
    }
}
