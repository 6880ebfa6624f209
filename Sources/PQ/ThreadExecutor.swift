import Foundation

/// A serial executor that runs every job on one dedicated OS thread.
///
/// libpq calls block. Swift's cooperative pool has as many threads as cores (two here),
/// so a blocking call there stalls half of all async work. Each `Connection` actor runs on
/// its own `ThreadExecutor`, so its blocking calls never touch the cooperative pool.
///
/// `@unchecked Sendable`: `jobs`, `stopping` and `thread` are only touched while holding
/// `condition`; `threadIdentity` is written once, before the thread starts.
public final class ThreadExecutor: SerialExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var stopping = false
    private var thread: Thread?
    private var threadIdentity: ObjectIdentifier?

    /// Starts the thread. It runs until `shutdown()` is called and the queue is empty.
    public init(name: String) {
        let thread = Thread { [self] in
            // Foundation keeps `Thread.name` to itself on Linux; the kernel's name is what
            // `top -H`, `ps -L` and `perf` show (at most 15 bytes; best effort).
            #if os(Linux)
            try? Data(name.utf8.prefix(15)).write(to: URL(fileURLWithPath: "/proc/thread-self/comm"))
            #endif
            self.runLoop()
        }
        thread.name = name
        threadIdentity = ObjectIdentifier(thread)
        condition.lock()
        self.thread = thread
        condition.unlock()
        thread.start()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    public func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    public func checkIsolated() {
        precondition(
            threadIdentity.map { ObjectIdentifier(Thread.current) == $0 } ?? false,
            "not on the connection's thread")
    }

    /// Lets the thread finish the jobs already queued, then exit.
    public func shutdown() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    private func runLoop() {
        var batch: [UnownedJob] = []
        let executor = asUnownedSerialExecutor()
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping {
                condition.wait()
            }
            if jobs.isEmpty {
                // Stopping and drained: break the cycle executor -> thread -> block -> executor.
                thread = nil
                condition.unlock()
                return
            }
            swap(&batch, &jobs)
            condition.unlock()
            for job in batch {
                job.runSynchronously(on: executor)
            }
            batch.removeAll(keepingCapacity: true)
        }
    }
}
