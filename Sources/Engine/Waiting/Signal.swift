import Foundation
import Synchronization

/// Wakes waiting tasks: `signal()` releases everyone waiting now; a wait also ends by
/// itself after its timeout, or when its task is cancelled. Used to wake the queue workers
/// when work arrives.
public final class WakeSignal: Sendable {
    private struct State {
        var generation = 0
        var room = WaitingRoom<Int, CheckedContinuation<Void, Never>>()
    }

    private let state = Mutex(State())
    let clock: any Clock<Duration>

    public init() { clock = ContinuousClock() }

    /// A signal whose timeouts run on `clock` (a test's clock).
    init(clock: any Clock<Duration>) { self.clock = clock }

    /// Releases every current waiter (and makes the next `wait` that started before return at once).
    public func signal() {
        let waiters = state.withLock { state in
            state.generation += 1
            return state.room.releaseEveryone()
        }
        for waiter in waiters { waiter.resume() }
    }

    /// The current generation: pass it to `wait(since:)` to not miss a signal sent meanwhile.
    public var generation: Int { state.withLock { $0.generation } }

    /// Waits until a signal after `generation`, the timeout, or cancellation.
    public func wait(since generation: Int, timeout: Duration) async {
        let id = state.withLock { state -> Int? in
            guard state.generation == generation else { return nil }
            return state.room.register(0)
        }
        guard let id else { return }
        await Waiting.suspend(
            timeout: timeout, clock: clock,
            hold: { continuation in self.state.withLock { $0.room.suspend(id, continuation) } },
            release: { self.state.withLock { $0.room.release(id) } },
            finish: { self.state.withLock { $0.room.finish(id) } })
    }
}

/// Tasks waiting for particular requests to be decided (HTTP `?wait=`).
public final class DecisionWaiters: Sendable {
    private let state = Mutex(WaitingRoom<UUID, CheckedContinuation<Void, Never>>())
    let clock: any Clock<Duration>

    public init() { clock = ContinuousClock() }

    /// Waiters whose timeouts run on `clock` (a test's clock).
    init(clock: any Clock<Duration>) { self.clock = clock }

    /// Reports decided requests (from this daemon's workers or another's NOTIFY).
    public func decided(_ ids: [UUID]) {
        let waiters = state.withLock { room in ids.flatMap { room.release(key: $0) } }
        for waiter in waiters { waiter.resume() }
    }

    /// Waits until `id` is reported decided, the timeout, or cancellation. The caller looks
    /// the request up afterwards either way (it may have been decided before the wait began).
    public func wait(for request: UUID, timeout: Duration) async {
        _ = try? await wait(for: request, timeout: timeout) { nil as Bool? }
    }

    /// Registers first, then looks (`look`), and waits only when the look finds nothing: a
    /// decision reported between the look and the wait is not missed (the slot remembers
    /// it). Returns what the look found, or nil after waiting.
    public func wait<Found: Sendable>(for request: UUID, timeout: Duration,
                                      unless look: @Sendable () async throws -> Found?) async throws -> Found? {
        let id = state.withLock { $0.register(request) }
        let found: Found?
        do {
            found = try await look()
        } catch {
            state.withLock { $0.finish(id) }?.resume()
            throw error
        }
        if let found {
            state.withLock { $0.finish(id) }?.resume()
            return found
        }
        await Waiting.suspend(
            timeout: timeout, clock: clock,
            hold: { continuation in self.state.withLock { $0.suspend(id, continuation) } },
            release: { self.state.withLock { $0.release(id) } },
            finish: { self.state.withLock { $0.finish(id) } })
        return nil
    }

    /// Wakes every waiter (notifications may have been lost: each looks again).
    public func wakeEveryone() {
        let waiters = state.withLock { $0.releaseEveryone() }
        for waiter in waiters { waiter.resume() }
    }

    /// Waiters registered now (for tests).
    var count: Int { state.withLock { $0.slots.count } }
}

/// The one way both wait: suspend a registered waiter until it is released, its timer fires
/// or its task is cancelled; then remove it.
enum Waiting {
    typealias Continuation = CheckedContinuation<Void, Never>

    /// `hold` gives the room the continuation (it returns one to resume at once), `release`
    /// wakes this waiter, `finish` removes it; each runs under the owner's lock.
    static func suspend(
        timeout: Duration, clock: any Clock<Duration>,
        hold: @escaping @Sendable (Continuation) -> Continuation?,
        release: @escaping @Sendable () -> Continuation?,
        finish: @Sendable () -> Continuation?
    ) async {
        await withTaskGroup(of: Void.self) { group in
            // The timer starts after the waiter is registered: whenever it fires, the waiter is there.
            group.addTask {
                try? await clock.sleep(for: timeout)
                if !Task.isCancelled { release()?.resume() }
            }
            await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in hold(continuation)?.resume() }
            } onCancel: {
                release()?.resume()
            }
            group.cancelAll()
        }
        finish()?.resume()
    }
}
