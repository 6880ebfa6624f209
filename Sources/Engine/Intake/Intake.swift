import Domain
import Foundation
import PQ
import Store

/// Accepts requests: checks the service, the role, the payload and the actor's rights,
/// then queues the request once (the same actor and idempotency key always give the first
/// request). Nothing invalid is ever queued. Submissions that arrive together are written
/// together, one commit for many (`IntakeBatcher`).
public struct Intake: Sendable {
    public let pool: ConnectionPool
    public let clock: EngineClock
    /// Local workers to wake (the daemon); without one, a NOTIFY wakes the daemons (the CLI).
    public let wake: WakeSignal?

    let batcher: IntakeBatcher

    /// With a `decider`, a submission whose caller waits for the decision is decided in the
    /// transaction that accepts it when nothing is due ahead of it on its subject (see
    /// `IntakeBatcher`); without one, every request is queued for the workers.
    ///
    /// `maxPending` bounds the submissions waiting for a batch: past it, a submission is
    /// refused at once with `Overloaded` (the API's 503 with `Retry-After`).
    public init(pool: ConnectionPool, clock: EngineClock, wake: WakeSignal?, decider: BatchProcessor? = nil,
                maxPending: Int = Intake.defaultMaxPending) {
        self.pool = pool
        self.clock = clock
        self.wake = wake
        batcher = IntakeBatcher(pool: pool, clock: clock, notifyDaemons: wake == nil, decider: decider, maxPending: maxPending)
    }

    /// About half a second of submissions at this machine's accepted peak (BENCHMARKS.md).
    public static let defaultMaxPending = 4096

    /// Intake is full: the submission was not taken; the caller may try again shortly.
    public struct Overloaded: Error, Sendable, CustomStringConvertible {
        public let retryAfterSeconds: Int
        public init(retryAfterSeconds: Int) { self.retryAfterSeconds = retryAfterSeconds }
        public var description: String { "intake is full; try again in \(retryAfterSeconds) s" }
    }

    public struct Submission: Sendable {
        public var service: String
        public var payload: JSONValue
        public var idempotencyKey: String?
        public var notify: Bool
        public var origin: String
        public var priority: Int

        public init(service: String, payload: JSONValue, idempotencyKey: String?, notify: Bool = false, origin: String = "api", priority: Int = 0) {
            self.service = service
            self.payload = payload
            self.idempotencyKey = idempotencyKey
            self.notify = notify
            self.origin = origin
            self.priority = priority
        }
    }

    /// Why a submission was refused before it was queued.
    public enum Refusal: Error, Sendable, Equatable {
        case unknownService(String)
        case roleNotAllowed(Actor.Role)
        case invalidPayload([FieldError])
        case forbidden
        case idempotencyConflict(existing: UUID)

        /// Every reason, for the bilingual error body.
        public var reasons: [FieldError] {
            switch self {
            case .unknownService(let code):
                return [FieldError(field: "service", reason: Reason.Code.unknownService(["service": code]))]
            case .roleNotAllowed(let role):
                return [FieldError(field: "role", reason: Reason.Code.roleNotAllowed(["role": role.english, "role_ar": role.arabic]))]
            case .invalidPayload(let errors):
                return errors
            case .forbidden:
                return [FieldError(field: "establishment_id", reason: Reason.Code.forbidden())]
            case .idempotencyConflict:
                return [FieldError(field: "Idempotency-Key", reason: Reason.Code.idempotencyConflict())]
            }
        }
    }

    public enum Accepted: Sendable {
        case created(RequestRecord)
        case existing(RequestRecord)

        public var record: RequestRecord {
            switch self {
            case .created(let record), .existing(let record): return record
            }
        }
    }

    public func submit(_ submission: Submission, by principal: AccountStore.Principal) async throws -> Result<Accepted, Refusal> {
        let entry: IntakeBatcher.Entry
        switch prepare(submission, by: principal) {
        case .success(let value): entry = value
        case .failure(let refusal): return .failure(refusal)
        }
        return answer(try await batcher.submit(entry))
    }

    /// What a dry run found: the decision the engine would make now, for the role the caller
    /// acts in. Nothing was written: no request, no event, no idempotency key.
    public struct DryRun: Sendable {
        public let service: String
        public let subject: Subject
        public let establishment: EstablishmentID?
        public let actorRole: Actor.Role
        public let decision: Decision

        /// As the API answers it (`DryRun` in `docs/openapi.yaml`) and `muamala submit --dry-run --json`
        /// prints it: the verdict (the outcome, or the reason in both languages), the events it
        /// would record and the timers it would set.
        public var json: JSONValue {
            var object: [String: JSONValue] = [
                "dry_run": true, "service": .string(service), "subject": .string(subject.key),
                "establishment_id": establishment.map { .string($0.description) } ?? .null, "actor_role": .string(actorRole.rawValue),
                "events": .array(decision.events.map { ["type": .string($0.type), "aggregate": .string($0.aggregate)] }),
                "timers": .array(decision.timers.map { ["service": .string($0.service), "due": JSONValue($0.due)] }),
            ]
            switch decision.verdict {
            case .completed(let summary):
                object["state"] = "completed"
                object["outcome"] = .object(summary)
            case .rejected(let reason):
                object["state"] = "rejected"
                object["reason"] = BatchProcessor.json(reason)
            }
            return .object(object)
        }
    }

    /// The checks of a submission (service, role, payload, access), then the decision against
    /// the current state, in a read-only transaction. Needs a `decider`.
    public func dryRun(_ submission: Submission, by principal: AccountStore.Principal) async throws -> Result<DryRun, Refusal> {
        let entry: IntakeBatcher.Entry
        switch prepare(submission, by: principal) {
        case .success(let value): entry = value
        case .failure(let refusal): return .failure(refusal)
        }
        guard let decider = batcher.decider else { preconditionFailure("a dry run needs an intake with a decider") }
        let clock = self.clock, companies = batcher.companies
        return try await pool.withConnection { connection in
            try await connection.withTransaction(readOnly: true) { db -> Result<DryRun, Refusal> in
                let establishment = try IntakeBatcher.access([entry], companies: companies, on: db)[0]
                guard let role = entry.actingRole(at: establishment, companies: companies) else { return .failure(.forbidden) }
                let now = try clock.now(on: db)
                let input = RequestInput(
                    id: UUID(), service: entry.service.code, actor: Actor(id: entry.principal.user.actor.id, role: role),
                    establishment: establishment, subject: entry.subject, payload: entry.payload, submittedAt: now)
                let decision = try decider.dryRun(input, service: entry.service, businessNow: now, on: db)
                return .success(DryRun(service: entry.service.code, subject: entry.subject, establishment: establishment,
                                       actorRole: role, decision: decision))
            }
        }
    }

    /// Every check that needs no database: the service, the role, the payload, its subject.
    private func prepare(_ submission: Submission, by principal: AccountStore.Principal) -> Result<IntakeBatcher.Entry, Refusal> {
        guard let service = ServiceCatalog.service(submission.service) else {
            return .failure(.unknownService(submission.service))
        }
        guard AccessPolicy.mayAsk(principal, service) else {
            return .failure(.roleNotAllowed(principal.user.role))
        }
        let payload: Payload
        switch Payload.validate(submission.payload, against: service.fields) {
        case .success(let value): payload = value
        case .failure(let errors): return .failure(.invalidPayload(errors.fields))
        }
        if let field = PortalAccounts.holderFields[service.code], let holder = payload.person(field),
           principal.user.personID == holder.digits {
            return .failure(.invalidPayload([FieldError(field: field, reason: Reason.Code.selfGrant())]))
        }
        guard let subject = service.subject(of: payload) else {
            return .failure(.invalidPayload([FieldError(field: "payload", reason: Reason.Code.fieldMissing(["field": "subject"]))]))
        }
        return .success(IntakeBatcher.Entry(
            principal: principal, service: service, subject: subject, subjectKey: subject.key, named: service.establishment(of: payload),
            alsoNamed: service.alsoActsFor.compactMap { payload.establishment($0) },
            proposedCompany: service.fields.first { $0.type == .unifiedNumber }.flatMap { payload.unifiedNumber($0.name) },
            actingPerson: service.actingPersonField.flatMap { payload.person($0) },
            payload: payload, idempotencyKey: submission.idempotencyKey, priority: submission.priority,
            origin: submission.origin, notify: submission.notify))
    }

    private func answer(_ outcome: IntakeBatcher.Outcome) -> Result<Accepted, Refusal> {
        switch outcome {
        case .queued(let record):
            wake?.signal()
            return .success(.created(record))
        case .decided(let record):
            return .success(.created(record))
        case .existing(let record):
            return .success(.existing(record))
        case .conflict(let existing):
            return .failure(.idempotencyConflict(existing: existing))
        case .forbidden:
            return .failure(.forbidden)
        }
    }
}
