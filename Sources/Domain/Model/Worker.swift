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

    public init(
        id: PersonID, name: String, nationality: String, birthDate: Day, employer: EstablishmentID?,
        occupation: String, wage: Int, partTime: Bool = false, disabled: Bool = false,
        employment: Employment = .employed, arrivedOn: Day? = nil, contractEndsOn: Day? = nil,
        iqamaExpiresOn: Day? = nil, transferCount: Int = 0, genericTitleCorrected: Bool = false, guardian: PersonID? = nil
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
    }

    public var isSaudi: Bool { id.isSaudi }

    /// Working for an employer. Counted in the employer's Nitaqat headcount unless on a
    /// temporary permit (`Nitaqat.counts(_:in:)`).
    public var isEmployed: Bool { employment == .employed && employer != nil }

    /// Age in whole years on `day`.
    public func age(on day: Day) -> Int {
        let (year, month, dayOfMonth) = day.components
        let (birthYear, birthMonth, birthDay) = birthDate.components
        return year - birthYear - ((month, dayOfMonth) < (birthMonth, birthDay) ? 1 : 0)
    }
}
