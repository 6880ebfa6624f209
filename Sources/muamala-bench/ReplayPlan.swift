import Domain
import Foundation
import PQ
import Store

/// What the replay loads and submits: a population, its accounts, and the seed's requests
/// spread over the days with their follow-ups.
struct ReplayPlan: Sendable {
    /// The seed's ten-month counts (`shared/seed/README.md`) for the services Muamala runs.
    /// The seed's "owners registered" are replayed as the commercial registrations that name
    /// them (`establishment.update-owners`), its delegates as owners' grants, its agents as
    /// recorded powers of attorney.
    static let seed: [(String, Int)] = [
        ("work-permit.renew", 7_855_568), ("work-permit.issue", 981_372), ("service-transfer.request", 924_942),
        ("saudization-certificate.issue", 435_887), ("branch-change.request", 231_556), ("absence-report.file", 213_979),
        ("occupation-change.request", 146_059), ("establishment.open", 140_466), ("final-exit.issue", 35_952),
        ("dependent-transfer.request", 34_087), ("work-permit.issue-temporary", 32_031), ("establishment.change-activity", 13_290),
        ("recruitment.visa-issue", 137_779), ("recruitment.balance-request", 117_645), ("recruitment.visa-cancel", 91_009),
        ("recruitment.compensatory-visa", 2_423),
        ("account.register", 58_938), ("establishment.update-owners", 31_273), ("account.delegate-grant", 5_570),
        ("account.agent-authorize", 1_646),
    ]

    let scale: Int
    let days: Int
    let seed: UInt64
    let startDay: Day
    let population: Population
    let residents: [Population.Worker]
    let dependents: [(dependent: PersonID, guardian: Population.Worker)]
    let companies: [String: [String]]
    let activities: [String: String]
    let permits: [(worker: String, establishment: String, id: UUID, expiresOn: Day)]

    var establishments: [Population.Establishment] { population.establishments }
    var people: Int { population.workers.count + dependents.count }

    init(scale: Int, days: Int, seed: UInt64, startDay: Day) {
        self.scale = scale
        self.days = days
        self.seed = seed
        self.startDay = startDay
        let establishmentCount = max(20, 360_000 / scale)
        population = Population.make(establishments: establishmentCount, workers: max(200, 10_000_000 / scale), seed: seed)
        residents = population.workers.filter { !$0.saudi }
        var random = SeededRandom(seed: seed &+ 11)
        var dependents: [(PersonID, Population.Worker)] = []
        for index in 0..<max(5, 60_000 / scale) {
            let guardian = residents[Int(random.next() % UInt64(residents.count))]
            dependents.append((PersonID.make(prefix: 2, body: 40_000_000 + index), guardian))
        }
        self.dependents = dependents
        var companies: [String: [String]] = [:]
        var activities: [String: String] = [:]
        for establishment in population.establishments {
            companies[establishment.company, default: []].append(establishment.id)
            activities[establishment.id] = establishment.activity
        }
        self.companies = companies
        self.activities = activities
        // Permits expire through the year (from day 5), each with its expiry timer queued.
        permits = residents.map { worker in
            (worker.id, worker.establishment, UUID(), startDay.adding(days: 5 + Int(random.next() % 330)))
        }
    }

    func company(of establishment: String) -> String {
        population.establishments.first { $0.id == establishment }?.company ?? ""
    }

    /// Loads the population with COPY and creates the accounts; returns the tokens by name.
    func load(on connection: Connection) async throws -> [String: String] {
        var tokens: [String: String] = ["staff": Self.token(), "system": Self.token()]
        var users: [(UUID, String?, String, String, String?)] = []   // id, person, name, role, company
        var tokenRows: [(Data, UUID)] = []
        func account(_ name: String, role: String, person: String? = nil, company: String? = nil) {
            let id = UUID()
            let token = Self.token()
            tokens[name] = token
            users.append((id, person, name, role, company))
            tokenRows.append((AccountStore.cacheKey(for: token), id))
        }
        for name in ["staff", "system"] {
            let id = UUID()
            users.append((id, nil, name, name, nil))
            tokenRows.append((AccountStore.cacheKey(for: tokens[name]!), id))
        }
        for company in companies.keys { account("owner:" + company, role: "owner", company: company) }
        for worker in residents { account("worker:" + worker.id, role: "worker", person: worker.id) }
        for index in 0..<max(5, Self.count("establishment.open", scale)) {
            let company = String(7_500_000_000 + index)
            account("owner:" + company, role: "owner", company: company)
        }
        let population = self.population, dependents = self.dependents, permits = self.permits, start = startDay
        let userRows = users, tokenList = tokenRows
        try await connection.withTransaction { db in
            try StateHistory.markLoads(on: db)  // the rows' first versions are a load's
            try db.copyIn("""
                COPY establishments (id, unified_number, cr_number, name_ar, name_en, activity, status, cr_expires_on,
                                     owner_full_time, opened_on, headcount, saudi_count, saudi_weight) FROM STDIN
                """) { writer in
                for (index, e) in population.establishments.enumerated() {
                    let row: [(any PostgresEncodable)?] = [e.id, e.company, e.cr, "منشأة \(index + 1)", "Establishment \(index + 1)", e.activity,
                                                           "active", "2031-01-01", false, "2015-01-01", e.headcount, e.saudis, Double(e.saudis)]
                    try writer.append(row)
                }
            }
            try db.copyIn("""
                COPY workers (id, name, nationality, birth_date, establishment_id, occupation, wage, employment, arrived_on,
                              contract_ends_on, iqama_expires_on, guardian_id) FROM STDIN
                """) { writer in
                for (index, w) in population.workers.enumerated() {
                    let occupation = w.saudi ? "accountant" : (index % 5 == 0 ? "laborer" : "mason")
                    let row: [(any PostgresEncodable)?] = [w.id, "Worker \(index)", w.saudi ? "SAU" : "IND", "1988-03-01", w.establishment,
                                                           occupation, w.saudi ? 6000 : 2200, "employed", "2019-01-01",
                                                           start.adding(days: 30 + index % 600).iso, start.adding(years: 3).iso, String?.none]
                    try writer.append(row)
                }
                for (index, entry) in dependents.enumerated() {
                    let row: [(any PostgresEncodable)?] = [entry.dependent.digits, "Dependent \(index)", "IND", "2001-01-01", entry.guardian.establishment,
                                                           "laborer", 0, "dependent", "2019-01-01", String?.none, start.adding(years: 3).iso,
                                                           entry.guardian.id]
                    try writer.append(row)
                }
            }
            try db.copyIn("""
                COPY permits (id, worker_id, establishment_id, kind, state, valid_from, expires_on, months, levy, fee) FROM STDIN
                """) { writer in
                for permit in permits {
                    let row: [(any PostgresEncodable)?] = [permit.id, permit.worker, permit.establishment, "regular", "active",
                                                           permit.expiresOn.adding(months: -12).iso, permit.expiresOn.iso, 12, 9600, 100]
                    try writer.append(row)
                }
            }
            // Their expiry timers, as if they had been issued through Muamala.
            try db.copyIn("""
                COPY requests (id, service, establishment_id, subject, actor_id, actor_role, payload, origin, submitted_at,
                               not_before, retry_at) FROM STDIN
                """) { writer in
                for permit in permits {
                    let key = "permit-expire:\(permit.id.uuidString.lowercased()):\(permit.expiresOn.iso)"
                    let payload = JSONValue.object([
                        "worker_id": .string(permit.worker), "permit_id": .string(permit.id.uuidString.lowercased()),
                        "expires_on": .string(permit.expiresOn.iso),
                    ]).jsonText
                    let due = permit.expiresOn.adding(days: 1).start
                    let row: [(any PostgresEncodable)?] = [TimerID.make(key), "work-permit.expire", permit.establishment, "worker:" + permit.worker,
                                                           "system:timer", "system", payload, "timer", start.start, due, start.start]
                    try writer.append(row)
                }
            }
            try db.copyIn("COPY users (id, person_id, name, role, unified_number) FROM STDIN") { writer in
                for user in userRows { try writer.append([user.0, user.1, user.2, user.3, user.4]) }
            }
            try db.copyIn("COPY tokens (hash, user_id, label) FROM STDIN") { writer in
                for (hash, user) in tokenList { try writer.append([hash, user, "replay"]) }
            }
        }
        _ = try await connection.execute("ANALYZE")
        return tokens
    }

    static func token() -> String { "mua_replay_" + UUID().uuidString.replacingOccurrences(of: "-", with: "") }

    static func count(_ service: String, _ scale: Int) -> Int {
        let total = seed.first { $0.0 == service }?.1 ?? 0
        return Int((Double(total) / Double(scale)).rounded())
    }
}
