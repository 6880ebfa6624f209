import Domain
import PQ
import Store
import Foundation
import Testing
import TestSupport

/// Every read command of `muamala`, run as operators run it: the process, its exit status,
/// and (with `--json`) output that parses. `muamala queue` once failed on every call (a
/// parameter typed wrong in its SQL), and no test ran it.
@Suite("CLI commands")
struct CommandTests {
    static let readCommands: [[String]] = [
        ["queue"], ["request", "list"], ["users", "list"], ["clock"], ["verify"],
        ["history", "1000000016"], ["history", "1-1"], ["services"], ["rulebook"], ["stats"], ["maintenance"],
    ]

    @Test("each read command exits 0 on a fresh database, as text and as JSON")
    func readCommandsRun() async throws {
        try await withScratchDatabase { database in
            for command in Self.readCommands {
                let text = try await CLIProcess.run(command, databaseURL: database.url)
                #expect(text.status == 0, "muamala \(command.joined(separator: " ")): \(text.stderr)")
                #expect(!text.stdout.isEmpty, "muamala \(command.joined(separator: " ")) printed nothing")

                let json = try await CLIProcess.run(command + ["--json"], databaseURL: database.url)
                #expect(json.status == 0, "muamala \(command.joined(separator: " ")) --json: \(json.stderr)")
                #expect((try? JSONSerialization.jsonObject(with: Data(json.stdout.utf8), options: [.fragmentsAllowed])) != nil,
                        "muamala \(command.joined(separator: " ")) --json printed: \(json.stdout.prefix(200))")
            }
            let workflows = try await CLIProcess.run(["workflows", "--mermaid"], databaseURL: database.url)
            #expect(workflows.status == 0 && workflows.stdout.contains("stateDiagram"), "\(workflows.stderr)")
        }
    }

    @Test("queue figures count what is queued")
    func queueCounts() async throws {
        try await withScratchDatabase { database in
            let connection = try await database.connect()
            try await connection.execute("""
                INSERT INTO requests (id, service, subject, actor_id, actor_role, payload, submitted_at, not_before, retry_at)
                SELECT gen_random_uuid(), 'work-permit.renew', 'worker:' || n, 'test', 'staff', '{}', now(), now() + CASE WHEN n <= 2 THEN interval '0' ELSE interval '1 day' END, now()
                FROM generate_series(1, 5) AS n
                """)
            await connection.close()
            let output = try await CLIProcess.run(["queue", "--json"], databaseURL: database.url)
            #expect(output.status == 0, "\(output.stderr)")
            let figures = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any]
            #expect(figures?["due"] as? Int == 2)
            #expect(figures?["scheduled"] as? Int == 3)
        }
    }

    @Test("worker show says whether the worker is in the employer's Nitaqat counts (not on a temporary permit)")
    func workerNitaqat() async throws {
        try await withScratchDatabase { database in
            let connection = try await database.connect()
            try await connection.execute("""
                INSERT INTO establishments (id, unified_number, cr_number, name_ar, name_en, activity, status, cr_expires_on, opened_on, headcount)
                VALUES ('1-1', '7000000001', '1000000001', 'م', 'E', 'construction', 'active', '2030-01-01', '2015-01-01', 1);
                INSERT INTO workers (id, name, nationality, birth_date, establishment_id, occupation, wage, employment)
                VALUES ('2000000014', 'regular', 'IND', '1990-01-01', '1-1', 'mason', 2000, 'employed'),
                       ('2000000022', 'seasonal', 'IND', '1990-01-01', '1-1', 'mason', 2000, 'employed');
                INSERT INTO permits (id, worker_id, establishment_id, kind, state, valid_from, expires_on, months, levy, fee)
                VALUES (gen_random_uuid(), '2000000014', '1-1', 'regular', 'active', '2026-01-01', '2027-01-01', 12, 0, 100),
                       (gen_random_uuid(), '2000000022', '1-1', 'temporary', 'active', '2026-01-01', '2026-04-01', 3, 0, 25);
                """)
            await connection.close()
            for (id, counted) in [("2000000014", true), ("2000000022", false)] {
                let json = try await CLIProcess.run(["worker", "show", id, "--no-next", "--json"], databaseURL: database.url)
                #expect(json.status == 0, "\(json.stderr)")
                let output = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
                #expect(output?["counted_in_nitaqat"] as? Bool == counted, "\(id)")
                let text = try await CLIProcess.run(["worker", "show", id, "--no-next"], databaseURL: database.url)
                #expect(text.stdout.contains(counted ? "counted in 1-1's headcount" : "not counted: seasonal work"), "\(text.stdout)")
            }
        }
    }

    @Test("#35.13: establishment show judges the band by the edition in force on the database's day, not the wall clock's")
    func establishmentBandByDatabaseDay() async throws {
        try await withScratchDatabase { database in
            let connection = try await database.connect()
            try await connection.execute("""
                INSERT INTO establishments (id, unified_number, cr_number, name_ar, name_en, activity, status, cr_expires_on, opened_on,
                                            headcount, saudi_count, saudi_weight)
                VALUES ('1-1', '7000000001', '1000000001', 'م', 'E', 'construction', 'active', '2040-01-01', '2015-01-01', 10, 6, 6);
                """)
            try await connection.run { db in try ClockStore.simulate(from: Day(year: 2035, month: 6, day: 1).start, by: "test", on: db) }
            await connection.close()
            // A draft edition of 2035 that asks 70% for low green in construction.
            let original = try Data(contentsOf: TestDatabase.repositoryRoot.appendingPathComponent("Rulebook/rulebook.json"))
            guard case .object(var root)? = JSONValue.parse(utf8: original), case .array(var editions)? = root["editions"] else {
                Issue.record("rulebook shape")
                return
            }
            let bands: JSONValue = ["low_green": 70, "medium_green": 80, "high_green": 90, "platinum": 95]
            editions.append(["effective_from": "2035-01-01", "note": "draft", "parameters": [
                "nitaqat": ["thresholds": ["construction": ["small": bands, "medium": bands, "large": bands, "giant": bands]]]]])
            root["editions"] = .array(editions)
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("rulebook-\(UUID().uuidString.prefix(8)).json")
            defer { try? FileManager.default.removeItem(at: file) }
            try Data(JSONValue.object(root).jsonBytes).write(to: file)
            let shown = try await CLIProcess.run(["establishment", "show", "1-1", "--json"], databaseURL: database.url,
                                                 environment: ["MUAMALA_RULEBOOK": file.path])
            #expect(shown.status == 0, "\(shown.stderr)")
            let output = try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any]
            #expect(output?["band"] as? String == "red", "60% is red under the edition of 2035: \(shown.stdout)")
        }
    }

    @Test("establishment show lists the visa balance by occupation and the visas by state, as text and as JSON")
    func establishmentRecruitment() async throws {
        try await withScratchDatabase { database in
            let connection = try await database.connect()
            try await connection.execute("""
                INSERT INTO establishments (id, unified_number, cr_number, name_ar, name_en, activity, status, cr_expires_on, opened_on)
                VALUES ('1-1', '7000000001', '1000000001', 'م', 'E', 'construction', 'active', '2040-01-01', '2015-01-01');
                INSERT INTO visa_balances (establishment_id, occupation, approved, remaining) VALUES ('1-1', 'mason', 5, 2);
                INSERT INTO cases (id, kind, establishment_id, state, opened_at, opened_on)
                VALUES ('00000000-0000-4000-8000-0000000000d1', 'visa_issue', '1-1', 'completed', now(), '2026-01-01');
                INSERT INTO visas (id, establishment_id, case_id, occupation, nationality, state, issued_on, expires_on, fee)
                SELECT '1-1/' || n, '1-1', '00000000-0000-4000-8000-0000000000d1', 'mason', 'IND',
                       CASE WHEN n = 3 THEN 'cancelled' ELSE 'issued' END, '2026-01-02', '2026-12-31', 2000
                FROM generate_series(1, 3) AS n;
                """)
            await connection.close()
            let text = try await CLIProcess.run(["establishment", "show", "1-1"], databaseURL: database.url)
            #expect(text.status == 0, "\(text.stderr)")
            #expect(text.stdout.contains("visa balance  mason 2 of 5"), "\(text.stdout)")
            #expect(text.stdout.contains("visas         2 issued, 0 used, 1 cancelled, 0 expired"), "\(text.stdout)")
            let json = try await CLIProcess.run(["establishment", "show", "1-1", "--json"], databaseURL: database.url)
            let output = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
            #expect((output?["visa_balances"] as? [String: [String: Int]])?["mason"] == ["approved": 5, "remaining": 2], "\(json.stdout)")
            #expect(output?["visas"] as? [String: Int] == ["issued": 2, "cancelled": 1], "\(json.stdout)")
        }
    }

    @Test("stats counts decided requests by Hijri month and service, without timers, in a day range")
    func stats() async throws {
        try await withScratchDatabase { database in
            let connection = try await database.connect()
            // Riyadh days: 2018-09-10 is the last of Dhu al-Hijjah 1439, 2018-09-11 the first of
            // Muharram 1440. 21:30 UTC on the 10th is already the 11th in Riyadh.
            try await connection.execute("""
                INSERT INTO request_history (id, seq, service, subject, actor_id, actor_role, payload, priority, origin,
                                             submitted_at, not_before, attempts, state, reason_code, decided_at)
                SELECT gen_random_uuid(), n, service, 'worker:1', 'test', 'staff', '{}', 0, origin, decided, decided, 1, state,
                       CASE WHEN state = 'rejected' THEN 'x' END, decided
                FROM (VALUES (1, 'work-permit.renew', 'api', 'completed', timestamptz '2018-09-10 12:00Z'),
                             (2, 'work-permit.renew', 'api', 'rejected', timestamptz '2018-09-10 20:00Z'),
                             (3, 'work-permit.renew', 'api', 'completed', timestamptz '2018-09-10 21:30Z'),
                             (4, 'final-exit.issue', 'cli', 'completed', timestamptz '2018-09-12 08:00Z'),
                             (5, 'work-permit.expire', 'timer', 'completed', timestamptz '2018-09-12 08:00Z'),
                             (6, 'work-permit.renew', 'api', 'completed', timestamptz '2018-10-30 08:00Z'))
                     AS v(n, service, origin, state, decided)
                """)
            await connection.close()
            let json = try await CLIProcess.run(["stats", "--to", "2018-09-30", "--json"], databaseURL: database.url)
            #expect(json.status == 0, "\(json.stderr)")
            let document = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
            let months = document?["months"] as? [[String: Any]] ?? []
            #expect(months.map { $0["hijri_month"] as? String } == ["1439-12", "1440-01"])
            let services = months.map { ($0["services"] as? [[String: Any]] ?? []).map { "\($0["service"] ?? "")=\($0["total"] ?? "")" } }
            #expect(services == [["work-permit.renew=2"], ["final-exit.issue=1", "work-permit.renew=1"]])
            let total = (document?["total"] as? [String: Any])?["total"] as? [String: Any]
            #expect(total?["completed"] as? Int == 3)
            #expect(total?["rejected"] as? Int == 1)

            let csv = try await CLIProcess.run(["stats", "--csv"], databaseURL: database.url)
            #expect(csv.status == 0, "\(csv.stderr)")
            let lines = csv.stdout.split(whereSeparator: \.isNewline)
            #expect(lines.count == 5, "\(csv.stdout)")   // header, 1439-12, 1440-01 × 2, the next month
            let text = try await CLIProcess.run(["stats"], databaseURL: database.url)
            #expect(text.stdout.contains("Muharram 1440 — محرم 1440هـ"), "\(text.stdout)")
            let both = try await CLIProcess.run(["stats", "--csv", "--json"], databaseURL: database.url)
            #expect(both.status != 0)
            #expect(both.stderr.contains("choose one"))
            let backwards = try await CLIProcess.run(["stats", "--from", "2018-10-01", "--to", "2018-09-01"], databaseURL: database.url)
            #expect(backwards.status != 0)
            #expect(backwards.stderr.contains("before --from"))
        }
    }

    @Test("looking up what does not exist is an error naming it, with a non-zero status")
    func unknownLookups() async throws {
        try await withScratchDatabase { database in
            let worker = try await CLIProcess.run(["worker", "show", "1000000099"], databaseURL: database.url)
            #expect(worker.status != 0)
            #expect(worker.stderr.contains("1000000099"))
            let establishment = try await CLIProcess.run(["establishment", "show", "9-9"], databaseURL: database.url)
            #expect(establishment.status != 0)
            #expect(establishment.stderr.contains("9-9"))
            let malformed = try await CLIProcess.run(["worker", "show", "123"], databaseURL: database.url)
            #expect(malformed.status != 0)
            #expect(malformed.stderr.contains("10 digits"))
        }
    }

    @Test("users disable and enable: say what changed, refuse an unknown user")
    func disableAndEnable() async throws {
        try await withScratchDatabase { database in
            let added = try await CLIProcess.run(["users", "add", "--role", "staff", "--name", "ops", "--json"], databaseURL: database.url)
            #expect(added.status == 0, "\(added.stderr)")
            let created = try JSONSerialization.jsonObject(with: Data(added.stdout.utf8)) as? [String: Any]
            let user = try #require((created?["user"] as? [String: Any])?["id"] as? String)

            func run(_ arguments: [String]) async throws -> [String: Any]? {
                let output = try await CLIProcess.run(arguments + ["--json"], databaseURL: database.url)
                #expect(output.status == 0, "muamala \(arguments.joined(separator: " ")): \(output.stderr)")
                return try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any]
            }
            #expect(try await run(["users", "disable", user])?["changed"] as? Bool == true)
            #expect(try await run(["users", "disable", user])?["changed"] as? Bool == false)
            let listed = try await CLIProcess.run(["users", "list", "--json"], databaseURL: database.url)
            let users = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]]
            #expect(users?.first { $0["id"] as? String == user }?["disabled"] as? Bool == true)
            #expect(try await run(["users", "enable", user])?["disabled"] as? Bool == false)

            let unknown = try await CLIProcess.run(["users", "disable", UUID().uuidString], databaseURL: database.url)
            #expect(unknown.status != 0)
            #expect(unknown.stderr.contains("no user"))
        }
    }
}

@Suite("CLI users: portal accounts through the engine")
struct UsersRequestCommandTests {
    @Test("register, owners, a delegate granted by the owner's account (never by staff), an agent's power of attorney, revocations")
    func accountRequests() async throws {
        try await withScratchDatabase { database in
            let owner = Fixtures.person(701, saudi: true), delegate = Fixtures.person(702, saudi: true)
            try await database.run { db in try Fixtures.establishment("1-1", on: db) }
            func run(_ arguments: [String]) async throws -> CLIProcess.Output {
                try await CLIProcess.run(["users"] + arguments + ["--json"], databaseURL: database.url)
            }
            func state(_ output: CLIProcess.Output) -> String? {
                (try? JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])?["state"] as? String
            }
            #expect(state(try await run(["register", owner.digits, "--name", "Owner"])) == "completed")
            #expect(state(try await run(["register", delegate.digits])) == "completed")
            // A second registration is decided, and refused with its reason.
            let twice = try await run(["register", owner.digits])
            #expect(state(twice) == "rejected" && twice.stdout.contains("account.already_registered"), "\(twice.stdout)")
            #expect(state(try await run(["owners", "1-1", "--owner", owner.digits])) == "completed")
            // Staff do not appoint delegates: refused before it is queued, exit 3, both languages.
            let byStaff = try await run(["delegate-grant", delegate.digits, "--establishment", "1-1", "--services", "work-permit.renew"])
            #expect(byStaff.status == 3 && byStaff.stderr.contains("auth.role_not_allowed"), "\(byStaff.stderr)")
            let account = try await database.run { db in
                try db.query("SELECT id::text FROM users WHERE person_id = $1 AND role = 'person'", [owner.digits]).single().decode(String.self, at: 0)
            }
            let granted = try await run(["delegate-grant", delegate.digits, "--establishment", "1-1", "--services", "work-permit.renew", "--as", account])
            #expect(state(granted) == "completed", "\(granted.stdout) \(granted.stderr)")
            #expect(state(try await run(["delegate-revoke", delegate.digits, "--establishment", "1-1", "--as", account])) == "completed")
            let poa = try await run(["agent-authorize", delegate.digits, "--establishment", "1-1", "--poa-number", "44/1",
                                     "--poa-authority", "Notary", "--expires-on", "2099-01-01"])
            #expect(state(poa) == "completed", "\(poa.stdout) \(poa.stderr)")
            #expect(state(try await run(["agent-revoke", delegate.digits, "--establishment", "1-1"])) == "completed")
            let person = try await CLIProcess.run(["users", "add", "--role", "person", "--name", "x"], databaseURL: database.url)
            #expect(person.status != 0 && person.stderr.contains("users register"), "\(person.stderr)")
        }
    }
}

@Suite("CLI submit")
struct SubmitCommandTests {
    @Test("submit queues a request; with --wait it is decided at once, as through the API, with no daemon running")
    func submitAndWait() async throws {
        try await withScratchDatabase { database in
            let connection = try await database.connect()
            try await connection.run { db in try Fixtures.establishment("1-1", on: db) }
            await connection.close()
            func register(_ worker: Int, _ extra: [String]) async throws -> [String: Any]? {
                let fields = ["worker_id=\(Fixtures.person(worker).digits)", "establishment_id=1-1", "name=W", "nationality=IND",
                              "birth_date=1990-01-01", "occupation=mason", "wage=2500", "arrived_on=\(Day(Date()).adding(days: -5).iso)"]
                let output = try await CLIProcess.run(["submit", "worker.register", "--json"] + fields.flatMap { ["--field", $0] } + extra,
                                                      databaseURL: database.url)
                #expect(output.status == 0, "\(output.stderr)")
                return try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any]
            }
            #expect(try await register(1, [])?["state"] as? String == "queued")
            #expect(try await register(2, ["--wait", "5"])?["state"] as? String == "completed")
        }
    }

    @Test("submit --dry-run: the decision it would get, exit 0 or 5 for a refusal, and nothing queued")
    func dryRun() async throws {
        try await withScratchDatabase { database in
            try await database.run { db in try Fixtures.establishment("1-1", on: db) }
            let fields = ["worker_id=\(Fixtures.person(3).digits)", "establishment_id=1-1", "name=W", "nationality=IND",
                          "birth_date=1990-01-01", "occupation=mason", "wage=2500", "arrived_on=\(Day(Date()).adding(days: -5).iso)"]
            let would = try await CLIProcess.run(["submit", "worker.register", "--dry-run", "--json"] + fields.flatMap { ["--field", $0] },
                                                 databaseURL: database.url)
            #expect(would.status == 0 && would.stdout.contains(#""state":"completed""#) && would.stdout.contains(#""dry_run":true"#), "\(would.stdout) \(would.stderr)")
            let refused = try await CLIProcess.run(["submit", "worker.register", "--dry-run"] + fields.map { $0.replacingOccurrences(of: "establishment_id=1-1", with: "establishment_id=9-9") }.flatMap { ["--field", $0] },
                                                   databaseURL: database.url)
            #expect(refused.status == 5 && refused.stdout.contains("establishment.not_found"), "\(refused.stdout) \(refused.stderr)")
            let queued = try await database.run { db in
                try db.query("SELECT (SELECT count(*) FROM requests) + (SELECT count(*) FROM request_history) + (SELECT count(*) FROM events)").single().decode(Int.self, at: 0)
            }
            #expect(queued == 0)
        }
    }
}
