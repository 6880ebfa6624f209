import Domain
import Foundation
@testable import muamala_bench
import PQ
import Store
import Testing
import TestSupport

/// The bench's HTTP phase in small: a population, bodies in the seed's mix, the open-loop
/// generator against a real daemon. The figures are only as good as this path: a request the
/// generator lost, sent twice, or sent under the wrong key would not fail the bench, it would
/// move its p99.
@Suite("Bench: the HTTP load against a daemon")
struct LoadEndToEndTests {
    @Test("every request is sent once under its load key, accepted and decided, in the bodies' mix")
    func phase() async throws {
        try await withScratchDatabase { database in
            try await PopulationCommand.parse(["--database-url", database.url, "--establishments", "40", "--workers", "400"]).run()
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("bodies-\(UUID().uuidString.prefix(8)).jsonl")
            defer { try? FileManager.default.removeItem(at: file) }
            try await BodiesCommand.parse([
                "--database-url", database.url, "--requests", "600", "--follow-up-gap", "50", "--output", file.path,
            ]).run()
            let bodies = try String(contentsOf: file, encoding: .utf8).split(separator: "\n")
            #expect(bodies.count == 600)
            let planned = Dictionary(bodies.map { (Self.service(of: $0), 1) }, uniquingKeysWith: +)
            #expect(planned["?"] == nil)

            let connection = try await Connection.connect(database.config)
            let token = try await connection.withTransaction { db in
                let user = try AccountStore.addUser(name: "bench", role: .staff, personID: nil, unifiedNumber: nil, on: db)
                return try AccountStore.issueToken(for: user.id, label: "bench", on: db)
            }
            let daemon = try DaemonProcess(databaseURL: database.url)
            try await daemon.waitUntilReady()
            // As the bench sends it: each request waits for its decision.
            let load = HTTPLoadCommand.load(host: "127.0.0.1", port: daemon.port, connections: 16, token: token, bodies: bodies, run: "t1",
                                            wait: 10)
            // The generator blocks in epoll: on a thread of its own, not the tests' shared pool.
            let result = try await withCheckedThrowingContinuation { continuation in
                Thread { continuation.resume(with: Result { try load.run(total: 600, rate: 300) }) }.start()
            }
            #expect(result.sent == 600)
            #expect(result.accepted == 600)
            #expect(result.failed == 0)
            #expect(result.other == 0)
            #expect(result.responseSeconds.count == 600)

            // Every one decided, once, under load-<i>-t1 for i in 0..<600, in the bodies' mix.
            let clock = ContinuousClock()
            let deadline = clock.now + .seconds(60)
            var decided = 0
            while clock.now < deadline {
                decided = try await connection.query(
                    "SELECT count(*)::int FROM request_history WHERE idempotency_key LIKE 'load-%-t1'").single().decode(Int.self, at: 0)
                if decided == 600 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(decided == 600)
            let keys = try await connection.query("""
                SELECT count(DISTINCT idempotency_key)::int,
                       min(split_part(idempotency_key, '-', 2)::int), max(split_part(idempotency_key, '-', 2)::int)
                FROM request_history WHERE idempotency_key LIKE 'load-%-t1'
                """).single()
            let (distinct, first, last) = (try keys.decode(Int.self, at: 0), try keys.decode(Int.self, at: 1), try keys.decode(Int.self, at: 2))
            #expect(distinct == 600)
            #expect(first == 0)
            #expect(last == 599)
            let services = try await connection.query("""
                SELECT service, count(*)::int FROM request_history WHERE idempotency_key LIKE 'load-%-t1' GROUP BY service
                """).map { (try $0.decode(String.self, at: 0), try $0.decode(Int.self, at: 1)) }
            #expect(Dictionary(uniqueKeysWithValues: services) == planned)
            // Newcomers' first permits followed their registrations: none refused for a worker not yet known.
            let unknown = try await connection.query("""
                SELECT count(*)::int FROM request_history
                WHERE idempotency_key LIKE 'load-%-t1' AND service = 'work-permit.issue' AND reason_code = 'worker.not_found'
                """).single().decode(Int.self, at: 0)
            #expect(unknown == 0)
            _ = try await daemon.terminate()
            await connection.close()
        }
    }

    private static func service(of line: Substring) -> String {
        JSONValue.parse(utf8: Array(line.utf8))?["service"]?.stringValue ?? "?"
    }
}
