import Domain
import Engine
import Foundation
import PQ
import Store
import TestSupport

/// An engine in this process, on a scratch database: intake, and a way to decide
/// everything that is due.
struct TestEngine {
    let database: ScratchDatabase
    let pool: ConnectionPool
    let clock: EngineClock
    let processor: BatchProcessor
    let intake: Intake
    /// Intake as the daemon runs it: a submission that waits is decided at once when it can be.
    let decidingIntake: Intake

    init(_ database: ScratchDatabase, clock: EngineClock.Mode = .system, batchSize: Int = 64) throws {
        self.database = database
        pool = database.pool(size: 6)
        self.clock = EngineClock(mode: clock)
        processor = BatchProcessor(rulebook: try TestRulebook.load(), clock: self.clock, batchSize: batchSize)
        intake = Intake(pool: pool, clock: self.clock, wake: nil)
        decidingIntake = Intake(pool: pool, clock: self.clock, wake: nil, decider: processor)
    }

    /// Runs batches until nothing is due; returns how many requests were decided.
    @discardableResult
    func drain() async throws -> Int {
        var total = 0
        while true {
            let processor = self.processor
            let report = try await pool.withConnection { connection in
                try await connection.withTransaction { db in try processor.run(on: db) }
            }
            if report.claimed == 0 { return total }
            total += report.claimed
        }
    }

    /// Submits and fails the test setup when the submission is refused.
    @discardableResult
    /// `waiting`: as a caller that waits for the decision, through the daemon's intake.
    func submit(_ service: String, _ payload: JSONValue, as principal: AccountStore.Principal, key: String = UUID().uuidString,
                waiting: Bool = false) async throws -> RequestRecord {
        let submission = Intake.Submission(service: service, payload: payload, idempotencyKey: key, notify: waiting)
        switch try await (waiting ? decidingIntake : intake).submit(submission, by: principal) {
        case .success(let accepted): return accepted.record
        case .failure(let refusal): throw SetupError("submission refused: \(refusal)")
        }
    }

    func find(_ id: UUID) async throws -> RequestRecord? {
        try await pool.withConnection { connection in try await connection.run { db in try RequestQueue.find(id, on: db) } }
    }

    func scalar<T: PostgresDecodable>(_ sql: String, _ parameters: [(any PostgresEncodable)?] = [], as type: T.Type = T.self) async throws -> T {
        try await pool.withConnection { connection in
            try await connection.query(sql, parameters).single().decode(T.self, at: 0)
        }
    }

    func run<T: Sendable>(_ body: @escaping @Sendable (isolated Connection) throws -> T) async throws -> T {
        try await pool.withConnection { connection in try await connection.run(body) }
    }

    func close() async { await pool.close() }
}

/// A staff principal that needs no account.
let staff = AccountStore.Principal(user: .cliOperator("tests"), grants: [])

/// Requests to register a worker and issue and pay a 12-month permit.
func hiringPayloads(_ worker: PersonID, at establishment: String, arrived: String) -> [(String, JSONValue)] {
    [
        ("worker.register", [
            "worker_id": .string(worker.digits), "establishment_id": .string(establishment), "name": "Test Worker",
            "nationality": "IND", "birth_date": "1990-05-05", "occupation": "mason", "wage": 2500, "arrived_on": .string(arrived),
        ]),
        ("work-permit.issue", ["worker_id": .string(worker.digits), "establishment_id": .string(establishment), "months": 12]),
    ]
}
