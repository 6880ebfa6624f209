import Engine
import Foundation
import Testing

/// Configuration is read in one place, and a missing production setting stops the daemon
/// instead of sending it to a development database.
@Suite("Settings")
struct SettingsTests {
    @Test("the daemon is given its database or refuses: no fallback to a development cluster")
    func noSilentFallback() throws {
        let unset = try Settings.fromEnvironment([:])
        let error = #expect(throws: ConfigurationError.self) { try unset.database(allowDevelopmentCluster: false) }
        #expect(error?.key == "MUAMALA_DATABASE_URL")
        #expect(error?.description.contains("connects only where it is told") == true)
        let given = try Settings.fromEnvironment(["MUAMALA_DATABASE_URL": "postgresql://db.example/muamala"])
        #expect(try given.database(allowDevelopmentCluster: false) == "postgresql://db.example/muamala")
        #expect(try given.database(explicit: "postgresql:///other", allowDevelopmentCluster: true) == "postgresql:///other")
    }

    @Test("unusable values name their variable; settings that go together are given together")
    func refusals() {
        let cases: [[String: String]] = [
            ["MUAMALA_HTTP_PORT": "70000"], ["MUAMALA_WORKERS": "many"], ["MUAMALA_CLOCK": "sundial"],
            ["MUAMALA_LOG_LEVEL": "loud"], ["MUAMALA_CHECKPOINT_KEY": "/etc/key"], ["MUAMALA_CHECKPOINT_DIR": "/srv/cp"],
            ["MUAMALA_CHECKPOINT_MINUTES": "0"], ["MUAMALA_IDEMPOTENCY_RETENTION_HOURS": "0"], ["MUAMALA_INTAKE_QUEUE_LIMIT": "-1"],
            ["MUAMALA_IDP_JWKS_FILE": "/idp/jwks.json"], ["MUAMALA_IDP_JWKS_FILE": "/idp/jwks.json", "MUAMALA_IDP_ISSUER": "https://iam"],
            ["MUAMALA_IDP_ISSUER": "https://iam"], ["MUAMALA_IDP_AUDIENCE": "muamala"],
            ["MUAMALA_IDP_JWKS_FILE": "/j", "MUAMALA_IDP_ISSUER": "i", "MUAMALA_IDP_AUDIENCE": "a", "MUAMALA_IDP_LEEWAY_SECONDS": "3600"],
        ]
        for environment in cases {
            let error = #expect(throws: ConfigurationError.self, "\(environment)") { try Settings.fromEnvironment(environment) }
            #expect(error.map { environment.keys.contains($0.key) || $0.key.hasPrefix("MUAMALA_CHECKPOINT") } == true, "\(environment)")
        }
        #expect((try? Settings.fromEnvironment(["MUAMALA_CHECKPOINT_KEY": "/k", "MUAMALA_CHECKPOINT_DIR": "/d"]))?.checkpointKey == "/k")
        let provider = try? Settings.fromEnvironment(["MUAMALA_IDP_JWKS_FILE": "/j", "MUAMALA_IDP_ISSUER": "i", "MUAMALA_IDP_AUDIENCE": "a"]).identityProvider
        #expect(provider?.idClaim == "national_id" && provider?.leeway == .seconds(60) && provider?.issuer == "i")
    }

    @Test("every key is documented once, and the README's table lists every one")
    func documented() throws {
        let names = Settings.keys.map(\.name)
        #expect(Set(names).count == names.count)
        let readme = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("README.md"), encoding: .utf8)
        for name in names { #expect(readme.contains("`\(name)`"), "\(name) is not in the README") }
    }
}
