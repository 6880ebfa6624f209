import ArgumentParser
import CEpoll
import Foundation

/// The open-loop sender behind `muamala-bench http`: one thread, non-blocking keep-alive
/// connections, `epoll(7)`. With `poll(2)`, every wake-up had the kernel look at all 256
/// descriptors and this loop walk them all: 0.1 of a core in system time at 8,200
/// requests/s, twice that with 1,024 connections.
///
/// The generator shares the machine with what it measures, so it must cost little. On this
/// VM a thread woken by a socket costs more than the HTTP exchange itself (BENCHMARKS.md,
/// "Where an HTTP request's time goes"): the former design, a blocking thread per
/// connection that slept until each send's time, took 0.4 of a core at 5,000 requests/s.
/// Here one thread wakes for the schedule at most once a millisecond, sends everything due,
/// and reads every response that has arrived in the same pass.
struct EventLoopLoad: Sendable {
    struct Result {
        var sent = 0
        var accepted = 0
        var other = 0
        var failed = 0
        var late = 0
        var seconds = 0.0
        /// When request 0 was due, in seconds since 1970: request `i` was due `i / rate` later.
        var scheduleStart = 0.0
        /// Seconds from each send to its response, in the order the responses came: what the
        /// client saw of the exchange (with `?wait=`, up to the decision), lateness excluded.
        var responseSeconds: [Double] = []
    }

    /// One connection: idle, or waiting for the response to one request.
    private struct Peer {
        var descriptor: Int32
        var busy = false
        var sentAt = 0.0
        var buffer: [UInt8] = []
    }

    let host: String
    let port: Int
    let connections: Int
    let requests: @Sendable (Int) -> [UInt8]
    /// A send later than this after its due time counts as late.
    let lateAfter = 0.05

    /// Sends `total` requests, request `i` at `start + i / rate`, and waits for every response.
    func run(total: Int, rate: Double) throws -> Result {
        var peers: [Peer] = []
        var idle: [Int] = []
        for index in 0..<connections {
            peers.append(Peer(descriptor: try connect()))
            idle.append(index)
        }
        defer { for peer in peers { Glibc.close(peer.descriptor) } }

        let events = try Events(peers.map(\.descriptor))
        defer { events.close() }

        var result = Result()
        result.responseSeconds.reserveCapacity(total)
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let start = Self.now() + 0.1
        result.scheduleStart = Date().timeIntervalSince1970 + (start - Self.now())
        var inFlight = 0
        while result.sent < total || inFlight > 0 {
            // Everything due by now goes out, as long as a connection is free.
            let now = Self.now()
            while result.sent < total, !idle.isEmpty {
                let due = start + Double(result.sent) / rate
                if due > now { break }
                if now - due > lateAfter { result.late += 1 }
                let index = idle.removeLast()
                if send(requests(result.sent), on: peers[index].descriptor) {
                    peers[index].busy = true
                    peers[index].sentAt = Self.now()
                    inFlight += 1
                } else {
                    result.failed += 1
                    try reconnect(&peers[index], index: index, events: events)
                    idle.append(index)
                }
                result.sent += 1
            }
            // Sleep until the next send is due or a response arrives (epoll's clock is in
            // milliseconds: a send may leave up to a millisecond late, never early).
            var timeout: Int32 = 100
            if result.sent < total && !idle.isEmpty {
                let wait = start + Double(result.sent) / rate - Self.now()
                timeout = wait <= 0 ? 0 : Int32((wait * 1000).rounded(.up))
            }
            for index in try events.wait(timeout: timeout) {
                let count = recv(peers[index].descriptor, &chunk, chunk.count, 0)
                if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) { continue }
                if count <= 0 {
                    // The server closed the connection: the request on it failed.
                    if peers[index].busy { result.failed += 1; inFlight -= 1 }
                    try reconnect(&peers[index], index: index, events: events)
                    idle.append(index)
                    continue
                }
                peers[index].buffer += chunk[0..<count]
                guard let (status, _) = KeepAliveClient.completeResponse(&peers[index].buffer) else { continue }
                if status == 200 || status == 202 { result.accepted += 1 } else { result.other += 1 }
                result.responseSeconds.append(Self.now() - peers[index].sentAt)
                peers[index].busy = false
                inFlight -= 1
                idle.append(index)
            }
        }
        result.seconds = Self.now() - start
        return result
    }

    private func connect() throws -> Int32 {
        let descriptor = try KeepAliveClient.connect(host: host, port: port)
        // Connected while blocking (simple); from now on reads never block.
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        return descriptor
    }

    private func reconnect(_ peer: inout Peer, index: Int, events: Events) throws {
        Glibc.close(peer.descriptor)  // also leaves the epoll set
        peer = Peer(descriptor: try connect())
        try events.watch(peer.descriptor, as: index)
    }

    /// An epoll set whose events name connections by their index. `close()` when done.
    private struct Events {
        let descriptor: Int32
        private let ready: UnsafeMutableBufferPointer<epoll_event>

        init(_ descriptors: [Int32]) throws {
            descriptor = epoll_create1(Int32(EPOLL_CLOEXEC))
            guard descriptor >= 0 else { throw ValidationError("epoll_create1 failed: errno \(errno)") }
            ready = .allocate(capacity: max(descriptors.count, 1))
            for (index, peer) in descriptors.enumerated() { try watch(peer, as: index) }
        }

        func close() {
            Glibc.close(descriptor)
            ready.deallocate()
        }

        func watch(_ peer: Int32, as index: Int) throws {
            var event = epoll_event()
            event.events = EPOLLIN.rawValue
            event.data.u64 = UInt64(index)
            guard epoll_ctl(descriptor, EPOLL_CTL_ADD, peer, &event) == 0 else {
                throw ValidationError("epoll_ctl failed: errno \(errno)")
            }
        }

        /// The indexes of the connections with something to read (none on timeout or signal).
        func wait(timeout: Int32) throws -> [Int] {
            let count = epoll_wait(descriptor, ready.baseAddress, Int32(ready.count), timeout)
            if count < 0 {
                if errno == EINTR { return [] }
                throw ValidationError("epoll_wait failed: errno \(errno)")
            }
            return (0..<Int(count)).map { Int(ready[$0].data.u64) }
        }
    }

    /// Writes the whole request. A request is a few hundred bytes and the socket's buffer is
    /// empty between requests, so a short write is rare; it is finished by waiting for room.
    private func send(_ bytes: [UInt8], on descriptor: Int32) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written > 0 {
                offset += written
            } else if written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                var room = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
                _ = Glibc.poll(&room, 1, 1000)
            } else {
                return false
            }
        }
        return true
    }

    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
