import API
import Engine
import Foundation
import Testing
import TestSupport
import Yams

/// Docker does not run on these machines, so the compose file is checked by reading it.
@Suite("docker-compose.yml")
struct ComposeFileTests {
    let compose: [String: Any]

    init() throws {
        let text = try String(contentsOf: TestDatabase.repositoryRoot.appendingPathComponent("docker-compose.yml"), encoding: .utf8)
        guard let loaded = try Yams.load(yaml: text) as? [String: Any] else {
            throw SetupError("docker-compose.yml is not a YAML mapping")
        }
        compose = loaded
    }

    private var services: [String: Any] { compose["services"] as? [String: Any] ?? [:] }
    private var daemon: [String: Any] { services["muamalad"] as? [String: Any] ?? [:] }
    private var postgres: [String: Any] { services["postgres"] as? [String: Any] ?? [:] }
    private var daemonEnvironment: [String: String] {
        (daemon["environment"] as? [String: Any] ?? [:]).mapValues { "\($0)" }
    }

    @Test("runs PostgreSQL 15 and the daemon built from the repository's Dockerfile")
    func serviceImages() throws {
        #expect((postgres["image"] as? String)?.hasPrefix("postgres:15") == true)
        let build = try #require(daemon["build"] as? [String: Any])
        let dockerfile = try #require(build["dockerfile"] as? String)
        let text = try String(contentsOf: TestDatabase.repositoryRoot.appendingPathComponent(dockerfile), encoding: .utf8)
        #expect(text.contains("FROM swift:6.3"))
        #expect(text.contains("muamala migrate"))
        #expect(text.contains("COPY Schema"))
    }

    @Test("every variable given to the daemon is one it reads, with a value it accepts")
    func environmentMatchesConfiguration() throws {
        let known = Set(Settings.keys.map(\.name))
        let unknown = Set(daemonEnvironment.keys).subtracting(known)
        #expect(unknown.isEmpty, "variables the daemon does not read: \(unknown.sorted())")
        // The daemon accepts every value (a typo in a number or a choice would stop it at start).
        let configuration = try Settings.fromEnvironment(daemonEnvironment)
        #expect(configuration.httpHost == "0.0.0.0")
        #expect(configuration.clockMode == Settings.ClockMode.system)
    }

    @Test("the published port is the daemon's port, and its health check asks /readyz there")
    func ports() throws {
        let configuration = try Settings.fromEnvironment(daemonEnvironment)
        let ports = try #require(daemon["ports"] as? [String])
        #expect(ports.contains { $0.hasSuffix(":\(configuration.httpPort)") })
        let test = try #require((daemon["healthcheck"] as? [String: Any])?["test"] as? [String])
        #expect(test.contains("http://127.0.0.1:\(configuration.httpPort)/readyz"))
    }

    @Test("the database URL names the postgres service and its user, password and database")
    func databaseURL() throws {
        let text = try #require(daemonEnvironment["MUAMALA_DATABASE_URL"])
        let url = try #require(URLComponents(string: text))
        let environment = (postgres["environment"] as? [String: Any] ?? [:]).mapValues { "\($0)" }
        #expect(url.host == "postgres")
        #expect(url.port == 5432)
        #expect(url.user == environment["POSTGRES_USER"])
        #expect(url.password == environment["POSTGRES_PASSWORD"])
        #expect(url.path == "/" + (environment["POSTGRES_DB"] ?? ""))
    }

    @Test("PostgreSQL keeps its data in a named volume and both services have health checks")
    func volumesAndHealth() throws {
        let volumes = try #require(postgres["volumes"] as? [String])
        let named = try #require(volumes.first?.split(separator: ":").first.map(String.init))
        #expect((compose["volumes"] as? [String: Any])?.keys.contains(named) == true)
        #expect(postgres["healthcheck"] != nil)
        #expect(daemon["healthcheck"] != nil)
        let dependsOn = try #require(daemon["depends_on"] as? [String: Any])
        #expect((dependsOn["postgres"] as? [String: Any])?["condition"] as? String == "service_healthy")
    }
}
