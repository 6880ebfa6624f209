import Foundation

/// A person's portal account (حساب في البوابة), made by `account.register`.
public struct PortalAccount: Sendable, Equatable {
    public let id: UUID
    public let person: PersonID
    public var name: String
    public let registeredOn: Day

    public init(id: UUID, person: PersonID, name: String, registeredOn: Day) {
        self.id = id
        self.person = person
        self.name = name
        self.registeredOn = registeredOn
    }
}

/// A right to act for one establishment: a delegate's grant (تفويض) from an owner, or an
/// agent's power of attorney (وكالة). See `AuthorizationFlow` for its states.
public struct Authorization: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case delegate, agent

        /// The role the holder acts in.
        public var role: Actor.Role { self == .delegate ? .delegate : .agent }
    }

    /// A power of attorney's number and the authority that issued it (a notary, a court).
    public struct PowerOfAttorney: Sendable, Equatable {
        public let number: String
        public let authority: String

        public init(number: String, authority: String) {
            self.number = number
            self.authority = authority
        }
    }

    public let id: UUID
    public let kind: Kind
    /// The delegate or agent.
    public let person: PersonID
    public let establishment: EstablishmentID
    /// Service codes, or `*` for every service the role may use.
    public var services: [String]
    /// The last day it holds.
    public var endsOn: Day?
    public var powerOfAttorney: PowerOfAttorney?
    /// Who granted it (the actor's id).
    public var grantedBy: String
    public var state: AuthorizationFlow.State
    public var grantedOn: Day
    public var endedOn: Day?

    public init(id: UUID, kind: Kind, person: PersonID, establishment: EstablishmentID, services: [String], endsOn: Day?,
                powerOfAttorney: PowerOfAttorney?, grantedBy: String, state: AuthorizationFlow.State, grantedOn: Day, endedOn: Day? = nil) {
        self.id = id
        self.kind = kind
        self.person = person
        self.establishment = establishment
        self.services = services
        self.endsOn = endsOn
        self.powerOfAttorney = powerOfAttorney
        self.grantedBy = grantedBy
        self.state = state
        self.grantedOn = grantedOn
        self.endedOn = endedOn
    }

    /// Whether it covers `service`.
    public func allows(_ service: String) -> Bool { services.contains("*") || services.contains(service) }
}
