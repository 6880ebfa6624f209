import ArgumentParser
import Foundation
import PQ

/// Statements per second through the PQ layer: one by one, pipelined, and COPY.
struct PQBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pq",
        abstract: "Statements per second through PQ: one by one, pipelined, COPY.")

    @Option(help: "libpq connection string or URI.")
    var databaseURL: String

    @Option(help: "Statements for the one-by-one runs.")
    var oneByOne = 5_000

    @Option(help: "Statements for the pipelined run.")
    var pipelined = 100_000

    @Option(help: "Statements per pipeline (one sync each).")
    var pipelineDepth = 1_000

    @Option(help: "Rows for the COPY run.")
    var copyRows = 1_000_000

    @Flag(help: "Print one JSON object instead of lines.")
    var json = false

    func run() async throws {
        let connection = try await Connection.connect(ConnectionConfig(connectionString: databaseURL, applicationName: "muamala-bench"))
        try await connection.execute("""
            DROP TABLE IF EXISTS bench_pq;
            CREATE TABLE bench_pq (id bigint PRIMARY KEY, worker text NOT NULL, amount numeric NOT NULL, at timestamptz NOT NULL);
            """)
        let insert = Statement("bench_pq_insert", "INSERT INTO bench_pq (id, worker, amount, at) VALUES ($1, $2, $3, $4)")
        let now = Date()
        var figures: [(String, Double)] = []

        // One statement, one commit: bound by the durable commit (~1.4 ms here).
        let autocommit = try await measure(count: oneByOne) {
            for id in 0..<oneByOne {
                try await connection.query(insert, [id, "2\(id)", Decimal(800), now])
            }
        }
        figures.append(("one_by_one_autocommit_per_s", autocommit))

        // One statement per round trip, one commit for all: bound by the round trip.
        let offset = oneByOne
        let count = oneByOne
        let inTransaction = try await measure(count: oneByOne) {
            try await connection.withTransaction { db in
                for id in offset..<(offset + count) {
                    try db.query(insert, [id, "2\(id)", Decimal(800), now])
                }
            }
        }
        figures.append(("one_by_one_in_transaction_per_s", inTransaction))

        // Many statements per round trip, one commit per pipeline.
        let start = 2 * oneByOne
        let pipelined = try await measure(count: pipelined) {
            var id = start
            while id < start + self.pipelined {
                let end = min(id + pipelineDepth, start + self.pipelined)
                let statements = (id..<end).map { PipelineStatement(insert, [$0, "2\($0)", Decimal(800), now]) }
                _ = try await connection.pipeline(statements)
                id = end
            }
        }
        figures.append(("pipelined_per_s", pipelined))

        try await connection.execute("TRUNCATE bench_pq")
        let rows = copyRows
        let copied = try await measure(count: copyRows) {
            try await connection.copyIn("COPY bench_pq (id, worker, amount, at) FROM STDIN") { writer in
                for id in 0..<rows {
                    try writer.append([id, "2\(id)", Decimal(800), now])
                }
            }
        }
        figures.append(("copy_rows_per_s", copied))
        try await connection.execute("DROP TABLE bench_pq")

        if json {
            let object = Dictionary(uniqueKeysWithValues: figures.map { ($0.0, Int($0.1.rounded())) })
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            for (name, value) in figures {
                print("\(name.padding(toLength: 34, withPad: " ", startingAt: 0)) \(Int(value.rounded()))")
            }
        }
    }

    /// Runs `body` once and returns `count` per second of wall time.
    private func measure(count: Int, _ body: () async throws -> Void) async throws -> Double {
        let clock = ContinuousClock()
        let elapsed = try await clock.measure { try await body() }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Double(count) / seconds
    }
}
