import Foundation

/// What one request decided: completed (with what changed) or rejected (with one reason),
/// plus the events to record, the state to store and the timers to schedule. A pure value:
/// the engine persists it in the same transaction that completes the request.
public struct Decision: Sendable {
    public enum Verdict: Sendable, Equatable {
        /// Done; the summary says what changed (ids, dates, fees).
        case completed([String: JSONValue])
        case rejected(Reason)
    }

    public var verdict: Verdict
    public var events: [DomainEvent]
    public var changes: [Change]
    public var timers: [ScheduledRequest]
    /// Keys of timers scheduled earlier that no longer need to fire (a renewed permit's old expiry).
    public var cancelledTimers: [String]

    public init(verdict: Verdict, events: [DomainEvent] = [], changes: [Change] = [], timers: [ScheduledRequest] = [],
                cancelledTimers: [String] = []) {
        self.verdict = verdict
        self.events = events
        self.changes = changes
        self.timers = timers
        self.cancelledTimers = cancelledTimers
    }

    public static func reject(_ reason: Reason) -> Decision { Decision(verdict: .rejected(reason)) }

    public static func reject(_ code: Reason.Code, _ parameters: [String: String] = [:]) -> Decision {
        Decision(verdict: .rejected(code(parameters)))
    }

    public var reason: Reason? {
        if case .rejected(let reason) = verdict { return reason }
        return nil
    }

    public var isCompleted: Bool {
        if case .completed = verdict { return true }
        return false
    }
}

/// One fact for the history: what happened to which aggregate.
public struct DomainEvent: Sendable, Equatable {
    /// Past tense (`permitRenewed`).
    public let type: String
    /// `permit:<uuid>`, `worker:<id>`, `establishment:<id>`, `case:<uuid>`, `visa:<number>`, `person:<id>`.
    public let aggregate: String
    public let data: [String: JSONValue]

    public init(_ type: String, aggregate: String, data: [String: JSONValue] = [:]) {
        self.type = type
        self.aggregate = aggregate
        self.data = data
    }
}

/// State to store. Whole aggregates are written with a version check; headcounts as deltas.
public enum Change: Sendable, Equatable {
    case establishment(Establishment)
    case worker(Worker)
    case permit(Permit)
    case caseFile(CaseFile)
    case certificate(Certificate)
    case headcount(EstablishmentID, HeadcountDelta)
    /// A change in the number of expired permits an establishment holds (a gate of its company).
    case expiredPermits(EstablishmentID, Int)
    /// A visa, new or changed.
    case visa(Visa)
    /// Visas approved (`approved`) and drawable (`remaining`) added to an establishment's
    /// balance for an occupation (negative to draw): relative, like the headcounts.
    case visaBalance(EstablishmentID, occupation: String, approved: Int, remaining: Int)
    /// A new portal account.
    case account(PortalAccount)
    /// A delegate's grant or an agent's power of attorney, new or changed.
    case authorization(Authorization)
    /// The owners of an establishment, as its commercial registration now names them (all of them).
    case owners(EstablishmentID, [PersonID])
}

/// A request the engine will run later, at the start of `due` (a workflow's timer).
///
/// Its `key` names it for good (`permit-expire:<permit>:<day>`): the engine derives the
/// request's id from it, and a later decision can cancel it by the same key.
public struct ScheduledRequest: Sendable, Equatable {
    public let key: String
    public let service: String
    public let subject: Subject
    public let establishment: EstablishmentID?
    public let payload: [String: JSONValue]
    public let due: Day

    public init(key: String, service: String, subject: Subject, establishment: EstablishmentID?, payload: [String: JSONValue], due: Day) {
        self.key = key
        self.service = service
        self.subject = subject
        self.establishment = establishment
        self.payload = payload
        self.due = due
    }
}
