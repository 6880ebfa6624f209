/// Who acts: a portal user in a role, ministry staff, or the system itself (timers, facts
/// from other government systems).
public struct Actor: Sendable, Equatable, Codable {
    public enum Role: String, Sendable, Codable, CaseIterable {
        /// Owner (مالك): every establishment of the owner's unified number.
        case owner
        /// Delegate (مفوض): the services the owner granted, on the establishments granted.
        case delegate
        /// Agent (وكيل): the establishments named in the power of attorney.
        case agent
        /// The worker himself: services about himself only.
        case worker
        /// Ministry staff: operations, re-drive, corrections.
        case staff
        /// Other government systems (border, payments) and Muamala's own timers.
        case system
        /// A person registered on the portal (`account.register`). The account acts, request
        /// by request, in the role its rights give it there: owner of the establishment's
        /// company, delegate or agent on it, or worker about himself (`AccessPolicy.actingRole`).
        /// A request is recorded as `person` only for the person's own account services.
        case person

        public var english: String { rawValue }

        public var arabic: String {
            switch self {
            case .owner: return "مالك"
            case .delegate: return "مفوض"
            case .agent: return "وكيل"
            case .worker: return "عامل"
            case .staff: return "موظف الوزارة"
            case .system: return "النظام"
            case .person: return "صاحب الحساب"
            }
        }
    }

    /// The user's id (a UUID for portal users; `system:timer` and the like for the system).
    public let id: String
    public let role: Role

    public init(id: String, role: Role) {
        self.id = id
        self.role = role
    }

    public static let timer = Actor(id: "system:timer", role: .system)
}

/// What a request is about: requests on one subject take effect in submission order.
public enum Subject: Hashable, Sendable, CustomStringConvertible {
    case worker(PersonID)
    case establishment(EstablishmentID)
    /// A person's portal account and the rights granted to him (a delegate's grants, an
    /// agent's powers of attorney): ordered per person, whoever grants them.
    case person(PersonID)

    /// The key the queue orders by and the event stream is named after.
    public var key: String {
        switch self {
        case .worker(let id): return "worker:\(id)"
        case .establishment(let id): return "establishment:\(id)"
        case .person(let id): return "person:\(id)"
        }
    }

    public var description: String { key }

    public init?(key: String) {
        if key.hasPrefix("worker:") {
            self = .worker(PersonID(trusted: String(key.dropFirst(7))))
        } else if key.hasPrefix("establishment:"), let id = try? EstablishmentID(String(key.dropFirst(14))) {
            self = .establishment(id)
        } else if key.hasPrefix("person:") {
            self = .person(PersonID(trusted: String(key.dropFirst(7))))
        } else {
            return nil
        }
    }
}

/// A subject is written as its key (`worker:1234567890`).
extension Subject: Codable {
    public init(from decoder: any Decoder) throws {
        let key = try decoder.singleValueContainer().decode(String.self)
        guard let subject = Subject(key: key) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a subject: \(key)"))
        }
        self = subject
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(key)
    }
}
