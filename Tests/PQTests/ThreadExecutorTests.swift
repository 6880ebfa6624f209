import Foundation
import PQ
import Testing

@Suite("Connection threads")
struct ThreadExecutorTests {
    /// An actor whose jobs run on a given executor, to ask its thread for its name.
    actor OnExecutor {
        let executor: ThreadExecutor
        nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
        init(_ executor: ThreadExecutor) { self.executor = executor }

        func kernelName() -> String? {
            (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    #if os(Linux)
    @Test("a connection's thread carries its name where top, ps and perf read it, cut to 15 bytes")
    func threadName() async throws {
        let executor = ThreadExecutor(name: "pq-a-rather-long-application")
        defer { executor.shutdown() }
        #expect(await OnExecutor(executor).kernelName() == "pq-a-rather-lon")
    }
    #endif
}
