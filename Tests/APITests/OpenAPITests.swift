import API
import Domain
import Foundation
import HummingbirdTesting
import Prometheus
import Testing
import TestSupport
import Yams

@Suite("OpenAPI description")
struct OpenAPITests {
    private func documented() throws -> Set<String> {
        let text = try String(contentsOf: TestDatabase.repositoryRoot.appendingPathComponent("docs/openapi.yaml"), encoding: .utf8)
        guard let root = try Yams.load(yaml: text) as? [String: Any], let paths = root["paths"] as? [String: Any] else {
            throw SetupError("docs/openapi.yaml has no paths")
        }
        #expect((root["openapi"] as? String)?.hasPrefix("3.1") == true)
        var routes: Set<String> = []
        for (path, item) in paths {
            for method in (item as? [String: Any] ?? [:]).keys where ["get", "post", "put", "delete", "patch"].contains(method) {
                routes.insert("\(method.uppercased()) \(path)")
            }
        }
        return routes
    }

    @Test("the Submission schema is the service catalog's, field by field (Scripts/openapi-submission writes it)")
    func submissionSchema() throws {
        let text = try String(contentsOf: TestDatabase.repositoryRoot.appendingPathComponent("docs/openapi.yaml"), encoding: .utf8)
        let root = try #require(try Yams.load(yaml: text) as? [String: Any])
        let schemas = try #require((root["components"] as? [String: Any])?["schemas"] as? [String: Any])
        let documented = try JSONSerialization.data(withJSONObject: try #require(schemas["Submission"]), options: [.sortedKeys])
        let catalog = try JSONSerialization.data(
            withJSONObject: try JSONSerialization.jsonObject(with: Data(ServiceCatalog.submissionSchema.jsonBytes)), options: [.sortedKeys])
        let same = JSONValue.parse(utf8: documented) == JSONValue.parse(utf8: catalog)
        #expect(same, "docs/openapi.yaml's Submission differs from the catalog: run Scripts/openapi-submission")
    }

    @Test("documents exactly the routes the daemon serves")
    func sameRoutes() throws {
        let served = Set(APIRouter.routes.map { "\($0.method) \($0.path)" })
        #expect(try documented() == served)
    }

    @Test("the real router registers exactly APIRouter.routes (which the spec, and 405's Allow, come from)")
    func registeredRoutes() async throws {
        try await withScratchDatabase { database in
            let api = try TestAPI(database)
            let router = APIRouter.make(environment: api.environment, migrator: api.migrator, registry: PrometheusCollectorRegistry())
            let registered = Set(router.routes.map { route in
                "\(route.method.rawValue) " + "\(route.path)".split(separator: "/").map { part in
                    part.hasPrefix(":") ? "{\(part.dropFirst())}" : String(part)
                }.reduce("") { $0 + "/" + $1 }
            })
            let declared = Set(APIRouter.routes.map { "\($0.method) \($0.path)" })
            #expect(registered == declared, "only registered: \(registered.subtracting(declared).sorted()); only declared: \(declared.subtracting(registered).sorted())")
            await api.pool.close()
        }
    }

    @Test("every documented route exists on the real router (never the 404 of an unknown route)")
    func routesExist() async throws {
        try await withScratchDatabase { database in
            let api = try TestAPI(database)
            try await api.application.test(.router) { client in
                for route in APIRouter.routes {
                    let path = route.path
                        .replacingOccurrences(of: "{id}", with: UUID().uuidString)
                        .replacingOccurrences(of: "{code}", with: "work-permit.renew")
                    let reply = try await client.call(route.method == "GET" ? .get : .post, path, body: route.method == "POST" ? "{}" : nil)
                    #expect(reply.errorCode != "request.route_not_found", "\(route.method) \(route.path)")
                    #expect(reply.status != .methodNotAllowed, "\(route.method) \(route.path)")
                }
            }
            await api.pool.close()
        }
    }

    @Test("the service directory publishes names, roles, schemas and terms for every service")
    func directory() async throws {
        try await withScratchDatabase { database in
            let api = try TestAPI(database)
            try await api.application.test(.router) { client in
                let reply = try await client.call(.get, "/v1/services")
                let services = try #require(reply.json["services"]?.arrayValue)
                #expect(!services.isEmpty)
                for service in services {
                    #expect(service["name_ar"]?.stringValue?.isEmpty == false)
                    #expect(service["name_en"]?.stringValue?.isEmpty == false)
                    #expect(service["payload_schema"]?["type"]?.stringValue == "object")
                    #expect(service["roles"]?.arrayValue?.isEmpty == false)
                }
                let rulebook = try await client.call(.get, "/v1/rulebook")
                #expect((rulebook.json["editions"]?.arrayValue?.count ?? 0) >= 3)
                #expect(rulebook.json["editions"]?.arrayValue?.last?["parameters"]?["levy"]?["expat_majority_monthly"] == 800)
            }
            await api.pool.close()
        }
    }
}
