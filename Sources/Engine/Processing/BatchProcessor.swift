import Domain
import Foundation
import PQ
import Store

/// Decides one batch of requests in one transaction: claim, load, decide, persist, complete.
///
/// A crash anywhere before the commit leaves every claimed request queued and nothing
/// applied; after the commit each is done exactly once. Requests in a batch are decided in
/// submission order against one in-memory world, so later ones see what earlier ones did.
public struct BatchProcessor: Sendable {
    public let rulebook: Rulebook
    public let clock: EngineClock
    public let batchSize: Int
    let aggregates = AggregateStore()

    /// Requests a worker claims at a time unless told otherwise (`MUAMALA_BATCH_SIZE`).
    public static let defaultBatchSize = 256

    public init(rulebook: Rulebook, clock: EngineClock, batchSize: Int = BatchProcessor.defaultBatchSize) {
        self.rulebook = rulebook
        self.clock = clock
        self.batchSize = batchSize
    }

    /// What a batch did.
    public struct Report: Sendable {
        public struct Decided: Sendable {
            public let id: UUID
            public let service: String
            public let outcome: RequestRecord.State
            public let notify: Bool
        }

        public var decided: [Decided] = []
        public var seconds: Double = 0
        public var claimed: Int { decided.count }
    }

    /// A batch that failed: which requests it held (now back in the queue, untouched).
    public struct Failure: Error, CustomStringConvertible {
        public let claimed: [(id: UUID, service: String)]
        public let underlying: any Error
        public var description: String { "batch of \(claimed.count) failed: \(underlying)" }
    }

    /// Runs one batch inside the caller's transaction. `limit` overrides the batch size
    /// (the engine uses 1 to isolate a request that keeps failing).
    public func run(limit: Int? = nil, on db: isolated Connection) throws -> Report {
        let started = ContinuousClock.now
        let realNow = Date()
        let businessNow = try clock.now(on: db)
        let claimed = try RequestQueue.claim(limit: limit ?? batchSize, businessNow: businessNow, realNow: realNow, on: db)
        guard !claimed.isEmpty else { return Report() }
        do {
            var report = try decideAndPersist(claimed.map(PreparedRequest.init), businessNow: businessNow, on: db) { completions in
                RequestQueue.completeStatementFor(completions, decidedAt: businessNow)
            }.report
            report.seconds = (ContinuousClock.now - started).inSeconds
            return report
        } catch {
            throw Failure(claimed: claimed.map { ($0.id, $0.service) }, underlying: error)
        }
    }

    /// Decides, in the caller's transaction, requests that intake accepted to decide at once
    /// (`SubmitOutcome.deciding`, with each one's validated payload): the same loads,
    /// decisions and writes as a claimed batch, the decisions written straight to history
    /// instead of moved from the queue. Returns each one's decision, in order. Throws when
    /// any write meets a conflict; nothing is then applied once the caller rolls back.
    public func decide(accepted: [(request: RequestQueue.Deciding, payload: Payload)], businessNow: Date,
                       on db: isolated Connection) throws -> (report: Report, completions: [RequestQueue.Completion]) {
        guard !accepted.isEmpty else { return (Report(), []) }
        let started = ContinuousClock.now
        var (report, completions) = try decideAndPersist(
            accepted.map { PreparedRequest(deciding: $0.request, payload: $0.payload) }, businessNow: businessNow, on: db
        ) { completions in
            // One completion per request, in the requests' order.
            RequestQueue.recordDecidedStatement(Array(zip(accepted.map(\.request), completions)), decidedAt: businessNow)
        }
        report.seconds = (ContinuousClock.now - started).inSeconds
        return (report, completions)
    }

    /// The decision `input` would get now, against the current state, with nothing written:
    /// the same loads and the same decision as a batch of one (a dry run). Requests queued
    /// ahead of it on its subject are not taken into account.
    public func dryRun(_ input: RequestInput, service: ServiceDefinition, businessNow: Date, on db: isolated Connection) throws -> Decision {
        var needs = AggregateStore.Needs()
        needs.compensatorySince = Day(year: Day(businessNow).components.year, month: 1, day: 1)
        PreparedRequest.addNeeds(of: input, service, to: &needs)
        let world = try aggregates.load(needs, on: db).world
        let rules = rulebook.parameters(on: Day(input.submittedAt))
        return service.decide(DecisionContext(request: input, now: businessNow, rules: rules, world: world))
    }

    /// Decides a past request again, at the time it was decided, against the tables this
    /// connection sees, and writes what the decision changed there and nothing else: no
    /// event, timer or decision is recorded (`Simulator`, on a `ScratchWorld`). `payload`
    /// replaces the request's own when given.
    public func redecide(_ claimed: RequestQueue.Claimed, payload: String? = nil, at now: Date, on db: isolated Connection) throws -> Decision {
        let request = PreparedRequest(payload.map { claimed.with(payload: $0) } ?? claimed)
        var needs = AggregateStore.Needs()
        needs.compensatorySince = Day(year: Day(now).components.year, month: 1, day: 1)
        request.addNeeds(to: &needs)
        let loaded = try aggregates.load(needs, on: db)
        let decision = decide(request, now: now, world: loaded.world)
        guard case .completed = decision.verdict else { return decision }
        let writes = aggregates.writes(decision.changes, loaded: loaded, now: now)
        if !writes.isEmpty { try AggregateStore.check(writes, try db.pipeline(writes.map(\.statement))[...]) }
        return decision
    }

    /// Loads what the requests read, decides each in order against one world, and writes
    /// the changes, events, timers and decisions (`complete` says how) in one pipeline.
    /// Returns one completion per request, in the requests' order.
    private func decideAndPersist(
        _ prepared: [PreparedRequest], businessNow: Date, on db: isolated Connection,
        complete: ([RequestQueue.Completion]) -> PipelineStatement
    ) throws -> (report: Report, completions: [RequestQueue.Completion]) {
        var needs = AggregateStore.Needs()
        needs.compensatorySince = Day(year: Day(businessNow).components.year, month: 1, day: 1)
        for request in prepared { request.addNeeds(to: &needs) }
        let loaded = try aggregates.load(needs, on: db)

        var world = loaded.world
        var changes: [Change] = []
        var recorded: [(request: RequestQueue.Claimed, events: [DomainEvent])] = []
        var timers: [NewRequest] = []
        var cancelledTimers: [UUID] = []
        var completions: [RequestQueue.Completion] = []
        var report = Report()
        for request in prepared {
            let decision = decide(request, now: businessNow, world: world)
            switch decision.verdict {
            case .completed(let summary):
                world.apply(decision.changes, closedStates: { !ServiceCatalog.isOpen($0) })
                changes += decision.changes
                if !decision.events.isEmpty { recorded.append((request.claimed, decision.events)) }
                // A timer scheduled earlier in this batch and cancelled now is never written
                // (the cancellations run before the new timers are inserted).
                let cancelled = decision.cancelledTimers.map(TimerID.make)
                if !cancelled.isEmpty, !timers.isEmpty {
                    let gone = Set(cancelled)
                    timers.removeAll { gone.contains($0.id) }
                }
                cancelledTimers += cancelled
                for timer in decision.timers {
                    timers.append(NewRequest(
                        id: TimerID.make(timer.key), service: timer.service,
                        establishment: timer.establishment, subject: timer.subject, actor: .timer, payload: timer.payload,
                        idempotencyKey: nil, origin: "timer", submittedAt: businessNow, notBefore: timer.due.start))
                }
                completions.append(.init(id: request.claimed.id, state: .completed, outcome: .object(summary), reasonCode: nil))
                report.decided.append(.init(id: request.claimed.id, service: request.claimed.service, outcome: .completed, notify: request.claimed.notify))
            case .rejected(let reason):
                completions.append(.init(id: request.claimed.id, state: .rejected, outcome: Self.json(reason), reasonCode: reason.code.rawValue))
                report.decided.append(.init(id: request.claimed.id, service: request.claimed.service, outcome: .rejected, notify: request.claimed.notify))
            }
        }

        let (entries, movedHeads) = try chain(recorded, at: businessNow, on: db)
        let writes = aggregates.writes(changes, loaded: loaded, now: businessNow)
        var statements = writes.map(\.statement)
        statements += EventLog.appendStatements(entries, heads: movedHeads)
        if !cancelledTimers.isEmpty { statements.append(RequestQueue.cancelTimersStatement(cancelledTimers)) }
        if !timers.isEmpty { statements.append(RequestQueue.scheduleStatement(timers)) }
        let completionIndex = statements.count
        statements.append(complete(completions))
        let waiting = report.decided.filter(\.notify).map(\.id)
        for chunk in stride(from: 0, to: waiting.count, by: 180).map({ Array(waiting[$0..<min($0 + 180, waiting.count)]) }) {
            statements.append(RequestQueue.notifyDecidedStatement(chunk))
        }
        let results = try db.pipeline(statements)
        try AggregateStore.check(writes, results[0..<writes.count])
        guard results[completionIndex].affectedRows == completions.count else {
            throw StoreConflict("\(completions.count - results[completionIndex].affectedRows) decided request(s) were not recorded (no longer queued, or already in history)")
        }
        return (report, completions)
    }

    /// The decision on one request against `world`, by the edition in force on the day it was submitted.
    private func decide(_ request: PreparedRequest, now: Date, world: World) -> Decision {
        switch request.input {
        case .failure(let reason):
            return .reject(reason)
        case .success(let (input, service)):
            let rules = rulebook.parameters(on: Day(input.submittedAt))
            return service.decide(DecisionContext(request: input, now: now, rules: rules, world: world))
        }
    }

    /// Chains each completed request's events onto its subject's stream, in decision order.
    /// The heads are read here, for those streams only (one round trip, none when nothing
    /// completed): at 8,200 refused-mostly requests a second, reading every claimed subject's
    /// head cost PostgreSQL ~5 µs a request (BENCHMARKS.md).
    private func chain(
        _ recorded: [(request: RequestQueue.Claimed, events: [DomainEvent])], at now: Date, on db: isolated Connection
    ) throws -> (entries: [EventLog.Entry], heads: [String: EventLog.Head]) {
        guard !recorded.isEmpty else { return ([], [:]) }
        // Read for these streams only, so by the end every head here has moved.
        var heads = try EventLog.heads(Array(Set(recorded.map(\.request.subject))), on: db)
        var entries: [EventLog.Entry] = []
        for (request, events) in recorded {
            let stream = request.subject
            let chained = EventLog.chain(
                events, stream: stream, head: heads[stream] ?? .empty, establishmentID: request.establishmentID,
                requestID: request.id, actorID: request.actorID, at: now)
            entries += chained.entries
            heads[stream] = chained.head
        }
        return (entries, heads)
    }

    static func json(_ reason: Reason) -> JSONValue {
        ["code": .string(reason.code.rawValue), "message_ar": .string(reason.arabic), "message_en": .string(reason.english)]
    }
}

/// A claimed request made ready for its service: parsed, validated, typed.
struct PreparedRequest {
    let claimed: RequestQueue.Claimed
    let input: Result<(RequestInput, ServiceDefinition), Reason>

    init(_ claimed: RequestQueue.Claimed) {
        self.claimed = claimed
        self.input = Self.prepare(claimed)
    }

    /// A request that intake validated and accepted to decide at once: nothing to parse.
    init(deciding: RequestQueue.Deciding, payload: Payload) {
        claimed = deciding.claimed
        let request = deciding.request
        guard let service = ServiceCatalog.service(request.service) else {
            input = .failure(Reason.Code.unknownService(["service": request.service]))
            return
        }
        input = .success((RequestInput(
            id: request.id, service: request.service, actor: request.actor, establishment: request.establishment,
            subject: request.subject, payload: payload, submittedAt: claimed.submittedAt), service))
    }

    private static func prepare(_ claimed: RequestQueue.Claimed) -> Result<(RequestInput, ServiceDefinition), Reason> {
        guard let service = ServiceCatalog.service(claimed.service) else {
            return .failure(Reason.Code.unknownService(["service": claimed.service]))
        }
        guard let json = try? JSONCoding.decode(claimed.payloadText) else {
            return .failure(Reason.Code.malformedJSON())
        }
        let payload: Payload
        switch Payload.validate(json, against: service.fields) {
        case .success(let value): payload = value
        case .failure(let errors): return .failure(errors.fields.first?.reason ?? Reason.Code.malformedJSON())
        }
        guard let subject = Subject(key: claimed.subject), let role = Actor.Role(rawValue: claimed.actorRole) else {
            return .failure(Reason.Code.invalid("subject", en: claimed.subject, ar: claimed.subject))
        }
        let establishment = claimed.establishmentID.flatMap { try? EstablishmentID($0) }
        let input = RequestInput(
            id: claimed.id, service: claimed.service, actor: Actor(id: claimed.actorID, role: role),
            establishment: establishment, subject: subject, payload: payload, submittedAt: claimed.submittedAt)
        return .success((input, service))
    }

    /// What this request's decision will read.
    func addNeeds(to needs: inout AggregateStore.Needs) {
        guard case .success(let (input, service)) = input else { return }
        Self.addNeeds(of: input, service, to: &needs)
    }

    static func addNeeds(of input: RequestInput, _ service: ServiceDefinition, to needs: inout AggregateStore.Needs) {
        switch input.subject {
        case .worker(let id): needs.workers.insert(id)
        case .establishment(let id):
            needs.establishments.insert(id)
            needs.establishmentSubjects.insert(id)
            if service.reads.contains(.recruitment) { needs.recruitment.insert(id) }
        case .person(let id):
            needs.people.insert(id)
        }
        if let establishment = input.establishment {
            needs.establishments.insert(establishment)
            if service.reads.contains(.owners) { needs.owners.insert(establishment) }
        }
        for field in service.fields {
            switch field.type {
            case .personID:
                if let id = input.payload.person(field.name) {
                    needs.workers.insert(id)
                    if service.reads.contains(.recruitment) { needs.replacedWorkers.insert(id) }
                }
            case .visaNumber: if let number = input.payload.visa(field.name) { needs.visas.insert(number) }
            case .establishmentID: if let id = input.payload.establishment(field.name) { needs.establishments.insert(id) }
            case .crNumber: if let cr = input.payload.cr(field.name) { needs.registrations.insert(cr) }
            case .unifiedNumber: if let company = input.payload.unifiedNumber(field.name) { needs.companies.insert(company) }
            case .uuid where field.name == "case_id":
                if let id = input.payload.string(field.name).flatMap(UUID.init(uuidString:)) { needs.cases.insert(id) }
            default: break
            }
        }
    }
}
