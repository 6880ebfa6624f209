@testable import PQ
import Foundation
import Synchronization
import Testing

/// `PQcancel` blocks (a connection of its own, no timeout in libpq 15): it runs on a thread
/// of its own, never on the thread that cancels.
@Suite("Cancel dispatcher")
struct CancelDispatcherTests {
    @Test("work runs on the dispatcher's thread; submitting returns while it is blocked; past the limit it is dropped")
    func ownThread() async throws {
        let dispatcher = CancelDispatcher(name: "pq-cancel-test", limit: 2)
        let caller = pthread_self()
        let ran = Mutex<[pthread_t]>([])
        let started = Mutex(false)
        let open = Mutex(false)
        // The first job blocks the thread, as a cancel to an unresponsive server would.
        #expect(dispatcher.submit {
            started.withLock { $0 = true }
            while !open.withLock({ $0 }) { usleep(1_000) }
            ran.withLock { $0.append(pthread_self()) }
        })
        while !started.withLock({ $0 }) { await Task.yield() }
        // Its thread is taken: two more fill the queue, a third is dropped, none waits here.
        #expect(dispatcher.submit { ran.withLock { $0.append(pthread_self()) } })
        #expect(dispatcher.submit { ran.withLock { $0.append(pthread_self()) } })
        #expect(!dispatcher.submit { Issue.record("a job past the limit ran") })
        #expect(dispatcher.dropped == 1)
        open.withLock { $0 = true }
        while ran.withLock({ $0.count }) < 3 { await Task.yield() }
        let threads = ran.withLock { $0 }
        #expect(threads.allSatisfy { pthread_equal($0, threads[0]) != 0 }, "all on one thread")
        #expect(pthread_equal(threads[0], caller) == 0)
    }
}
