import Foundation
import PQ
import Store
import Testing
import TestSupport

/// The rules that must never break are enforced by the database too: these statements go
/// around the application entirely and are refused.
@Suite("Database invariants")
struct InvariantTests {
    private func setUp(_ db: isolated Connection) throws {
        try Fixtures.establishment("1-1", on: db)
        try Fixtures.worker(Fixtures.person(1), at: "1-1", on: db)
    }

    private func insertCase(_ kind: String, _ state: String, on db: isolated Connection) throws {
        try db.query("""
            INSERT INTO cases (id, kind, worker_id, establishment_id, state, opened_at, opened_on)
            VALUES ($1, $2, $3, '1-1', $4, now(), current_date)
            """, [UUID(), kind, Fixtures.person(1).digits, state])
    }

    @Test("a second valid permit for one worker is refused")
    func secondPermit() async throws {
        try await withScratchDatabase { database in
            let connection = try await database.connect()
            try await connection.run { db in
                try setUp(db)
                try Fixtures.permit(Fixtures.person(1), at: "1-1", expiresOn: "2027-01-01", on: db)
            }
            let error = await #expect(throws: PQError.self) {
                try await connection.run { db in try Fixtures.permit(Fixtures.person(1), at: "1-1", expiresOn: "2028-01-01", state: "invoiced", on: db) }
            }
            #expect(error?.sqlState == .uniqueViolation)
            #expect(error?.constraint == "permits_one_valid")
            // An expired or void one beside the valid one is history, and allowed.
            try await connection.run { db in try Fixtures.permit(Fixtures.person(1), at: "1-1", expiresOn: "2025-01-01", state: "void", on: db) }
        }
    }

    @Test("a second open case of a kind is refused (absence report, transfer, unused final exit)", arguments: [
        ("absence_report", "open", "open", "cancelled"),
        ("transfer", "pending_worker", "awaiting_fee", "lapsed"),
        ("final_exit", "issued", "pending_employer", "used"),
        ("occupation_change", "pending_worker", "awaiting_fee", "rejected"),
    ])
    func secondOpenCase(kind: String, first: String, second: String, closed: String) async throws {
        try await withScratchDatabase { database in
            let connection = try await database.connect()
            try await connection.run { db in
                try setUp(db)
                try insertCase(kind, first, on: db)
            }
            let error = await #expect(throws: PQError.self) {
                try await connection.run { db in try insertCase(kind, second, on: db) }
            }
            #expect(error?.sqlState == .uniqueViolation)
            #expect(error?.constraint == "cases_one_open_per_kind")
            // Closed cases are history: any number of them.
            try await connection.run { db in
                try insertCase(kind, closed, on: db)
                try insertCase(kind, closed, on: db)
            }
        }
    }

    @Test("a state that the kind's workflow does not have is refused")
    func unknownState() async throws {
        try await withScratchDatabase { database in
            let connection = try await database.connect()
            try await connection.run { db in try setUp(db) }
            let error = await #expect(throws: PQError.self) {
                try await connection.run { db in try insertCase("absence_report", "pending_worker", on: db) }
            }
            #expect(error?.sqlState == .checkViolation)
        }
    }

    @Test("counts cannot go negative; a Saudi count above the headcount is refused")
    func counts() async throws {
        try await withScratchDatabase { database in
            let connection = try await database.connect()
            try await connection.run { db in try setUp(db) }
            await #expect(throws: PQError.self) { try await connection.query("UPDATE establishments SET headcount = -1 WHERE id = '1-1'") }
            await #expect(throws: PQError.self) { try await connection.query("UPDATE establishments SET saudi_count = headcount + 1 WHERE id = '1-1'") }
            await #expect(throws: PQError.self) { try await connection.query("UPDATE establishments SET expired_permits = -1 WHERE id = '1-1'") }
        }
    }
}
