import Domain
import Store

/// Who may act for which establishment, and who may see which request.
///
/// - owner: every establishment of the owner's unified number;
/// - delegate: the services granted, on the establishments granted;
/// - agent: the establishments named in the power of attorney;
/// - worker: requests about himself only;
/// - staff: everything; system: the services that other systems report.
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

    public static func mayAct(_ principal: AccountStore.Principal, service: String, subject: Subject, scope: Scope,
                              actingPerson: PersonID? = nil) -> Bool {
        let user = principal.user
        switch user.role {
        case .staff, .system:
            return true
        case .owner:
            return owns(user, scope.company)
        case .delegate:
            return scope.establishment.map { holdsGrant(principal, on: $0, for: service) } ?? false
        case .agent:
            return scope.establishment.map { holdsGrant(principal, on: $0) } ?? false
        case .worker:
            guard let person = user.personID else { return false }
            // About himself, or acting as the person the service names (a guardian about a dependent).
            return subject == .worker(PersonID(trusted: person)) || actingPerson?.digits == person
        }
    }

    /// Whether a principal may see a stored request: its submitter; staff and systems; an
    /// owner, delegate or agent who may read its establishment (a delegate sees the requests
    /// of an establishment he holds any grant on, as its list shows them, not only those of
    /// his services); a worker those about himself.
    public static func mayRead(_ principal: AccountStore.Principal, record: RequestRecord, company: UnifiedNumber?) -> Bool {
        let user = principal.user
        if user.role == .staff || user.role == .system { return true }
        if record.actorID == user.actor.id { return true }
        let establishment = record.establishmentID.flatMap { try? EstablishmentID($0) }
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
        case .owner: return owns(user, company)
        case .delegate, .agent: return holdsGrant(principal, on: establishment)
        }
    }

    /// An owner acts for every establishment of his unified number (unknown: none).
    private static func owns(_ user: AccountStore.User, _ company: UnifiedNumber?) -> Bool {
        guard let company, let owned = user.unifiedNumber else { return false }
        return company.digits == owned
    }

    /// A grant on the establishment (covering `service`, when one is named).
    private static func holdsGrant(_ principal: AccountStore.Principal, on establishment: EstablishmentID, for service: String? = nil) -> Bool {
        principal.grants.contains { $0.establishmentID == establishment.description && (service.map($0.allows) ?? true) }
    }

    /// Whether a principal may read a worker's file: himself, staff, and whoever may read his
    /// current employer (an employer's read ends when the worker leaves it).
    public static func mayReadWorker(_ principal: AccountStore.Principal, worker: PersonID, employer: EstablishmentID?,
                                     company: UnifiedNumber?) -> Bool {
        if principal.user.role == .worker { return principal.user.personID == worker.digits }
        guard let employer else { return principal.user.role == .staff }
        return mayReadEstablishment(principal, employer, company: company)
    }

    /// Whether a principal may read a case: its worker, staff, and whoever may read either
    /// side (the establishment it was opened for, or the counterpart: a transfer's current employer).
    public static func mayReadCase(_ principal: AccountStore.Principal, worker: PersonID?, sides: [EstablishmentID],
                                   companies: [EstablishmentID: UnifiedNumber]) -> Bool {
        if principal.user.role == .worker { return worker.map { principal.user.personID == $0.digits } ?? false }
        return sides.contains { mayReadEstablishment(principal, $0, company: companies[$0]) }
    }
}
