@testable import API
import Foundation
import Store
import Synchronization
import Testing
import TestSupport
import Domain

/// The token cache in front of the accounts table: one read per token at a time, and
/// nothing remembered that a revocation may have overtaken.
@Suite("Principal cache", .timeLimit(.minutes(1)))
struct PrincipalCacheTests {
    let key = Data("token-hash".utf8)
    let principal = AccountStore.Principal(user: .cliOperator("tester"), grants: [])

    /// Counts reads; each one takes a while, so that others arrive during it.
    final class Reads: Sendable {
        let count = Atomic(0)
        func read<T: Sendable>(_ answer: T, delay: Duration = .milliseconds(200)) async throws -> T {
            count.add(1, ordering: .relaxed)
            try await Task.sleep(for: delay)
            return answer
        }
    }

    /// A clock that moves only when the test moves it.
    final class Clock: Sendable {
        let start = ContinuousClock.now
        let elapsed = Mutex(Duration.zero)
        func now() -> ContinuousClock.Instant { start + elapsed.withLock { $0 } }
        func advance(_ duration: Duration) { elapsed.withLock { $0 += duration } }
    }

    @Test("fifty requests of one uncached token read the database once, and all get the answer")
    func oneReadForMany() async throws {
        let cache = PrincipalCache()
        let reads = Reads()
        let principal = self.principal
        let answers = try await withThrowingTaskGroup(of: AccountStore.Principal?.self) { group in
            for _ in 0..<50 {
                group.addTask { try await cache.principal(for: key) { try await reads.read(principal) } }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(reads.count.load(ordering: .relaxed) == 1)
        #expect(answers.count == 50)
        #expect(answers.allSatisfy { $0?.user == principal.user })
        // Remembered: the next request reads nothing.
        _ = try await cache.principal(for: key) { try await reads.read(principal) }
        #expect(reads.count.load(ordering: .relaxed) == 1)
    }

    @Test("a change to one person's rights forgets his entries only; newcomers are never remembered")
    func forgetOnePerson() async throws {
        let cache = PrincipalCache()
        let reads = Reads()
        let alice = PersonID.make(prefix: 1, body: 11), bob = PersonID.make(prefix: 1, body: 12)
        let aliceKey = Data("alice".utf8), bobKey = Data("bob".utf8), newcomerKey = Data("newcomer".utf8)
        let aliceAccount = AccountStore.Principal.newcomer(alice).asRegisteredForTests, staff = principal
        _ = try await cache.principal(for: aliceKey) { try await reads.read(aliceAccount, delay: .zero) }
        _ = try await cache.principal(for: bobKey) { try await reads.read(staff, delay: .zero) }
        _ = try await cache.principal(for: newcomerKey) { try await reads.read(AccountStore.Principal.newcomer(bob), delay: .zero) }
        #expect(cache.remembered(aliceKey) != nil && cache.remembered(bobKey) != nil)
        #expect(cache.remembered(newcomerKey) == nil, "a newcomer is read again: once registered, he finds his account")
        cache.forget(person: alice.digits)
        #expect(cache.remembered(aliceKey) == nil && cache.remembered(bobKey) != nil)
        #expect(AccountStore.Announcement(payload: "person:\(alice.digits)") == .person(alice.digits))
        #expect(AccountStore.Announcement(payload: "") == .everyone)
    }

    @Test("a read overtaken by removeAll answers its request but is not remembered")
    func revokedDuringRead() async throws {
        let cache = PrincipalCache()
        let reads = Reads()
        let principal = self.principal
        let first = try await cache.principal(for: key) {
            let answer = try await reads.read(principal, delay: .zero)
            cache.removeAll() // a revocation committed while the token was being read
            return answer
        }
        #expect(first?.user == principal.user)
        _ = try await cache.principal(for: key) { try await reads.read(principal, delay: .zero) }
        #expect(reads.count.load(ordering: .relaxed) == 2)
    }

    @Test("unknown tokens and failed reads are not remembered; waiters get the failure")
    func nothingRememberedOnMissOrFailure() async throws {
        struct Unavailable: Error {}
        let cache = PrincipalCache()
        let reads = Reads()
        let missing: AccountStore.Principal? = nil
        #expect(try await cache.principal(for: key) { try await reads.read(missing, delay: .zero) } == nil)
        #expect(try await cache.principal(for: key) { try await reads.read(missing, delay: .zero) } == nil)
        #expect(reads.count.load(ordering: .relaxed) == 2)

        // The read is held until the nine others wait for it.
        let gate = Gate()
        let failures = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<10 {
                group.addTask {
                    do {
                        _ = try await cache.principal(for: key) {
                            _ = try await reads.read(0, delay: .zero)
                            await gate.wait()
                            throw Unavailable()
                        }
                        return false
                    } catch {
                        return error is Unavailable
                    }
                }
            }
            try await waitUntil { cache.waiting(for: key) == 9 }
            gate.open()
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(failures == 10)
        #expect(reads.count.load(ordering: .relaxed) == 3)
    }

    @Test("a read whose own request was cancelled leaves the waiting requests to read again")
    func leaderCancelled() async throws {
        let cache = PrincipalCache()
        let reads = Reads()
        let principal = self.principal
        let leader = Task {
            try await cache.principal(for: key) {
                _ = try await reads.read(0, delay: .milliseconds(200))
                throw CancellationError()  // as the leading request's task would, cancelled mid-read
            }
        }
        try await Task.sleep(for: .milliseconds(50))
        let waiter = try await cache.principal(for: key) { try await reads.read(principal, delay: .zero) }
        #expect(waiter?.user == principal.user)
        await #expect(throws: CancellationError.self) { try await leader.value }
        #expect(reads.count.load(ordering: .relaxed) == 2)
    }

    @Test("an answer due for a new read is read by one request while the others go on with it")
    func refreshWhileServing() async throws {
        let clock = Clock()
        let cache = PrincipalCache(lifetime: .seconds(60), refreshAfter: .seconds(20), now: clock.now)
        let reads = Reads()
        let principal = self.principal
        _ = try await cache.principal(for: key) { try await reads.read(principal, delay: .zero) }
        clock.advance(.seconds(21))
        let gate = Gate()
        let refreshed = Reads()  // counts the new read's completion
        let refresher = Task {
            let answer = try await cache.principal(for: key) {
                let answer = try await reads.read(principal, delay: .zero)
                await gate.wait()
                return answer
            }
            _ = try await refreshed.read(0, delay: .zero)
            return answer
        }
        try await waitUntil { reads.count.load(ordering: .relaxed) == 2 }
        for _ in 0..<20 {
            let answer = try await cache.principal(for: key) { try await reads.read(principal, delay: .zero) }
            #expect(answer?.user == principal.user)
        }
        // All twenty were answered from memory while the new read was still under way.
        #expect(refreshed.count.load(ordering: .relaxed) == 0)
        #expect(reads.count.load(ordering: .relaxed) == 2)
        gate.open()
        #expect(try await refresher.value?.user == principal.user)
        // Read again, so remembered again: nothing more is read until it is due again.
        clock.advance(.seconds(19))
        _ = try await cache.principal(for: key) { try await reads.read(principal, delay: .zero) }
        #expect(reads.count.load(ordering: .relaxed) == 2)
        clock.advance(.seconds(2))
        _ = try await cache.principal(for: key) { try await reads.read(principal, delay: .zero) }
        #expect(reads.count.load(ordering: .relaxed) == 3)
    }

    @Test("a new read that finds the token revoked forgets it; a failed one keeps the answer")
    func refreshOutcomes() async throws {
        struct Unavailable: Error {}
        let clock = Clock()
        let cache = PrincipalCache(lifetime: .seconds(60), refreshAfter: .seconds(20), now: clock.now)
        let reads = Reads()
        let principal = self.principal
        let revoked: AccountStore.Principal? = nil
        _ = try await cache.principal(for: key) { try await reads.read(principal, delay: .zero) }
        clock.advance(.seconds(21))
        let kept = try await cache.principal(for: key) {
            _ = try await reads.read(0, delay: .zero)
            throw Unavailable()
        }
        #expect(kept?.user == principal.user)
        #expect(try await cache.principal(for: key) { try await reads.read(revoked, delay: .zero) } == nil)
        // Forgotten: when the next read fails, the revoked answer is not used in its place.
        await #expect(throws: Unavailable.self) {
            try await cache.principal(for: key) {
                _ = try await reads.read(0, delay: .zero)
                throw Unavailable()
            }
        }
        #expect(reads.count.load(ordering: .relaxed) == 4)
    }
}

extension AccountStore.Principal {
    /// The same person, registered (a cache entry like a signed-in person's account).
    var asRegisteredForTests: AccountStore.Principal {
        AccountStore.Principal(user: user, grants: grants, companies: companies, registered: true)
    }
}
