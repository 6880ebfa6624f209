import Foundation

/// A work permit (رخصة عمل) held by a resident for one establishment.
public struct Permit: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case regular, temporary
    }

    public let id: UUID
    public var worker: PersonID
    public var establishment: EstablishmentID
    public var kind: Kind
    public var state: WorkPermitFlow.State
    public var validFrom: Day
    public var expiresOn: Day
    /// Months bought by the last issue or renewal.
    public var months: Int
    /// What the last issue or renewal cost: levy and permit fee, in SAR.
    public var levy: Int
    public var fee: Int
    /// Temporary permits: extended already (once is allowed).
    public var extensions: Int

    public init(
        id: UUID, worker: PersonID, establishment: EstablishmentID, kind: Kind, state: WorkPermitFlow.State,
        validFrom: Day, expiresOn: Day, months: Int, levy: Int, fee: Int, extensions: Int = 0
    ) {
        self.id = id
        self.worker = worker
        self.establishment = establishment
        self.kind = kind
        self.state = state
        self.validFrom = validFrom
        self.expiresOn = expiresOn
        self.months = months
        self.levy = levy
        self.fee = fee
        self.extensions = extensions
    }

    /// Valid on `day`: active and not past its expiry.
    public func isValid(on day: Day) -> Bool { state == .active && day <= expiresOn }
}
