/// Saudization arithmetic: a worker's weight, an establishment's share and its band.
public enum Nitaqat {
    /// How much a Saudi employee counts (0 for residents): 4 with a disability, the
    /// part-time weight when part time, else by wage (full, half, or nothing).
    public static func weight(of worker: Worker, rules: RuleParameters.Nitaqat) -> Double {
        guard worker.isSaudi else { return 0 }
        if worker.disabled { return rules.disabilityWeight }
        if worker.partTime { return rules.partTimeWeight }
        if worker.wage >= rules.fullWeightWage { return 1 }
        if worker.wage >= rules.halfWeightWage { return rules.halfWeight }
        return 0
    }

    /// Whether a worker is in the employer's counts: employed, and not on a temporary permit
    /// (seasonal work "does not count in Nitaqat"). A temporary permit counts from its issue
    /// until it is void: expired, it still names a seasonal worker. Every change to the counts
    /// asks this of the world before the change, so that a worker leaves them exactly once.
    public static func counts(_ worker: Worker, in world: World) -> Bool {
        counts(worker, permit: world.permits[worker.id])
    }

    /// The same, given the worker's current permit (nil without one).
    public static func counts(_ worker: Worker, permit: Permit?) -> Bool {
        guard worker.isEmployed else { return false }
        guard let permit else { return true }
        return permit.kind != .temporary || permit.state == .void
    }

    /// The change to the counts of `worker`'s employer as the worker joins them (hired,
    /// transferred in, registered): none when `counts(_:in:)` leaves the worker out. Every
    /// workflow that moves the counts goes through `joining` and `leaving`, so that who is
    /// counted is decided here alone.
    ///
    /// An expatriate who joins while a seat of the small-establishment levy exemption is free
    /// takes it (`Worker.levyExempt`), so the exemption belongs to the first expatriates by
    /// the order they joined: a fifth joining takes nothing from the first four. Whether the
    /// seat exempts anyone is asked when the levy is charged (`WorkPermitFlow.charges`).
    public static func joining(_ worker: inout Worker, in world: World, rules: RuleParameters) -> [Change] {
        worker.levyExempt = false
        guard counts(worker, in: world), let employer = worker.employer else { return [] }
        if !worker.isSaudi, let establishment = world.establishments[employer],
           establishment.levyExemptExpats < rules.levy.smallEstablishmentExemptExpats {
            worker.levyExempt = true
        }
        return [.headcount(employer, contribution(of: worker, rules: rules.nitaqat))]
    }

    /// A counted expatriate without a seat takes one left free (by someone who left) when his
    /// levy is next charged: the seats belong to the expatriates there, the earliest first,
    /// and one who joined while all four were taken gets his at the first charge after one
    /// is given back. Returns the change to the counts (none when nothing is free).
    public static func claimingFreeSeat(_ worker: inout Worker, in world: World, rules: RuleParameters) -> [Change] {
        guard !worker.isSaudi, !worker.levyExempt, counts(worker, in: world), let employer = worker.employer,
              let establishment = world.establishments[employer],
              establishment.levyExemptExpats < rules.levy.smallEstablishmentExemptExpats else { return [] }
        worker.levyExempt = true
        return [.headcount(employer, HeadcountDelta(levyExempt: 1))]
    }

    /// The change as `worker` leaves the employer's counts (departure, absence, removal,
    /// transfer out, a temporary permit), asked of the worker and the world before the change;
    /// a seat of the levy exemption is given back.
    public static func leaving(_ worker: inout Worker, in world: World, rules: RuleParameters) -> [Change] {
        guard counts(worker, in: world), let employer = worker.employer else { return [] }
        let change = Change.headcount(employer, -contribution(of: worker, rules: rules.nitaqat))
        worker.levyExempt = false
        return [change]
    }

    /// What one employee adds to an establishment's counts (a seat of the levy exemption included).
    public static func contribution(of worker: Worker, rules: RuleParameters.Nitaqat) -> HeadcountDelta {
        HeadcountDelta(headcount: 1, saudiCount: worker.isSaudi ? 1 : 0, saudiWeight: weight(of: worker, rules: rules),
                       levyExempt: worker.levyExempt ? 1 : 0)
    }

    /// The counts Nitaqat weighs for an establishment: its employees counted, plus the owner
    /// when registered as working in it full time (the public rules count such an owner as
    /// one Saudi employee of full weight; owners are taken to be Saudi).
    public struct Counted: Sendable, Equatable {
        public var headcount: Int
        public var saudis: Int
        public var saudiWeight: Double

        public init(_ establishment: Establishment) {
            let owner = establishment.ownerFullTime ? 1 : 0
            headcount = establishment.headcount + owner
            saudis = establishment.saudiCount + owner
            saudiWeight = establishment.saudiWeight + Double(owner)
        }

        /// Whether the weighted share reaches `percent`, compared exactly: weight × 100 ≥
        /// percent × headcount. Weights are sums of halves and whole numbers, so the
        /// products are exact for the rulebook's thresholds; no rounding lifts 8.95 % to 9 %.
        public func reaches(_ percent: Double) -> Bool {
            headcount > 0 && saudiWeight * 100 >= percent * Double(headcount)
        }
    }

    /// Weighted Saudi share of the counted headcount, in percent to one decimal: for display
    /// and for the certificate's record only; bands compare the exact share (`Counted.reaches`).
    public static func saudizationPercent(_ establishment: Establishment) -> Double {
        let counted = Counted(establishment)
        guard counted.headcount > 0 else { return 0 }
        return (counted.saudiWeight / Double(counted.headcount) * 1000).rounded() / 10
    }

    /// The size band's name for a headcount.
    public static func sizeBand(headcount: Int, rules: RuleParameters.Nitaqat) -> String {
        rules.sizeBands.first { headcount <= $0.maxEmployees }?.name ?? rules.sizeBands.last?.name ?? "large"
    }

    /// The band from activity, size and weighted share. Very small establishments (the
    /// owner counted) form their own category: the rulebook's band for them with at least
    /// one Saudi, red without.
    public static func band(of establishment: Establishment, rules: RuleParameters.Nitaqat) -> NitaqatBand {
        let counted = Counted(establishment)
        if counted.headcount <= rules.verySmallMaxEmployees {
            return counted.saudis >= 1 ? rules.verySmallBand : .red
        }
        let size = sizeBand(headcount: counted.headcount, rules: rules)
        guard let thresholds = rules.thresholds[establishment.activity]?[size] ?? rules.defaultThresholds[size] else {
            return .red
        }
        if counted.reaches(thresholds.platinum) { return .platinum }
        if counted.reaches(thresholds.highGreen) { return .highGreen }
        if counted.reaches(thresholds.mediumGreen) { return .mediumGreen }
        if counted.reaches(thresholds.lowGreen) { return .lowGreen }
        return .red
    }
}
