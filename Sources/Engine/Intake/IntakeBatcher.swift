import Domain
import Foundation
import PQ
import Store
import Synchronization

/// Group commit for intake: submissions that arrive while one is being written are written
/// together, in one statement and one commit, by whichever caller is leading at the time.
///
/// No background task: the first caller to find nobody writing leads; it writes everything
/// pending, hands each caller its answer, and, if more arrived meanwhile, passes the lead
/// to the oldest of them. Under light load each submission is written alone at once; under
/// heavy load a commit carries many.
final class IntakeBatcher: Sendable {
    /// A validated submission, ready for the access check and the queue.
    struct Entry: Sendable {
        let principal: AccountStore.Principal
        let service: String
        let subject: Subject
        let named: EstablishmentID?
        let proposedCompany: UnifiedNumber?
        let actingPerson: PersonID?
        let payload: [String: JSONValue]
        let idempotencyKey: String?
        let priority: Int
        let origin: String
        let notify: Bool
    }

    enum Outcome: Sendable {
        case queued(RequestQueue.SubmitOutcome)
        case forbidden
    }

    private enum Signal: Sendable {
        case done(Result<Outcome, any Error>)
        case lead
    }

    private struct State {
        var pending: [(id: Int, entry: Entry)] = []
        var waiting: [Int: CheckedContinuation<Signal, Never>] = [:]
        var ready: [Int: Signal] = [:]
        var leading = false
        var nextID = 0
    }

    private let state = Mutex(State())
    let pool: ConnectionPool
    let clock: EngineClock
    let notifyDaemons: Bool
    let companies = CompanyCache()
    static let maxBatch = 512

    init(pool: ConnectionPool, clock: EngineClock, notifyDaemons: Bool) {
        self.pool = pool
        self.clock = clock
        self.notifyDaemons = notifyDaemons
    }

    func submit(_ entry: Entry) async throws -> Outcome {
        let (id, leads) = state.withLock { state -> (Int, Bool) in
            state.nextID += 1
            state.pending.append((state.nextID, entry))
            if state.leading { return (state.nextID, false) }
            state.leading = true
            return (state.nextID, true)
        }
        var signal = leads ? Signal.lead : await wait(id)
        while true {
            switch signal {
            case .done(let result):
                return try result.get()
            case .lead:
                let batch = state.withLock { state -> [(id: Int, entry: Entry)] in
                    let taken = Array(state.pending.prefix(Self.maxBatch))
                    state.pending.removeFirst(taken.count)
                    return taken
                }
                let results = await write(batch)
                var own: Signal?
                var wakeups: [(CheckedContinuation<Signal, Never>, Signal)] = []
                state.withLock { state in
                    for (entryID, result) in results {
                        let done = Signal.done(result)
                        if entryID == id {
                            own = done
                        } else if let continuation = state.waiting.removeValue(forKey: entryID) {
                            wakeups.append((continuation, done))
                        } else {
                            state.ready[entryID] = done
                        }
                    }
                    if let next = state.pending.first?.id {
                        // The lead passes to the oldest waiting submission.
                        if next == id {
                            own = own ?? .lead
                        } else if let continuation = state.waiting.removeValue(forKey: next) {
                            wakeups.append((continuation, .lead))
                        } else {
                            state.ready[next] = .lead
                        }
                    } else {
                        state.leading = false
                    }
                }
                for (continuation, signal) in wakeups { continuation.resume(returning: signal) }
                if let own {
                    signal = own
                } else {
                    signal = await wait(id)
                }
            }
        }
    }

    private func wait(_ id: Int) async -> Signal {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Signal? in
                if let signal = state.ready.removeValue(forKey: id) { return signal }
                state.waiting[id] = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// Writes one batch in one transaction; every entry gets its own answer.
    private func write(_ batch: [(id: Int, entry: Entry)]) async -> [(Int, Result<Outcome, any Error>)] {
        let clock = self.clock
        let notify = notifyDaemons
        let companies = self.companies
        do {
            let outcomes = try await pool.withConnection { connection in
                try await connection.withTransaction { db in
                    try Self.write(batch.map(\.entry), clock: clock, notify: notify, companies: companies, on: db)
                }
            }
            return zip(batch, outcomes).map { ($0.id, .success($1)) }
        } catch let error as TransactionError {
            return batch.map { ($0.id, .failure(error.underlying)) }
        } catch {
            return batch.map { ($0.id, .failure(error)) }
        }
    }

    private static func write(_ entries: [Entry], clock: EngineClock, notify: Bool, companies: CompanyCache,
                              on db: isolated Connection) throws -> [Outcome] {
        // Whose establishment: a worker's own request concerns his employer's.
        let lookups = entries.compactMap { entry -> PersonID? in
            guard entry.named == nil, case .worker(let worker) = entry.subject else { return nil }
            return worker
        }
        let employers = try DirectoryStore.employers(of: lookups, on: db)
        let establishments = entries.map { entry -> EstablishmentID? in
            if let named = entry.named { return named }
            if case .worker(let worker) = entry.subject { return employers[worker] }
            return nil
        }
        let unknown = Set(establishments.compactMap { $0 }).filter { companies[$0] == nil }
        for (establishment, company) in try DirectoryStore.companies(of: Array(unknown), on: db) {
            companies[establishment] = company
        }
        let now = try clock.now(on: db)
        var allowed: [Int] = []
        var requests: [NewRequest] = []
        for (index, entry) in entries.enumerated() {
            let establishment = establishments[index]
            let company = establishment.flatMap { companies[$0] } ?? entry.proposedCompany
            guard AccessPolicy.mayAct(entry.principal, service: entry.service, subject: entry.subject,
                                      scope: .init(establishment: establishment, company: company),
                                      actingPerson: entry.actingPerson) else { continue }
            allowed.append(index)
            requests.append(NewRequest(
                service: entry.service, establishment: establishment, subject: entry.subject, actor: entry.principal.user.actor,
                payload: entry.payload, idempotencyKey: entry.idempotencyKey, priority: entry.priority, origin: entry.origin,
                submittedAt: now, notify: entry.notify))
        }
        let queued = try RequestQueue.submitMany(requests, on: db)
        if notify, queued.contains(where: { if case .created = $0 { return true } else { return false } }) {
            try RequestQueue.notifyQueued(on: db)
        }
        var outcomes = [Outcome](repeating: .forbidden, count: entries.count)
        for (index, outcome) in zip(allowed, queued) { outcomes[index] = .queued(outcome) }
        return outcomes
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
