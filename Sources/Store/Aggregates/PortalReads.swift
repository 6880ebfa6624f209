import Domain
import Foundation
import PQ

/// What a portal reads about an establishment and its workers, beyond the operators'
/// profiles: the workers page by page, the newest certificate, a case by its id, the
/// establishments of a company. Every statement is here; who may read what is the Engine's
/// (`Operations`, `AccessPolicy`).
extension Profiles {
    /// A worker as a list shows him, with his newest permit.
    public struct WorkerLine: Sendable {
        public let worker: Worker
        public let permit: Permit?
    }

    /// The establishment's workers (employed there, and the dependents it sponsors) after
    /// `after` in the order of their numbers, at most `limit`: two round trips, each through
    /// an index (`workers_establishment_id`, then each worker's permits).
    public static func workers(of establishment: EstablishmentID, after: PersonID?, limit: Int, on db: isolated Connection) throws -> [WorkerLine] {
        let workers = try db.query(workersOf, [establishment.description, after?.digits ?? "", min(max(limit, 1), 500)])
            .map { try AggregateRows.worker($0).0 }
        guard !workers.isEmpty else { return [] }
        let permits = try db.query(AggregateStore.loadPermits, [workers.map(\.id.digits)]).map { try AggregateRows.permit($0).0 }
        let byWorker = Dictionary(permits.map { ($0.worker, $0) }, uniquingKeysWith: { first, _ in first })
        return workers.map { WorkerLine(worker: $0, permit: byWorker[$0.id]) }
    }

    /// A case by its id, open or closed.
    public static func caseFile(_ id: UUID, on db: isolated Connection) throws -> CaseFile? {
        try db.query(AggregateStore.loadCasesByID, [[id]]).first.map { try AggregateRows.caseFile($0).0 }
    }

    /// The establishment's newest Saudization certificate.
    public static func latestCertificate(of establishment: EstablishmentID, on db: isolated Connection) throws -> Certificate? {
        guard let row = try db.query(latestCertificateOf, [establishment.description]).first else { return nil }
        return try certificate(row, of: establishment)
    }

    /// A certificate from a row of (id, band, saudization_percent, issued_on, valid_until).
    static func certificate(_ row: Row, of establishment: EstablishmentID) throws -> Certificate? {
        guard let band = NitaqatBand(rawValue: try row.decode(String.self, at: 1)) else { return nil }
        return Certificate(id: try row.decode(UUID.self, at: 0), establishment: establishment, band: band,
                           saudizationPercent: try row.decode(Double.self, at: 2),
                           issuedOn: Day(utcMidnight: try row.decode(Date.self, at: 3)),
                           validUntil: Day(utcMidnight: try row.decode(Date.self, at: 4)))
    }

    /// The establishments of a unified number, in order, at most `limit`.
    public static func establishments(of company: UnifiedNumber, limit: Int, on db: isolated Connection) throws -> [EstablishmentID] {
        try db.query(establishmentsOf, [company.digits, limit]).map { try AggregateRows.establishmentID($0, Column.id) }
    }

    /// The establishments of `companies` and the `granted` ones, in the order of their
    /// numbers, after `after` (a page of what a person acts for).
    public static func establishments(ofCompanies companies: [String], granted: [String], after: EstablishmentID?, limit: Int,
                                      on db: isolated Connection) throws -> [EstablishmentID] {
        try db.query(establishmentsActedFor, [companies, granted, after?.description ?? "", limit]).map { try AggregateRows.establishmentID($0, 0) }
    }

    /// Who a worker's file belongs to, for the access check before anything else is read:
    /// his employer and its company (nil when there is no such worker). One indexed probe,
    /// the same whether the worker is the caller's or not, so that the time of a refusal
    /// says nothing more than its answer.
    public static func workerOwner(_ id: PersonID, on db: isolated Connection) throws -> (employer: EstablishmentID?, company: UnifiedNumber?)? {
        guard let row = try db.query(workerOwnerOf, [id.digits]).first else { return nil }
        let employer = try row.decode(String?.self, at: 0).flatMap { try? EstablishmentID($0) }
        return (employer, try row.decode(String?.self, at: 1).map { UnifiedNumber(trusted: $0) })
    }

    /// A case's worker (none for an establishment's own case) and sides with their companies,
    /// for the access check before the case is read.
    public struct CaseSides: Sendable {
        public let worker: PersonID?
        public let establishment: EstablishmentID
        public let counterpart: EstablishmentID?
        public let companies: [EstablishmentID: UnifiedNumber]
    }

    public static func caseSides(_ id: UUID, on db: isolated Connection) throws -> CaseSides? {
        guard let row = try db.query(caseSidesOf, [id]).first else { return nil }
        let establishment = try EstablishmentID(try row.decode(String.self, at: 1))
        let counterpart = try row.decode(String?.self, at: 2).map { try EstablishmentID($0) }
        var companies: [EstablishmentID: UnifiedNumber] = [:]
        if let company = try row.decode(String?.self, at: 3) { companies[establishment] = UnifiedNumber(trusted: company) }
        if let counterpart, let company = try row.decode(String?.self, at: 4) { companies[counterpart] = UnifiedNumber(trusted: company) }
        return CaseSides(worker: try row.decode(String?.self, at: 0).map { PersonID(trusted: $0) }, establishment: establishment,
                         counterpart: counterpart, companies: companies)
    }

    /// The one column the id list reads.
    enum Column: Int, SelectColumn { case id }

    static let workersOf = Statement("profiles_workers_of", """
        SELECT \(AggregateRows.workerColumns) FROM workers
        WHERE establishment_id = $1 AND id > $2 ORDER BY id LIMIT $3
        """)
    static let latestCertificateOf = Statement("profiles_latest_certificate", """
        SELECT id, band, saudization_percent, issued_on, valid_until FROM certificates
        WHERE establishment_id = $1 ORDER BY issued_on DESC, id DESC LIMIT 1
        """)
    static let workerOwnerOf = Statement("profiles_worker_owner", """
        SELECT w.establishment_id, e.unified_number FROM workers w LEFT JOIN establishments e ON e.id = w.establishment_id
        WHERE w.id = $1
        """)
    static let caseSidesOf = Statement("profiles_case_sides", """
        SELECT c.worker_id, c.establishment_id, c.counterpart_id, e.unified_number, o.unified_number
        FROM cases c
        LEFT JOIN establishments e ON e.id = c.establishment_id
        LEFT JOIN establishments o ON o.id = c.counterpart_id
        WHERE c.id = $1
        """)
    static let establishmentsOf = Statement("profiles_establishments_of", """
        SELECT id FROM establishments WHERE unified_number = $1 ORDER BY id LIMIT $2
        """)
    /// Each company's establishments by its index, the granted ones by the primary key.
    static let establishmentsActedFor = Statement("profiles_establishments_acted_for", """
        SELECT e.id FROM (
            SELECT id FROM establishments WHERE unified_number = ANY($1::text[])
            UNION
            SELECT id FROM establishments WHERE id = ANY($2::text[])
        ) e
        WHERE e.id > $3 ORDER BY e.id LIMIT $4
        """)
}
