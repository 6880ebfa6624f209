/// Waiting for something another task does, instead of sleeping and hoping it happened.

/// Polls until `condition` holds; throws after about ten seconds, so that a broken rule fails
/// its test instead of hanging it.
public func waitUntil(_ condition: () async throws -> Bool) async throws {
    for _ in 0..<1000 {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(10))
    }
    throw SetupError("condition not met in time")
}

/// Holds a task at `wait()` until another opens the gate (once; one waiting task).
public final class Gate: Sendable {
    private let opened: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    public init() { (opened, continuation) = AsyncStream.makeStream() }

    public func open() { continuation.yield() }

    public func wait() async {
        for await _ in opened { return }
    }
}
