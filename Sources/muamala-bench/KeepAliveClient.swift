import ArgumentParser
import Foundation

/// One keep-alive HTTP/1.1 connection with blocking I/O (used from one thread only).
struct KeepAliveClient {
    let descriptor: Int32

    init(host: String, port: Int) throws {
        descriptor = try Self.connect(host: host, port: port)
    }

    /// A connected TCP socket with Nagle's delay off (blocking; callers may change that).
    static func connect(host: String, port: Int) throws -> Int32 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw ValidationError("socket failed") }
        var noDelay: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr(host)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            Glibc.close(descriptor)
            throw ValidationError("cannot connect to \(host):\(port)")
        }
        return descriptor
    }

    /// Sends one request and reads its response (status and body).
    func request(_ method: String, path: String, headers: [String: String], body: String) throws -> (Int, [UInt8]) {
        var message = "\(method) \(path) HTTP/1.1\r\nHost: bench\r\n"
        for (name, value) in headers { message += "\(name): \(value)\r\n" }
        let bodyBytes = Array(body.utf8)
        message += "Content-Length: \(bodyBytes.count)\r\n\r\n"
        let bytes = Array(message.utf8) + bodyBytes
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { Glibc.close(descriptor); throw ValidationError("send failed") }
            offset += sent
        }
        // Read until the head and Content-Length bytes of body have arrived.
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = recv(descriptor, &chunk, chunk.count, 0)
            guard count > 0 else { Glibc.close(descriptor); throw ValidationError("connection closed") }
            buffer += chunk[0..<count]
            if let response = Self.completeResponse(&buffer) { return response }
        }
    }

    /// The status and body of the response in `buffer` once all of it (head, then
    /// Content-Length bytes of body) has arrived; the buffer is then emptied. Nil while more
    /// is to come.
    static func completeResponse(_ buffer: inout [UInt8]) -> (status: Int, body: [UInt8])? {
        // Byte by byte, without building strings: the load generator parses thousands of
        // these a second on the machine it measures.
        guard let headEnd = find([13, 10, 13, 10], in: buffer) else { return nil }
        let length = contentLength(buffer[0..<headEnd]) ?? 0
        guard buffer.count >= headEnd + 4 + length else { return nil }
        let body = Array(buffer[(headEnd + 4)..<(headEnd + 4 + length)])
        let status = status(buffer[0..<headEnd]) ?? 0
        buffer.removeAll(keepingCapacity: true)
        return (status, body)
    }

    /// The three digits after "HTTP/1.1 ".
    private static func status(_ head: ArraySlice<UInt8>) -> Int? {
        guard let space = head.firstIndex(of: 32) else { return nil }
        return decimal(head[(space + 1)...].prefix(3))
    }

    /// The value of the Content-Length header (its name in any case).
    private static func contentLength(_ head: ArraySlice<UInt8>) -> Int? {
        let name = Array("content-length:".utf8)
        var lineStart = head.startIndex
        while lineStart < head.endIndex {
            let lineEnd = head[lineStart...].firstIndex(of: 10) ?? head.endIndex
            let line = head[lineStart..<lineEnd]
            if line.count > name.count, zip(line, name).allSatisfy({ $0 | 0x20 == $1 }) {
                return decimal(line.dropFirst(name.count).drop { $0 == 32 })
            }
            lineStart = lineEnd + 1
        }
        return nil
    }

    private static func decimal(_ digits: ArraySlice<UInt8>) -> Int? {
        var value = 0
        var seen = false
        for byte in digits {
            guard (48...57).contains(byte) else { break }
            value = value * 10 + Int(byte - 48)
            seen = true
        }
        return seen ? value : nil
    }

    static func find(_ pattern: [UInt8], in bytes: [UInt8]) -> Int? {
        guard bytes.count >= pattern.count else { return nil }
        outer: for index in 0...(bytes.count - pattern.count) where bytes[index] == pattern[0] {
            for offset in 1..<pattern.count where bytes[index + offset] != pattern[offset] { continue outer }
            return index
        }
        return nil
    }

    func close() { Glibc.close(descriptor) }
}
