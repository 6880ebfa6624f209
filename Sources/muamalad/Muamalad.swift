import API
import Engine
import Foundation
import Metrics
import Prometheus

/// `muamalad`: Muamala's daemon (HTTP API and queue workers). Configured by environment
/// variables only; `muamalad --help` lists them.
@main
enum Muamalad {
    static func main() async {
        if CommandLine.arguments.contains("--help") || CommandLine.arguments.contains("-h") {
            printHelp()
            return
        }
        do {
            let configuration = try Settings.fromEnvironment()
            configuration.bootstrapLogging()
            let registry = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
            try await Daemon(configuration: configuration, registry: registry).run()
        } catch {
            FileHandle.standardError.write(Data("muamalad: \(error)\n".utf8))
            exit(1)
        }
    }

    static func printHelp() {
        print("""
            muamalad — Muamala's daemon: the HTTP API and the queue workers.

            Configured by environment variables:
            """)
        let width = Settings.keys.map(\.name.count).max() ?? 0
        for key in Settings.keys {
            let padded = key.name.padding(toLength: width, withPad: " ", startingAt: 0)
            print("  \(padded)  \(key.meaning) (default: \(key.defaultValue))")
        }
        print("\nStops gracefully on SIGTERM or SIGINT. Endpoints: /healthz, /readyz, /metrics, /v1/…")
    }
}
