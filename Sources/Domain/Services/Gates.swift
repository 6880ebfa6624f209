/// The checks shared by most establishment services, in the order a refusal names them:
/// registered, active, commercial registration valid, no expired work permit under the
/// unified number, and the band the service needs.
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

    /// The establishment if it passes, else the first failed gate's reason.
    public static func check(_ id: EstablishmentID, _ context: DecisionContext, _ options: Options = .init()) -> Result<Establishment, Reason> {
        guard let establishment = context.world.establishments[id] else {
            return .failure(Reason.Code.establishmentNotFound(["establishment": id.description]))
        }
        switch establishment.status {
        case .active:
            break
        case .suspended:
            if let until = establishment.suspendedUntil, until < context.today { break }
            return .failure(Reason.Code.establishmentSuspended(["until": establishment.suspendedUntil?.iso ?? "-"]))
        case .closed:
            return .failure(Reason.Code.establishmentInactive())
        }
        if establishment.crExpiresOn < context.today {
            return .failure(Reason.Code.crExpired(["date": establishment.crExpiresOn.iso]))
        }
        if options.checkExpiredPermits, context.world.expiredPermits[establishment.unifiedNumber, default: 0] > 0 {
            return .failure(Reason.Code.expiredPermits())
        }
        if let minimum = options.minimumBand {
            let band = Nitaqat.band(of: establishment, rules: context.rules.nitaqat)
            if band < minimum {
                return .failure(Reason.Code.band(band, below: minimum))
            }
        }
        return .success(establishment)
    }

    /// The worker, employed by `establishment` and not hidden by an open absence report.
    public static func employee(_ id: PersonID, of establishment: EstablishmentID, _ context: DecisionContext) -> Result<Worker, Reason> {
        guard let worker = context.world.workers[id] else {
            return .failure(Reason.Code.workerNotFound(["worker": id.description]))
        }
        // While a report is open the worker disappears from the establishment's services.
        if context.world.openCase(.absenceReport, of: id) != nil {
            return .failure(Reason.Code.about(.openCaseBlocks, .absenceReport))
        }
        switch worker.employment {
        case .employed where worker.employer == establishment:
            return .success(worker)
        case .absconded:
            return .failure(Reason.Code.workerAbsconded())
        case .departed:
            return .failure(Reason.Code.workerDeparted())
        default:
            return .failure(Reason.Code.workerNotHere(["worker": id.description]))
        }
    }
}
