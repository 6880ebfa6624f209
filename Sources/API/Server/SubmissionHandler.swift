import Domain
import Engine
import Foundation
import HTTPTypes
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes
import Store

/// `POST /v1/requests` on the event loop: the hot path of the API, handled in the channel
/// instead of by a task on Swift's pool.
///
/// Sits in each HTTP/1 connection's pipeline in front of Hummingbird's handler. A submission
/// whose bearer token is remembered (`PrincipalCache.remembered`) is read, checked and handed
/// to intake here, and its answer is written from intake's completion, on this channel's
/// event loop: no task, no hop to Swift's pool and back, per request (BENCHMARKS.md, "The
/// hot path on the event loop"). Everything else — other routes, an unknown or expiring
/// token, `Connection: close` or `Expect` — passes through to the router untouched, and a
/// submission that must wait for a queued decision finishes in a task as the route does.
/// Both paths use the same steps (`RequestRoutes.submission`, `.record`, `.response`).
///
/// Responses leave in the order the requests came: while one request is being answered
/// by either path, the parts of the next ones are held, then replayed.
final class SubmissionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private enum Mode {
        /// Between requests.
        case idle
        /// A request for the router: its parts pass through.
        case forwarding
        /// A submission being read here, by the principal its token named at its head.
        case reading(HTTPRequest, AccountStore.Principal, ByteBuffer)
        /// A submission read here, waiting for its answer.
        case answering
        /// A submission too large: its remaining parts are dropped, then it is refused.
        case discarding(HTTPRequest, AccountStore.Principal)
    }

    private let environment: APIEnvironment
    private let routes: RequestRoutes
    /// The `Server` header the router's responses carry (`ApplicationConfiguration.serverName`).
    private let serverName: String?
    private var mode = Mode.idle
    /// Requests passed to the router whose response has not been written yet.
    private var forwardedOpen = 0
    /// Parts that arrived while an earlier request was being answered.
    private var held: [HTTPRequestPart] = []
    private var replaying = false
    /// A shutdown's request to close, held while a submission is answered here.
    private var heldQuiesce: Any?
    /// A read asked for while parts are held: the socket is not read until they are replayed,
    /// so a client that pipelines without end cannot make the held parts grow without end.
    private var readWithheld = false
    private let logger: Logger

    init(environment: APIEnvironment, serverName: String?, logger: Logger) {
        self.environment = environment
        self.logger = logger
        self.serverName = serverName
        routes = RequestRoutes(environment: environment)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if !held.isEmpty && !replaying {
            held.append(part)
            return
        }
        handle(part, context: context)
    }

    private func handle(_ part: HTTPRequestPart, context: ChannelHandlerContext) {
        switch (mode, part) {
        case (.idle, .head(let head)):
            if let principal = submitter(head) {
                if forwardedOpen > 0 {
                    held.append(part)
                } else {
                    mode = .reading(head, principal, context.channel.allocator.buffer(capacity: 1024))
                }
            } else {
                mode = .forwarding
                forwardedOpen += 1
                context.fireChannelRead(wrapInboundOut(part))
            }
        case (.forwarding, .end):
            mode = .idle
            context.fireChannelRead(wrapInboundOut(part))
        case (.forwarding, _):
            context.fireChannelRead(wrapInboundOut(part))
        case (.reading(let head, let principal, var body), .body(var chunk)):
            if body.readableBytes + chunk.readableBytes > environment.maxBodyBytes {
                mode = .discarding(head, principal)
            } else {
                mode = .idle  // drop the buffer's reference before writing, so it is not copied
                body.writeBuffer(&chunk)
                mode = .reading(head, principal, body)
            }
        case (.reading(let head, let principal, let body), .end):
            mode = .answering
            environment.eventLoopAnswers.increment()
            submit(head, principal, body, context: context)
        case (.discarding, .body):
            break
        case (.discarding(let head, let principal), .end):
            mode = .answering
            environment.eventLoopAnswers.increment()
            submit(head, principal, nil, context: context)
        case (.answering, _), (.idle, _), (.reading, .head), (.discarding, .head):
            // The next request while one is answered waits its turn; parts out of order go
            // to the router, whose codec reports them.
            if case .answering = mode {
                held.append(part)
            } else {
                context.fireChannelRead(wrapInboundOut(part))
            }
        }
    }

    /// Who submits, for a submission this handler takes: the route, a remembered token, no
    /// connection management. Nil for every other request.
    private func submitter(_ head: HTTPRequest) -> AccountStore.Principal? {
        guard head.method == .post, let path = head.path, path == "/v1/requests" || path.hasPrefix("/v1/requests?") else {
            return nil
        }
        if let connection = head.headerFields[.connection]?.lowercased(), connection.contains("close") || connection.contains("upgrade") {
            return nil
        }
        guard head.headerFields[.expect] == nil else { return nil }
        guard let header = head.headerFields[.authorization], header.hasHeaderPrefix("bearer ") else { return nil }
        let token = String(header.dropFirst(7).trimmingHeaderWhitespace)
        guard !token.isEmpty, token.count <= 200 else { return nil }
        return environment.principals.remembered(AccountStore.cacheKey(for: token))
    }

    /// Checks what the route checks, in its order, and hands the submission to intake; `body`
    /// is nil when it was larger than the limit.
    private func submit(_ head: HTTPRequest, _ principal: AccountStore.Principal, _ body: ByteBuffer?, context: ChannelHandlerContext) {
        let submission: Intake.Submission
        let wait: Int
        do {
            let key = try RequestRoutes.idempotencyKey(head.headerFields)
            let query = head.path.flatMap { URI($0).queryParameters["wait"] }.map(String.init)
            wait = try RequestRoutes.waitSeconds(query, limit: environment.maxWaitSeconds)
            guard let body else { throw APIError(.contentTooLarge, .bodyTooLarge, ["limit": String(environment.maxBodyBytes)]) }
            guard let json = JSONValue.parse(utf8: body.readableBytesView) else { throw APIError(.badRequest, .malformedJSON) }
            submission = try RequestRoutes.submission(json, key: key, wait: wait)
            let loop = context.eventLoop
            let bound = NIOLoopBound((self, context), eventLoop: loop)
            environment.intake.submit(submission, by: principal) { [routes] result in
                let record: RequestRecord
                do {
                    record = try RequestRoutes.record(try result.get())
                } catch {
                    loop.execute { bound.value.0.respond(error: error, to: head, context: bound.value.1) }
                    return
                }
                if wait > 0 && !record.isFinished {
                    // Queued behind other work on its subject: wait for the decision as the route does.
                    Task {
                        let outcome: Result<RequestRecord, any Error>
                        do { outcome = .success(try await routes.waitForDecision(record.id, seconds: wait) ?? record) } catch { outcome = .failure(error) }
                        loop.execute { bound.value.0.respond(outcome, to: head, context: bound.value.1) }
                    }
                } else {
                    loop.execute { bound.value.0.respond(.success(record), to: head, context: bound.value.1) }
                }
            }
        } catch {
            respond(error: error, to: head, context: context)
        }
    }

    private func respond(_ outcome: Result<RequestRecord, any Error>, to head: HTTPRequest, context: ChannelHandlerContext) {
        switch outcome {
        case .success(let record):
            let (status, headers, body) = RequestRoutes.response(record)
            write(status, headers, ByteBuffer(bytes: body), context: context)
        case .failure(let error):
            respond(error: error, to: head, context: context)
        }
    }

    /// Any failure as the router's `ErrorMiddleware` would render (and log) it.
    private func respond(error: any Error, to head: HTTPRequest, context: ChannelHandlerContext) {
        let apiError = error as? APIError ?? {
            logger.error("request failed", metadata: ["error": .string("\(error)"), "path": .string(head.path ?? "")])
            let unavailable = "\(error)".contains("pool") || "\(error)".contains("connect")
            return unavailable ? APIError(.serviceUnavailable, .unavailable) : APIError(.internalServerError, .internalError)
        }()
        do {
            let (headers, body) = try apiError.rendered(acceptLanguage: head.headerFields[.acceptLanguage])
            write(apiError.status, headers, ByteBuffer(bytes: body), context: context)
        } catch {
            write(.internalServerError, [:], ByteBuffer(), context: context)
        }
    }

    private func write(_ status: HTTPResponse.Status, _ headers: HTTPFields, _ body: ByteBuffer, context: ChannelHandlerContext) {
        var fields = headers
        fields[.contentLength] = String(body.readableBytes)
        if let serverName { fields[.server] = serverName }
        context.write(wrapOutboundOut(.head(HTTPResponse(status: status, headerFields: fields))), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        mode = .idle
        if let quiesce = heldQuiesce {
            heldQuiesce = nil
            context.fireUserInboundEventTriggered(quiesce)
        }
        replayHeld(context: context)
        resumeReading(context: context)
    }

    /// Graceful shutdown asks the connection to close once idle; the router's side does not
    /// see a submission answered here, so the request waits until its answer is written.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent, !isIdle {
            heldQuiesce = event
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    private var isIdle: Bool {
        switch mode {
        case .idle, .forwarding: return true
        case .reading, .answering, .discarding: return false
        }
    }

    // MARK: Outbound: the router's responses, and reads

    func read(context: ChannelHandlerContext) {
        if mayRead {
            context.read()
        } else {
            readWithheld = true
        }
    }

    /// Nothing held and no answer awaited: the socket may be read.
    private var mayRead: Bool {
        guard held.isEmpty else { return false }
        if case .answering = mode { return false }
        return true
    }

    private func resumeReading(context: ChannelHandlerContext) {
        guard readWithheld, mayRead else { return }
        readWithheld = false
        context.read()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            forwardedOpen -= 1
            context.write(data, promise: promise)
            if forwardedOpen == 0 {
                replayHeld(context: context)
                resumeReading(context: context)
            }
            return
        }
        context.write(data, promise: promise)
    }

    /// Hands the held parts on, in order, until one of them has to wait again. The router's
    /// side takes what it was given at the end of a read, so the replay ends like one.
    private func replayHeld(context: ChannelHandlerContext) {
        guard !replaying, !held.isEmpty else { return }
        replaying = true
        defer {
            replaying = false
            context.fireChannelReadComplete()
        }
        while !held.isEmpty {
            if case .answering = mode { return }
            if case .idle = mode, forwardedOpen > 0, case .head(let head) = held[0], submitter(head) != nil { return }
            handle(held.removeFirst(), context: context)
        }
    }
}
