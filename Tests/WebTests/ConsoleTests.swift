import Domain
import Foundation
import HTTPTypes
import HummingbirdTesting
import PQ
import Store
import Testing
import TestSupport

/// The staff console: sessions, forged forms, escaping, and that it can do no more than the
/// API allows the same account.
@Suite("Staff console")
struct ConsoleTests {
    @Test("no session: every page sends to sign-in; a non-staff or unknown token gets no session; a form without its token is refused")
    func signInRules() async throws {
        try await withScratchDatabase { database in
            let web = try TestWeb(database)
            let owner = try await web.run { db in try Fixtures.user(.owner, company: "7000000001", on: db).token }
            try await web.application.test(.router) { client in
                for path in ["/console", "/console/queue", "/console/failed", "/console/workflows", "/console/requests/\(UUID())",
                             "/console/workers/2000000008", "/console/establishments/1-1"] {
                    let page = try await client.page(.get, path)
                    #expect(page.status == .seeOther, "\(path)")
                    #expect(page.location == (path == "/console" ? "/console/queue" : "/console/sign-in"), "\(path)")
                }
                let form = try await client.page(.get, "/console/sign-in")
                #expect(form.status == .ok)
                let nonceCookie = try #require(form.setCookies["muamala_sign_in"])
                #expect(nonceCookie.contains("HttpOnly") && nonceCookie.contains("SameSite=Strict"))
                for token in [owner, "mua_unknown", "", String(repeating: "x", count: 1000)] {
                    let (session, reply) = try await client.signIn(token)
                    #expect(session == nil)
                    #expect(reply.status == .unauthorized)
                    #expect(reply.body.contains("ليس لموظف") && reply.body.contains("not a staff member"))
                }
                // A form larger than any the console sends is refused before it is read.
                let huge = try await client.page(.post, "/console/sign-in", form: ["token": String(repeating: "x", count: 5000)])
                #expect(huge.status == .contentTooLarge)
                // The form's token must be the one its cookie holds.
                let staff = try await web.run { db in try Fixtures.user(.staff, on: db).token }
                let nonce = try #require(form.cookieValue("muamala_sign_in"))
                for (cookies, fields) in [([:], ["token": staff]), (["muamala_sign_in": nonce], ["token": staff]),
                                          (["muamala_sign_in": nonce], ["token": staff, "csrf": "forged"]),
                                          ([:], ["token": staff, "csrf": nonce])] {
                    let reply = try await client.page(.post, "/console/sign-in", cookies: cookies, form: fields)
                    #expect(reply.status == .forbidden, "\(cookies) \(fields.keys.sorted())")
                    #expect(reply.cookieValue("muamala_session") == nil)
                    #expect(reply.body.contains("reload the page"))
                }
            }
        }
    }

    @Test("a staff session: pages with strict headers, a re-drive only with the form's token, sign-out and revocation end it on the server")
    func session() async throws {
        try await withScratchDatabase { database in
            let web = try TestWeb(database)
            let (staffPrincipal, staff) = try await web.run { db in try Fixtures.user(.staff, on: db) }
            let failed = try await web.decided("worker.register", state: "failed", at: "2026-11-01", error: "injected fault")
            try await web.application.test(.router) { client in
                let (opened, reply) = try await client.signIn(staff)
                let session = try #require(opened)
                #expect(reply.status == .seeOther && reply.location == "/console/queue")
                let cookie = try #require(reply.setCookies["muamala_session"])
                for attribute in ["HttpOnly", "SameSite=Strict", "Path=/console", "Max-Age=28800"] {
                    #expect(cookie.contains(attribute), "\(attribute) in \(cookie)")
                }
                let cookies = ["muamala_session": session]

                let queue = try await client.page(.get, "/console/queue", cookies: cookies)
                #expect(queue.status == .ok)
                #expect(queue.body.contains(staffPrincipal.user.name))
                let policy = try #require(queue.headers[.contentSecurityPolicy])
                #expect(!policy.contains("unsafe-inline") && policy.contains("script-src 'self'") && policy.contains("frame-ancestors 'none'"))
                #expect(queue.headers[.cacheControl] == "no-store")
                #expect(!queue.body.contains(staff) && !queue.body.contains(session), "the page holds a token or the session id")
                #expect(!queue.body.contains("<script"))

                let list = try await client.page(.get, "/console/failed", cookies: cookies)
                #expect(list.body.contains(failed.lowercasedText))
                let csrf = try #require(list.csrf)

                // Forged, missing, or from another site: refused, nothing changes.
                let forged: [([String: String], HTTPFields)] = [
                    (["csrf": "forged"], [:]), ([:], [:]),
                    (["csrf": csrf], [.origin: "https://evil.example"]),
                    (["csrf": csrf], [HTTPField.Name("Sec-Fetch-Site")!: "cross-site"]),
                ]
                for (form, headers) in forged {
                    let refused = try await client.page(.post, "/console/requests/\(failed.lowercasedText)/retry", cookies: cookies, form: form, headers: headers)
                    #expect(refused.status == .forbidden, "\(form) \(headers)")
                }
                #expect(try await web.run { db in try RequestQueue.find(failed, on: db)?.state } == .failed)

                let redriven = try await client.page(.post, "/console/requests/\(failed.lowercasedText)/retry", cookies: cookies, form: ["csrf": csrf])
                #expect(redriven.status == .seeOther)
                #expect(redriven.location == "/console/requests/\(failed.lowercasedText)?done=redriven")
                #expect(try await web.run { db in try RequestQueue.find(failed, on: db)?.state } == .queued)
                // Twice: the second is refused as the API refuses it (not failed any more).
                let again = try await client.page(.post, "/console/requests/\(failed.lowercasedText)/retry", cookies: cookies, form: ["csrf": csrf])
                #expect(again.status == .conflict)

                let signOut = try await client.page(.post, "/console/sign-out", cookies: cookies, form: ["csrf": csrf])
                #expect(signOut.status == .seeOther && signOut.location == "/console/sign-in")
                #expect(signOut.setCookies["muamala_session"]?.contains("Max-Age=0") == true)
                // The cookie kept by a browser that ignored the sign-out opens nothing.
                #expect(try await client.page(.get, "/console/queue", cookies: cookies).location == "/console/sign-in")

                // Revoking the token a session came from ends that session at once.
                let (second, _) = try await client.signIn(staff)
                let other = ["muamala_session": try #require(second)]
                #expect(try await client.page(.get, "/console/queue", cookies: other).status == .ok)
                _ = try await web.run { db in try AccountStore.revokeTokens(of: staffPrincipal.user.id, on: db) }
                #expect(try await client.page(.get, "/console/queue", cookies: other).location == "/console/sign-in")
            }
        }
    }

    @Test("what a request carries is shown as text: a stored script is escaped, in the payload and the error")
    func escaping() async throws {
        try await withScratchDatabase { database in
            let web = try TestWeb(database)
            let staff = try await web.run { db in try Fixtures.user(.staff, on: db).token }
            let payload = #"{"name": "<script>alert('x')</script>", "note": "\"><img src=x onerror=alert(1)>"}"#
            let id = try await web.decided("worker.register", state: "failed", at: "2026-11-01", payload: payload,
                                           error: "<b>injected</b> fault")
            try await web.application.test(.router) { client in
                let cookies = ["muamala_session": try #require(try await client.signIn(staff).session)]
                for path in ["/console/requests/\(id.lowercasedText)", "/console/failed"] {
                    let page = try await client.page(.get, path, cookies: cookies)
                    #expect(page.status == .ok, "\(path)")
                    #expect(!page.body.contains("<script") && !page.body.contains("<img") && !page.body.contains("<b>"), "\(path)")
                }
                let page = try await client.page(.get, "/console/requests/\(id.lowercasedText)", cookies: cookies)
                #expect(page.body.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"))
                #expect(page.body.contains("&lt;b&gt;injected&lt;/b&gt; fault"))
                // Unknown, malformed and other ids: the same refusal.
                for path in ["/console/requests/\(UUID())", "/console/requests/nope", "/console/workers/123", "/console/establishments/x"] {
                    let missing = try await client.page(.get, path, cookies: cookies)
                    #expect(missing.status == .notFound, "\(path)")
                    #expect(missing.body.contains("request.record_not_found") || missing.body.contains("no record"), "\(path)")
                }
                // Re-driving what does not exist: the same 404.
                let csrf = try #require(try await client.page(.get, "/console/queue", cookies: cookies).csrf)
                let unknown = try await client.page(.post, "/console/requests/\(UUID())/retry", cookies: cookies, form: ["csrf": csrf])
                #expect(unknown.status == .notFound)
                // A form larger than any the console sends: 413 naming the console's own limit.
                let huge = try await client.page(.post, "/console/requests/\(id.lowercasedText)/retry", cookies: cookies,
                                                 form: ["csrf": csrf, "pad": String(repeating: "x", count: 5000)])
                #expect(huge.status == .contentTooLarge && huge.body.contains("4096"))
                // An unknown asset is not there (404), whatever the method of the real one.
                #expect(try await client.page(.get, "/assets/muamala-000.css").status == .notFound)
                // A method the page does not take: 405 with Allow.
                let wrong = try await client.page(.delete, "/console/queue", cookies: cookies)
                #expect(wrong.status == .methodNotAllowed && wrong.headers[.allow] == "GET")
            }
        }
    }

    @Test("a refused request shows its reasons in both languages; the failed list shows what failed")
    func refusalsAndCookies() async throws {
        try await withScratchDatabase { database in
            let web = try TestWeb(database)
            let staff = try await web.run { db in try Fixtures.user(.staff, on: db).token }
            let rejected = try await web.decided("work-permit.renew", state: "rejected", at: "2026-11-01")
            try await web.run { db in
                _ = try db.query("""
                    UPDATE request_history SET outcome = '{"code": "worker.not_found", "message_ar": "العامل غير موجود", "message_en": "No such worker"}'
                    WHERE id = $1
                    """, [rejected])
            }
            _ = try await web.decided("worker.register", state: "failed", at: "2026-11-01", error: "disk full")
            _ = try await web.decided("worker.register", state: "failed", at: "2026-11-02", error: "deadlock detected")
            try await web.application.test(.router) { client in
                let cookies = ["muamala_session": try #require(try await client.signIn(staff).session)]
                let page = try await client.page(.get, "/console/requests/\(rejected.lowercasedText)?lang=en", cookies: cookies)
                #expect(page.body.contains("Why it was refused") && page.body.contains("<code>worker.not_found</code>"))
                #expect(page.body.contains("العامل غير موجود") && page.body.contains("No such worker"))
                let failed = try await client.page(.get, "/console/failed", cookies: cookies)
                #expect(failed.body.contains("disk full") && failed.body.contains("deadlock detected"))


            }
        }
    }

    @Test("every workflow is drawn, each state and each transition from the engine's tables")
    func workflows() async throws {
        try await withScratchDatabase { database in
            let web = try TestWeb(database)
            let staff = try await web.run { db in try Fixtures.user(.staff, on: db).token }
            try await web.application.test(.router) { client in
                let cookies = ["muamala_session": try #require(try await client.signIn(staff).session)]
                let page = try await client.page(.get, "/console/workflows?lang=en", cookies: cookies)
                #expect(page.status == .ok)
                #expect(page.body.components(separatedBy: "<svg class=\"diagram\"").count - 1 == ServiceCatalog.workflows.count)
                #expect(page.body.components(separatedBy: "<g class=\"edge\">").count - 1 == ServiceCatalog.workflows.map(\.edges.count).reduce(0, +))
                for diagram in ServiceCatalog.workflows {
                    #expect(page.body.contains(diagram.name))
                    for edge in diagram.edges { #expect(page.body.contains(">\(edge.event)<"), "\(diagram.name) \(edge.event)") }
                }
            }
        }
    }
}
