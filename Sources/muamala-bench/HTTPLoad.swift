import ArgumentParser
import Foundation
import Synchronization

/// `muamala-bench http`: an open-loop HTTP load: requests are sent on a fixed schedule,
/// whatever the responses do, over keep-alive connections (one thread each, blocking
/// sockets, so the generator's own scheduling is simple and cheap).
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
    @Option(help: "Connections (threads).") var connections = 64

    func run() async throws {
        guard let components = URLComponents(string: url), let host = components.host, let port = components.port else {
            throw ValidationError("--url must look like http://127.0.0.1:8080")
        }
        let lines = try String(contentsOfFile: bodies, encoding: .utf8).split(separator: "\n").map(String.init)
        guard !lines.isEmpty else { throw ValidationError("\(bodies) is empty") }
        let total = Int(rate * duration)
        let state = LoadState(total: total)
        let interval = 1 / rate
        let start = Date().timeIntervalSince1970 + 0.2
        let token = self.token
        var threads: [Thread] = []
        for _ in 0..<connections {
            let thread = Thread {
                var client: KeepAliveClient?
                while let slot = state.nextSlot() {
                    let due = start + Double(slot) * interval
                    let wait = due - Date().timeIntervalSince1970
                    if wait > 0 { usleep(useconds_t(wait * 1_000_000)) } else if wait < -0.05 { state.late() }
                    let body = lines[slot % lines.count]
                    do {
                        if client == nil { client = try KeepAliveClient(host: host, port: port) }
                        let (status, _) = try client!.request("POST", path: "/v1/requests", headers: [
                            "Authorization": "Bearer " + token, "Idempotency-Key": "load-\(slot)-\(start)", "Content-Type": "application/json",
                        ], body: body)
                        state.finished(status: status)
                    } catch {
                        client = nil
                        state.failed()
                    }
                }
                state.threadDone()
            }
            thread.stackSize = 256 * 1024
            threads.append(thread)
            thread.start()
        }
        while !state.allDone(connections) {
            try await Task.sleep(for: .milliseconds(100))
        }
        let elapsed = Date().timeIntervalSince1970 - start
        let summary = state.summary(elapsed: elapsed)
        let data = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
}

/// Counters shared by the load threads.
final class LoadState: Sendable {
    private struct Counts {
        var next = 0
        var accepted = 0
        var other = 0
        var failed = 0
        var late = 0
        var done = 0
    }

    private let counts = Mutex(Counts())
    let total: Int

    init(total: Int) { self.total = total }

    func nextSlot() -> Int? {
        counts.withLock { counts in
            guard counts.next < total else { return nil }
            defer { counts.next += 1 }
            return counts.next
        }
    }

    func finished(status: Int) { counts.withLock { if status == 202 || status == 200 { $0.accepted += 1 } else { $0.other += 1 } } }
    func failed() { counts.withLock { $0.failed += 1 } }
    func late() { counts.withLock { $0.late += 1 } }
    func threadDone() { counts.withLock { $0.done += 1 } }
    func allDone(_ threads: Int) -> Bool { counts.withLock { $0.done == threads } }

    func summary(elapsed: Double) -> [String: Any] {
        counts.withLock { counts in
            ["sent": counts.next, "accepted": counts.accepted, "other_status": counts.other, "errors": counts.failed,
             "late_sends": counts.late, "seconds": (elapsed * 100).rounded() / 100,
             "achieved_rate": (Double(counts.accepted) / max(elapsed, 0.001)).rounded()]
        }
    }
}
