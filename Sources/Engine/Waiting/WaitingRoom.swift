/// Who is waiting for what, as a value: the state machine under `WakeSignal` and
/// `DecisionWaiters`, with no locks, tasks or clocks of its own (each step returns the
/// continuations to resume, which the caller resumes outside its lock).
///
/// A waiter is registered *before* anything can wake it: its slot exists from `register` on,
/// so a release (a signal, a decision, its own timeout) that comes before the waiter has
/// suspended is remembered, and `suspend` then returns at once. (The waiters used to register
/// inside a child task, after their timer might already have fired, and could then wait past
/// their bound.)
///
/// | slot       | meaning                                             | next                          |
/// |------------|-----------------------------------------------------|-------------------------------|
/// | registered | waiting, not suspended yet                          | suspended, released           |
/// | suspended  | its continuation is held                            | released (resumed), finished  |
/// | released   | woken before it suspended: it will not suspend      | finished                      |
struct WaitingRoom<Key: Hashable, Continuation> {
    enum Slot {
        case registered
        case suspended(Continuation)
        case released
    }

    private(set) var slots: [Int: (key: Key, slot: Slot)] = [:]
    private var keys: [Key: Set<Int>] = [:]
    private var nextID = 0

    /// A new waiter for `key`; its id names it in every later step.
    mutating func register(_ key: Key) -> Int {
        nextID += 1
        slots[nextID] = (key, .registered)
        keys[key, default: []].insert(nextID)
        return nextID
    }

    /// The waiter's continuation arrives. Returns it when it must be resumed at once (the
    /// waiter was released, or finished, before it got here); else it is held.
    mutating func suspend(_ id: Int, _ continuation: Continuation) -> Continuation? {
        guard let entry = slots[id], case .registered = entry.slot else { return continuation }
        slots[id] = (entry.key, .suspended(continuation))
        return nil
    }

    /// Wakes one waiter (its timeout, its cancellation). Returns the continuation to resume.
    mutating func release(_ id: Int) -> Continuation? {
        guard let entry = slots[id] else { return nil }
        slots[id] = (entry.key, .released)
        if case .suspended(let continuation) = entry.slot { return continuation }
        return nil
    }

    /// Wakes every waiter for `key`.
    mutating func release(key: Key) -> [Continuation] {
        (keys[key] ?? []).compactMap { release($0) }
    }

    /// Wakes every waiter.
    mutating func releaseEveryone() -> [Continuation] {
        Array(slots.keys).compactMap { release($0) }
    }

    /// The waiter is done: its slot goes. Returns a continuation still held (never, when the
    /// caller finishes only after its wait returned; a safety net).
    mutating func finish(_ id: Int) -> Continuation? {
        guard let entry = slots.removeValue(forKey: id) else { return nil }
        keys[entry.key]?.remove(id)
        if keys[entry.key]?.isEmpty == true { keys[entry.key] = nil }
        if case .suspended(let continuation) = entry.slot { return continuation }
        return nil
    }

    var isEmpty: Bool { slots.isEmpty }
}
