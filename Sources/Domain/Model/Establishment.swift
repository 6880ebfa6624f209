/// An establishment's file: who it is, what it does, and its Nitaqat headcount.
public struct Establishment: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable, CaseIterable {
        case active, suspended, closed
    }

    public let id: EstablishmentID
    public var unifiedNumber: UnifiedNumber
    public var cr: CRNumber
    public var nameAr: String
    public var nameEn: String
    public var activity: String
    public var status: Status
    public var crExpiresOn: Day
    /// The owner is registered as working full time in it (small-establishment levy exemption).
    public var ownerFullTime: Bool
    public var suspendedUntil: Day?
    /// How many times a report it filed was found malicious.
    public var maliciousReports: Int
    public var openedOn: Day
    /// Employees counted by Nitaqat, Saudi and resident.
    public var headcount: Int
    public var saudiCount: Int
    /// Weighted Saudi headcount (see `Nitaqat.weight`).
    public var saudiWeight: Double
    /// Seats of the small-establishment levy exemption held by its expatriates (`Worker.levyExempt`).
    public var levyExemptExpats: Int

    public init(
        id: EstablishmentID, unifiedNumber: UnifiedNumber, cr: CRNumber, nameAr: String, nameEn: String,
        activity: String, status: Status = .active, crExpiresOn: Day, ownerFullTime: Bool = false,
        suspendedUntil: Day? = nil, maliciousReports: Int = 0, openedOn: Day,
        headcount: Int = 0, saudiCount: Int = 0, saudiWeight: Double = 0, levyExemptExpats: Int = 0
    ) {
        self.id = id
        self.unifiedNumber = unifiedNumber
        self.cr = cr
        self.nameAr = nameAr
        self.nameEn = nameEn
        self.activity = activity
        self.status = status
        self.crExpiresOn = crExpiresOn
        self.ownerFullTime = ownerFullTime
        self.suspendedUntil = suspendedUntil
        self.maliciousReports = maliciousReports
        self.openedOn = openedOn
        self.headcount = headcount
        self.saudiCount = saudiCount
        self.saudiWeight = saudiWeight
        self.levyExemptExpats = levyExemptExpats
    }

    public var expatCount: Int { headcount - saudiCount }
}

/// A change to an establishment's Nitaqat counts, applied as a relative update so that
/// concurrent hires and departures never overwrite each other.
public struct HeadcountDelta: Sendable, Equatable, Codable {
    public var headcount: Int = 0
    public var saudiCount: Int = 0
    public var saudiWeight: Double = 0
    /// Seats of the levy exemption taken (+1) or given back (−1).
    public var levyExempt: Int = 0

    public init(headcount: Int = 0, saudiCount: Int = 0, saudiWeight: Double = 0, levyExempt: Int = 0) {
        self.headcount = headcount
        self.saudiCount = saudiCount
        self.saudiWeight = saudiWeight
        self.levyExempt = levyExempt
    }

    public var isZero: Bool { headcount == 0 && saudiCount == 0 && saudiWeight == 0 && levyExempt == 0 }

    public static func + (a: HeadcountDelta, b: HeadcountDelta) -> HeadcountDelta {
        HeadcountDelta(headcount: a.headcount + b.headcount, saudiCount: a.saudiCount + b.saudiCount,
                       saudiWeight: a.saudiWeight + b.saudiWeight, levyExempt: a.levyExempt + b.levyExempt)
    }

    public static prefix func - (a: HeadcountDelta) -> HeadcountDelta {
        HeadcountDelta(headcount: -a.headcount, saudiCount: -a.saudiCount, saudiWeight: -a.saudiWeight, levyExempt: -a.levyExempt)
    }
}
