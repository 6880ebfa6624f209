@testable import Engine
import Domain
import Foundation
import PQ
import Store
import Synchronization
import Testing
import TestSupport

/// Intake is bounded: past its limit a submission is refused at once (`Intake.Overloaded`,
/// the API's 503 with Retry-After), instead of a flood taking memory and ever longer waits.
@Suite("Intake admission")
struct AdmissionTests {
    @Test("with both batches stuck and the waiting room full, the next submission is refused at once; the others all land")
    func refusedWhenFull() async throws {
        try await withScratchDatabase { database in
            let pool = database.pool(size: 1)
            let intake = Intake(pool: pool, clock: EngineClock(mode: .system), wake: nil, maxPending: 1)
            let staff = AccountStore.Principal(user: .cliOperator("test"), grants: [])
            try await database.run { db in try Fixtures.establishment("1-1", on: db) }
            func submission(_ n: Int) -> Intake.Submission {
                Intake.Submission(service: "worker.register", payload: hiringPayloads(Fixtures.person(n), at: "1-1", arrived: "2026-11-01")[0].1,
                                  idempotencyKey: "admission-\(n)")
            }
            // The pool's only session is held, so the batches that take it wait.
            let session = await HeldSession(pool)
            let accepted = Task {
                try await withThrowingTaskGroup(of: Bool.self) { group in
                    for n in 1...3 {
                        group.addTask {
                            if case .success = try await intake.submit(submission(n), by: staff) { return true }
                            return false
                        }
                    }
                    return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
                }
            }
            // Two batches in flight (waiting for the session), one submission waiting for a batch.
            try await waitUntil("intake filled", intake) { $0.batcher.load == (pending: 1, leaders: 2) }
            await #expect(throws: Intake.Overloaded.self) { _ = try await intake.submit(submission(4), by: staff) }
            try await session.release()
            #expect(try await accepted.value == 3)
            let queued = try await database.run { db in try db.query("SELECT count(*)::int FROM requests").single().decode(Int.self, at: 0) }
            #expect(queued == 3)
            await pool.close()
        }
    }

    @Test("one caller flooding one subject fills only its own share of the room: everyone else is still let in")
    func floodBounded() async throws {
        try await withScratchDatabase { database in
            let pool = database.pool(size: 1)
            let intake = Intake(pool: pool, clock: EngineClock(mode: .system), wake: nil, maxPending: 64)
            let flooder = AccountStore.Principal(user: .cliOperator("flooder"), grants: [])
            let other = AccountStore.Principal(user: .cliOperator("someone-else"), grants: [])
            try await database.run { db in try Fixtures.establishment("1-1", on: db) }
            let worker = Fixtures.person(1)
            func submission(_ n: Int, about person: PersonID) -> Intake.Submission {
                Intake.Submission(service: "worker.register", payload: hiringPayloads(person, at: "1-1", arrived: "2026-11-01")[0].1,
                                  idempotencyKey: "flood-\(n)")
            }
            let session = await HeldSession(pool)
            // 30 about one worker, with 30 keys: one is taken by a batch (waiting for the
            // session), a quarter of the room (16) waits, the rest are refused at once.
            let refused = Locked(0)
            let outcomes = Task {
                try await withThrowingTaskGroup(of: Bool.self) { group in
                    for n in 1...30 {
                        group.addTask {
                            do {
                                _ = try await intake.submit(submission(n, about: worker), by: flooder)
                                return true
                            } catch is Intake.Overloaded {
                                refused.withLock { $0 += 1 }
                                return false
                            }
                        }
                    }
                    return try await group.reduce(into: [Bool]()) { $0.append($1) }
                }
            }
            try await waitUntil("the flood filled its share", intake) { $0.batcher.load.pending >= 16 && refused.value >= 13 }
            // Someone else, about someone else, is let in (and taken by the second batch).
            let otherSubmission = submission(100, about: Fixtures.person(2))
            let admitted = Task { try await intake.submit(otherSubmission, by: other) }
            try await waitUntil("the other submission was taken", intake) { $0.batcher.load.leaders >= 2 }
            try await session.release()
            let results = try await outcomes.value
            #expect(results.filter { $0 }.count == 17)
            #expect(results.filter { !$0 }.count == 13)
            if case .success = try await admitted.value {} else { Issue.record("the other caller was refused") }
            await pool.close()
        }
    }
}

/// The pool's only session, held until `release()`: batches that need it wait meanwhile.
private struct HeldSession {
    private let releasing: AsyncStream<Void>.Continuation
    private let holder: Task<Void, any Error>

    init(_ pool: ConnectionPool) async {
        let (releases, release) = AsyncStream<Void>.makeStream()
        let (holds, held) = AsyncStream<Void>.makeStream()
        holder = Task {
            try await pool.withConnection { _ in
                held.yield()
                for await _ in releases { break }
            }
        }
        for await _ in holds { break }
        releasing = release
    }

    func release() async throws {
        releasing.yield()
        releasing.finish()
        try await holder.value
    }
}

/// Polls `condition` on intake's state until it holds, for up to 30 s.
private func waitUntil(_ what: String, _ intake: Intake, _ condition: (Intake) -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(30)
    while !condition(intake) {
        guard ContinuousClock.now < deadline else { throw SetupError("never: \(what) (\(intake.batcher.load))") }
        try await Task.sleep(for: .milliseconds(5))
    }
}
