import API
import Domain
import Engine
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import PQ
import Prometheus
import Store
import TestSupport

/// The API in this process, on a scratch database, driven through Hummingbird's test client.
struct TestAPI {
    let database: ScratchDatabase
    let pool: ConnectionPool
    let environment: APIEnvironment
    let application: Application<RouterResponder<APIRequestContext>>
    let migrator: Migrator

    init(_ database: ScratchDatabase, maxBodyBytes: Int = 64 * 1024, clock mode: EngineClock.Mode = .system,
         identityProvider: IdentityProvider? = nil) throws {
        self.database = database
        pool = database.pool(size: 4)
        let clock = EngineClock(mode: mode)
        let rulebook = try TestRulebook.load()
        // As the daemon assembles it: a submission that waits is decided at once when it can be.
        let decider = BatchProcessor(rulebook: rulebook, clock: clock)
        environment = APIEnvironment(
            pool: pool, intake: Intake(pool: pool, clock: clock, wake: nil, decider: decider), waiters: DecisionWaiters(),
            rulebook: rulebook, clock: clock, maxBodyBytes: maxBodyBytes, identityProvider: identityProvider)
        let migrator = Migrator(migrations: try Migration.load(from: TestDatabase.repositoryRoot.appendingPathComponent("Schema")))
        self.migrator = migrator
        let router = APIRouter.make(environment: environment, migrator: migrator, registry: PrometheusCollectorRegistry())
        application = Application(router: router, server: APIRouter.server())
    }

    func run<T: Sendable>(_ body: @escaping @Sendable (isolated Connection) throws -> T) async throws -> T {
        try await pool.withConnection { connection in try await connection.run(body) }
    }

    func queued() async throws -> Int {
        try await run { db in try db.query("SELECT count(*)::int FROM requests").single().decode(Int.self, at: 0) }
    }
}

/// A response's status and parsed JSON body.
struct Reply: Sendable {
    let status: HTTPResponse.Status
    let json: JSONValue
    let headers: HTTPFields

    var errorCode: String? { json["error"]?["code"]?.stringValue }
}

extension TestClientProtocol {
    func call(_ method: HTTPRequest.Method, _ uri: String, token: String? = nil, key: String? = nil,
              language: String? = nil, body: String? = nil) async throws -> Reply {
        var headers = HTTPFields()
        if let token { headers[.authorization] = "Bearer " + token }
        if let key { headers[HTTPField.Name("Idempotency-Key")!] = key }
        if let language { headers[.acceptLanguage] = language }
        if body != nil { headers[.contentType] = "application/json" }
        return try await execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }) { response in
            let data = Data(response.body.readableBytesView)
            let json = (try? JSONDecoder().decode(JSONValue.self, from: data)) ?? .string(String(decoding: data, as: UTF8.self))
            return Reply(status: response.status, json: json, headers: response.headers)
        }
    }

    /// POST /v1/requests with a fresh idempotency key.
    func submit(_ service: String, _ payload: String, token: String?, key: String = UUID().uuidString) async throws -> Reply {
        try await call(.post, "/v1/requests", token: token, key: key, body: #"{"service":"\#(service)","payload":\#(payload)}"#)
    }
}
