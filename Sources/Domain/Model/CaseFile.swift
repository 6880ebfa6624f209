import Foundation

/// One case of a worker workflow (a final exit, a transfer, an absence report, …): its
/// state as the workflow's table names it, and the facts the workflow keeps.
public struct CaseFile: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case finalExit = "final_exit"
        case transfer
        case dependentTransfer = "dependent_transfer"
        case branchChange = "branch_change"
        case occupationChange = "occupation_change"
        case absenceReport = "absence_report"

        public var english: String {
            switch self {
            case .finalExit: return "final exit"
            case .transfer: return "service transfer"
            case .dependentTransfer: return "dependent's transfer"
            case .branchChange: return "branch change"
            case .occupationChange: return "occupation change"
            case .absenceReport: return "absence report"
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
            }
        }
    }

    public let id: UUID
    public let kind: Kind
    public let worker: PersonID
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
        self.id = id
        self.kind = kind
        self.worker = worker
        self.establishment = establishment
        self.counterpart = counterpart
        self.state = state
        self.openedAt = openedAt
        self.openedOn = openedOn
        self.deadline = deadline
        self.details = details
    }
}
