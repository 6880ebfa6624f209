import ArgumentParser
import Foundation

/// `muamala-bench reads`: the portal's read of one worker (`GET /v1/workers/{id}`), open loop
/// at a fixed rate over keep-alive connections, each request a worker drawn from a file of
/// ids. Prints the response times as the client saw them; anything but 200 is counted apart.
struct ReadLoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reads", abstract: "Open-loop portal reads of workers at a fixed rate.")

    @Option(help: "The daemon, e.g. http://127.0.0.1:8080.") var url: String
    @Option(help: "Bearer token (staff: every worker is visible).") var token: String
    @Option(help: "A file of worker ids, one a line.") var ids: String
    @Option(help: "Reads per second.") var rate: Double = 200
    @Option(help: "Seconds to run.") var duration: Double = 30
    @Option(help: "Keep-alive connections (at most this many reads in flight).") var connections = 32

    func validate() throws {
        guard rate > 0, duration > 0 else { throw ValidationError("--rate and --duration must be positive") }
        guard (1...4096).contains(connections) else { throw ValidationError("--connections must be 1…4096") }
    }

    func run() async throws {
        guard let components = URLComponents(string: url), let host = components.host, let port = components.port else {
            throw ValidationError("--url must look like http://127.0.0.1:8080")
        }
        let workers = try String(contentsOfFile: ids, encoding: .utf8).split(separator: "\n").filter { $0.allSatisfy(\.isNumber) && !$0.isEmpty }
        guard !workers.isEmpty else { throw ValidationError("\(ids) holds no worker ids") }
        let requests = workers.map { id in
            Array("GET /v1/workers/\(id) HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer \(token)\r\nContent-Length: 0\r\n\r\n".utf8)
        }
        let load = EventLoopLoad(host: host, port: port, connections: connections) { slot in requests[slot % requests.count] }
        let result = try load.run(total: Int(rate * duration), rate: rate)
        let summary: [String: Any] = [
            "sent": result.sent, "ok": result.accepted, "other_status": result.other, "errors": result.failed,
            "late_sends": result.late, "seconds": (result.seconds * 100).rounded() / 100, "rate": rate,
            "response_ms": HTTPLoadCommand.percentiles(result.responseSeconds),
        ]
        let data = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
}
