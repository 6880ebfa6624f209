@testable import muamala_bench
import Testing

/// The load generator reads responses byte by byte, without strings; a slip there would
/// not fail the bench but show up as `other_status` or a stuck connection. These pin it.
@Suite("Load generator: HTTP response parsing")
struct ResponseParserTests {
    private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test("a whole response gives its status and body, and empties the buffer")
    func whole() {
        var buffer = bytes("HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"id\":\"x\"}\n")
        let response = KeepAliveClient.completeResponse(&buffer)
        #expect(response?.status == 202)
        #expect(response?.body == bytes("{\"id\":\"x\"}\n"))
        #expect(buffer.isEmpty)
    }

    @Test("a response arriving in pieces is complete only with its last body byte")
    func inPieces() {
        let full = bytes("HTTP/1.1 200 OK\r\ncontent-length: 5\r\nServer: muamalad\r\n\r\nhello")
        var buffer: [UInt8] = []
        for (index, byte) in full.enumerated() {
            buffer.append(byte)
            let response = KeepAliveClient.completeResponse(&buffer)
            if index < full.count - 1 {
                #expect(response == nil, "complete after \(index + 1) of \(full.count) bytes")
            } else {
                #expect(response?.status == 200)
                #expect(response?.body == bytes("hello"))
            }
        }
    }

    @Test("the Content-Length name in any case, spaces before the value, none at all")
    func lengthHeader() {
        for head in ["CONTENT-LENGTH: 2", "Content-length:2", "content-Length:    2"] {
            var buffer = bytes("HTTP/1.1 409 Conflict\r\n\(head)\r\n\r\nok")
            let response = KeepAliveClient.completeResponse(&buffer)
            #expect(response?.status == 409, "\(head)")
            #expect(response?.body == bytes("ok"), "\(head)")
        }
        var empty = bytes("HTTP/1.1 204 No Content\r\nServer: muamalad\r\n\r\n")
        #expect(KeepAliveClient.completeResponse(&empty)?.status == 204)
        #expect(empty.isEmpty)
    }

    @Test("a header that merely ends like Content-Length does not count")
    func lookalikeHeader() {
        var buffer = bytes("HTTP/1.1 200 OK\r\nX-Content-Length: 99\r\nContent-Length: 1\r\n\r\nz")
        #expect(KeepAliveClient.completeResponse(&buffer)?.body == bytes("z"))
    }

    @Test("the head's end is found wherever it falls")
    func find() {
        #expect(KeepAliveClient.find([13, 10, 13, 10], in: bytes("ab\r\n\r\n")) == 2)
        #expect(KeepAliveClient.find([13, 10, 13, 10], in: bytes("\r\n\r")) == nil)
        #expect(KeepAliveClient.find([13, 10, 13, 10], in: []) == nil)
        #expect(KeepAliveClient.find([13, 10, 13, 10], in: bytes("\r\r\n\r\n")) == 1)
    }
}
