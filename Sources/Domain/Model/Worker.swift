/// A person known to the labor system: an employee (Saudi or resident) or a dependent.
public struct Worker: Sendable, Equatable, Codable {
    /// Where the person stands with employers.
    public enum Employment: String, Sendable, Codable, CaseIterable {
        /// Working for `employer`.
        case employed
        /// Reported absent and the report became final.
        case absconded
        /// Left the Kingdom on a final exit.
        case departed
        /// Removed from the establishment after the permit was expired too long.
        case removed
        /// A dependent, sponsored through `guardian`.
        case dependent
    }

    public let id: PersonID
    public var name: String
    public var nationality: String
    public var birthDate: Day
    public var employer: EstablishmentID?
    public var occupation: String
    /// Monthly wage in SAR (Nitaqat weighs Saudis by it).
    public var wage: Int
    public var partTime: Bool
    public var disabled: Bool
    public var employment: Employment
    public var arrivedOn: Day?
    public var contractEndsOn: Day?
    public var iqamaExpiresOn: Day?
    /// Service transfers completed so far (the fee grows with it).
    public var transferCount: Int
    public var genericTitleCorrected: Bool
    /// For dependents: the worker who sponsors them.
    public var guardian: PersonID?
    /// The employer before the employment ended (departed, absconded, removed): the
    /// establishment a final exit of an absconded worker is recorded against.
    public var lastEmployer: EstablishmentID?
    /// Holds one of the employer's seats of the small-establishment levy exemption: the
    /// first expatriates counted by the employer, in the order they joined, hold them
    /// (`Nitaqat.joining`); a seat is given back as the worker leaves the counts.
    public var levyExempt: Bool

    public init(
        id: PersonID, name: String, nationality: String, birthDate: Day, employer: EstablishmentID?,
        occupation: String, wage: Int, partTime: Bool = false, disabled: Bool = false,
        employment: Employment = .employed, arrivedOn: Day? = nil, contractEndsOn: Day? = nil,
        iqamaExpiresOn: Day? = nil, transferCount: Int = 0, genericTitleCorrected: Bool = false, guardian: PersonID? = nil,
        lastEmployer: EstablishmentID? = nil, levyExempt: Bool = false
    ) {
        self.id = id
        self.name = name
        self.nationality = nationality
        self.birthDate = birthDate
        self.employer = employer
        self.occupation = occupation
        self.wage = wage
        self.partTime = partTime
        self.disabled = disabled
        self.employment = employment
        self.arrivedOn = arrivedOn
        self.contractEndsOn = contractEndsOn
        self.iqamaExpiresOn = iqamaExpiresOn
        self.transferCount = transferCount
        self.genericTitleCorrected = genericTitleCorrected
        self.guardian = guardian
        self.lastEmployer = lastEmployer
        self.levyExempt = levyExempt
    }

    public var isSaudi: Bool { id.isSaudi }

    /// Working for an employer. Counted in the employer's Nitaqat headcount unless on a
    /// temporary permit (`Nitaqat.counts(_:in:)`).
    public var isEmployed: Bool { employment == .employed && employer != nil }

    /// The employment ends (`departed`, `absconded` or `removed`): the employer is kept as
    /// the last one. Call after `Nitaqat.leaving`, which needs the worker as he was counted.
    public mutating func endEmployment(_ why: Employment) {
        if let employer { lastEmployer = employer }
        employer = nil
        employment = why
    }

    /// Age in whole years on `day`.
    public func age(on day: Day) -> Int {
        let (year, month, dayOfMonth) = day.components
        let (birthYear, birthMonth, birthDay) = birthDate.components
        return year - birthYear - ((month, dayOfMonth) < (birthMonth, birthDay) ? 1 : 0)
    }
}
