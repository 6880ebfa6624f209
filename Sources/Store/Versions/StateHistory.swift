import Domain
import Foundation
import PQ

/// The record of every version of every aggregate row (`aggregate_versions`, Schema/0025):
/// how writers say who they are, and the aggregates as they stood at a moment.
///
/// A trigger writes the versions, in the writing transaction; this type only reads them. The
/// engine marks each batch's writes with its business time (`markEngineChange`), a bulk load
/// marks its session (`markLoads`); a write marked by nobody is recorded as "outside", which
/// `muamala verify --state` names (`StateCheck`).
public enum StateHistory {
    /// The first statement of a batch's writes: its versions are the engine's, at `at`.
    public static func markEngineChange(at: Date) -> PipelineStatement {
        PipelineStatement(markEngine, [at])
    }

    /// Marks the connection's later writes as a bulk load (a population, a fixture).
    public static func markLoads(on db: isolated Connection) throws {
        _ = try db.query(markLoad)
    }

    // MARK: As of a moment

    /// The worker as he stood just before `moment` (the end of a day is the next day's
    /// start), with his newest permit, his open cases and his employer's name then; nil when
    /// the record has no such worker before it.
    public static func worker(_ id: PersonID, before moment: Date, on db: isolated Connection) throws -> Profiles.WorkerProfile? {
        let results = try db.pipeline([
            PipelineStatement(workerAsOf, [id.digits, moment]),
            PipelineStatement(permitAsOf, [id.digits, moment]),
            PipelineStatement(openCasesAsOf, [id.digits, moment]),
        ])
        guard let row = results[0].first else { return nil }
        let worker = try AggregateRows.worker(row).0
        let employerName = try worker.employer.flatMap { employer in
            try db.query(establishmentAsOf, [employer.description, moment]).first.map { try AggregateRows.establishment($0).0.nameEn }
        }
        return Profiles.WorkerProfile(
            worker: worker, employerName: employerName,
            permit: try results[1].first.map { try AggregateRows.permit($0).0 },
            openCases: try results[2].map { try AggregateRows.caseFile($0).0 })
    }

    /// The establishment as it stood just before `moment`: its counts (hence its band), its
    /// visa balances and visas, and the requests queued for it then.
    public static func establishment(_ id: EstablishmentID, before moment: Date, on db: isolated Connection) throws -> Profiles.EstablishmentProfile? {
        let key = id.description
        let results = try db.pipeline([
            PipelineStatement(establishmentAsOf, [key, moment]),
            PipelineStatement(queuedAsOf, [key, moment]),
            PipelineStatement(visaBalancesAsOf, [key, moment]),
            PipelineStatement(visaStatesAsOf, [key, moment]),
        ])
        guard let row = results[0].first else { return nil }
        let (establishment, expired, _) = try AggregateRows.establishment(row)
        return Profiles.EstablishmentProfile(
            establishment: establishment, expiredPermits: expired, queuedRequests: try results[1].single().decode(Int.self, at: 0),
            visaBalances: try results[2].map { row in
                let (_, occupation, balance) = try AggregateRows.visaBalance(row)
                return (occupation, balance)
            }.sorted { $0.0 < $1.0 },
            visasByState: try Profiles.visaStates(results[3]))
    }

    /// The establishment's newest certificate issued before `moment`.
    public static func latestCertificate(of id: EstablishmentID, before moment: Date, on db: isolated Connection) throws -> Certificate? {
        guard let row = try db.query(certificateAsOf, [id.description, moment]).first else { return nil }
        return try Profiles.certificate(row, of: id)
    }

    /// A case as it stood just before `moment`; nil when it was not opened yet.
    public static func caseFile(_ id: UUID, before moment: Date, on db: isolated Connection) throws -> CaseFile? {
        try db.query(caseAsOf, [id.uuidString.lowercased(), moment]).first.map { try AggregateRows.caseFile($0).0 }
    }
}

extension StateHistory {
    static let markEngine = Statement("state_history_mark_engine", """
        SELECT set_config('muamala.change_source', 'engine', true), set_config('muamala.changed_at', $1::timestamptz::text, true)
        """)
    static let markLoad = Statement("state_history_mark_load", """
        SELECT set_config('muamala.change_source', 'load', false), set_config('muamala.changed_at', '', false)
        """)

    // Each read takes a row's newest version before the moment ($2): the latest `at`, then
    // the highest `n` (a row's versions are written in the order its writers held its lock),
    // straight from the key's index (entity, key, at, n). `row(of:)` is one row by its key
    // ($1); `rows(of:by:)` every row naming $1 in `column`.

    /// The newest version of the row of `table` whose key is $1, as a row `r` of the table.
    private static func row(of table: String) -> String {
        """
        (SELECT image, removed FROM aggregate_versions WHERE entity = '\(table)' AND key = $1 AND at < $2 ORDER BY at DESC, n DESC LIMIT 1) v
        CROSS JOIN LATERAL jsonb_populate_record(NULL::\(table), v.image) r
        """
    }

    /// The newest version of every row of `table` before the moment $1, as rows `r` of it.
    static func everyRow(of table: String) -> String {
        """
        (SELECT DISTINCT ON (key) image, removed FROM aggregate_versions
         WHERE entity = '\(table)' AND at < $1 ORDER BY key, at DESC, n DESC) v
        CROSS JOIN LATERAL jsonb_populate_record(NULL::public.\(table), v.image) r
        """
    }

    /// The newest version of each row of `table` naming $1 in `column`, as rows `r`.
    private static func rows(of table: String, by column: String) -> String {
        """
        (SELECT DISTINCT ON (key) image, removed FROM aggregate_versions
         WHERE \(column) = $1 AND entity = '\(table)' AND at < $2 ORDER BY key, at DESC, n DESC) v
        CROSS JOIN LATERAL jsonb_populate_record(NULL::\(table), v.image) r
        """
    }

    static let workerAsOf = Statement("state_history_worker", """
        SELECT \(AggregateRows.workerColumns) FROM \(row(of: "workers")) WHERE NOT v.removed
        """)

    /// The newest of the worker's permits, each as it stood.
    static let permitAsOf = Statement("state_history_permit", """
        SELECT \(AggregateRows.permitColumns) FROM \(rows(of: "permits", by: "worker_id"))
        WHERE NOT v.removed ORDER BY r.updated_at DESC LIMIT 1
        """)

    static let openCasesAsOf = Statement("state_history_open_cases", """
        SELECT \(AggregateRows.caseColumns) FROM \(rows(of: "cases", by: "worker_id")) WHERE NOT v.removed AND r.open ORDER BY r.opened_at
        """)

    static let caseAsOf = Statement("state_history_case", """
        SELECT \(AggregateRows.caseColumns) FROM \(row(of: "cases")) WHERE NOT v.removed
        """)

    static let establishmentAsOf = Statement("state_history_establishment", """
        SELECT \(AggregateRows.establishmentColumns) FROM \(row(of: "establishments")) WHERE NOT v.removed
        """)

    /// Requests for the establishment submitted before the moment and not decided by then.
    static let queuedAsOf = Statement("state_history_queued", """
        SELECT ((SELECT count(*) FROM requests WHERE establishment_id = $1 AND submitted_at < $2)
              + (SELECT count(*) FROM request_history WHERE establishment_id = $1 AND submitted_at < $2 AND decided_at >= $2))::int
        """)

    static let visaBalancesAsOf = Statement("state_history_visa_balances", """
        SELECT r.establishment_id, r.occupation, r.approved, r.remaining FROM \(rows(of: "visa_balances", by: "establishment_id"))
        WHERE NOT v.removed
        """)

    static let visaStatesAsOf = Statement("state_history_visa_states", """
        SELECT r.state, count(*)::int FROM \(rows(of: "visas", by: "establishment_id")) WHERE NOT v.removed GROUP BY r.state
        """)

    static let certificateAsOf = Statement("state_history_certificate", """
        SELECT r.id, r.band, r.saudization_percent, r.issued_on, r.valid_until FROM \(rows(of: "certificates", by: "establishment_id"))
        WHERE NOT v.removed ORDER BY r.issued_on DESC, r.id DESC LIMIT 1
        """)
}
