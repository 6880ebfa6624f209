import Domain
import Foundation
import PQ
import Store
import Testing
import TestSupport

/// What `AggregateStore.load` brings back for a batch's needs: every establishment the loaded
/// rows name, whether or not the requests named it, each once, with its company's
/// expired-permit total; and every value in its field.
@Suite("Aggregate loads")
struct AggregateLoadTests {
    static let worker = Fixtures.person(1)
    static let dependent = Fixtures.person(2)
    static let companyA = UnifiedNumber(trusted: "7000000001")
    static let companyB = UnifiedNumber(trusted: "7000000002")

    /// 1-1 and 1-2 belong to company A, 1-3 to company B. The worker works at 1-1, holds his
    /// permit at 1-2 and has an open transfer to 1-3; 1-2 holds an expired permit of another
    /// worker, so company A's total is 1.
    private func setUp(_ db: isolated Connection) throws {
        try Fixtures.establishment("1-1", company: Self.companyA.digits, cr: "1010000001", on: db)
        try Fixtures.establishment("1-2", company: Self.companyA.digits, cr: "1010000002", on: db)
        try Fixtures.establishment("1-3", company: Self.companyB.digits, cr: "1010000003", on: db)
        try Fixtures.worker(Self.worker, at: "1-1", wage: 6100, occupation: "electrician", contractEndsOn: "2030-06-30", on: db)
        try Fixtures.permit(Self.worker, at: "1-2", expiresOn: "2027-03-01", on: db)
        try Fixtures.worker(Fixtures.person(3), at: "1-2", on: db)
        try Fixtures.permit(Fixtures.person(3), at: "1-2", expiresOn: "2025-01-01", state: "expired", on: db)
        try db.query("""
            INSERT INTO workers (id, name, nationality, birth_date, occupation, wage, employment, guardian_id)
            VALUES ($1, 'Dependent', 'IND', '2015-05-05', 'none', 0, 'dependent', $2)
            """, [Self.dependent.digits, Self.worker.digits])
        try db.query("""
            INSERT INTO cases (id, kind, worker_id, establishment_id, counterpart_id, state, opened_at, opened_on, details)
            VALUES ($1, 'transfer', $2, '1-1', '1-3', 'pending_worker', '2026-11-01T09:00:00Z', '2026-11-01', '{"fee": 2000}')
            """, [UUID(), Self.worker.digits])
    }

    /// Runs `body` with a loader over a scratch database holding `setUp`'s world.
    private func withWorld(_ body: (_ load: (AggregateStore.Needs) async throws -> World) async throws -> Void) async throws {
        try await withScratchDatabase { database in
            let connection = try await database.connect()
            try await connection.run { db in try setUp(db) }
            try await body { needs in try await connection.run { db in try AggregateStore().load(needs, on: db).world } }
        }
    }

    private static var theWorker: AggregateStore.Needs {
        var needs = AggregateStore.Needs()
        needs.workers = [worker]
        return needs
    }

    @Test("a worker alone brings his employer, his permit's establishment and his case's counterpart, each once")
    func establishmentsTheRowsName() async throws {
        try await withWorld { load in
            var needs = Self.theWorker
            let world = try await load(needs)
            #expect(Set(world.establishments.keys.map(\.description)) == ["1-1", "1-2", "1-3"])
            #expect(world.companies[Self.companyA]?.map(\.description).sorted() == ["1-1", "1-2"])
            #expect(world.companies[Self.companyB]?.map(\.description) == ["1-3"])
            #expect(world.expiredPermits[Self.companyA] == 1)
            #expect(world.expiredPermits[Self.companyB] == 0)
            #expect(world.registrations[CRNumber(trusted: "1010000003")]?.description == "1-3")

            // Named too, or named through the company: the same world, nothing twice.
            needs.establishments = [try EstablishmentID("1-1")]
            needs.companies = [Self.companyA]
            let named = try await load(needs)
            #expect(Set(named.establishments.keys) == Set(world.establishments.keys))
            #expect(named.companies[Self.companyA]?.map(\.description).sorted() == ["1-1", "1-2"])
            #expect(named.companies[Self.companyB]?.map(\.description) == ["1-3"])
        }
    }

    @Test("every column lands in its field: worker, dependent, permit, case and establishment")
    func valuesInTheirFields() async throws {
        try await withWorld { load in
            let world = try await load(Self.theWorker)

            let worker = try #require(world.workers[Self.worker])
            #expect(worker.name == "Worker" && worker.nationality == "IND" && worker.occupation == "electrician")
            #expect(worker.wage == 6100 && worker.employment == .employed && worker.employer?.description == "1-1")
            #expect(worker.birthDate == Day(iso: "1990-01-01") && worker.arrivedOn == Day(iso: "2020-01-01"))
            #expect(worker.contractEndsOn == Day(iso: "2030-06-30") && worker.iqamaExpiresOn == Day(iso: "2099-01-01"))
            #expect(!worker.partTime && !worker.disabled && worker.transferCount == 0 && worker.guardian == nil)
            #expect(world.dependents[Self.worker] == [Self.dependent])
            #expect(world.workers[Self.dependent]?.guardian == Self.worker)
            #expect(world.workers[Self.dependent]?.employment == .dependent)

            let permit = try #require(world.permits[Self.worker])
            #expect(permit.establishment.description == "1-2" && permit.kind == .regular && permit.state == .active)
            #expect(permit.validFrom == Day(iso: "2026-03-01") && permit.expiresOn == Day(iso: "2027-03-01"))
            #expect(permit.months == 12 && permit.levy == 9600 && permit.fee == 100 && permit.extensions == 0)

            let file = try #require(world.cases[Self.worker]?.first)
            #expect(file.kind == .transfer && file.state == "pending_worker")
            #expect(file.establishment.description == "1-1" && file.counterpart?.description == "1-3")
            #expect(file.openedOn == Day(iso: "2026-11-01") && file.deadline == nil && file.details["fee"] == 2000)

            let establishment = try #require(world.establishments[try EstablishmentID("1-2")])
            #expect(establishment.unifiedNumber == Self.companyA && establishment.cr == CRNumber(trusted: "1010000002"))
            #expect(establishment.nameEn == "Test establishment" && establishment.nameAr == "منشأة اختبار")
            #expect(establishment.activity == "construction" && establishment.status == .active)
            #expect(establishment.crExpiresOn == Day(iso: "2099-01-01") && establishment.openedOn == Day(iso: "2015-01-01"))
            #expect(establishment.headcount == 1 && establishment.saudiCount == 0 && establishment.suspendedUntil == nil)
        }
    }

    @Test("a worker's last employer and levy seat, and the establishment's seats, are written and read back")
    func seatsAndLastEmployerRoundTrip() async throws {
        try await withScratchDatabase { database in
            let connection = try await database.connect()
            try await connection.run { db in try setUp(db) }
            let world = try await connection.run { db in
                let store = AggregateStore()
                let loaded = try store.load(Self.theWorker, on: db)
                var worker = try #require(loaded.world.workers[Self.worker])
                worker.levyExempt = true
                worker.endEmployment(.absconded)
                let employer = try EstablishmentID("1-1")
                let writes = store.writes([.worker(worker), .headcount(employer, HeadcountDelta(levyExempt: 1))], loaded: loaded, now: Date())
                try AggregateStore.check(writes, try db.pipeline(writes.map(\.statement))[...])
                return try store.load(Self.theWorker, on: db).world
            }
            let worker = try #require(world.workers[Self.worker])
            #expect(worker.employment == .absconded && worker.employer == nil)
            #expect(worker.lastEmployer?.description == "1-1" && worker.levyExempt)
            #expect(world.establishments[try EstablishmentID("1-1")]?.levyExemptExpats == 1)
        }
    }

    @Test("a CR or an establishment that no row holds loads nothing, and no worker needs none")
    func nothingForUnknownKeys() async throws {
        try await withWorld { load in
            var needs = AggregateStore.Needs()
            needs.establishments = [try EstablishmentID("9-9")]
            needs.registrations = [CRNumber(trusted: "1010000003"), CRNumber(trusted: "1019999999")]
            let world = try await load(needs)
            #expect(world.establishments.keys.map(\.description) == ["1-3"])
            #expect(world.workers.isEmpty)
            #expect(try await load(AggregateStore.Needs()).establishments.isEmpty)
        }
    }
}
