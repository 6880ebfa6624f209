import Domain
import Foundation
import PQ
import Store

/// The one door to each use case. The API's routes and the CLI's commands (and, later, the
/// web console) call these and nothing else: none of them opens a transaction or decides who
/// may see what on its own, so a rule of access or of order is written once, here.
///
/// | operation        | who                                             | refused with                          |
/// |------------------|-------------------------------------------------|---------------------------------------|
/// | submit           | as the service's roles and `AccessPolicy` allow | `Intake.Refusal`                      |
/// | request (look up)| the submitter; whoever may act for its subject  | nil: the same as a request not there  |
/// | requests (list)  | staff: all; workers: their own; others: one establishment of theirs (either may narrow to a subject) | `ListRefusal` |
/// | cancel           | its submitter (or staff), while it is queued; never a timer by others | `CancelRefusal` (`notFound` if unseen) |
/// | redrive          | staff, a failed request                         | `ChangeRefusal`, `.forbidden`         |
/// | advance the clock| staff, simulated time only                      | `ClockRefusal`                        |
/// | portal reads     | `Operations+Reads.swift`: me, establishment, workers, worker, case (on a standby when `reads` routes them) | nil: the same as not there |
public struct Operations: Sendable {
    public let pool: ConnectionPool
    public let intake: Intake
    public let clock: EngineClock
    /// This daemon's waiters for decisions; without them (the CLI) a wait polls.
    public let waiters: DecisionWaiters?
    /// Where the portal's reads and the open data go when a standby serves them; nil: the pool.
    public let reads: ReadRouting?

    public init(pool: ConnectionPool, intake: Intake, clock: EngineClock, waiters: DecisionWaiters?, reads: ReadRouting? = nil) {
        self.pool = pool
        self.intake = intake
        self.clock = clock
        self.waiters = waiters
        self.reads = reads
    }

    // MARK: Submit

    /// Accepts a submission (queued, or decided at once when its caller waits and nothing is
    /// due ahead of it), then waits up to `wait` for its decision.
    public func submit(_ submission: Intake.Submission, by principal: AccountStore.Principal,
                       wait: Duration = .zero) async throws -> Result<Intake.Accepted, Intake.Refusal> {
        let result = try await intake.submit(submission, by: principal)
        guard case .success(let accepted) = result, wait > .zero, !accepted.record.isFinished else { return result }
        let record = try await decision(of: accepted.record.id, within: wait) ?? accepted.record
        switch accepted {
        case .created: return .success(.created(record))
        case .existing: return .success(.existing(record))
        }
    }

    /// The decision a submission would get now, writing nothing (`?dry_run=true`,
    /// `muamala submit --dry-run`): the same checks and the same access as a real submission.
    public func dryRun(_ submission: Intake.Submission, by principal: AccountStore.Principal) async throws -> Result<Intake.DryRun, Intake.Refusal> {
        try await intake.dryRun(submission, by: principal)
    }

    // MARK: Look up

    /// The request, when the caller may see it, after waiting up to `wait` for its decision;
    /// nil when it does not exist or is not the caller's to see (the same answer).
    public func request(_ id: UUID, for principal: AccountStore.Principal, wait: Duration = .zero) async throws -> RequestRecord? {
        guard let record = try await find(id), try await mayRead(record, principal) else { return nil }
        guard wait > .zero, !record.isFinished else { return record }
        return try await decision(of: id, within: wait) ?? record
    }

    public enum ListRefusal: Error, Sendable, Equatable {
        /// Owners, delegates and agents list one establishment at a time.
        case establishmentRequired
        /// Not an establishment the caller may act for (or none at all: the same answer).
        case forbidden
    }

    /// A page of requests, newest first, within what the caller may see.
    public func requests(_ filter: RequestQueue.ListFilter, for principal: AccountStore.Principal) async throws -> Result<[RequestRecord], ListRefusal> {
        var filter = filter
        switch principal.user.role {
        case .staff, .system:
            break
        case .worker:
            guard let person = principal.user.personID else { return .failure(.forbidden) }
            let own = Subject.worker(PersonID(trusted: person)).key
            // Only his own: another subject is simply not among what he may see.
            if let asked = filter.subject, asked != own { return .success([]) }
            filter.subject = own
        case .person where filter.establishment == nil:
            // Without an establishment, a person lists what is about himself (once registered).
            guard principal.registered, let person = principal.user.personID else { return .failure(.forbidden) }
            let own = [Subject.worker(PersonID(trusted: person)).key, Subject.person(PersonID(trusted: person)).key]
            if let asked = filter.subject, !own.contains(asked) { return .success([]) }
            if filter.subject == nil { filter.subject = own[0] }
        case .owner, .delegate, .agent, .person:
            guard let establishment = filter.establishment.flatMap({ try? EstablishmentID($0) }) else {
                return .failure(.establishmentRequired)
            }
            let company = try await run { db in try DirectoryStore.company(of: establishment, on: db) }
            guard AccessPolicy.mayReadEstablishment(principal, establishment, company: company) else { return .failure(.forbidden) }
        }
        let chosen = filter
        return .success(try await run { db in try RequestQueue.list(chosen, on: db) })
    }

    // MARK: Withdraw and re-drive

    public enum CancelRefusal: Error, Sendable, Equatable {
        /// Seen, but not the caller's to withdraw (someone else's, or the engine's timer).
        case forbidden
        case refused(RequestQueue.ChangeRefusal)
    }

    /// Withdraws a queued request: its own submitter may, and staff (an operator's
    /// correction); nobody else, whoever may see it. The engine's timers (a report becoming
    /// final, a permit expiring, a transfer lapsing) are not a portal user's to withdraw.
    public func cancel(_ id: UUID, by principal: AccountStore.Principal) async throws -> Result<RequestRecord, CancelRefusal> {
        guard let record = try await find(id), try await mayRead(record, principal) else { return .failure(.refused(.notFound)) }
        guard principal.user.role == .staff || record.actorID == principal.user.actor.id else { return .failure(.forbidden) }
        let clock = self.clock
        let result = try await transaction { db in
            try RequestQueue.cancel(id, by: principal.user.actor, at: try clock.now(on: db), on: db)
        }
        switch result {
        case .success(let cancelled):
            waiters?.decided([id])
            return .success(cancelled)
        case .failure(let refusal):
            return .failure(.refused(refusal))
        }
    }

    public enum RedriveRefusal: Error, Sendable, Equatable {
        case forbidden
        case refused(RequestQueue.ChangeRefusal)
    }

    /// Queues a failed request again (staff), its attempts counted afresh.
    public func redrive(_ id: UUID, by principal: AccountStore.Principal) async throws -> Result<RequestRecord, RedriveRefusal> {
        guard principal.user.role == .staff else { return .failure(.forbidden) }
        let clock = self.clock
        let result = try await transaction { db in
            let result = try RequestQueue.redrive(id, at: try clock.now(on: db), on: db)
            if case .success = result { try RequestQueue.notifyQueued(on: db) }
            return result
        }
        switch result {
        case .success(let record):
            intake.wake?.signal()
            return .success(record)
        case .failure(let refusal):
            return .failure(.refused(refusal))
        }
    }

    // MARK: Clock

    public func clockReading() async throws -> ClockStore.Reading {
        try await run { db in try ClockStore.read(on: db) }
    }

    public enum ClockRefusal: Error, Sendable, Equatable {
        case forbidden
        case refused(ClockStore.Refusal)
    }

    /// Moves simulated time forward (staff; never on the system clock) and wakes the workers.
    public func advanceClock(by seconds: TimeInterval, by principal: AccountStore.Principal) async throws -> Result<ClockStore.Reading, ClockRefusal> {
        guard principal.user.role == .staff else { return .failure(.forbidden) }
        guard clock.mode == .simulated else { return .failure(.refused(.notSimulated)) }
        let actor = principal.user.actor.id
        let result = try await transaction { db in try ClockStore.advance(by: seconds, by: actor, on: db) }
        switch result {
        case .success:
            intake.wake?.signal()
            return .success(try await clockReading())
        case .failure(let refusal):
            return .failure(.refused(refusal))
        }
    }

    // MARK: Open data

    public func statistics(from: Day?, to: Day?) async throws -> MonthlyStatistics {
        try await read { db in try StatisticsStore.monthly(from: from, to: to, on: db) }
    }

    // MARK: Helpers

    private func find(_ id: UUID) async throws -> RequestRecord? {
        try await run { db in try RequestQueue.find(id, on: db) }
    }

    /// `AccessPolicy.mayRead`, with the company of the request's establishment for an owner
    /// (or a registered person, who may own it).
    private func mayRead(_ record: RequestRecord, _ principal: AccountStore.Principal) async throws -> Bool {
        var company: UnifiedNumber?
        if principal.user.role == .owner || principal.user.role == .person,
           let establishment = record.establishmentID.flatMap({ try? EstablishmentID($0) }) {
            company = try await run { db in try DirectoryStore.company(of: establishment, on: db) }
        }
        return AccessPolicy.mayRead(principal, record: record, company: company)
    }

    /// Waits for a decision: registered with this daemon's waiters before looking (so a
    /// decision between the look and the wait is not missed), woken by them, and looking
    /// again at least every second (a notification lost while the listener reconnected);
    /// without waiters (the CLI), polling.
    private func decision(of id: UUID, within wait: Duration) async throws -> RequestRecord? {
        let deadline = ContinuousClock.now + wait
        while true {
            let remaining = deadline - ContinuousClock.now
            if let waiters, remaining > .zero {
                // The look before the wait answers at once when it finds the decision.
                let decided = try await waiters.wait(for: id, timeout: min(remaining, .seconds(1))) {
                    try await find(id).flatMap { $0.isFinished ? $0 : nil }
                }
                if let decided { return decided }
            }
            if let record = try await find(id), record.isFinished { return record }
            let left = deadline - ContinuousClock.now
            guard left > .zero else { return nil }
            if waiters == nil { try await Task.sleep(for: min(left, .milliseconds(50))) }
        }
    }

    func run<T: Sendable>(_ body: @escaping @Sendable (isolated Connection) throws -> T) async throws -> T {
        try await pool.withConnection { connection in try await connection.run(body) }
    }

    /// A portal read or the open data: on the standby when `reads` says so, else as `run`.
    func read<T: Sendable>(_ body: @escaping @Sendable (isolated Connection) throws -> T) async throws -> T {
        if let reads { return try await reads.run(body) }
        return try await run(body)
    }

    private func transaction<T: Sendable>(_ body: @escaping @Sendable (isolated Connection) throws -> T) async throws -> T {
        do {
            return try await pool.withConnection { connection in try await connection.withTransaction(body) }
        } catch let error as TransactionError {
            throw error.underlying
        }
    }
}
