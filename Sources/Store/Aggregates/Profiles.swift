import Domain
import Foundation
import PQ

/// Read models for operators: a worker or an establishment with what surrounds it.
public enum Profiles {
    public struct WorkerProfile: Sendable, Encodable {
        public let worker: Worker
        public let employerName: String?
        public let permit: Permit?
        public let openCases: [CaseFile]

        enum CodingKeys: String, CodingKey { case worker, employerName = "employer_name", permit, openCases = "open_cases" }
    }

    /// One round trip (pipelined): the worker, the newest permit, the open cases, the employer's name.
    public static func worker(_ id: PersonID, on db: isolated Connection) throws -> WorkerProfile? {
        let results = try db.pipeline([
            PipelineStatement(AggregateStore.loadWorkers, [[id.digits]]),
            PipelineStatement(AggregateStore.loadPermits, [[id.digits]]),
            PipelineStatement(AggregateStore.loadOpenCases, [[id.digits]]),
            PipelineStatement(employerName, [id.digits]),
        ])
        guard let row = results[0].first else { return nil }
        return WorkerProfile(
            worker: try AggregateRows.worker(row).0,
            employerName: try results[3].first?.decode(String?.self, at: 0),
            permit: try results[1].first.map { try AggregateRows.permit($0).0 },
            openCases: try results[2].map { try AggregateRows.caseFile($0).0 })
    }

    public struct EstablishmentProfile: Sendable {
        public let establishment: Establishment
        public let expiredPermits: Int
        public let queuedRequests: Int
        /// The approved visa balance by occupation, in occupation order.
        public let visaBalances: [(occupation: String, balance: VisaBalance)]
        /// How many of its visas are in each state.
        public let visasByState: [VisaFlow.State: Int]
    }

    public static func establishment(_ id: EstablishmentID, on db: isolated Connection) throws -> EstablishmentProfile? {
        let results = try db.pipeline([
            PipelineStatement(establishmentByID, [id.description]),
            PipelineStatement(queuedFor, [id.description]),
            PipelineStatement(AggregateStore.loadVisaBalances, [[id.description]]),
            PipelineStatement(visaStatesOf, [id.description]),
        ])
        guard let row = results[0].first else { return nil }
        let (establishment, expired, _) = try AggregateRows.establishment(row)
        return EstablishmentProfile(
            establishment: establishment, expiredPermits: expired, queuedRequests: try results[1].single().decode(Int.self, at: 0),
            visaBalances: try results[2].map { row in
                let (_, occupation, balance) = try AggregateRows.visaBalance(row)
                return (occupation, balance)
            }.sorted { $0.0 < $1.0 },
            visasByState: try visaStates(results[3]))
    }

    /// How many visas are in each state, from rows of (state, count).
    static func visaStates(_ rows: QueryResult) throws -> [VisaFlow.State: Int] {
        var states: [VisaFlow.State: Int] = [:]
        for row in rows {
            if let state = VisaFlow.State(rawValue: try row.decode(String.self, at: 0)) { states[state] = try row.decode(Int.self, at: 1) }
        }
        return states
    }

    static let employerName = Statement("profiles_employer_name", """
        SELECT e.name_en FROM workers w JOIN establishments e ON e.id = w.establishment_id WHERE w.id = $1
        """)
    static let establishmentByID = Statement("profiles_establishment", """
        SELECT \(AggregateRows.establishmentColumns) FROM establishments WHERE id = $1
        """)
    static let queuedFor = Statement("profiles_queued_for", "SELECT count(*)::int FROM requests WHERE establishment_id = $1")
    static let visaStatesOf = Statement("profiles_visa_states", """
        SELECT state, count(*)::int FROM visas WHERE establishment_id = $1 GROUP BY state
        """)
}
