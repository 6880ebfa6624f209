import Domain
import Foundation
import PQ
import Store

/// Test data written straight into a scratch database (for tests about something else), as a
/// bulk load would write it: its rows' versions say so (`StateHistory.markLoads`).
public enum Fixtures {
    /// The `n`th valid resident (2…) or Saudi (1…) number.
    public static func person(_ n: Int, saudi: Bool = false) -> PersonID {
        PersonID.make(prefix: saudi ? 1 : 2, body: n)
    }

    /// An active establishment with a valid CR, opened long ago.
    public static func establishment(
        _ id: String, company: String = "7000000001", cr: String? = nil, activity: String = "construction",
        crExpiresOn: String = "2099-01-01", on db: isolated Connection
    ) throws {
        let cr = cr ?? String(format: "%010d", abs(id.hashValueStable) % 1_000_000_000 + 1_000_000_000)
        try StateHistory.markLoads(on: db)
        try db.query("""
            INSERT INTO establishments (id, unified_number, cr_number, name_ar, name_en, activity, status, cr_expires_on, opened_on)
            VALUES ($1, $2, $3, 'منشأة اختبار', 'Test establishment', $4, 'active', $5, '2015-01-01')
            """, [id, company, cr, activity, crExpiresOn])
    }

    /// An employed worker, counted in the establishment's Nitaqat numbers.
    public static func worker(
        _ id: PersonID, at establishment: String, wage: Int = 5000, occupation: String = "mason",
        arrivedOn: String = "2020-01-01", contractEndsOn: String? = nil, birthDate: String = "1990-01-01",
        on db: isolated Connection
    ) throws {
        try StateHistory.markLoads(on: db)
        try db.query("""
            INSERT INTO workers (id, name, nationality, birth_date, establishment_id, occupation, wage, employment, arrived_on,
                                 contract_ends_on, iqama_expires_on)
            VALUES ($1, 'Worker', $2, $3, $4, $5, $6, 'employed', $7, $8, '2099-01-01')
            """, [id.digits, id.isSaudi ? "SAU" : "IND", birthDate, establishment, occupation, wage, arrivedOn, contractEndsOn])
        let weight = id.isSaudi ? (wage >= 4000 ? 1.0 : wage >= 3000 ? 0.5 : 0) : 0
        try db.query("""
            UPDATE establishments SET headcount = headcount + 1, saudi_count = saudi_count + $2, saudi_weight = saudi_weight + $3
            WHERE id = $1
            """, [establishment, id.isSaudi ? 1 : 0, weight])
    }

    /// An active permit for a worker.
    public static func permit(
        _ worker: PersonID, at establishment: String, expiresOn: String, state: String = "active", on db: isolated Connection
    ) throws {
        try StateHistory.markLoads(on: db)
        try db.query("""
            INSERT INTO permits (id, worker_id, establishment_id, kind, state, valid_from, expires_on, months, levy, fee)
            VALUES ($1, $2, $3, 'regular', $4, ($5::date - interval '12 months')::date, $5, 12, 9600, 100)
            """, [UUID(), worker.digits, establishment, state, expiresOn])
        if state == "expired" {
            try db.query("UPDATE establishments SET expired_permits = expired_permits + 1 WHERE id = $1", [establishment])
        }
    }

    /// A portal account with a token.
    public static func user(
        _ role: Actor.Role, company: String? = nil, person: PersonID? = nil, grants: [(String, [String])] = [],
        on db: isolated Connection
    ) throws -> (principal: AccountStore.Principal, token: String) {
        let user = try AccountStore.addUser(
            name: "\(role.rawValue) user", role: role, personID: person,
            unifiedNumber: company.map { UnifiedNumber(trusted: $0) }, on: db)
        for (establishment, services) in grants {
            try AccountStore.grant(user.id, establishment: try EstablishmentID(establishment), services: services, on: db)
        }
        let token = try AccountStore.issueToken(for: user.id, label: "test", on: db)
        guard let principal = try AccountStore.authenticate(token: token, on: db) else { throw SetupError("token did not authenticate") }
        return (principal, token)
    }

    /// Switches the scratch database to simulated time.
    public static func simulate(from day: Day, on db: isolated Connection) throws {
        try ClockStore.simulate(from: day.start.addingTimeInterval(9 * 3600), by: "test", on: db)
    }
}

extension String {
    /// A hash that is the same in every process (unlike `hashValue`).
    var hashValueStable: Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return Int(truncatingIfNeeded: hash >> 1)
    }
}
