import ArgumentParser
import Foundation
import PQ

/// `muamala-bench measure`: figures read from the database after a run.
struct MeasureCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "measure",
        abstract: "Drain throughput and submission-to-decision latency, from request_history.")

    @Option(help: "libpq connection string or URI.") var databaseURL: String
    @Option(help: "Only requests of this origin (replay = pre-queued, api = HTTP).") var origin: String
    @Option(help: "Only requests submitted at or after this time (ISO 8601), to measure one phase of a run.")
    var since: String = "-infinity"
    @Option(help: """
        Only the requests of this `http` run (its "run"), with latency measured from each request's \
        scheduled send time (--load-start + i / --load-rate for key load-<i>-<run>) instead of from \
        the daemon's receipt: the wait of a send held back by the generator, and of a request \
        waiting for the intake's commit, then count.
        """) var loadRun: String?
    @Option(help: "The run's schedule_start (seconds since 1970).") var loadStart: Double?
    @Option(help: "The run's rate (requests per second).") var loadRate: Double?
    @Option(help: """
        With --load-run: the file `sample-host` wrote during the run. Adds "host": each second's \
        cores stolen and waiting on the disk, and which seconds reached a tenth of a core.
        """) var hostSamples: String?

    func validate() throws {
        if hostSamples != nil, loadRun == nil { throw ValidationError("--host-samples is for a --load-run") }
    }

    func run() async throws {
        var latency = "finished_at - submitted_at"
        var filter = "TRUE"
        var parameters: [(any PostgresEncodable)?] = [origin, since]
        if let loadRun {
            guard let loadStart, let loadRate, loadRate > 0 else {
                throw ValidationError("--load-run needs --load-start and a positive --load-rate")
            }
            latency = "finished_at - to_timestamp($3::float8 + split_part(idempotency_key, '-', 2)::float8 / $4::float8)"
            filter = "idempotency_key LIKE 'load-%-' || $5"
            parameters += [loadStart, loadRate, loadRun]
        }
        let connection = try await Connection.connect(ConnectionConfig(connectionString: databaseURL, applicationName: "muamala-bench"))
        let row = try await connection.query("""
            SELECT count(*)::int AS decided,
                   count(*) FILTER (WHERE state = 'completed')::int AS completed,
                   count(*) FILTER (WHERE state = 'rejected')::int AS rejected,
                   count(*) FILTER (WHERE state = 'failed')::int AS failed,
                   EXTRACT(EPOCH FROM max(finished_at) - min(finished_at))::float8 AS span,
                   EXTRACT(EPOCH FROM percentile_cont(0.5) WITHIN GROUP (ORDER BY latency))::float8 * 1000 AS p50_ms,
                   EXTRACT(EPOCH FROM percentile_cont(0.95) WITHIN GROUP (ORDER BY latency))::float8 * 1000 AS p95_ms,
                   EXTRACT(EPOCH FROM percentile_cont(0.99) WITHIN GROUP (ORDER BY latency))::float8 * 1000 AS p99_ms,
                   EXTRACT(EPOCH FROM max(latency))::float8 * 1000 AS max_ms
            FROM (SELECT *, \(latency) AS latency FROM request_history
                  WHERE origin = $1 AND submitted_at >= $2::timestamptz AND \(filter)) h
            """, parameters).single()
        let decided = try row.decode(Int.self, "decided")
        let span = try row.decode(Double?.self, "span") ?? 0
        var figures: [String: Any] = [
            "decided": decided, "completed": try row.decode(Int.self, "completed"), "rejected": try row.decode(Int.self, "rejected"),
            "failed": try row.decode(Int.self, "failed"), "seconds": (span * 1000).rounded() / 1000,
            "per_second": span > 0 ? (Double(decided) / span).rounded() : 0,
            "p50_ms": ((try row.decode(Double?.self, "p50_ms") ?? 0) * 10).rounded() / 10,
            "p95_ms": ((try row.decode(Double?.self, "p95_ms") ?? 0) * 10).rounded() / 10,
            "p99_ms": ((try row.decode(Double?.self, "p99_ms") ?? 0) * 10).rounded() / 10,
            "max_ms": ((try row.decode(Double?.self, "max_ms") ?? 0) * 10).rounded() / 10,
        ]
        if loadRun != nil, let loadStart {
            // Each second of the schedule on its own: whether a run's p99 is a steady
            // figure or the work of a few seconds (a start, a stall and its backlog).
            let seconds = try await connection.query("""
                SELECT floor(split_part(idempotency_key, '-', 2)::float8 / $4::float8)::int AS second,
                       EXTRACT(EPOCH FROM percentile_cont(0.99) WITHIN GROUP (ORDER BY \(latency)))::float8 * 1000 AS p99_ms
                FROM request_history
                WHERE origin = $1 AND submitted_at >= $2::timestamptz AND \(filter)
                GROUP BY 1 ORDER BY 1
                """, parameters)
            let p99s = try seconds.map { ((try $0.decode(Double.self, "p99_ms")) * 10).rounded() / 10 }
            figures.merge(Self.perSecond(p99s)) { $1 }
            if let hostSamples {
                // No file (the sampler could not start) reads as no readings: zeros, no marks.
                let text = (try? String(contentsOfFile: hostSamples, encoding: .utf8)) ?? ""
                figures["host"] = HostStalls.summary(
                    HostStalls.parse(text), start: loadStart, seconds: p99s.count, over50ms: Self.overFifty(p99s))
            }
        }
        let data = try JSONSerialization.data(withJSONObject: figures, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }

    /// The seconds whose p99 was above the 50 ms.
    static func overFifty(_ p99s: [Double]) -> [Int] { p99s.indices.filter { p99s[$0] > 50 } }

    /// The per-second p99s, summarized: the median second, the worst, and which seconds (and
    /// how many) were above the 50 ms; the bench lines those up with the host's stalls.
    static func perSecond(_ p99s: [Double]) -> [String: Any] {
        guard !p99s.isEmpty else { return [:] }
        let sorted = p99s.sorted()
        let over = overFifty(p99s)
        return [
            "per_second_p99_ms": p99s,
            "per_second_p99_median_ms": sorted[sorted.count / 2],
            "per_second_p99_worst_ms": sorted[sorted.count - 1],
            "seconds_over_50ms": over.count,
            "seconds_over_50ms_at": over,
        ]
    }
}
