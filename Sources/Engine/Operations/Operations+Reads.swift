import Domain
import Foundation
import PQ
import Store

/// The portal's reads, each within the access policy of submissions (`AccessPolicy.mayRead…`):
/// what the caller may not see answers exactly as what does not exist (nil), so that ids
/// cannot be probed.
///
/// | read (system accounts: none but `me`) | staff | owner | delegate, agent | worker |
/// |-------------------------|-------|---------------------|-----------------------------|---------|
/// | me                      | ✔     | ✔                   | ✔                           | ✔       |
/// | establishment, workers  | ✔     | his company's       | a granted establishment     | —       |
/// | worker                  | ✔     | employed by his company | employed at a granted one | himself |
/// | case                    | ✔     | either side his company's | either side granted   | his own |
///
/// An establishment, a worker and a case may be read as they stood at the end of a past day
/// (`asOf`, Riyadh time), from the record of their versions (`StateHistory`). The caller must
/// be allowed by today's file, as for a read of today (a former employer does not read his
/// former worker's past); and a worker's past is shown only to whoever could read it then
/// too (his new employer does not read what he earned at the old one).
extension Operations {
    /// A day after today (business time) to read a record as of: nothing is recorded yet.
    public struct AsOfAfterToday: Error, Sendable {
        public let today: Day
        public var reason: Reason { Reason.Code.asOfAfterToday(["today": today.iso]) }
    }

    /// The moment a read as of `day` stops before (the next day's start), or nil for today's
    /// file; throws `AsOfAfterToday` for a day after `now`.
    public static func moment(asOf day: Day?, now: Date) throws -> Date? {
        guard let day else { return nil }
        guard day <= Day(now) else { throw AsOfAfterToday(today: Day(now)) }
        return day.adding(days: 1).start
    }

    // MARK: Who am I

    public struct Me: Sendable {
        public let user: AccountStore.User
        public let grants: [AccountStore.Grant]
        /// The unified numbers he acts for as owner.
        public let companies: [String]
        /// False for a person signed in who has not registered on the portal yet.
        public let registered: Bool
        /// The establishments he acts for (his companies', then those granted), at most `limit`.
        public let establishments: [EstablishmentID]
        /// Whether the owner's company has more establishments than listed.
        public let more: Bool
    }

    public static let meEstablishmentLimit = 500

    public func me(_ principal: AccountStore.Principal) async throws -> Me {
        // Owned first (every establishment of each company he owns), then those granted.
        let companies = principal.companies.compactMap { try? UnifiedNumber($0) }
        let limit = Self.meEstablishmentLimit
        var listed: [EstablishmentID] = []
        if !companies.isEmpty {
            listed = try await read { db in
                var found: [EstablishmentID] = []
                for company in companies where found.count <= limit {
                    found += try Profiles.establishments(of: company, limit: limit + 1 - found.count, on: db)
                }
                return found
            }
        }
        for grant in principal.grants {
            if let id = try? EstablishmentID(grant.establishmentID), !listed.contains(id) { listed.append(id) }
        }
        return Me(user: principal.user, grants: principal.grants, companies: principal.companies, registered: principal.registered,
                  establishments: Array(listed.prefix(limit)), more: listed.count > limit)
    }

    /// A page of the establishments the caller acts for (his companies' and those granted to
    /// him), in the order of their numbers: `me` lists the first 500, this every one. Staff
    /// and systems act for every establishment and get none listed; a newcomer none.
    public func myEstablishments(_ principal: AccountStore.Principal, after: EstablishmentID?, limit: Int) async throws -> [EstablishmentID] {
        let role = principal.user.role
        guard principal.registered, role != .staff, role != .system, role != .worker else { return [] }
        let companies = principal.companies, granted = principal.grants.map(\.establishmentID)
        guard !companies.isEmpty || !granted.isEmpty else { return [] }
        return try await read { db in
            try Profiles.establishments(ofCompanies: companies, granted: granted, after: after, limit: limit, on: db)
        }
    }

    // MARK: Establishments

    public struct EstablishmentRead: Sendable {
        public let profile: Profiles.EstablishmentProfile
        public let band: NitaqatBand
        public let saudizationPercent: Double
        public let certificate: Certificate?
    }

    /// The establishment's file, band, share and newest certificate; nil when it does not
    /// exist or is not the caller's to see. One hop: the access check, then the reads.
    public func establishment(_ id: EstablishmentID, for principal: AccountStore.Principal, rulebook: Rulebook,
                              asOf: Day? = nil) async throws -> EstablishmentRead? {
        let clock = self.clock
        let found = try await read { db -> (Profiles.EstablishmentProfile, Certificate?, Day)? in
            let now = try clock.now(on: db)
            let moment = try Self.moment(asOf: asOf, now: now)
            guard try Self.mayRead(establishment: id, principal, on: db) else { return nil }
            if let moment, let asOf {
                guard let profile = try StateHistory.establishment(id, before: moment, on: db) else { return nil }
                return (profile, try StateHistory.latestCertificate(of: id, before: moment, on: db), asOf)
            }
            guard let profile = try Profiles.establishment(id, on: db) else { return nil }
            return (profile, try Profiles.latestCertificate(of: id, on: db), Day(now))
        }
        guard let (profile, certificate, day) = found else { return nil }
        // The edition in force on the engine's day (simulated or not), as decisions use; on
        // the day read, for a past day.
        let rules = rulebook.parameters(on: day)
        return EstablishmentRead(profile: profile, band: Nitaqat.band(of: profile.establishment, rules: rules.nitaqat),
                                 saudizationPercent: Nitaqat.saudizationPercent(profile.establishment), certificate: certificate)
    }

    /// A page of the establishment's workers in the order of their numbers, after `after`;
    /// nil when the establishment is not the caller's to see (or does not exist).
    public func workers(of id: EstablishmentID, after: PersonID?, limit: Int,
                        for principal: AccountStore.Principal) async throws -> [Profiles.WorkerLine]? {
        try await read { db in
            guard try Self.mayRead(establishment: id, principal, on: db) else { return nil }
            return try Profiles.workers(of: id, after: after, limit: limit, on: db)
        }
    }

    // MARK: Workers

    public struct WorkerRead: Sendable {
        public let profile: Profiles.WorkerProfile
        public let countedInNitaqat: Bool
        /// What may be done next, and why not: a dry run of each service the caller's role may submit.
        public let next: [NextSteps.Option]
    }

    /// The worker's employment, permit and open cases, with the dry run of what may be done
    /// next; nil when he does not exist or is not the caller's to see.
    /// As of a past day, there are no next steps: they are what may be asked for now.
    public func worker(_ id: PersonID, for principal: AccountStore.Principal, rulebook: Rulebook,
                       asOf: Day? = nil) async throws -> WorkerRead? {
        let clock = self.clock
        let role = principal.user.role
        // Who the file belongs to first, by one probe whatever the answer; the file only when
        // the caller may read it (a refusal must not take longer than "no such worker").
        let found = try await read { db -> (Profiles.WorkerProfile, [NextSteps.Option], AccessPolicy.Scope)? in
            let moment = try Self.moment(asOf: asOf, now: try clock.now(on: db))
            guard let owner = try Profiles.workerOwner(id, on: db),
                  AccessPolicy.mayReadWorker(principal, worker: id, employer: owner.employer, company: owner.company) else { return nil }
            if let moment {
                guard let profile = try StateHistory.worker(id, before: moment, on: db) else { return nil }
                let then = try profile.worker.employer.flatMap { try DirectoryStore.company(of: $0, on: db) }
                guard AccessPolicy.mayReadWorker(principal, worker: id, employer: profile.worker.employer, company: then) else { return nil }
                return (profile, [], AccessPolicy.Scope(establishment: owner.employer, company: owner.company))
            }
            guard let profile = try Profiles.worker(id, on: db) else { return nil }
            return (profile, try NextSteps.forWorker(id, rulebook: rulebook, clock: clock, on: db),
                    AccessPolicy.Scope(establishment: owner.employer, company: owner.company))
        }
        guard let (profile, options, scope) = found else { return nil }
        // What the caller could ask for himself: his role's services (a registered person's,
        // those of the role he would act in about this worker at his employer).
        let next = options.filter { option in
            guard role != .staff, let service = ServiceCatalog.service(option.service) else { return role == .staff }
            if role == .person { return AccessPolicy.actingRole(principal, service: service, subject: .worker(id), scope: scope) != nil }
            return service.roles.contains(role)
        }
        return WorkerRead(profile: profile, countedInNitaqat: Nitaqat.counts(profile.worker, permit: profile.permit), next: next)
    }

    // MARK: Cases

    public struct CaseRead: Sendable {
        public let file: CaseFile
        /// Whether the reader may see the counterpart too: a transfer's new employer does not
        /// learn the worker's current employer from the case.
        public let counterpartVisible: Bool
    }

    /// A case, open or closed; nil when it does not exist or is not the caller's to see.
    public func caseFile(_ id: UUID, for principal: AccountStore.Principal, asOf: Day? = nil) async throws -> CaseRead? {
        let clock = self.clock
        // The sides first, by one probe whatever the answer; the case only for a caller who may read it.
        return try await read { db -> CaseRead? in
            let moment = try Self.moment(asOf: asOf, now: try clock.now(on: db))
            guard let sides = try Profiles.caseSides(id, on: db),
                  AccessPolicy.mayReadCase(principal, worker: sides.worker, sides: [sides.establishment] + (sides.counterpart.map { [$0] } ?? []),
                                           companies: sides.companies) else { return nil }
            let read: CaseFile?
            if let moment { read = try StateHistory.caseFile(id, before: moment, on: db) } else { read = try Profiles.caseFile(id, on: db) }
            guard let file = read else { return nil }
            // The worker himself sees both sides of his case.
            let himself = (principal.user.role == .worker || principal.user.role == .person) && principal.user.personID == sides.worker?.digits
            let counterpartVisible = himself
                || file.counterpart.map { AccessPolicy.mayReadEstablishment(principal, $0, company: sides.companies[$0]) } ?? true
            return CaseRead(file: file, counterpartVisible: counterpartVisible)
        }
    }

    // MARK: Helpers

    /// Whether the establishment exists and `AccessPolicy.mayReadEstablishment` lets the
    /// caller read it: its company read by one probe whatever the caller (so that a refusal
    /// takes the time of "not there").
    private static func mayRead(establishment id: EstablishmentID, _ principal: AccountStore.Principal, on db: isolated Connection) throws -> Bool {
        guard let company = try DirectoryStore.company(of: id, on: db) else { return false }
        return AccessPolicy.mayReadEstablishment(principal, id, company: company)
    }
}
