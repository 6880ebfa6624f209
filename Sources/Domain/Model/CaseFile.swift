import Foundation

/// One case of a workflow: a worker's (a final exit, a transfer, an absence report, …) or an
/// establishment's own (a visa issue); its state as the workflow's table names it, and the
/// facts the workflow keeps.
public struct CaseFile: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case finalExit = "final_exit"
        case transfer
        case dependentTransfer = "dependent_transfer"
        case branchChange = "branch_change"
        case occupationChange = "occupation_change"
        case absenceReport = "absence_report"
        case visaIssue = "visa_issue"

        /// Whether a case of this kind is about an establishment rather than a worker.
        public var isEstablishments: Bool { self == .visaIssue }

        public var english: String {
            switch self {
            case .finalExit: return "final exit"
            case .transfer: return "service transfer"
            case .dependentTransfer: return "dependent's transfer"
            case .branchChange: return "branch change"
            case .occupationChange: return "occupation change"
            case .absenceReport: return "absence report"
            case .visaIssue: return "visa issue"
            }
        }

        public var arabic: String {
            switch self {
            case .finalExit: return "خروج نهائي"
            case .transfer: return "طلب نقل خدمة"
            case .dependentTransfer: return "طلب نقل خدمة تابع"
            case .branchChange: return "طلب تغيير فرع"
            case .occupationChange: return "طلب تغيير مهنة"
            case .absenceReport: return "بلاغ تغيب"
            case .visaIssue: return "طلب صرف تأشيرات"
            }
        }
    }

    public let id: UUID
    public let kind: Kind
    /// What the case is about: a worker, or (for an establishment's own case) the establishment.
    public let subject: Subject
    /// The establishment that opened the case (the new employer for a transfer).
    public var establishment: EstablishmentID
    /// The other party, where there is one (the current employer of a transfer, the target
    /// branch of a branch change).
    public var counterpart: EstablishmentID?
    /// The state's name in the kind's workflow table.
    public var state: String
    public var openedAt: Date
    public var openedOn: Day
    /// The day after which the current step lapses, if it can.
    public var deadline: Day?
    /// Facts of the case that the workflow reads later (fees, dates, target occupation…).
    public var details: [String: JSONValue]

    public init(
        id: UUID, kind: Kind, worker: PersonID, establishment: EstablishmentID, counterpart: EstablishmentID? = nil,
        state: String, openedAt: Date, openedOn: Day, deadline: Day? = nil, details: [String: JSONValue] = [:]
    ) {
        self.init(id: id, kind: kind, subject: .worker(worker), establishment: establishment, counterpart: counterpart, state: state,
                  openedAt: openedAt, openedOn: openedOn, deadline: deadline, details: details)
    }

    /// A case of the establishment itself (`subject` is `.establishment(establishment)`) or of a worker.
    public init(
        id: UUID, kind: Kind, subject: Subject, establishment: EstablishmentID, counterpart: EstablishmentID? = nil,
        state: String, openedAt: Date, openedOn: Day, deadline: Day? = nil, details: [String: JSONValue] = [:]
    ) {
        self.id = id
        self.kind = kind
        self.subject = subject
        self.establishment = establishment
        self.counterpart = counterpart
        self.state = state
        self.openedAt = openedAt
        self.openedOn = openedOn
        self.deadline = deadline
        self.details = details
    }

    /// The worker the case is about; nil for an establishment's own case.
    public var worker: PersonID? {
        if case .worker(let id) = subject { return id }
        return nil
    }
}
