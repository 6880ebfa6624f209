/// The checks shared by most establishment services, in the order a refusal names them:
/// registered, active, commercial registration valid, no expired work permit under the
/// unified number, and the band the service needs.
///
/// A gate that fails throws its reason: a decision written `{ context throws(Reason) in … }`
/// says `let establishment = try Gates.check(id, context)`, and `ServiceDefinition` turns the
/// reason into the refusal.
public enum Gates {
    public struct Options: Sendable {
        public var minimumBand: NitaqatBand?
        /// Renewal is how an expired permit is cleared, so it skips that gate.
        public var checkExpiredPermits: Bool

        public init(minimumBand: NitaqatBand? = nil, checkExpiredPermits: Bool = true) {
            self.minimumBand = minimumBand
            self.checkExpiredPermits = checkExpiredPermits
        }
    }

    /// The establishment if it passes; else throws the first failed gate's reason.
    @discardableResult
    public static func check(_ id: EstablishmentID, _ context: DecisionContext, _ options: Options = .init()) throws(Reason) -> Establishment {
        guard let establishment = context.world.establishments[id] else {
            throw Reason.Code.establishmentNotFound(["establishment": id.description])
        }
        switch establishment.status {
        case .active:
            break
        case .suspended:
            if let until = establishment.suspendedUntil, until < context.today { break }
            throw Reason.Code.establishmentSuspended(["until": establishment.suspendedUntil?.iso ?? "-"])
        case .closed:
            throw Reason.Code.establishmentInactive()
        }
        if establishment.crExpiresOn < context.today {
            throw Reason.Code.crExpired(["date": establishment.crExpiresOn.iso])
        }
        if options.checkExpiredPermits, context.world.expiredPermits[establishment.unifiedNumber, default: 0] > 0 {
            throw Reason.Code.expiredPermits()
        }
        if let minimum = options.minimumBand {
            let band = Nitaqat.band(of: establishment, rules: context.rules.nitaqat)
            if band < minimum {
                throw Reason.Code.band(band, below: minimum)
            }
        }
        return establishment
    }

    /// The worker, employed by `establishment` and not hidden by an open absence report; else
    /// throws why not.
    @discardableResult
    public static func employee(_ id: PersonID, of establishment: EstablishmentID, _ context: DecisionContext) throws(Reason) -> Worker {
        guard let worker = context.world.workers[id] else {
            throw Reason.Code.workerNotFound(["worker": id.description])
        }
        // While a report is open the worker disappears from the establishment's services.
        if context.world.openCase(.absenceReport, of: id) != nil {
            throw Reason.Code.about(.openCaseBlocks, .absenceReport)
        }
        switch worker.employment {
        case .employed where worker.employer == establishment:
            return worker
        case .absconded:
            throw Reason.Code.workerAbsconded()
        case .departed:
            throw Reason.Code.workerDeparted()
        default:
            throw Reason.Code.workerNotHere(["worker": id.description])
        }
    }

    /// The occupation `person` is to hold, by whichever door: known to the rulebook, and not
    /// reserved for Saudis when the person is a resident; else throws why not.
    @discardableResult
    public static func occupation(_ code: String, for person: PersonID, rules: RuleParameters) throws(Reason) -> RuleParameters.Occupation {
        try occupation(code, saudi: person.isSaudi, rules: rules)
    }

    /// The same for someone not known yet: a Saudi, or a resident (a visa's worker).
    @discardableResult
    public static func occupation(_ code: String, saudi: Bool, rules: RuleParameters) throws(Reason) -> RuleParameters.Occupation {
        guard let occupation = rules.occupations[code] else { throw Reason.Code.occupationUnknown(["occupation": code]) }
        if occupation.reservedForSaudis == true && !saudi {
            throw Reason.Code.occupationReserved(["occupation": occupation.nameEn])
        }
        return occupation
    }

    /// Throws unless the occupation fits the establishment's activity (generic titles fit every activity).
    public static func fits(_ code: String, _ occupation: RuleParameters.Occupation, _ establishment: Establishment,
                            rules: RuleParameters) throws(Reason) {
        let fits = rules.activities[establishment.activity]?.occupations.contains(code) ?? false
            || rules.occupationChange.genericTitles.contains(code)
        if !fits { throw Reason.Code.occupationUnfit(["occupation": occupation.nameEn, "activity": establishment.activity]) }
    }
}
