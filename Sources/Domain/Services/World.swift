import Foundation

/// The aggregates one batch of requests reads and changes, in memory.
///
/// The engine loads it for a batch, asks each request's service to decide against it, and
/// applies each decision's changes before the next request, so that requests later in the
/// batch see what earlier ones did. It also remembers what changed, for the store.
public struct World: Sendable {
    public var establishments: [EstablishmentID: Establishment] = [:]
    public var workers: [PersonID: Worker] = [:]
    /// The current permit of each worker (the newest one that is not void).
    public var permits: [PersonID: Permit] = [:]
    /// Open cases of each worker.
    public var cases: [PersonID: [CaseFile]] = [:]
    /// Open cases of each establishment of its own (a visa issue), for the establishments
    /// that requests are about.
    public var establishmentCases: [EstablishmentID: [CaseFile]] = [:]
    /// Every establishment of each unified number seen (for the red-sibling and branch rules).
    public var companies: [UnifiedNumber: [EstablishmentID]] = [:]
    /// Expired permits held across each unified number (a shared gate).
    public var expiredPermits: [UnifiedNumber: Int] = [:]
    /// Commercial registrations already taken, by the establishment that holds them.
    public var registrations: [CRNumber: EstablishmentID] = [:]
    /// Dependents sponsored by each worker.
    public var dependents: [PersonID: [PersonID]] = [:]
    /// Cases named by id in the requests (closed ones too, e.g. a final absence report to clear).
    public var casesByID: [UUID: CaseFile] = [:]
    /// Approved visa balances of the establishments recruitment requests are about, by occupation.
    public var visaBalances: [EstablishmentID: [String: VisaBalance]] = [:]
    /// What those establishments' recruitment files count.
    public var visaCounts: [EstablishmentID: VisaCounts] = [:]
    /// Visas named by the requests, by number (and those replacing the workers they name).
    public var visas: [String: Visa] = [:]
    /// Visa issues (packages) of which a visa was used: a cancelled visa of one is not refunded.
    public var usedPackages: Set<UUID> = []
    /// Compensatory visas issued, as (establishment, worker replaced), for the workers requests name.
    public var replacements: Set<Replacement> = []
    /// Portal accounts of the people requests are about.
    public var accounts: [PersonID: PortalAccount] = [:]
    /// The active delegate grants and powers of attorney those people hold.
    public var authorizations: [PersonID: [Authorization]] = [:]
    /// The owners of the establishments whose owners a request reads (`Reads.owners`).
    public var owners: [EstablishmentID: [PersonID]] = [:]

    public init() {}

    /// A person's active grant or power of attorney of `kind` on an establishment.
    public func authorization(_ kind: Authorization.Kind, of person: PersonID, on establishment: EstablishmentID) -> Authorization? {
        authorizations[person]?.first { $0.kind == kind && $0.establishment == establishment }
    }

    /// The open case of `kind` of a worker.
    public func openCase(_ kind: CaseFile.Kind, of worker: PersonID) -> CaseFile? {
        cases[worker]?.first { $0.kind == kind }
    }

    public func openCases(of worker: PersonID) -> [CaseFile] { cases[worker] ?? [] }

    /// The open cases of a subject: a worker's, or an establishment's own.
    public func openCases(of subject: Subject) -> [CaseFile] {
        switch subject {
        case .worker(let id): return cases[id] ?? []
        case .establishment(let id): return establishmentCases[id] ?? []
        case .person: return []
        }
    }

    /// Applies a decision's changes (closed cases leave the open list).
    public mutating func apply(_ changes: [Change], closedStates: (CaseFile) -> Bool) {
        for change in changes {
            switch change {
            case .establishment(let establishment):
                if establishments[establishment.id] == nil {
                    companies[establishment.unifiedNumber, default: []].append(establishment.id)
                }
                establishments[establishment.id] = establishment
                registrations[establishment.cr] = establishment.id
            case .worker(let worker):
                workers[worker.id] = worker
            case .permit(let permit):
                permits[permit.worker] = permit
            case .caseFile(let file):
                if casesByID[file.id] != nil { casesByID[file.id] = file }
                var list = openCases(of: file.subject)
                list.removeAll { $0.id == file.id }
                if !closedStates(file) { list.append(file) }
                switch file.subject {
                case .worker(let id): cases[id] = list
                case .establishment(let id): establishmentCases[id] = list
                case .person: break
                }
            case .visa(let visa):
                if visas[visa.id] == nil {
                    visaCounts[visa.establishment, default: VisaCounts()].issued += 1
                    if let replaced = visa.replaces {
                        visaCounts[visa.establishment, default: VisaCounts()].compensatoryThisYear += 1
                        replacements.insert(Replacement(establishment: visa.establishment, worker: replaced))
                    }
                }
                visas[visa.id] = visa
                if visa.state == .used { usedPackages.insert(visa.caseID) }
            case .visaBalance(let id, let occupation, let approved, let remaining):
                var balance = visaBalances[id]?[occupation] ?? VisaBalance()
                balance.approved += approved
                balance.remaining += remaining
                visaBalances[id, default: [:]][occupation] = balance
            case .certificate:
                break
            case .account(let account):
                accounts[account.person] = account
            case .authorization(let authorization):
                var list = authorizations[authorization.person] ?? []
                list.removeAll { $0.id == authorization.id }
                if authorization.state == .active { list.append(authorization) }
                authorizations[authorization.person] = list
            case .owners(let id, let people):
                owners[id] = people
            case .headcount(let id, let delta):
                establishments[id]?.headcount += delta.headcount
                establishments[id]?.saudiCount += delta.saudiCount
                establishments[id]?.saudiWeight += delta.saudiWeight
                establishments[id]?.levyExemptExpats += delta.levyExempt
            case .expiredPermits(let id, let delta):
                if let company = establishments[id]?.unifiedNumber {
                    expiredPermits[company, default: 0] += delta
                }
            }
        }
    }
}

/// An establishment's compensatory visa for a worker who left it.
public struct Replacement: Hashable, Sendable {
    public let establishment: EstablishmentID
    public let worker: PersonID

    public init(establishment: EstablishmentID, worker: PersonID) {
        self.establishment = establishment
        self.worker = worker
    }
}
