import Domain
import Foundation
import PQ

/// Reading the labor aggregates out of rows (the columns their SELECTs name).
///
/// Each aggregate's columns are an enum whose cases give the SELECT list, in order, so a
/// decoder reads every value by its position: finding each by name in every row was ~6% of
/// the engine's database threads under load (BENCHMARKS.md, "The hot path on the event loop").
enum AggregateRows {
    enum EstablishmentColumn: Int, SelectColumn {
        case id, unifiedNumber, crNumber, nameAr, nameEn, activity, status, crExpiresOn, ownerFullTime
        case suspendedUntil, maliciousReports, openedOn, headcount, saudiCount, saudiWeight, expiredPermits, levyExemptExpats, version
    }

    static let establishmentColumns = EstablishmentColumn.selectList

    static func establishment(_ row: Row) throws -> (Establishment, expiredPermits: Int, version: Int) {
        typealias C = EstablishmentColumn
        let statusText = try row.decode(String.self, C.status)
        guard let status = Establishment.Status(rawValue: statusText) else {
            throw PQError(.decoding, "row \(row.index): unknown establishment status \(statusText)", column: "status")
        }
        let establishment = Establishment(
            id: try establishmentID(row, C.id), unifiedNumber: UnifiedNumber(trusted: try row.decode(String.self, C.unifiedNumber)),
            cr: CRNumber(trusted: try row.decode(String.self, C.crNumber)), nameAr: try row.decode(String.self, C.nameAr),
            nameEn: try row.decode(String.self, C.nameEn), activity: try row.decode(String.self, C.activity), status: status,
            crExpiresOn: try day(row, C.crExpiresOn), ownerFullTime: try row.decode(Bool.self, C.ownerFullTime),
            suspendedUntil: try optionalDay(row, C.suspendedUntil), maliciousReports: try row.decode(Int.self, C.maliciousReports),
            openedOn: try day(row, C.openedOn), headcount: try row.decode(Int.self, C.headcount),
            saudiCount: try row.decode(Int.self, C.saudiCount), saudiWeight: try row.decode(Double.self, C.saudiWeight),
            levyExemptExpats: try row.decode(Int.self, C.levyExemptExpats))
        return (establishment, try row.decode(Int.self, C.expiredPermits), try row.decode(Int.self, C.version))
    }

    enum WorkerColumn: Int, SelectColumn {
        case id, name, nationality, birthDate, establishmentId, occupation, wage, partTime, disabled, employment
        case arrivedOn, contractEndsOn, iqamaExpiresOn, transferCount, genericTitleCorrected, guardianId
        case lastEstablishmentId, levyExempt, version
    }

    static let workerColumns = WorkerColumn.selectList

    static func worker(_ row: Row) throws -> (Worker, version: Int) {
        typealias C = WorkerColumn
        let employmentText = try row.decode(String.self, C.employment)
        guard let employment = Worker.Employment(rawValue: employmentText) else {
            throw PQError(.decoding, "row \(row.index): unknown employment \(employmentText)", column: "employment")
        }
        let worker = Worker(
            id: PersonID(trusted: try row.decode(String.self, C.id)), name: try row.decode(String.self, C.name),
            nationality: try row.decode(String.self, C.nationality), birthDate: try day(row, C.birthDate),
            employer: try row.decode(String?.self, C.establishmentId).map { try EstablishmentID($0) },
            occupation: try row.decode(String.self, C.occupation), wage: try row.decode(Int.self, C.wage),
            partTime: try row.decode(Bool.self, C.partTime), disabled: try row.decode(Bool.self, C.disabled),
            employment: employment, arrivedOn: try optionalDay(row, C.arrivedOn),
            contractEndsOn: try optionalDay(row, C.contractEndsOn), iqamaExpiresOn: try optionalDay(row, C.iqamaExpiresOn),
            transferCount: try row.decode(Int.self, C.transferCount),
            genericTitleCorrected: try row.decode(Bool.self, C.genericTitleCorrected),
            guardian: try row.decode(String?.self, C.guardianId).map { PersonID(trusted: $0) },
            lastEmployer: try row.decode(String?.self, C.lastEstablishmentId).map { try EstablishmentID($0) },
            levyExempt: try row.decode(Bool.self, C.levyExempt))
        return (worker, try row.decode(Int.self, C.version))
    }

    enum PermitColumn: Int, SelectColumn {
        case id, workerId, establishmentId, kind, state, validFrom, expiresOn, months, levy, fee, extensions, version
    }

    static let permitColumns = PermitColumn.selectList

    static func permit(_ row: Row) throws -> (Permit, version: Int) {
        typealias C = PermitColumn
        let kindText = try row.decode(String.self, C.kind)
        let stateText = try row.decode(String.self, C.state)
        guard let kind = Permit.Kind(rawValue: kindText), let state = WorkPermitFlow.State(rawValue: stateText) else {
            throw PQError(.decoding, "row \(row.index): unknown permit kind or state \(kindText)/\(stateText)")
        }
        let permit = Permit(
            id: try row.decode(UUID.self, C.id), worker: PersonID(trusted: try row.decode(String.self, C.workerId)),
            establishment: try establishmentID(row, C.establishmentId), kind: kind, state: state,
            validFrom: try day(row, C.validFrom), expiresOn: try day(row, C.expiresOn), months: try row.decode(Int.self, C.months),
            levy: try row.decode(Int.self, C.levy), fee: try row.decode(Int.self, C.fee),
            extensions: try row.decode(Int.self, C.extensions))
        return (permit, try row.decode(Int.self, C.version))
    }

    enum CaseColumn: Int, SelectColumn {
        case id, kind, workerId, establishmentId, counterpartId, state, openedAt, openedOn, deadline, details, version

        /// The details go out as text, which `JSONCoding` parses.
        var selectExpression: String { self == .details ? "details::text AS details" : sqlName }
    }

    static let caseColumns = CaseColumn.selectList

    static func caseFile(_ row: Row) throws -> (CaseFile, version: Int) {
        typealias C = CaseColumn
        let kindText = try row.decode(String.self, C.kind)
        guard let kind = CaseFile.Kind(rawValue: kindText) else {
            throw PQError(.decoding, "row \(row.index): unknown case kind \(kindText)", column: "kind")
        }
        let details = try JSONCoding.decode(try row.decode(String.self, C.details)).objectValue ?? [:]
        let establishment = try establishmentID(row, C.establishmentId)
        // An establishment's own case has no worker (Schema/0022).
        let subject = try row.decode(String?.self, C.workerId).map { Subject.worker(PersonID(trusted: $0)) } ?? .establishment(establishment)
        let file = CaseFile(
            id: try row.decode(UUID.self, C.id), kind: kind, subject: subject, establishment: establishment,
            counterpart: try row.decode(String?.self, C.counterpartId).map { try EstablishmentID($0) },
            state: try row.decode(String.self, C.state), openedAt: try row.decode(Date.self, C.openedAt),
            openedOn: try day(row, C.openedOn), deadline: try optionalDay(row, C.deadline), details: details)
        return (file, try row.decode(Int.self, C.version))
    }

    enum VisaColumn: Int, SelectColumn {
        case id, establishmentId, caseId, occupation, nationality, state, issuedOn, expiresOn, fee, refund
        case replacesWorkerId, usedByWorkerId, endedOn, version
    }

    static let visaColumns = VisaColumn.selectList

    /// A visa, whether a visa of its package was used (the column after the visa's), and its version.
    static func visa(_ row: Row) throws -> (Visa, packageUsed: Bool, version: Int) {
        typealias C = VisaColumn
        let stateText = try row.decode(String.self, C.state)
        guard let state = VisaFlow.State(rawValue: stateText) else {
            throw PQError(.decoding, "row \(row.index): unknown visa state \(stateText)", column: "state")
        }
        let visa = Visa(
            id: try row.decode(String.self, C.id), establishment: try establishmentID(row, C.establishmentId),
            caseID: try row.decode(UUID.self, C.caseId), occupation: try row.decode(String.self, C.occupation),
            nationality: try row.decode(String.self, C.nationality), state: state, issuedOn: try day(row, C.issuedOn),
            expiresOn: try day(row, C.expiresOn), fee: try row.decode(Int.self, C.fee), refund: try row.decode(Int?.self, C.refund),
            replaces: try row.decode(String?.self, C.replacesWorkerId).map { PersonID(trusted: $0) },
            usedBy: try row.decode(String?.self, C.usedByWorkerId).map { PersonID(trusted: $0) },
            endedOn: try optionalDay(row, C.endedOn))
        return (visa, try row.decode(Bool.self, at: VisaColumn.allCases.count), try row.decode(Int.self, C.version))
    }

    enum AuthorizationColumn: Int, SelectColumn {
        case id, kind, personId, establishmentId, services, endsOn, poaNumber, poaAuthority, grantedBy, state, grantedOn, endedOn, version
    }

    static let authorizationColumns = AuthorizationColumn.selectList

    static func authorization(_ row: Row) throws -> (Authorization, version: Int) {
        typealias C = AuthorizationColumn
        let kindText = try row.decode(String.self, C.kind), stateText = try row.decode(String.self, C.state)
        guard let kind = Authorization.Kind(rawValue: kindText), let state = AuthorizationFlow.State(rawValue: stateText) else {
            throw PQError(.decoding, "row \(row.index): unknown authorization \(kindText) \(stateText)", column: "kind")
        }
        let number = try row.decode(String?.self, C.poaNumber), authority = try row.decode(String?.self, C.poaAuthority)
        let authorization = Authorization(
            id: try row.decode(UUID.self, C.id), kind: kind, person: PersonID(trusted: try row.decode(String.self, C.personId)),
            establishment: try establishmentID(row, C.establishmentId), services: try row.decode([String].self, C.services),
            endsOn: try optionalDay(row, C.endsOn),
            powerOfAttorney: number.flatMap { number in authority.map { Authorization.PowerOfAttorney(number: number, authority: $0) } },
            grantedBy: try row.decode(String.self, C.grantedBy), state: state, grantedOn: try day(row, C.grantedOn),
            endedOn: try optionalDay(row, C.endedOn))
        return (authorization, try row.decode(Int.self, C.version))
    }

    /// A row of the registered accounts: id, person_id, name, registered_on.
    static func account(_ row: Row) throws -> PortalAccount {
        PortalAccount(id: try row.decode(UUID.self, at: 0), person: PersonID(trusted: try row.decode(String.self, at: 1)),
                      name: try row.decode(String.self, at: 2), registeredOn: Day(utcMidnight: try row.decode(Date.self, at: 3)))
    }

    /// A row of `visa_balances`: establishment, occupation, approved, remaining.
    static func visaBalance(_ row: Row) throws -> (EstablishmentID, String, VisaBalance) {
        (try establishmentID(row, 0), try row.decode(String.self, at: 1),
         VisaBalance(approved: try row.decode(Int.self, at: 2), remaining: try row.decode(Int.self, at: 3)))
    }

    /// A row of the visa counts: establishment, visas issued, compensatory visas this year.
    static func visaCounts(_ row: Row) throws -> (EstablishmentID, VisaCounts) {
        (try establishmentID(row, 0), VisaCounts(issued: try row.decode(Int.self, at: 1), compensatoryThisYear: try row.decode(Int.self, at: 2)))
    }

    static func establishmentID(_ row: Row, _ column: some SelectColumn) throws -> EstablishmentID {
        try establishmentID(row, column.rawValue, name: column.sqlName)
    }

    static func establishmentID(_ row: Row, _ index: Int, name: String = "establishment_id") throws -> EstablishmentID {
        let text = try row.decode(String.self, at: index)
        do { return try EstablishmentID(text) } catch {
            throw PQError(.decoding, "row \(row.index): \(name) \(text) is not an establishment number", column: name)
        }
    }

    /// `date` columns read as midnight UTC; a `Day` counts Riyadh days, which start three
    /// hours earlier, so the conversion goes through the calendar date itself.
    static func day(_ row: Row, _ column: some SelectColumn) throws -> Day {
        Day(utcMidnight: try row.decode(Date.self, column))
    }

    static func optionalDay(_ row: Row, _ column: some SelectColumn) throws -> Day? {
        try row.decode(Date?.self, column).map(Day.init(utcMidnight:))
    }
}

/// One column of a SELECT list whose order its cases fix: case `birthDate` is column
/// `birth_date`, at the case's position.
protocol SelectColumn: RawRepresentable<Int>, CaseIterable, Sendable {
    /// What the SELECT list says for this column (its name unless a case needs a cast).
    var selectExpression: String { get }
}

extension SelectColumn {
    /// The column's name in SQL: the case's name in snake case.
    var sqlName: String { String(describing: self).snakeCased }

    var selectExpression: String { sqlName }

    /// Every column, in the cases' order: the list a SELECT names (its positions are the raw values).
    static var selectList: String {
        precondition(allCases.enumerated().allSatisfy { $0.offset == $0.element.rawValue }, "\(Self.self): cases out of order")
        return allCases.map(\.selectExpression).joined(separator: ", ")
    }
}

extension Row {
    /// Decodes the value of a column of a SELECT list that `C` made.
    func decode<T: PostgresDecodable, C: SelectColumn>(_ type: T.Type = T.self, _ column: C) throws -> T {
        try decode(type, at: column.rawValue)
    }
}

extension Day {
    /// The calendar date of a `date` column (which decodes as midnight UTC).
    init(utcMidnight date: Date) {
        self.init(number: Int((date.timeIntervalSince1970 / 86_400).rounded(.down)))
    }

    /// The text a `date` parameter takes.
    var sqlDate: String { iso }
}

/// `Day` goes to SQL as `YYYY-MM-DD`, or in binary as a `date`: days from 2000-01-01.
extension Day: PostgresEncodable {
    public var postgresText: String { iso }

    public func appendBinary(as type: OID, to buffer: inout [UInt8]) throws -> Bool {
        guard type == .date, let days = Int32(exactly: number - BinaryParameter.epochOffsetDays) else { return false }
        BinaryParameter.append(days, to: &buffer)
        return true
    }
}
