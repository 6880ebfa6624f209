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
            guard let company = scope.company, let owned = user.unifiedNumber else { return false }
            return company.digits == owned
        case .delegate:
            guard let establishment = scope.establishment else { return false }
            return principal.grants.contains { $0.establishmentID == establishment.description && $0.allows(service) }
        case .agent:
            guard let establishment = scope.establishment else { return false }
            return principal.grants.contains { $0.establishmentID == establishment.description }
        case .worker:
            guard let person = user.personID else { return false }
            // About himself, or acting as the person the service names (a guardian about a dependent).
            return subject == .worker(PersonID(trusted: person)) || actingPerson?.digits == person
        }
    }

    /// Whether a principal may see a stored request.
    public static func mayRead(_ principal: AccountStore.Principal, record: RequestRecord, company: UnifiedNumber?) -> Bool {
        let user = principal.user
        if user.role == .staff || user.role == .system { return true }
        if record.actorID == user.actor.id { return true }
        let establishment = record.establishmentID.flatMap { try? EstablishmentID($0) }
        let subject = Subject(key: record.subject) ?? .establishment(EstablishmentID(office: 0, sequence: 0))
        return mayAct(principal, service: record.service, subject: subject, scope: Scope(establishment: establishment, company: company))
    }
}
