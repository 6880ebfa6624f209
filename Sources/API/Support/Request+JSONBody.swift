import Domain
import Hummingbird
import NIOCore

extension Request {
    /// The body as JSON, read up to `limit` bytes: 413 past it, 400 when it is not JSON.
    func jsonBody(limit: Int) async throws -> JSONValue {
        let buffer: ByteBuffer
        do {
            buffer = try await body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw APIError(.contentTooLarge, .bodyTooLarge, ["limit": String(limit)])
        }
        guard let parsed = JSONValue.parse(utf8: buffer.readableBytesView) else { throw APIError(.badRequest, .malformedJSON) }
        return parsed
    }
}
