import Foundation

/// Where `PQcancel` runs: one dedicated thread for the process.
///
/// `PQcancel` opens a connection of its own to the server and waits for it to close, with no
/// timeout in libpq 15. A cancellation handler runs on whatever thread cancels the task — a
/// thread of Swift's cooperative pool (two here) or an event loop — so calling it there
/// could stall half the process behind a slow or unreachable server. Here the caller only
/// hands the token over. A cancel that hangs holds this thread alone; later ones queue
/// behind it, and past `limit` waiting ones are dropped (a cancel is a best effort: the
/// statement still ends by itself, and its task has already stopped waiting for it).
///
/// `@unchecked Sendable`: `queue` and `droppedCount` are touched only while holding `condition`.
final class CancelDispatcher: @unchecked Sendable {
    static let shared = CancelDispatcher(name: "pq-cancel")

    private let condition = NSCondition()
    private var queue: [@Sendable () -> Void] = []
    private let limit: Int
    private var droppedCount = 0

    /// Cancels dropped because the queue was full (for tests and diagnostics).
    var dropped: Int {
        condition.lock()
        defer { condition.unlock() }
        return droppedCount
    }

    init(name: String, limit: Int = 64) {
        self.limit = limit
        let thread = Thread { [self] in run(name: name) }
        thread.name = name
        thread.start()
    }

    /// Queues `work` for the dispatcher's thread; returns at once. False when it was dropped.
    @discardableResult
    func submit(_ work: @escaping @Sendable () -> Void) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard queue.count < limit else {
            droppedCount += 1
            return false
        }
        queue.append(work)
        condition.signal()
        return true
    }

    private func run(name: String) {
        #if os(Linux)
        try? Data(name.utf8.prefix(15)).write(to: URL(fileURLWithPath: "/proc/thread-self/comm"))
        #endif
        while true {
            condition.lock()
            while queue.isEmpty { condition.wait() }
            let work = queue.removeFirst()
            condition.unlock()
            work()
        }
    }
}
