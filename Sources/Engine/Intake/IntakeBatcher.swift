import Domain
import Foundation
import PQ
import Store
import Synchronization

/// Group commit for intake: submissions that arrive while a batch is being written are
/// written together, in one statement and one commit.
///
/// A submission that finds fewer than `maxLeaders` batches in flight starts a leader (a task
/// that lives while there is work): it writes everything pending, hands each submission its
/// answer (`Deliver`: an awaiting caller is resumed, an event loop writes a response), and
/// goes on with what arrived meanwhile, until nothing is left for it. Under light load
/// each submission is written alone at once; under heavy load a commit carries many, and two
/// batches are in flight so that one's round trips overlap the other's work. A batch holds
/// one submission per subject, and never a subject that the other batch in flight holds:
/// later ones on that subject wait for the next batch, in their order.
///
/// A submission whose caller waits for the decision (`notify`) is decided in the same
/// transaction when nothing is due ahead of it on its subject (`decider` set): one commit
/// instead of two, and no claim. If a decision meets a conflict (a worker or another daemon
/// writing the same aggregate) or fails, nothing of the batch is kept and it is written
/// again with every request queued, for the workers and their retries.
final class IntakeBatcher: Sendable {
    /// A validated submission, ready for the access check and the queue.
    struct Entry: Sendable {
        let principal: AccountStore.Principal
        let service: ServiceDefinition
        let subject: Subject
        /// `subject.key`, made once.
        let subjectKey: String
        let named: EstablishmentID?
        /// Other establishments the request acts for (a branch to move a worker into): the
        /// caller needs rights on each of them too.
        let alsoNamed: [EstablishmentID]
        let proposedCompany: UnifiedNumber?
        let actingPerson: PersonID?
        let payload: Payload
        let idempotencyKey: String?
        let priority: Int
        let origin: String
        let notify: Bool
    }

    enum Outcome: Sendable {
        /// A new request entered the queue.
        case queued(RequestRecord)
        /// A new request, decided in the transaction that accepted it: as history holds it.
        case decided(RequestRecord)
        /// The actor had used this idempotency key for the same request: the first one.
        case existing(RequestRecord)
        /// The key was used before for a different request.
        case conflict(existing: UUID)
        /// The actor may not act for this establishment or worker.
        case forbidden
    }

    /// Hands a submission its answer: resumes an awaiting caller, or writes a response on
    /// the caller's event loop. Called once, on the thread that finished the batch.
    typealias Deliver = @Sendable (Result<Outcome, any Error>) -> Void

    private typealias Batch = [(entry: Entry, deliver: Deliver)]

    private struct State {
        var pending: Batch = []
        /// Pending entries by subject key and by actor id, for the admission limits.
        var pendingBySubject: [String: Int] = [:]
        var pendingByActor: [String: Int] = [:]
        /// The subjects of the batches being written.
        var writing: Set<String> = []
        var leaders = 0

        /// The oldest pending entries, at most `maxBatch` and one per subject, none of a
        /// subject that a batch being written holds: those wait for the next batch, in their
        /// order, and are then decided against what the one before them did. (Two batches in
        /// flight with one subject would decide it twice against the same state, and one of
        /// them would fail and be queued whole; many did, at 1,024 connections.)
        mutating func takeBatch() -> Batch {
            var taken: Batch = []
            var kept: Batch = []
            for item in pending {
                if taken.count < IntakeBatcher.maxBatch && writing.insert(item.entry.subjectKey).inserted {
                    taken.append(item)
                } else {
                    kept.append(item)
                }
            }
            pending = kept
            for item in taken {
                Self.decrement(&pendingBySubject, item.entry.subjectKey)
                Self.decrement(&pendingByActor, item.entry.principal.user.actor.id)
            }
            return taken
        }

        static func decrement(_ counts: inout [String: Int], _ key: String) {
            if let count = counts[key], count > 1 { counts[key] = count - 1 } else { counts[key] = nil }
        }

        mutating func finished(_ batch: Batch) {
            for item in batch { writing.remove(item.entry.subjectKey) }
        }
    }

    private let state = Mutex(State())
    let pool: ConnectionPool
    let clock: EngineClock
    let notifyDaemons: Bool
    let decider: BatchProcessor?
    let companies = CompanyCache()
    let metrics = EngineMetrics()
    static let maxBatch = 512
    static let maxLeaders = 2
    /// Submissions that may wait for a batch; one more is refused (`Intake.Overloaded`).
    let maxPending: Int
    /// Of those, at most this many about one subject (a batch takes one of each subject)...
    let maxPendingPerSubject: Int
    /// ...and from one actor (a quarter of the room).
    let maxPendingPerActor: Int

    init(pool: ConnectionPool, clock: EngineClock, notifyDaemons: Bool, decider: BatchProcessor?, maxPending: Int) {
        self.maxPending = maxPending
        maxPendingPerSubject = min(maxPending, 32)
        maxPendingPerActor = max(1, maxPending / 4)
        self.pool = pool
        self.clock = clock
        self.notifyDaemons = notifyDaemons
        self.decider = decider
    }

    func submit(_ entry: Entry) async throws -> Outcome {
        try await withCheckedThrowingContinuation { continuation in
            submit(entry) { continuation.resume(with: $0) }
        }
    }

    /// Queues a submission for the next batch; `deliver` gets its answer once the batch has
    /// committed (or failed). Starts a leader when fewer than `maxLeaders` are writing.
    func submit(_ entry: Entry, deliver: @escaping Deliver) {
        let (limit, perSubject, perActor) = (maxPending, maxPendingPerSubject, maxPendingPerActor)
        let subject = entry.subjectKey, actor = entry.principal.user.actor.id
        let admitted = state.withLock { state -> (admitted: Bool, batch: Batch?) in
            // A flood gets a prompt "try again" rather than memory and ever longer waits; and
            // one caller (or one subject, which a batch takes one entry of at a time) cannot
            // fill the room that everyone else's submissions wait in.
            guard state.pending.count < limit, state.pendingBySubject[subject, default: 0] < perSubject,
                  state.pendingByActor[actor, default: 0] < perActor else { return (false, nil) }
            state.pending.append((entry, deliver))
            state.pendingBySubject[subject, default: 0] += 1
            state.pendingByActor[actor, default: 0] += 1
            guard state.leaders < Self.maxLeaders else { return (true, nil) }
            // Empty when every pending subject is being written: its batch takes them after.
            let batch = state.takeBatch()
            guard !batch.isEmpty else { return (true, nil) }
            state.leaders += 1
            return (true, batch)
        }
        guard admitted.admitted else {
            metrics.overloaded()
            deliver(.failure(Intake.Overloaded(retryAfterSeconds: 1)))
            return
        }
        if let batch = admitted.batch { Task { await self.lead(batch) } }
    }

    /// Submissions waiting for a batch, and batches being written (for tests).
    var load: (pending: Int, leaders: Int) { state.withLock { ($0.pending.count, $0.leaders) } }

    /// Writes batches until nothing is pending that another leader may not take.
    private func lead(_ first: Batch) async {
        var batch = first
        while true {
            let results = await write(batch.map(\.entry))
            let next = state.withLock { state -> Batch? in
                state.finished(batch)
                let next = state.takeBatch()
                if next.isEmpty { state.leaders -= 1 }
                return next.isEmpty ? nil : next
            }
            for (item, result) in zip(batch, results) { item.deliver(result) }
            guard let next else { return }
            batch = next
        }
    }

    /// Writes one batch in one transaction; every entry gets its own answer.
    private func write(_ entries: [Entry]) async -> [Result<Outcome, any Error>] {
        let decider = entries.contains(where: \.notify) ? self.decider : nil
        do {
            let (outcomes, report) = try await transaction(entries, decider: decider)
            if let report, report.claimed > 0 {
                metrics.finished(report.decided.map { ($0.service, $0.outcome.rawValue) })
                metrics.decided(batchSeconds: report.seconds, count: report.claimed)
            }
            return outcomes.map { .success($0) }
        } catch where decider != nil {
            // Nothing of the batch was kept: queue every request of it instead.
            metrics.batchRetried(reason: "intake_decision")
            do {
                let (outcomes, _) = try await transaction(entries, decider: nil)
                return outcomes.map { .success($0) }
            } catch {
                return entries.map { _ in .failure(error) }
            }
        } catch {
            return entries.map { _ in .failure(error) }
        }
    }

    private func transaction(_ entries: [Entry], decider: BatchProcessor?) async throws -> ([Outcome], BatchProcessor.Report?) {
        let clock = self.clock
        let notify = notifyDaemons
        let companies = self.companies
        do {
            return try await pool.withConnection { connection in
                try await connection.withTransaction { db in
                    try Self.write(entries, clock: clock, notify: notify, companies: companies, decider: decider, on: db)
                }
            }
        } catch let error as TransactionError {
            throw error.underlying
        }
    }

    private static func write(_ entries: [Entry], clock: EngineClock, notify: Bool, companies: CompanyCache,
                              decider: BatchProcessor?, on db: isolated Connection) throws -> ([Outcome], BatchProcessor.Report?) {
        let establishments = try access(entries, companies: companies, on: db)
        let now = try clock.now(on: db)
        var allowed: [Int] = []
        var requests: [NewRequest] = []
        for (index, entry) in entries.enumerated() {
            let establishment = establishments[index]
            guard let role = entry.actingRole(at: establishment, companies: companies) else { continue }
            allowed.append(index)
            requests.append(NewRequest(
                service: entry.service.code, establishment: establishment, subject: entry.subject,
                actor: Actor(id: entry.principal.user.actor.id, role: role),
                payload: entry.payload.values, idempotencyKey: entry.idempotencyKey, priority: entry.priority, origin: entry.origin,
                submittedAt: now, notify: entry.notify))
        }
        let atOnce = decider.map { _ in decidableAtOnce(allowed.map { Candidate(entries[$0]) }) }
        let queued = try RequestQueue.submitMany(requests, decideAtOnce: atOnce, on: db)
        if notify, queued.contains(where: { if case .created = $0 { return true } else { return false } }) {
            try RequestQueue.notifyQueued(on: db)
        }
        var outcomes = [Outcome](repeating: .forbidden, count: entries.count)
        var deciding: [(index: Int, request: RequestQueue.Deciding)] = []
        for (index, outcome) in zip(allowed, queued) {
            switch outcome {
            case .created(let record): outcomes[index] = .queued(record)
            case .existing(let record): outcomes[index] = .existing(record)
            case .conflict(let existing): outcomes[index] = .conflict(existing: existing)
            case .deciding(let request): deciding.append((index, request))
            }
        }
        guard let decider, !deciding.isEmpty else { return (outcomes, nil) }
        let (report, completions) = try decider.decide(
            accepted: deciding.map { ($0.request, entries[$0.index].payload) }, businessNow: now, on: db)
        for ((index, request), completion) in zip(deciding, completions) {
            outcomes[index] = .decided(RequestRecord(decided: request, completion, decidedAt: now))
        }
        return (outcomes, report)
    }

    /// An entry as the rule of `decidableAtOnce` sees it.
    struct Candidate: Equatable {
        /// `Subject.key`.
        let subject: String
        /// The actor and the idempotency key together, when there is a key.
        let actorKey: String?
        let waits: Bool

        init(subject: String, actorKey: String?, waits: Bool) {
            self.subject = subject
            self.actorKey = actorKey
            self.waits = waits
        }

        init(_ entry: Entry) {
            self.init(subject: entry.subjectKey, actorKey: entry.idempotencyKey.map { entry.principal.user.actor.id + "\u{1F}" + $0 },
                      waits: entry.notify)
        }
    }

    /// Which entries of a batch may be decided in the transaction that accepts them: those
    /// whose caller waits for the decision, but never one behind another of the batch on the
    /// same subject (it takes effect after that one, so it is queued behind it), nor one whose
    /// actor and key appear twice in the batch (the second would look for the first in the
    /// queue and history, where it is not yet). `takeBatch` already gives a batch one entry per
    /// subject; the rule still checks it, because `submitMany` relies on it.
    static func decidableAtOnce(_ candidates: [Candidate]) -> [Bool] {
        var keys: [String: Int] = [:]
        for key in candidates.compactMap(\.actorKey) { keys[key, default: 0] += 1 }
        var subjects = Set<String>()
        return candidates.map { candidate in
            let first = subjects.insert(candidate.subject).inserted
            return candidate.waits && first && candidate.actorKey.map { keys[$0] == 1 } ?? true
        }
    }
}

extension IntakeBatcher {
    /// The establishment each entry acts for (a worker's own request: his employer's), with
    /// the company of every establishment the entries name remembered in `companies`. One
    /// round trip for the employers and one for the companies not yet known.
    static func access(_ entries: [Entry], companies: CompanyCache, on db: isolated Connection) throws -> [EstablishmentID?] {
        let lookups = entries.compactMap { entry -> PersonID? in
            guard entry.named == nil, case .worker(let worker) = entry.subject else { return nil }
            return worker
        }
        let employers = lookups.isEmpty ? [:] : try DirectoryStore.employers(of: lookups, on: db)
        let establishments = entries.map { entry -> EstablishmentID? in
            if let named = entry.named { return named }
            if case .worker(let worker) = entry.subject { return employers[worker] }
            return nil
        }
        let unknown = Set(establishments.compactMap { $0 } + entries.flatMap(\.alsoNamed)).filter { companies[$0] == nil }
        if !unknown.isEmpty {
            for (establishment, company) in try DirectoryStore.companies(of: Array(unknown), on: db) {
                companies[establishment] = company
            }
        }
        return establishments
    }
}

extension IntakeBatcher.Entry {
    /// The role the caller acts in for this request at `establishment` (a registered person's
    /// depends on his rights there); every other establishment it names must allow the same
    /// role. Nil: he may not make it.
    func actingRole(at establishment: EstablishmentID?, companies: CompanyCache) -> Actor.Role? {
        let company = establishment.flatMap { companies[$0] } ?? proposedCompany
        guard let role = AccessPolicy.actingRole(principal, service: service, subject: subject,
                                                 scope: .init(establishment: establishment, company: company), actingPerson: actingPerson),
              alsoNamed.allSatisfy({ other in
                  AccessPolicy.actingRole(principal, service: service, subject: subject,
                                          scope: .init(establishment: other, company: companies[other])) == role
              }) else { return nil }
        return role
    }
}

/// Which company each establishment belongs to. An establishment's unified number never
/// changes, so what is known stays known (bounded: cleared when it grows too large).
final class CompanyCache: Sendable {
    private let map = Mutex<[EstablishmentID: UnifiedNumber]>([:])
    static let limit = 200_000

    subscript(establishment: EstablishmentID) -> UnifiedNumber? {
        get { map.withLock { $0[establishment] } }
        set {
            map.withLock { map in
                if map.count >= Self.limit { map.removeAll(keepingCapacity: true) }
                map[establishment] = newValue
            }
        }
    }
}
