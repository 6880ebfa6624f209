import Foundation

/// A minimal HTTP/1.1 client over a socket, for talking to a daemon process in tests
/// (blocking I/O runs on a thread of its own, never on the cooperative pool).
public enum HTTP {
    public static func get(_ url: String, headers: [String: String] = [:]) async throws -> (Int, Data) {
        try await request("GET", url, headers: headers, body: nil)
    }

    public static func post(_ url: String, headers: [String: String] = [:], json: String) async throws -> (Int, Data) {
        try await request("POST", url, headers: headers.merging(["Content-Type": "application/json"]) { $1 }, body: Data(json.utf8))
    }

    public static func request(_ method: String, _ url: String, headers: [String: String], body: Data?) async throws -> (Int, Data) {
        let (status, _, body) = try await exchange(method, url, headers: headers, body: body)
        return (status, body)
    }

    /// Like `request`, with the response's header fields (names in lower case).
    public static func exchange(_ method: String, _ url: String, headers: [String: String], body: Data?) async throws
        -> (status: Int, headers: [String: String], body: Data)
    {
        guard let components = URLComponents(string: url), let host = components.host, let port = components.port else {
            throw SetupError("bad URL \(url)")
        }
        let path = components.percentEncodedPath + (components.percentEncodedQuery.map { "?" + $0 } ?? "")
        var head = "\(method) \(path.isEmpty ? "/" : path) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "Content-Length: \(body?.count ?? 0)\r\n\r\n"
        let message = Data(head.utf8) + (body ?? Data())
        return try await withCheckedThrowingContinuation { continuation in
            Thread {
                do {
                    continuation.resume(returning: try exchange(host: host, port: port, message: message))
                } catch {
                    continuation.resume(throwing: error)
                }
            }.start()
        }
    }

    private static func exchange(host: String, port: Int, message: Data) throws -> (Int, [String: String], Data) {
        let descriptor = try connect(host: host, port: port)
        defer { close(descriptor) }
        try send(message, on: descriptor)
        var response = Data()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count <= 0 { break }
            response.append(contentsOf: buffer[0..<count])
        }
        guard let separator = response.range(of: Data("\r\n\r\n".utf8)) else { throw SetupError("no HTTP response") }
        let head = String(decoding: response[..<separator.lowerBound], as: UTF8.self)
        let statusLine = head.split(separator: "\r\n").first ?? ""
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { throw SetupError("bad status line \(statusLine)") }
        var fields: [String: String] = [:]
        for line in head.split(separator: "\r\n").dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Data(response[separator.upperBound...])
        if fields["transfer-encoding"]?.lowercased() == "chunked" { body = dechunk(body) }
        return (status, fields, body)
    }

    private static func dechunk(_ data: Data) -> Data {
        var result = Data()
        var index = data.startIndex
        while index < data.endIndex {
            guard let lineEnd = data[index...].range(of: Data("\r\n".utf8)) else { break }
            let sizeText = String(decoding: data[index..<lineEnd.lowerBound], as: UTF8.self)
            guard let size = Int(sizeText.split(separator: ";").first ?? "", radix: 16), size > 0 else { break }
            let start = lineEnd.upperBound
            let end = data.index(start, offsetBy: size, limitedBy: data.endIndex) ?? data.endIndex
            result.append(data[start..<end])
            index = data.index(end, offsetBy: 2, limitedBy: data.endIndex) ?? data.endIndex
        }
        return result
    }

    /// Several requests in one write (HTTP/1.1 pipelining), then `responses` responses read
    /// back, each whole (head and body, by its Content-Length), in the order they came.
    public static func pipelined(host: String = "127.0.0.1", port: Int, _ requests: String, responses: Int) async throws -> [String] {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                do {
                    continuation.resume(returning: try pipelinedExchange(host: host, port: port, requests, responses: responses))
                } catch {
                    continuation.resume(throwing: error)
                }
            }.start()
        }
    }

    private static func pipelinedExchange(host: String, port: Int, _ requests: String, responses: Int) throws -> [String] {
        let descriptor = try connect(host: host, port: port)
        defer { close(descriptor) }
        try send(Data(requests.utf8), on: descriptor)
        var received: [UInt8] = []
        var replies: [String] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while replies.count < responses {
            if let length = wholeResponseLength(received) {
                replies.append(String(decoding: received[..<length], as: UTF8.self))
                received.removeFirst(length)
                continue
            }
            let count = recv(descriptor, &buffer, buffer.count, 0)
            guard count > 0 else { throw SetupError("the connection ended after \(replies.count) of \(responses) responses") }
            received += buffer[..<count]
        }
        return replies
    }

    /// The length of the response at the front of `bytes`, once all of it is there.
    private static func wholeResponseLength(_ bytes: [UInt8]) -> Int? {
        let separator = Array("\r\n\r\n".utf8)
        guard bytes.count >= 4, let end = (0...(bytes.count - 4)).first(where: { bytes[$0..<$0 + 4].elementsEqual(separator) }) else {
            return nil
        }
        let head = String(decoding: bytes[..<end], as: UTF8.self)
        let length = head.split(separator: "\r\n").compactMap { line -> Int? in
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
            return Int(parts[1].trimmingCharacters(in: .whitespaces))
        }.first ?? 0
        return bytes.count >= end + 4 + length ? end + 4 + length : nil
    }

    private static func connect(host: String, port: Int) throws -> Int32 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw SetupError("socket failed") }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr(host == "localhost" ? "127.0.0.1" : host)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(descriptor)
            throw SetupError("cannot connect to \(host):\(port)")
        }
        return descriptor
    }

    private static func send(_ message: Data, on descriptor: Int32) throws {
        try message.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let sent = Glibc.send(descriptor, raw.baseAddress! + offset, raw.count - offset, 0)
                guard sent > 0 else { throw SetupError("send failed") }
                offset += sent
            }
        }
    }
}
