import ArgumentParser
import Foundation

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
            Glibc.close(descriptor)
            throw ValidationError("cannot connect to \(host):\(port)")
        }
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
        // Read the head, then Content-Length bytes of body.
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        var headEnd: Int?
        while headEnd == nil {
            let count = recv(descriptor, &chunk, chunk.count, 0)
            guard count > 0 else { Glibc.close(descriptor); throw ValidationError("connection closed") }
            buffer += chunk[0..<count]
            headEnd = Self.find([13, 10, 13, 10], in: buffer)
        }
        let head = String(decoding: buffer[0..<headEnd!], as: UTF8.self)
        let status = Int(head.split(separator: " ").dropFirst().first ?? "") ?? 0
        var length = 0
        for line in head.split(separator: "\r\n") where line.lowercased().hasPrefix("content-length:") {
            length = Int(line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) ?? 0
        }
        var body = Array(buffer[(headEnd! + 4)...])
        while body.count < length {
            let count = recv(descriptor, &chunk, chunk.count, 0)
            guard count > 0 else { Glibc.close(descriptor); throw ValidationError("connection closed") }
            body += chunk[0..<count]
        }
        return (status, body)
    }

    func close() { Glibc.close(descriptor) }

    static func find(_ pattern: [UInt8], in bytes: [UInt8]) -> Int? {
        guard bytes.count >= pattern.count else { return nil }
        for index in 0...(bytes.count - pattern.count) where bytes[index] == pattern[0] {
            if Array(bytes[index..<(index + pattern.count)]) == pattern { return index }
        }
        return nil
    }
}
