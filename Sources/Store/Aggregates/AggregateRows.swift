import Domain
import Foundation
import PQ

/// Reading the labor aggregates out of rows (the columns their SELECTs name).
enum AggregateRows {
    static let establishmentColumns = """
        id, unified_number, cr_number, name_ar, name_en, activity, status, cr_expires_on, owner_full_time,
        suspended_until, malicious_reports, opened_on, headcount, saudi_count, saudi_weight, expired_permits, version
        """

    static func establishment(_ row: Row) throws -> (Establishment, expiredPermits: Int, version: Int) {
        let statusText = try row.decode(String.self, "status")
        guard let status = Establishment.Status(rawValue: statusText) else {
            throw PQError(.decoding, "row \(row.index): unknown establishment status \(statusText)", column: "status")
        }
        let establishment = Establishment(
            id: try establishmentID(row, "id"), unifiedNumber: UnifiedNumber(trusted: try row.decode(String.self, "unified_number")),
            cr: CRNumber(trusted: try row.decode(String.self, "cr_number")), nameAr: try row.decode(String.self, "name_ar"),
            nameEn: try row.decode(String.self, "name_en"), activity: try row.decode(String.self, "activity"), status: status,
            crExpiresOn: try day(row, "cr_expires_on"), ownerFullTime: try row.decode(Bool.self, "owner_full_time"),
            suspendedUntil: try optionalDay(row, "suspended_until"), maliciousReports: try row.decode(Int.self, "malicious_reports"),
            openedOn: try day(row, "opened_on"), headcount: try row.decode(Int.self, "headcount"),
            saudiCount: try row.decode(Int.self, "saudi_count"), saudiWeight: try row.decode(Double.self, "saudi_weight"))
        return (establishment, try row.decode(Int.self, "expired_permits"), try row.decode(Int.self, "version"))
    }

    static let workerColumns = """
        id, name, nationality, birth_date, establishment_id, occupation, wage, part_time, disabled, employment,
        arrived_on, contract_ends_on, iqama_expires_on, transfer_count, generic_title_corrected, guardian_id, version
        """

    static func worker(_ row: Row) throws -> (Worker, version: Int) {
        let employmentText = try row.decode(String.self, "employment")
        guard let employment = Worker.Employment(rawValue: employmentText) else {
            throw PQError(.decoding, "row \(row.index): unknown employment \(employmentText)", column: "employment")
        }
        let worker = Worker(
            id: PersonID(trusted: try row.decode(String.self, "id")), name: try row.decode(String.self, "name"),
            nationality: try row.decode(String.self, "nationality"), birthDate: try day(row, "birth_date"),
            employer: try row.decode(String?.self, "establishment_id").map { try EstablishmentID($0) },
            occupation: try row.decode(String.self, "occupation"), wage: try row.decode(Int.self, "wage"),
            partTime: try row.decode(Bool.self, "part_time"), disabled: try row.decode(Bool.self, "disabled"),
            employment: employment, arrivedOn: try optionalDay(row, "arrived_on"),
            contractEndsOn: try optionalDay(row, "contract_ends_on"), iqamaExpiresOn: try optionalDay(row, "iqama_expires_on"),
            transferCount: try row.decode(Int.self, "transfer_count"),
            genericTitleCorrected: try row.decode(Bool.self, "generic_title_corrected"),
            guardian: try row.decode(String?.self, "guardian_id").map { PersonID(trusted: $0) })
        return (worker, try row.decode(Int.self, "version"))
    }

    static let permitColumns = """
        id, worker_id, establishment_id, kind, state, valid_from, expires_on, months, levy, fee, extensions, version
        """

    static func permit(_ row: Row) throws -> (Permit, version: Int) {
        let kindText = try row.decode(String.self, "kind")
        let stateText = try row.decode(String.self, "state")
        guard let kind = Permit.Kind(rawValue: kindText), let state = WorkPermitFlow.State(rawValue: stateText) else {
            throw PQError(.decoding, "row \(row.index): unknown permit kind or state \(kindText)/\(stateText)")
        }
        let permit = Permit(
            id: try row.decode(UUID.self, "id"), worker: PersonID(trusted: try row.decode(String.self, "worker_id")),
            establishment: try establishmentID(row, "establishment_id"), kind: kind, state: state,
            validFrom: try day(row, "valid_from"), expiresOn: try day(row, "expires_on"), months: try row.decode(Int.self, "months"),
            levy: try row.decode(Int.self, "levy"), fee: try row.decode(Int.self, "fee"), extensions: try row.decode(Int.self, "extensions"))
        return (permit, try row.decode(Int.self, "version"))
    }

    static let caseColumns = """
        id, kind, worker_id, establishment_id, counterpart_id, state, opened_at, opened_on, deadline, details::text AS details, version
        """

    static func caseFile(_ row: Row) throws -> (CaseFile, version: Int) {
        let kindText = try row.decode(String.self, "kind")
        guard let kind = CaseFile.Kind(rawValue: kindText) else {
            throw PQError(.decoding, "row \(row.index): unknown case kind \(kindText)", column: "kind")
        }
        let details = try JSONCoding.decode(try row.decode(String.self, "details")).objectValue ?? [:]
        let file = CaseFile(
            id: try row.decode(UUID.self, "id"), kind: kind, worker: PersonID(trusted: try row.decode(String.self, "worker_id")),
            establishment: try establishmentID(row, "establishment_id"),
            counterpart: try row.decode(String?.self, "counterpart_id").map { try EstablishmentID($0) },
            state: try row.decode(String.self, "state"), openedAt: try row.decode(Date.self, "opened_at"),
            openedOn: try day(row, "opened_on"), deadline: try optionalDay(row, "deadline"), details: details)
        return (file, try row.decode(Int.self, "version"))
    }

    static func establishmentID(_ row: Row, _ column: String) throws -> EstablishmentID {
        let text = try row.decode(String.self, column)
        do { return try EstablishmentID(text) } catch {
            throw PQError(.decoding, "row \(row.index): \(column) \(text) is not an establishment number", column: column)
        }
    }

    /// `date` columns read as midnight UTC; a `Day` counts Riyadh days, which start three
    /// hours earlier, so the conversion goes through the calendar date itself.
    static func day(_ row: Row, _ column: String) throws -> Day {
        Day(utcMidnight: try row.decode(Date.self, column))
    }

    static func optionalDay(_ row: Row, _ column: String) throws -> Day? {
        try row.decode(Date?.self, column).map(Day.init(utcMidnight:))
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
