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
                        let status = try client!.post(path: "/v1/requests", headers: [
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

/// One keep-alive HTTP/1.1 connection with blocking I/O (used from one thread only).
struct KeepAliveClient {
    let descriptor: Int32

    init(host: String, port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw ValidationError("socket failed") }
        var noDelay: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr(host)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(descriptor)
            throw ValidationError("cannot connect to \(host):\(port)")
        }
    }

    func post(path: String, headers: [String: String], body: String) throws -> Int {
        var message = "POST \(path) HTTP/1.1\r\nHost: bench\r\n"
        for (name, value) in headers { message += "\(name): \(value)\r\n" }
        let bodyBytes = Array(body.utf8)
        message += "Content-Length: \(bodyBytes.count)\r\n\r\n"
        let bytes = Array(message.utf8) + bodyBytes
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { close(descriptor); throw ValidationError("send failed") }
            offset += sent
        }
        // Read the head, then Content-Length bytes of body.
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        var headEnd: Int?
        while headEnd == nil {
            let count = recv(descriptor, &chunk, chunk.count, 0)
            guard count > 0 else { close(descriptor); throw ValidationError("connection closed") }
            buffer += chunk[0..<count]
            headEnd = Self.find([13, 10, 13, 10], in: buffer)
        }
        let head = String(decoding: buffer[0..<headEnd!], as: UTF8.self)
        let status = Int(head.split(separator: " ").dropFirst().first ?? "") ?? 0
        var length = 0
        for line in head.split(separator: "\r\n") where line.lowercased().hasPrefix("content-length:") {
            length = Int(line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) ?? 0
        }
        var have = buffer.count - (headEnd! + 4)
        while have < length {
            let count = recv(descriptor, &chunk, chunk.count, 0)
            guard count > 0 else { close(descriptor); throw ValidationError("connection closed") }
            have += count
        }
        return status
    }

    static func find(_ pattern: [UInt8], in bytes: [UInt8]) -> Int? {
        guard bytes.count >= pattern.count else { return nil }
        for index in 0...(bytes.count - pattern.count) where bytes[index] == pattern[0] {
            if Array(bytes[index..<(index + pattern.count)]) == pattern { return index }
        }
        return nil
    }
}
