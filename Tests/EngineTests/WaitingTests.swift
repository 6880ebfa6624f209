@testable import Engine
import Foundation
import Testing

/// The waiting room as a value: every slot × every step.
@Suite("Waiting room")
struct WaitingRoomTests {
    typealias Room = WaitingRoom<String, Int>

    /// A room with one waiter (id returned) brought to `slot`.
    static func room(in slot: String) -> (Room, Int) {
        var room = Room()
        let id = room.register("a")
        switch slot {
        case "registered": break
        case "suspended": #expect(room.suspend(id, 7) == nil)
        case "released": #expect(room.release(id) == nil)
        default: Issue.record("no slot \(slot)")
        }
        return (room, id)
    }

    static let slots = ["registered", "suspended", "released"]

    @Test("suspend: held when registered; handed back at once when released (the race that hung a ?wait=)", arguments: slots)
    func suspend(_ slot: String) {
        var (room, id) = Self.room(in: slot)
        let handedBack = room.suspend(id, 8)
        switch slot {
        case "registered": #expect(handedBack == nil)
        default: #expect(handedBack == 8)  // released: resume now; suspended twice: never hold two
        }
    }

    @Test("release: a suspended waiter's continuation comes back; otherwise it is marked released", arguments: slots)
    func release(_ slot: String) {
        var (room, id) = Self.room(in: slot)
        #expect(room.release(id) == (slot == "suspended" ? 7 : nil))
        #expect(room.suspend(id, 9) == 9, "after a release, a later suspend must not wait")
    }

    @Test("release by key and release of everyone reach every waiter of the key, held or not", arguments: slots)
    func releaseByKey(_ slot: String) {
        var (room, id) = Self.room(in: slot)
        let other = room.register("b")
        #expect(room.suspend(other, 70) == nil)
        #expect(room.release(key: "a") == (slot == "suspended" ? [7] : []))
        #expect(room.suspend(id, 9) == 9)
        #expect(room.releaseEveryone() == [70])
    }

    @Test("finish removes the waiter and hands back anything still held", arguments: slots)
    func finish(_ slot: String) {
        var (room, id) = Self.room(in: slot)
        #expect(room.finish(id) == (slot == "suspended" ? 7 : nil))
        #expect(room.isEmpty)
        #expect(room.release(key: "a").isEmpty)
        #expect(room.release(id) == nil)
    }
}

/// The two waiters over a clock the test moves: a wait ends at its bound whatever the order
/// of its timer and its suspension, on a signal or decision, and on cancellation.
@Suite("Waiting with a controllable clock")
struct WaitingClockTests {
    /// Runs `body`; fails (instead of hanging the suite) if it has not returned after 30 s.
    static func returns(_ what: String, _ body: @escaping @Sendable () async -> Void) async {
        let finished = await withTaskGroup(of: Bool.self) { group in
            group.addTask { await body(); return true }
            group.addTask { try? await Task.sleep(for: .seconds(30)); return false }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        #expect(finished, "\(what) did not return")
    }

    /// Until a timer sleeps on `clock`; fails after 30 s instead of spinning for ever.
    static func untilArmed(_ clock: ManualClock) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while clock.sleeping == 0 {
            guard ContinuousClock.now < deadline else { throw CancellationError() }
            await Task.yield()
        }
    }

    @Test("a timeout already reached when the wait begins ends the wait, every time")
    func timerBeforeSuspension() async {
        let clock = ManualClock()
        let waiters = DecisionWaiters(clock: clock)
        let signal = WakeSignal(clock: clock)
        await Self.returns("1,000 waits with a zero timeout") {
            for _ in 0..<500 {
                await waiters.wait(for: UUID(), timeout: .zero)
                await signal.wait(since: signal.generation, timeout: .zero)
            }
        }
        #expect(waiters.count == 0)
    }

    @Test("a decision ends the wait without the clock moving; the timeout ends it when the clock passes it")
    func decisionAndTimeout() async throws {
        let clock = ManualClock()
        let waiters = DecisionWaiters(clock: clock)
        let request = UUID()
        let decidedWait = Task { await waiters.wait(for: request, timeout: .seconds(5)) }
        try await Self.untilArmed(clock)
        waiters.decided([UUID(), request])
        await Self.returns("a wait whose request was decided") { await decidedWait.value }

        let timedWait = Task { await waiters.wait(for: UUID(), timeout: .seconds(5)) }
        try await Self.untilArmed(clock)
        clock.advance(by: .seconds(4))
        #expect(waiters.count == 1, "woken before its timeout")
        clock.advance(by: .seconds(1))
        await Self.returns("a wait past its timeout") { await timedWait.value }
        #expect(waiters.count == 0)
    }

    @Test("a signal sent before the wait (a newer generation) returns at once; one during it wakes it; cancelling ends it")
    func signalAndCancel() async throws {
        let clock = ManualClock()
        let signal = WakeSignal(clock: clock)
        let before = signal.generation
        signal.signal()
        await Self.returns("a wait on an old generation") { await signal.wait(since: before, timeout: .seconds(60)) }

        let woken = Task { await signal.wait(since: signal.generation, timeout: .seconds(60)) }
        try await Self.untilArmed(clock)
        signal.signal()
        await Self.returns("a wait that was signalled") { await woken.value }

        let waiters = DecisionWaiters(clock: clock)
        let cancelled = Task { await waiters.wait(for: UUID(), timeout: .seconds(60)) }
        try await Self.untilArmed(clock)
        cancelled.cancel()
        await Self.returns("a cancelled wait") { await cancelled.value }
        #expect(waiters.count == 0)
    }
}
