import Foundation

/// A recruitment visa (تأشيرة): issued against an establishment's approved balance (or to
/// replace a worker who left), then used by the worker who arrives on it, cancelled, or
/// expired (`VisaFlow`).
public struct Visa: Sendable, Equatable, Codable {
    /// `<establishment>/<n>`: the establishment's nth visa, unique nationwide.
    public let id: String
    public let establishment: EstablishmentID
    /// The visa issue (طلب صرف) it was issued by: its package.
    public let caseID: UUID
    public let occupation: String
    public let nationality: String
    public var state: VisaFlow.State
    public let issuedOn: Day
    /// The last day it can be used.
    public let expiresOn: Day
    /// The fee paid for it.
    public let fee: Int
    /// The fee given back when it was cancelled, if any.
    public var refund: Int?
    /// For a compensatory visa: the worker it replaces.
    public let replaces: PersonID?
    /// The worker who arrived on it.
    public var usedBy: PersonID?
    /// When it was used, cancelled or expired.
    public var endedOn: Day?

    public init(
        id: String, establishment: EstablishmentID, caseID: UUID, occupation: String, nationality: String,
        state: VisaFlow.State = .issued, issuedOn: Day, expiresOn: Day, fee: Int, refund: Int? = nil,
        replaces: PersonID? = nil, usedBy: PersonID? = nil, endedOn: Day? = nil
    ) {
        self.id = id
        self.establishment = establishment
        self.caseID = caseID
        self.occupation = occupation
        self.nationality = nationality
        self.state = state
        self.issuedOn = issuedOn
        self.expiresOn = expiresOn
        self.fee = fee
        self.refund = refund
        self.replaces = replaces
        self.usedBy = usedBy
        self.endedOn = endedOn
    }

    /// The number of the establishment's `n`th visa.
    public static func number(_ establishment: EstablishmentID, _ n: Int) -> String { "\(establishment)/\(n)" }

    /// The establishment a visa number belongs to, if the text is a visa number.
    public static func establishment(ofNumber text: String) -> EstablishmentID? {
        guard let slash = text.firstIndex(of: "/") else { return nil }
        let sequence = text[text.index(after: slash)...]
        // 1 to 9 digits, the first not 0 (as the database's CHECK): one written form per number.
        guard (1...9).contains(sequence.count), let n = Int(sequence), n > 0, String(n) == sequence else { return nil }
        return try? EstablishmentID(String(text[..<slash]))
    }
}

/// An establishment's approved visas for one occupation.
public struct VisaBalance: Sendable, Equatable, Codable {
    /// Every visa ever approved.
    public var approved: Int
    /// What may still be drawn.
    public var remaining: Int

    public init(approved: Int = 0, remaining: Int = 0) {
        self.approved = approved
        self.remaining = remaining
    }
}

/// What an establishment's recruitment file counts, for numbering and for the yearly limit.
public struct VisaCounts: Sendable, Equatable, Codable {
    /// Visas ever issued to it (the next one is number `issued + 1`).
    public var issued: Int
    /// Compensatory visas issued to it since the start of the current year.
    public var compensatoryThisYear: Int

    public init(issued: Int = 0, compensatoryThisYear: Int = 0) {
        self.issued = issued
        self.compensatoryThisYear = compensatoryThisYear
    }
}
