import Domain
import Foundation
import PQ

/// Loads the world a batch of requests needs, and writes back what the decisions changed.
///
/// Whole aggregates are written with a version check: if another daemon changed one since
/// it was loaded, the write fails with `StoreConflict` and the engine runs the batch again.
/// Nitaqat counts move by relative updates, which never conflict.
public struct AggregateStore: Sendable {
    /// What a batch will read.
    public struct Needs: Sendable {
        public var workers: Set<PersonID> = []
        public var establishments: Set<EstablishmentID> = []
        public var registrations: Set<CRNumber> = []
        public var companies: Set<UnifiedNumber> = []
        /// Cases named by id (closed ones too).
        public var cases: Set<UUID> = []
        /// Establishments that requests are about: their own open cases are loaded.
        public var establishmentSubjects: Set<EstablishmentID> = []
        /// Establishments whose recruitment file (balances, visa counts) a decision reads.
        public var recruitment: Set<EstablishmentID> = []
        /// Visas named by number.
        public var visas: Set<String> = []
        /// Workers whose compensatory visa, if any, a decision reads.
        public var replacedWorkers: Set<PersonID> = []
        /// Compensatory visas are counted from this day (the first of the decision's year).
        public var compensatorySince = Day(number: 0)
        /// People requests are about: their portal account and active grants are loaded.
        public var people: Set<PersonID> = []
        /// Establishments whose owners a decision reads.
        public var owners: Set<EstablishmentID> = []

        public init() {}
    }

    /// A loaded world and the versions it was loaded at.
    public struct Loaded: Sendable {
        public var world: World
        var establishmentVersions: [EstablishmentID: Int] = [:]
        var workerVersions: [PersonID: Int] = [:]
        var permitVersions: [UUID: Int] = [:]
        var caseVersions: [UUID: Int] = [:]
        var visaVersions: [String: Int] = [:]
        var authorizationVersions: [UUID: Int] = [:]
    }

    public init() {}

    /// Loads, in two round trips: first the workers (with their newest permits and open
    /// cases), pipelined; then every establishment they or the requests name, each with its
    /// company's expired-permit total, and, where a service asks for them, all establishments
    /// of a company. (Event-stream heads are read later, and only for the
    /// streams that get events: most requests are refused.)
    ///
    /// The second round trip stays: a batch's rows nearly always name an establishment that
    /// its requests do not (a transfer names its destination, not the worker's employer), and
    /// finding those in SQL from the workers' ids cost PostgreSQL more than the round trip
    /// saves (BENCHMARKS.md, "The aggregates' loads").
    public func load(_ needs: Needs, on db: isolated Connection) throws -> Loaded {
        var loaded = Loaded(world: World())
        var establishmentIDs = needs.establishments
        var first: [PipelineStatement] = []
        let ids = needs.workers.map(\.digits)
        if !ids.isEmpty {
            first += [
                PipelineStatement(Self.loadWorkers, [ids]),
                PipelineStatement(Self.loadPermits, [ids]),
                PipelineStatement(Self.loadOpenCases, [ids]),
                PipelineStatement(Self.loadDependents, [ids]),
            ]
        }
        let casesIndex = first.count
        if !needs.cases.isEmpty { first.append(PipelineStatement(Self.loadCasesByID, [Array(needs.cases)])) }
        let subjectsIndex = first.count
        if !needs.establishmentSubjects.isEmpty {
            first.append(PipelineStatement(Self.loadEstablishmentCases, [needs.establishmentSubjects.map(\.description)]))
        }
        let recruitmentIndex = first.count
        if !needs.recruitment.isEmpty {
            let ids = needs.recruitment.map(\.description)
            first += [PipelineStatement(Self.loadVisaBalances, [ids]), PipelineStatement(Self.loadVisaCounts, [ids, needs.compensatorySince])]
        }
        let visasIndex = first.count
        if !needs.visas.isEmpty || !needs.replacedWorkers.isEmpty {
            first.append(PipelineStatement(Self.loadVisas, [Array(needs.visas), needs.replacedWorkers.map(\.digits)]))
        }
        let peopleIndex = first.count
        if !needs.people.isEmpty {
            let people = needs.people.map(\.digits)
            first += [PipelineStatement(Self.loadAccounts, [people]), PipelineStatement(Self.loadAuthorizations, [people])]
        }
        let ownersIndex = first.count
        if !needs.owners.isEmpty { first.append(PipelineStatement(Self.loadOwners, [needs.owners.map(\.description)])) }
        let results = try db.pipeline(first)
        if !ids.isEmpty {
            for row in results[0] {
                let (worker, version) = try AggregateRows.worker(row)
                loaded.world.workers[worker.id] = worker
                loaded.workerVersions[worker.id] = version
                if let employer = worker.employer { establishmentIDs.insert(employer) }
            }
            for row in results[1] {
                let (permit, version) = try AggregateRows.permit(row)
                loaded.world.permits[permit.worker] = permit
                loaded.permitVersions[permit.id] = version
                establishmentIDs.insert(permit.establishment)
            }
            for row in results[2] {
                let (file, version) = try AggregateRows.caseFile(row)
                guard let worker = file.worker else { continue }  // loaded by worker: always a worker's
                loaded.world.cases[worker, default: []].append(file)
                loaded.caseVersions[file.id] = version
                establishmentIDs.insert(file.establishment)
                if let counterpart = file.counterpart { establishmentIDs.insert(counterpart) }
            }
            for row in results[3] {
                let (dependent, version) = try AggregateRows.worker(row)
                loaded.world.workers[dependent.id] = dependent
                loaded.workerVersions[dependent.id] = version
                if let guardian = dependent.guardian { loaded.world.dependents[guardian, default: []].append(dependent.id) }
            }
        }
        if !needs.cases.isEmpty {
            for row in results[casesIndex] {
                let (file, version) = try AggregateRows.caseFile(row)
                loaded.world.casesByID[file.id] = file
                loaded.caseVersions[file.id] = version
                establishmentIDs.insert(file.establishment)
            }
        }
        if !needs.establishmentSubjects.isEmpty {
            for row in results[subjectsIndex] {
                let (file, version) = try AggregateRows.caseFile(row)
                loaded.world.establishmentCases[file.establishment, default: []].append(file)
                loaded.caseVersions[file.id] = version
            }
        }
        if !needs.recruitment.isEmpty {
            for row in results[recruitmentIndex] {
                let (id, occupation, balance) = try AggregateRows.visaBalance(row)
                loaded.world.visaBalances[id, default: [:]][occupation] = balance
            }
            for row in results[recruitmentIndex + 1] {
                let (id, counts) = try AggregateRows.visaCounts(row)
                loaded.world.visaCounts[id] = counts
            }
        }
        if !needs.visas.isEmpty || !needs.replacedWorkers.isEmpty {
            for row in results[visasIndex] {
                let (visa, packageUsed, version) = try AggregateRows.visa(row)
                loaded.world.visas[visa.id] = visa
                loaded.visaVersions[visa.id] = version
                if packageUsed { loaded.world.usedPackages.insert(visa.caseID) }
                if let replaced = visa.replaces {
                    loaded.world.replacements.insert(Replacement(establishment: visa.establishment, worker: replaced))
                }
                establishmentIDs.insert(visa.establishment)
            }
        }
        if !needs.people.isEmpty {
            for row in results[peopleIndex] {
                let account = try AggregateRows.account(row)
                loaded.world.accounts[account.person] = account
            }
            for row in results[peopleIndex + 1] {
                let (authorization, version) = try AggregateRows.authorization(row)
                loaded.world.authorizations[authorization.person, default: []].append(authorization)
                loaded.authorizationVersions[authorization.id] = version
                establishmentIDs.insert(authorization.establishment)
            }
        }
        if !needs.owners.isEmpty {
            for row in results[ownersIndex] {
                let id = try AggregateRows.establishmentID(row, 0)
                loaded.world.owners[id] = try row.decode([String].self, at: 1).map { PersonID(trusted: $0) }
            }
        }
        guard !establishmentIDs.isEmpty || !needs.registrations.isEmpty || !needs.companies.isEmpty else { return loaded }
        let establishments = try db.query(Self.loadEstablishments, [
            establishmentIDs.map(\.description), needs.registrations.map(\.digits), needs.companies.map(\.digits),
        ])
        for row in establishments {
            let (establishment, _, version) = try AggregateRows.establishment(row)
            loaded.world.establishments[establishment.id] = establishment
            loaded.world.companies[establishment.unifiedNumber, default: []].append(establishment.id)
            loaded.world.registrations[establishment.cr] = establishment.id
            loaded.establishmentVersions[establishment.id] = version
            loaded.world.expiredPermits[establishment.unifiedNumber] = try row.decode(Int.self, "company_expired_permits")
        }
        return loaded
    }

    /// One write of a batch, and how many rows it must touch (a version conflict touches fewer).
    public struct Write: Sendable {
        public let statement: PipelineStatement
        public let expectedRows: Int?
        public let what: String
    }

    /// Throws `StoreConflict` when a write touched fewer rows than it should have.
    public static func check(_ writes: [Write], _ results: ArraySlice<QueryResult>) throws {
        for (write, result) in zip(writes, results) {
            if let expected = write.expectedRows, result.affectedRows != expected {
                throw StoreConflict("\(expected - result.affectedRows) of \(expected) \(write.what) changed since they were read")
            }
        }
    }

    /// The statements that write a batch's changes, in an order that satisfies the foreign
    /// keys (establishments before workers before permits and cases).
    public func writes(_ changes: [Change], loaded: Loaded, now: Date) -> [Write] {
        // The last value of each aggregate wins; the version check uses the loaded version.
        var establishments: [EstablishmentID: Establishment] = [:]
        var workers: [PersonID: Worker] = [:]
        var permits: [UUID: Permit] = [:]
        var cases: [UUID: CaseFile] = [:]
        var certificates: [Certificate] = []
        var visas: [String: Visa] = [:]
        var visaOrder: [String] = []
        var balances: [BalanceKey: (approved: Int, remaining: Int)] = [:]
        var deltas: [EstablishmentID: (HeadcountDelta, Int)] = [:]
        var accounts: [PortalAccount] = []
        var authorizations: [UUID: Authorization] = [:]
        var authorizationOrder: [UUID] = []
        var owners: [EstablishmentID: [PersonID]] = [:]
        var order: (establishments: [EstablishmentID], workers: [PersonID], permits: [UUID], cases: [UUID]) = ([], [], [], [])
        for change in changes {
            switch change {
            case .establishment(let value):
                if establishments.updateValue(value, forKey: value.id) == nil { order.establishments.append(value.id) }
            case .worker(let value):
                if workers.updateValue(value, forKey: value.id) == nil { order.workers.append(value.id) }
            case .permit(let value):
                if permits.updateValue(value, forKey: value.id) == nil { order.permits.append(value.id) }
            case .caseFile(let value):
                if cases.updateValue(value, forKey: value.id) == nil { order.cases.append(value.id) }
            case .certificate(let value):
                certificates.append(value)
            case .headcount(let id, let delta):
                let current = deltas[id] ?? (HeadcountDelta(), 0)
                deltas[id] = (current.0 + delta, current.1)
            case .expiredPermits(let id, let delta):
                let current = deltas[id] ?? (HeadcountDelta(), 0)
                deltas[id] = (current.0, current.1 + delta)
            case .visa(let value):
                if visas.updateValue(value, forKey: value.id) == nil { visaOrder.append(value.id) }
            case .visaBalance(let id, let occupation, let approved, let remaining):
                let current = balances[BalanceKey(establishment: id, occupation: occupation)] ?? (0, 0)
                balances[BalanceKey(establishment: id, occupation: occupation)] = (current.approved + approved, current.remaining + remaining)
            case .account(let value):
                accounts.append(value)
            case .authorization(let value):
                if authorizations.updateValue(value, forKey: value.id) == nil { authorizationOrder.append(value.id) }
            case .owners(let id, let people):
                owners[id] = people
            }
        }
        var statements: [Write] = []
        if !order.establishments.isEmpty {
            let rows = order.establishments.compactMap { establishments[$0] }
            statements.append(Write(statement: PipelineStatement(Self.upsertEstablishments, [
                rows.map(\.id.description), rows.map(\.unifiedNumber.digits), rows.map(\.cr.digits), rows.map(\.nameAr),
                rows.map(\.nameEn), rows.map(\.activity), rows.map(\.status.rawValue), rows.map(\.crExpiresOn),
                rows.map(\.ownerFullTime), NullableArray(rows.map(\.suspendedUntil)), rows.map(\.maliciousReports),
                rows.map(\.openedOn), rows.map { loaded.establishmentVersions[$0.id] ?? 0 },
            ]), expectedRows: rows.count, what: "establishments"))
        }
        if !order.workers.isEmpty {
            let rows = order.workers.compactMap { workers[$0] }
            statements.append(Write(statement: PipelineStatement(Self.upsertWorkers, [
                rows.map(\.id.digits), rows.map(\.name), rows.map(\.nationality), rows.map(\.birthDate),
                NullableArray(rows.map { $0.employer?.description }), rows.map(\.occupation), rows.map(\.wage),
                rows.map(\.partTime), rows.map(\.disabled), rows.map(\.employment.rawValue), NullableArray(rows.map(\.arrivedOn)),
                NullableArray(rows.map(\.contractEndsOn)), NullableArray(rows.map(\.iqamaExpiresOn)), rows.map(\.transferCount),
                rows.map(\.genericTitleCorrected), NullableArray(rows.map { $0.guardian?.digits }),
                NullableArray(rows.map { $0.lastEmployer?.description }), rows.map(\.levyExempt),
                rows.map { loaded.workerVersions[$0.id] ?? 0 },
            ]), expectedRows: rows.count, what: "workers"))
        }
        if !order.permits.isEmpty {
            let rows = order.permits.compactMap { permits[$0] }
            statements.append(Write(statement: PipelineStatement(Self.upsertPermits, [
                rows.map(\.id), rows.map(\.worker.digits), rows.map(\.establishment.description), rows.map(\.kind.rawValue),
                rows.map(\.state.rawValue), rows.map(\.validFrom), rows.map(\.expiresOn), rows.map(\.months), rows.map(\.levy),
                rows.map(\.fee), rows.map(\.extensions), rows.map { loaded.permitVersions[$0.id] ?? 0 }, now,
            ]), expectedRows: rows.count, what: "permits"))
        }
        if !order.cases.isEmpty {
            let rows = order.cases.compactMap { cases[$0] }
            statements.append(Write(statement: PipelineStatement(Self.upsertCases, [
                rows.map(\.id), rows.map(\.kind.rawValue), NullableArray(rows.map { $0.worker?.digits }), rows.map(\.establishment.description),
                NullableArray(rows.map { $0.counterpart?.description }), rows.map(\.state), rows.map(\.openedAt), rows.map(\.openedOn),
                NullableArray(rows.map(\.deadline)), rows.map { JSONCoding.encode(JSONValue.object($0.details)) },
                NullableArray(rows.map { ServiceCatalog.isOpen($0) ? nil : now }),
                rows.map { loaded.caseVersions[$0.id] ?? 0 },
            ]), expectedRows: rows.count, what: "cases"))
        }
        if !certificates.isEmpty {
            statements.append(Write(statement: PipelineStatement(Self.insertCertificates, [
                certificates.map(\.id), certificates.map(\.establishment.description), certificates.map(\.band.rawValue),
                certificates.map(\.saudizationPercent), certificates.map(\.issuedOn), certificates.map(\.validUntil),
            ]), expectedRows: certificates.count, what: "certificates"))
        }
        // Balances before visas: a drawn balance that would go below zero fails the batch here.
        let drawn = balances.filter { $0.value.approved != 0 || $0.value.remaining != 0 }
            .sorted { ($0.key.establishment, $0.key.occupation) < ($1.key.establishment, $1.key.occupation) }
        if !drawn.isEmpty {
            statements.append(Write(statement: PipelineStatement(Self.applyVisaBalances, [
                drawn.map(\.key.establishment.description), drawn.map(\.key.occupation), drawn.map(\.value.approved),
                drawn.map(\.value.remaining),
            ]), expectedRows: nil, what: "visa balances"))
        }
        if !visaOrder.isEmpty {
            let rows = visaOrder.compactMap { visas[$0] }
            statements.append(Write(statement: PipelineStatement(Self.upsertVisas, [
                rows.map(\.id), rows.map(\.establishment.description), rows.map(\.caseID), rows.map(\.occupation), rows.map(\.nationality),
                rows.map(\.state.rawValue), rows.map(\.issuedOn), rows.map(\.expiresOn), rows.map(\.fee), NullableArray(rows.map(\.refund)),
                NullableArray(rows.map { $0.replaces?.digits }), NullableArray(rows.map { $0.usedBy?.digits }),
                NullableArray(rows.map(\.endedOn)), rows.map { loaded.visaVersions[$0.id] ?? 0 },
            ]), expectedRows: rows.count, what: "visas"))
        }
        if !accounts.isEmpty {
            statements.append(Write(statement: PipelineStatement(Self.insertAccounts, [
                accounts.map(\.id), accounts.map(\.person.digits), accounts.map(\.name), accounts.map(\.registeredOn),
            ]), expectedRows: accounts.count, what: "accounts"))
        }
        if !authorizationOrder.isEmpty {
            let rows = authorizationOrder.compactMap { authorizations[$0] }
            statements.append(Write(statement: PipelineStatement(Self.upsertAuthorizations, [
                rows.map(\.id), rows.map(\.kind.rawValue), rows.map(\.person.digits), rows.map(\.establishment.description),
                rows.map { $0.services.joined(separator: ",") }, NullableArray(rows.map(\.endsOn)),
                NullableArray(rows.map { $0.powerOfAttorney?.number }), NullableArray(rows.map { $0.powerOfAttorney?.authority }),
                rows.map(\.grantedBy), rows.map(\.state.rawValue), rows.map(\.grantedOn), NullableArray(rows.map(\.endedOn)),
                rows.map { loaded.authorizationVersions[$0.id] ?? 0 },
            ]), expectedRows: rows.count, what: "authorizations"))
        }
        if !owners.isEmpty {
            let ids = owners.keys.sorted()
            let pairs = ids.flatMap { id in (owners[id] ?? []).map { (id, $0) } }
            statements.append(Write(statement: PipelineStatement(Self.deleteOwners, [ids.map(\.description)]),
                                    expectedRows: nil, what: "owners"))
            statements.append(Write(statement: PipelineStatement(Self.insertOwners, [pairs.map(\.0.description), pairs.map(\.1.digits)]),
                                    expectedRows: nil, what: "owners"))
        }
        let moved = deltas.filter { !$0.value.0.isZero || $0.value.1 != 0 }.sorted { $0.key < $1.key }
        if !moved.isEmpty {
            statements.append(Write(statement: PipelineStatement(Self.applyDeltas, [
                moved.map(\.key.description), moved.map(\.value.0.headcount), moved.map(\.value.0.saudiCount),
                moved.map(\.value.0.saudiWeight), moved.map(\.value.1), moved.map(\.value.0.levyExempt),
            ]), expectedRows: moved.count, what: "establishment counts"))
        }
        // Every row written here gets a version (Schema/0025): the engine's, at business time.
        if !statements.isEmpty {
            statements.insert(Write(statement: StateHistory.markEngineChange(at: now), expectedRows: nil, what: "change marker"), at: 0)
        }
        return statements
    }
}

/// One balance of `visa_balances`: an establishment's visas for one occupation.
private struct BalanceKey: Hashable {
    let establishment: EstablishmentID
    let occupation: String
}
