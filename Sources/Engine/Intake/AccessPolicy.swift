import Domain
import Store

/// Who may act for which establishment, and who may see which request.
///
/// - owner: every establishment of the owner's unified number;
/// - delegate: the services granted, on the establishments granted;
/// - agent: the services and establishments of the power of attorney;
/// - worker: requests about himself only;
/// - staff: everything; system: the services that other systems report.
///
/// A person registered on the portal (`person`) holds no fixed role: on each request he acts
/// as owner when the establishment's company is his (its commercial registration names him),
/// else as delegate or agent when he holds a grant or power of attorney on it covering the
/// service, else as worker about himself (`actingRole`). Accounts made by an operator keep
/// their one role.
///
/// A refusal never says whether a foreign establishment exists.
public enum AccessPolicy {
    /// What is known about the establishment a request names.
    public struct Scope: Sendable {
        public let establishment: EstablishmentID?
        /// Its unified number, when it is registered (or, for a new file, the one it will have).
        public let company: UnifiedNumber?

        public init(establishment: EstablishmentID?, company: UnifiedNumber?) {
            self.establishment = establishment
            self.company = company
        }
    }

    /// Whether the principal could ask for the service at all, before its establishment is
    /// known: its role is among the service's (for a person, one of the roles he may take).
    public static func mayAsk(_ principal: AccountStore.Principal, _ service: ServiceDefinition) -> Bool {
        let role = principal.user.role
        if service.internalOnly && role != .staff && role != .system { return false }
        guard role == .person else { return service.roles.contains(role) }
        if !principal.registered { return service.roles.contains(.person) }
        return !service.roles.isDisjoint(with: personRoles)
    }

    /// The roles a registered person may act in.
    static let personRoles: Set<Actor.Role> = [.owner, .delegate, .agent, .worker, .person]

    /// The role the principal acts in for this request, or nil when he may not make it.
    public static func actingRole(_ principal: AccountStore.Principal, service: ServiceDefinition, subject: Subject, scope: Scope,
                                  actingPerson: PersonID? = nil) -> Actor.Role? {
        let user = principal.user
        guard user.role == .person else {
            return mayAct(principal, service: service.code, subject: subject, scope: scope, actingPerson: actingPerson) ? user.role : nil
        }
        guard let person = user.personID else { return nil }
        let me = PersonID(trusted: person)
        let roles = service.roles
        if principal.registered {
            if roles.contains(.owner), owns(principal, scope.company) { return .owner }
            if let establishment = scope.establishment {
                for role in [Actor.Role.delegate, .agent] where roles.contains(role)
                    && holdsGrant(principal, on: establishment, for: service.code, as: role) {
                    return role
                }
            }
            if roles.contains(.worker), subject == .worker(me) || actingPerson == me { return .worker }
        }
        if roles.contains(.person), subject == .person(me) { return .person }
        return nil
    }

    /// Whether the principal may make this request (in any role it may take).
    public static func mayAct(_ principal: AccountStore.Principal, service: String, subject: Subject, scope: Scope,
                              actingPerson: PersonID? = nil) -> Bool {
        let user = principal.user
        switch user.role {
        case .staff, .system:
            return true
        case .owner:
            return owns(principal, scope.company)
        case .delegate:
            return scope.establishment.map { holdsGrant(principal, on: $0, for: service) } ?? false
        case .agent:
            return scope.establishment.map { holdsGrant(principal, on: $0) } ?? false
        case .worker:
            guard let person = user.personID else { return false }
            // About himself, or acting as the person the service names (a guardian about a dependent).
            return subject == .worker(PersonID(trusted: person)) || actingPerson?.digits == person
        case .person:
            guard let definition = ServiceCatalog.service(service) else { return false }
            return actingRole(principal, service: definition, subject: subject, scope: scope, actingPerson: actingPerson) != nil
        }
    }

    /// Whether a principal may see a stored request: its submitter; staff and systems; an
    /// owner, delegate or agent who may read its establishment (a delegate sees the requests
    /// of an establishment he holds any grant on, as its list shows them, not only those of
    /// his services); a worker those about himself; a person those about himself too.
    public static func mayRead(_ principal: AccountStore.Principal, record: RequestRecord, company: UnifiedNumber?) -> Bool {
        let user = principal.user
        if user.role == .staff || user.role == .system { return true }
        if record.actorID == user.actor.id { return true }
        let establishment = record.establishmentID.flatMap { try? EstablishmentID($0) }
        if user.role == .person {
            guard principal.registered else { return false }
            if let person = user.personID, record.subject == Subject.worker(PersonID(trusted: person)).key
                || record.subject == Subject.person(PersonID(trusted: person)).key { return true }
            return principal.registered && establishment.map { mayReadEstablishment(principal, $0, company: company) } ?? false
        }
        if user.role != .worker, let establishment { return mayReadEstablishment(principal, establishment, company: company) }
        let subject = Subject(key: record.subject) ?? .establishment(EstablishmentID(office: 0, sequence: 0))
        return mayAct(principal, service: record.service, subject: subject, scope: Scope(establishment: establishment, company: company))
    }

    // MARK: Reads

    /// Whether a principal may read an establishment's file and its workers: staff; the owner
    /// of its company; a delegate or agent with any grant on it. Never a worker, nor a system
    /// account (other government systems report facts; they do not browse files).
    public static func mayReadEstablishment(_ principal: AccountStore.Principal, _ establishment: EstablishmentID, company: UnifiedNumber?) -> Bool {
        let user = principal.user
        switch user.role {
        case .staff: return true
        case .worker, .system: return false
        case .owner: return owns(principal, company)
        case .delegate, .agent: return holdsGrant(principal, on: establishment)
        case .person: return principal.registered && (owns(principal, company) || holdsGrant(principal, on: establishment))
        }
    }

    /// An owner acts for every establishment of his unified numbers (unknown: none).
    private static func owns(_ principal: AccountStore.Principal, _ company: UnifiedNumber?) -> Bool {
        guard let company else { return false }
        return principal.companies.contains(company.digits)
    }

    /// A grant on the establishment (covering `service`, when one is named; of `role`, when one is named).
    private static func holdsGrant(_ principal: AccountStore.Principal, on establishment: EstablishmentID, for service: String? = nil,
                                   as role: Actor.Role? = nil) -> Bool {
        principal.grants.contains { grant in
            grant.establishmentID == establishment.description && (service.map(grant.allows) ?? true) && (role.map { grant.role == $0 } ?? true)
        }
    }

    /// Whether a principal may read a worker's file: himself, staff, and whoever may read his
    /// current employer (an employer's read ends when the worker leaves it).
    public static func mayReadWorker(_ principal: AccountStore.Principal, worker: PersonID, employer: EstablishmentID?,
                                     company: UnifiedNumber?) -> Bool {
        if principal.user.role == .worker { return principal.user.personID == worker.digits }
        if principal.user.role == .person, principal.registered, principal.user.personID == worker.digits { return true }
        guard let employer else { return principal.user.role == .staff }
        return mayReadEstablishment(principal, employer, company: company)
    }

    /// Whether a principal may read a case: its worker, staff, and whoever may read either
    /// side (the establishment it was opened for, or the counterpart: a transfer's current employer).
    public static func mayReadCase(_ principal: AccountStore.Principal, worker: PersonID?, sides: [EstablishmentID],
                                   companies: [EstablishmentID: UnifiedNumber]) -> Bool {
        if principal.user.role == .worker { return worker.map { principal.user.personID == $0.digits } ?? false }
        if principal.user.role == .person, principal.registered, let worker, principal.user.personID == worker.digits { return true }
        return sides.contains { mayReadEstablishment(principal, $0, company: companies[$0]) }
    }
}
