import Foundation

/// Blocking work (files, here) on a thread of its own, so that Swift's cooperative pool —
/// two threads on this machine, shared with the HTTP server — never waits on a disk.
enum Blocking {
    static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try work() }) }
            thread.name = "muamala-blocking"
            thread.start()
        }
    }
}
