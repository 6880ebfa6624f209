import API
import Domain
import Engine
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PQ
import Prometheus
import Store
import TestSupport
import Testing
import Web

/// The daemon's router, API and pages, on a scratch database, driven by Hummingbird's test client.
struct TestWeb {
    let pool: ConnectionPool
    let application: Application<RouterResponder<APIRequestContext>>

    init(_ database: ScratchDatabase, openDataLifetime: Duration = .seconds(60)) throws {
        pool = database.pool(size: 4)
        let clock = EngineClock(mode: .system)
        let rulebook = try TestRulebook.load()
        let environment = APIEnvironment(
            pool: pool, intake: Intake(pool: pool, clock: clock, wake: nil, decider: BatchProcessor(rulebook: rulebook, clock: clock)),
            waiters: DecisionWaiters(), rulebook: rulebook, clock: clock, maxBodyBytes: 64 * 1024)
        let migrator = Migrator(migrations: try Migration.load(from: TestDatabase.repositoryRoot.appendingPathComponent("Schema")))
        let router = APIRouter.make(environment: environment, migrator: migrator, registry: PrometheusCollectorRegistry(), pages: WebPages.routes)
        try WebPages.register(on: router, environment: environment, openDataLifetime: openDataLifetime)
        application = Application(router: router, server: APIRouter.server())
    }

    func run<T: Sendable>(_ body: @escaping @Sendable (isolated Connection) throws -> T) async throws -> T {
        try await pool.withConnection { connection in try await connection.run(body) }
    }

    /// A decided request in history, as the engine leaves one.
    func decided(_ service: String, state: String, at day: String, payload: String = "{}", error: String? = nil) async throws -> UUID {
        let id = UUID()
        try await run { db in
            _ = try db.query("""
                INSERT INTO request_history (id, seq, service, subject, actor_id, actor_role, payload, priority, origin,
                                             submitted_at, not_before, attempts, last_error, state, outcome, reason_code, decided_at)
                VALUES ($1, 1, $2, 'worker:2000000008', 'test', 'staff', $3::jsonb, 0, 'api', $4::timestamptz, $4::timestamptz,
                        3, $5, $6, CASE WHEN $5::text IS NULL THEN '{}' ELSE jsonb_build_object('error', $5::text) END,
                        CASE WHEN $6 = 'rejected' THEN 'worker.not_found' END, $4::timestamptz)
                """, [id, service, payload, day + "T09:00:00Z", error, state])
        }
        return id
    }
}

/// A page: status, headers, body, and the cookies it sets.
struct Page: Sendable {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    let body: String

    var location: String? { headers[.location] }
    /// `Set-Cookie` lines by cookie name.
    var setCookies: [String: String] {
        var cookies: [String: String] = [:]
        for line in headers[values: .setCookie] {
            if let name = line.split(separator: "=").first { cookies[String(name)] = line }
        }
        return cookies
    }
    func cookieValue(_ name: String) -> String? {
        guard let line = setCookies[name] else { return nil }
        return line.split(separator: ";").first.map { String($0.dropFirst(name.count + 1)) }
    }

    /// The value of the first `name="csrf" value="…"` field.
    var csrf: String? {
        guard let range = body.range(of: #"name="csrf" value=""#) else { return nil }
        return String(body[range.upperBound...].prefix { $0 != "\"" })
    }
}

extension TestClientProtocol {
    func page(_ method: HTTPRequest.Method = .get, _ uri: String, cookies: [String: String] = [:], form: [String: String]? = nil,
              headers extra: HTTPFields = [:]) async throws -> Page {
        var headers = extra
        if !cookies.isEmpty { headers[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }
        var body: ByteBuffer?
        if let form {
            headers[.contentType] = "application/x-www-form-urlencoded"
            var allowed = CharacterSet.alphanumerics
            allowed.insert(charactersIn: "-._~")
            body = ByteBuffer(string: form.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }
                .joined(separator: "&"))
        }
        return try await execute(uri: uri, method: method, headers: headers, body: body) { response in
            Page(status: response.status, headers: response.headers, body: String(decoding: response.body.readableBytesView, as: UTF8.self))
        }
    }

    /// Signs in with a token as a browser would: the form (and its cookie), then the POST.
    func signIn(_ token: String) async throws -> (session: String?, reply: Page) {
        let form = try await page(.get, "/console/sign-in")
        let nonce = try #require(form.cookieValue("muamala_sign_in"))
        let reply = try await page(.post, "/console/sign-in", cookies: ["muamala_sign_in": nonce], form: ["csrf": form.csrf ?? "", "token": token])
        return (reply.cookieValue("muamala_session"), reply)
    }
}

