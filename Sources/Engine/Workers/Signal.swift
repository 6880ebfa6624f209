import Foundation
import Synchronization

/// Wakes waiting tasks: `signal()` releases everyone waiting now; a wait also ends by
/// itself after its timeout. Used to wake the queue workers when work arrives.
public final class WakeSignal: Sendable {
    private struct State {
        var generation = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextID = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// Releases every current waiter (and makes the next `wait` that started before return at once).
    public func signal() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.generation += 1
            let list = Array(state.waiters.values)
            state.waiters.removeAll()
            return list
        }
        for waiter in waiters { waiter.resume() }
    }

    /// The current generation: pass it to `wait(since:)` to not miss a signal sent meanwhile.
    public var generation: Int { state.withLock { $0.generation } }

    /// Waits until a signal after `generation`, the timeout, or cancellation.
    public func wait(since generation: Int, timeout: Duration) async {
        let id = state.withLock { state -> Int? in
            guard state.generation == generation else { return nil }
            state.nextID += 1
            return state.nextID
        }
        guard let id else { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let resumeNow = self.state.withLock { state -> Bool in
                        if state.generation != generation { return true }
                        state.waiters[id] = continuation
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                self.release(id)
            }
            await group.next()
            group.cancelAll()
            self.release(id)
        }
    }

    private func release(_ id: Int) {
        let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
        waiter?.resume()
    }
}

/// Tasks waiting for particular requests to be decided (HTTP `?wait=`).
public final class DecisionWaiters: Sendable {
    private struct State {
        var waiters: [UUID: [Int: CheckedContinuation<Void, Never>]] = [:]
        var decided: Set<UUID> = []
        var nextID = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// Reports decided requests (from this daemon's workers or another's NOTIFY).
    public func decided(_ ids: [UUID]) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            var released: [CheckedContinuation<Void, Never>] = []
            for id in ids {
                if let list = state.waiters.removeValue(forKey: id) { released += list.values }
            }
            return released
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Waits until `id` is reported decided, or the timeout. The caller looks the request up
    /// afterwards either way (it may have been decided before the wait began).
    public func wait(for request: UUID, timeout: Duration) async {
        let id = state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    self.state.withLock { $0.waiters[request, default: [:]][id] = continuation }
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                self.release(request, id)
            }
            await group.next()
            group.cancelAll()
            self.release(request, id)
        }
    }

    private func release(_ request: UUID, _ id: Int) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            let waiter = state.waiters[request]?.removeValue(forKey: id)
            if state.waiters[request]?.isEmpty == true { state.waiters[request] = nil }
            return waiter
        }
        waiter?.resume()
    }
}
