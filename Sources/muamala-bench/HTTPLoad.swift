import ArgumentParser
import Foundation

/// `muamala-bench http`: an open-loop HTTP load: requests are sent on a fixed schedule,
/// whatever the responses do, over keep-alive connections (`EventLoopLoad`: one thread,
/// `epoll`, so that the generator takes as little as possible of the machine it measures).
///
/// Bodies come from a file of JSON lines `{"service": …, "payload": …}`; each is posted to
/// `/v1/requests` with a fresh idempotency key. Sends that could not go out on time (every
/// connection busy) are counted as late, so a saturated run cannot pass for a good one.
struct HTTPLoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "http", abstract: "Open-loop HTTP load at a fixed rate.")

    @Option(help: "The daemon, e.g. http://127.0.0.1:8080.") var url: String
    @Option(help: "Bearer token.") var token: String
    @Option(help: "A file of JSON lines: {\"service\": …, \"payload\": …}.") var bodies: String
    @Option(help: "Requests per second.") var rate: Double
    @Option(help: "Seconds to run.") var duration: Double = 60
    @Option(help: "Keep-alive connections (at most this many requests in flight).") var connections = 256
    @Option(help: """
        Seconds each request asks to wait for its decision (`?wait=`), as a portal that shows the \
        answer; 0 asks for the acknowledgment only (202 once queued).
        """) var wait = 0

    func validate() throws {
        guard rate > 0, duration > 0 else { throw ValidationError("--rate and --duration must be positive") }
        guard (1...4096).contains(connections) else { throw ValidationError("--connections must be 1…4096") }
        guard (0...60).contains(wait) else { throw ValidationError("--wait must be 0…60 seconds") }
    }

    func run() async throws {
        guard let components = URLComponents(string: url), let host = components.host, let port = components.port else {
            throw ValidationError("--url must look like http://127.0.0.1:8080")
        }
        let lines = try String(contentsOfFile: bodies, encoding: .utf8).split(separator: "\n")
        guard !lines.isEmpty else { throw ValidationError("\(bodies) is empty") }
        let run = "\(Int(Date().timeIntervalSince1970 * 1000))"
        let load = Self.load(host: host, port: port, connections: connections, token: token, bodies: lines, run: run, wait: wait)
        let result = try load.run(total: Int(rate * duration), rate: rate)
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let cpuSeconds = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        let summary: [String: Any] = [
            "sent": result.sent, "accepted": result.accepted, "other_status": result.other, "errors": result.failed,
            "late_sends": result.late, "seconds": (result.seconds * 100).rounded() / 100,
            "achieved_rate": (Double(result.accepted) / max(result.seconds, 0.001)).rounded(),
            // For `measure --load-run`: the keys are load-<i>-<run>, request i due at start + i / rate.
            "run": run, "schedule_start": result.scheduleStart, "rate": rate,
            // What the generator itself took of the machine it measures (user + system).
            "cpu_seconds": (cpuSeconds * 100).rounded() / 100,
            // Send to response, as the client saw it (lateness excluded).
            "response_ms": Self.percentiles(result.responseSeconds),
        ]
        let data = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }

    /// p50, p95 and p99 in milliseconds (nearest rank), to a tenth.
    static func percentiles(_ seconds: [Double]) -> [String: Double] {
        guard !seconds.isEmpty else { return ["p50": 0, "p95": 0, "p99": 0] }
        let sorted = seconds.sorted()
        func rank(_ q: Double) -> Double {
            let value = sorted[min(sorted.count - 1, max(0, Int((q * Double(sorted.count)).rounded(.up)) - 1))]
            return (value * 10_000).rounded() / 10
        }
        return ["p50": rank(0.5), "p95": rank(0.95), "p99": rank(0.99)]
    }

    /// The load: request `i` posts body `i` (cycling) with the idempotency key `load-<i>-<run>`,
    /// which `measure --load-run` reads back to know when `i` was due.
    static func load(host: String, port: Int, connections: Int, token: String, bodies: [Substring], run: String, wait: Int = 0) -> EventLoopLoad {
        // Each request: a fixed head, its own idempotency key, then one of the bodies.
        let target = wait > 0 ? "/v1/requests?wait=\(wait)" : "/v1/requests"
        let head = Array("POST \(target) HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer \(token)\r\nContent-Type: application/json\r\n".utf8)
        let tails = bodies.map { line in Array("Content-Length: \(line.utf8.count)\r\n\r\n\(line)".utf8) }
        return EventLoopLoad(host: host, port: port, connections: connections) { slot in
            head + Array("Idempotency-Key: load-\(slot)-\(run)\r\n".utf8) + tails[slot % tails.count]
        }
    }
}
