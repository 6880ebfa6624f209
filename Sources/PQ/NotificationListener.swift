import CLibPQ
import Foundation
import Synchronization

/// A message sent with `NOTIFY channel, 'payload'` (or `pg_notify`).
public struct PGNotification: Sendable, Hashable {
    public let channel: String
    public let payload: String
    /// The server process that sent it.
    public let senderPID: Int32
}

/// LISTEN on channels, as an `AsyncSequence` of events: notifications, and gaps.
///
/// The listener owns a session of its own on a thread of its own, which waits on the
/// socket with `poll` (never on Swift's cooperative pool). A lost connection is opened again
/// with back-off and the channels are listened to again; notifications sent while it was
/// down are lost, and the stream says so with a `.gap` once it listens again. The stream
/// holds at most `bufferLimit` events for a consumer that falls behind: past that the oldest
/// are dropped and a `.gap` follows, so memory stays bounded and the consumer still learns
/// that it missed something (and acts as if everything changed: the engine wakes its
/// workers and forgets its cached principals). The first connection failing ends the
/// sequence with its error. Cancelling the consuming task, or dropping the sequence, closes
/// the session.
public enum NotificationListener {
    /// What the stream carries.
    public enum Event: Sendable, Hashable {
        case notification(PGNotification)
        /// Notifications may have been lost here (a reconnect, or a consumer that fell behind).
        case gap
    }

    /// Hands an event to the consumer; when that pushed the oldest out, a gap follows it.
    static func deliver(_ event: Event, to continuation: AsyncThrowingStream<Event, any Error>.Continuation) {
        if case .dropped = continuation.yield(event) {
            _ = continuation.yield(.gap)
        }
    }

    /// Events a consumer may fall behind by before the oldest are dropped.
    public static let bufferLimit = 1024

    public static func notifications(
        _ config: ConnectionConfig, channels: [String], bufferLimit: Int = NotificationListener.bufferLimit
    ) -> AsyncThrowingStream<Event, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: Event.self, bufferingPolicy: .bufferingNewest(bufferLimit))
        let stopped = StopFlag()
        continuation.onTermination = { _ in stopped.stop() }
        let thread = Thread {
            ListenLoop(config: config, channels: channels, continuation: continuation, stopped: stopped).run()
        }
        thread.name = "pq-listen"
        thread.start()
        return stream
    }
}

/// Set once by the consumer's side; read by the listening thread.
final class StopFlag: Sendable {
    private let flag = Mutex(false)
    func stop() { flag.withLock { $0 = true } }
    var isStopped: Bool { flag.withLock { $0 } }
}

private struct ListenLoop {
    let config: ConnectionConfig
    let channels: [String]
    let continuation: AsyncThrowingStream<NotificationListener.Event, any Error>.Continuation
    let stopped: StopFlag

    /// How long one wait on the socket lasts before the stop flag is looked at again.
    static let pollMilliseconds: Int32 = 200

    func run() {
        var handle: ConnectionHandle?
        var everConnected = false
        var backoff = 0.1
        while !stopped.isStopped {
            if handle == nil {
                do {
                    handle = try connect()
                    // Listening again after a loss: what was sent meanwhile is gone.
                    if everConnected { deliver(.gap) }
                    everConnected = true
                    backoff = 0.1
                } catch {
                    if !everConnected {
                        continuation.finish(throwing: error)
                        return
                    }
                    Thread.sleep(forTimeInterval: backoff)
                    backoff = min(backoff * 2, 5)
                    continue
                }
            }
            guard let live = handle else { continue }
            var descriptor = pollfd(fd: live.socket, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, Self.pollMilliseconds)
            if ready < 0 && errno != EINTR {
                handle = nil
                continue
            }
            guard ready > 0 else { continue }
            if PQconsumeInput(live.pointer) == 0 || !live.isOK {
                handle = nil
                continue
            }
            while let notice = PQnotifies(live.pointer) {
                let notification = PGNotification(
                    channel: String(cString: notice.pointee.relname),
                    payload: String(cString: notice.pointee.extra),
                    senderPID: notice.pointee.be_pid)
                PQfreemem(notice)
                deliver(.notification(notification))
            }
        }
        continuation.finish()
    }

    private func deliver(_ event: NotificationListener.Event) {
        NotificationListener.deliver(event, to: continuation)
    }

    /// Every LISTEN goes in one script, so one implicit transaction: the session listens on
    /// all its channels from the same instant, never on some of them only. (One LISTEN per
    /// statement let a NOTIFY on the second channel slip between the two.)
    private func connect() throws -> ConnectionHandle {
        let handle = try ConnectionHandle(config: config)
        guard !channels.isEmpty else { return handle }
        let script = try channels.map { "LISTEN " + (try handle.escapeIdentifier($0)) }.joined(separator: "; ")
        try handle.execute(script)
        return handle
    }
}
