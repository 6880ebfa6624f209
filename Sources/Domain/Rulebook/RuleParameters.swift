/// Every number the workflows use, as in force from one effective date (see `Rulebook`).
///
/// Nothing in a workflow is a literal: fees, windows, validity periods, thresholds and
/// lists all come from here, so that a new decree is a new edition of the rulebook file.
public struct RuleParameters: Codable, Sendable, Equatable {
    public var levy: Levy
    public var workPermit: WorkPermit
    public var temporaryPermit: TemporaryPermit
    public var finalExit: FinalExit
    public var transfer: Transfer
    public var dependentTransfer: DependentTransfer
    public var branchChange: BranchChange
    public var occupationChange: OccupationChange
    public var absence: Absence
    public var saudization: Saudization
    public var nitaqat: Nitaqat
    public var recruitment: Recruitment
    public var activities: [String: Activity]
    public var occupations: [String: Occupation]

    public struct Levy: Codable, Sendable, Equatable {
        /// SAR per expatriate per month when expatriates outnumber Saudis.
        public var expatMajorityMonthly: Int
        /// SAR per expatriate per month otherwise.
        public var saudiMajorityMonthly: Int
        /// SAR per permit per year, on top of the levy.
        public var permitFeeYearly: Int
        /// Small establishments (at most this many employees, owner registered full time)…
        public var smallEstablishmentMaxEmployees: Int
        /// …pay no levy for up to this many expatriates.
        public var smallEstablishmentExemptExpats: Int
    }

    public struct WorkPermit: Codable, Sendable, Equatable {
        public var periodsMonths: [Int]
        public var firstIssueWithinDays: Int
        public var renewalWindowDays: Int
        public var removalAfterExpiredMonths: Int
        public var minimumBandForRenewal: NitaqatBand
    }

    public struct TemporaryPermit: Codable, Sendable, Equatable {
        public var months: Int
        public var extensions: Int
        public var minimumBand: NitaqatBand
    }

    public struct FinalExit: Codable, Sendable, Equatable {
        public var validityDays: Int
        public var employerResponseDays: Int
        public var workerIssuedValidityDays: Int
        public var lapseFine: Int
        /// Whether a worker may ask for a final exit himself (the labor reform of 2021-03-14).
        public var workerMayRequest: Bool
    }

    public struct Transfer: Codable, Sendable, Equatable {
        public var workerAcceptDays: Int
        public var employerResponseDays: Int
        public var noticeDays: Int
        /// Days the new employer has to pay the fee once it is due; then the case lapses
        /// (a choice: DOMAIN.md gives no number).
        public var feeWithinDays: Int
        /// The fee for a worker's 1st, 2nd, 3rd… transfer; the last applies beyond.
        public var fees: [Int]
        public var minimumReceiverBand: NitaqatBand
        /// Workers of an establishment in a band at or below this may leave without consent.
        public var freeToLeaveBand: NitaqatBand
    }

    public struct DependentTransfer: Codable, Sendable, Equatable {
        public var completeWithinDays: Int
        public var minimumAge: Int
    }

    public struct BranchChange: Codable, Sendable, Equatable {
        public var workerAcceptDays: Int
        public var fee: Int
    }

    public struct OccupationChange: Codable, Sendable, Equatable {
        public var fee: Int
        public var minimumBand: NitaqatBand
        public var workerAcceptDays: Int
        /// Days the employer has to pay once the worker approved; then the change lapses (a
        /// choice, as for a transfer: DOMAIN.md gives no number).
        public var feeWithinDays: Int
        /// Titles that can be corrected once, free and without the worker's approval.
        public var genericTitles: [String]
    }

    public struct Absence: Codable, Sendable, Equatable {
        public var cancelWithinDays: Int
        /// Suspension of an employer whose report was malicious: 1st, 2nd, 3rd time.
        public var maliciousSuspensionYears: [Int]
    }

    public struct Saudization: Codable, Sendable, Equatable {
        public var certificateValidityMonths: Int
        public var minimumBandForNewVisas: NitaqatBand
    }

    /// Visa balances, visa issues and compensatory visas. DOMAIN.md gives the compensatory
    /// limit (25 a year under 250 employees, low green); the other numbers are choices, said
    /// so in the rulebook file. The band for a balance is `saudization.minimumBandForNewVisas`.
    public struct Recruitment: Codable, Sendable, Equatable {
        /// SAR per visa, paid before a visa issue's visas are issued.
        public var visaFee: Int
        /// Days to pay a visa issue's fee; then it lapses and the visas return to the balance.
        public var feeWithinDays: Int
        /// Days an issued visa can be used.
        public var visaValidityDays: Int
        /// Most visas one balance request or one visa issue may ask for.
        public var maxPerRequest: Int
        /// An establishment younger than this many months…
        public var newEstablishmentMonths: Int
        /// …may be approved for at most this many visas in all.
        public var newEstablishmentMaxVisas: Int
        public var compensatoryMinimumBand: NitaqatBand
        /// Compensatory visas a year (calendar year) for an establishment below the size that follows.
        public var compensatoryPerYear: Int
        /// The yearly limit applies to establishments with fewer employees than this.
        public var compensatoryLimitBelowEmployees: Int
    }

    public struct Nitaqat: Codable, Sendable, Equatable {
        /// A Saudi paid at least this counts 1.
        public var fullWeightWage: Int
        /// A Saudi paid at least this (and less than the full weight wage) counts `halfWeight`.
        public var halfWeightWage: Int
        public var halfWeight: Double
        public var partTimeWeight: Double
        public var disabilityWeight: Double
        /// Establishments this small (the owner working full time counted) form their own
        /// category: `verySmallBand` with at least one Saudi, else red.
        public var verySmallMaxEmployees: Int
        public var verySmallBand: NitaqatBand
        /// Size bands by the largest headcount they cover, in order.
        public var sizeBands: [SizeBand]
        /// Activity → size band → lowest Saudization % of each band.
        public var thresholds: [String: [String: Thresholds]]
        /// Used for an activity with no table of its own.
        public var defaultThresholds: [String: Thresholds]
    }

    public struct SizeBand: Codable, Sendable, Equatable {
        public var name: String
        public var maxEmployees: Int
    }

    public struct Thresholds: Codable, Sendable, Equatable {
        public var lowGreen: Double
        public var mediumGreen: Double
        public var highGreen: Double
        public var platinum: Double
    }

    public struct Activity: Codable, Sendable, Equatable {
        public var nameAr: String
        public var nameEn: String
        public var laborRental: Bool
        /// Occupations that fit this activity (generic titles fit every activity).
        public var occupations: [String]
    }

    public struct Occupation: Codable, Sendable, Equatable {
        public var nameAr: String
        public var nameEn: String
        /// Closed to residents by every door: registration, a dependent's transfer, an
        /// occupation change (`Gates.occupation`). Absent means open.
        public var reservedForSaudis: Bool?
    }
}
