import PQ

/// The aggregates' SQL, every statement in one place.
extension AggregateStore {
    // The loads below look each key up through its index, one probe per key
    // (`unnest … JOIN LATERAL`), instead of `col = ANY($1)`: with a batch of 256 keys the
    // planner chose sequential scans that compared every row against every key, and their
    // cost grew with the population (BENCHMARKS.md, "Scale").

    static let loadWorkers = Statement("aggregates_load_workers", """
        SELECT w.* FROM unnest($1::text[]) AS k(id)
        CROSS JOIN LATERAL (SELECT \(AggregateRows.workerColumns) FROM workers WHERE id = k.id) w
        """)

    /// Each worker's newest permit.
    static let loadPermits = Statement("aggregates_load_permits", """
        SELECT p.* FROM unnest($1::text[]) AS k(id)
        CROSS JOIN LATERAL (
            SELECT \(AggregateRows.permitColumns) FROM permits WHERE worker_id = k.id ORDER BY updated_at DESC LIMIT 1
        ) p
        """)

    /// The dependents the loaded workers sponsor (they move with a transfer).
    static let loadDependents = Statement("aggregates_load_dependents", """
        SELECT w.* FROM unnest($1::text[]) AS k(id)
        CROSS JOIN LATERAL (SELECT \(AggregateRows.workerColumns) FROM workers WHERE guardian_id = k.id) w
        """)

    static let loadCasesByID = Statement("aggregates_load_cases_by_id", """
        SELECT c.* FROM unnest($1::uuid[]) AS k(id)
        CROSS JOIN LATERAL (SELECT \(AggregateRows.caseColumns) FROM cases WHERE id = k.id) c
        """)

    static let loadOpenCases = Statement("aggregates_load_open_cases", """
        SELECT c.* FROM unnest($1::text[]) AS k(id)
        CROSS JOIN LATERAL (SELECT \(AggregateRows.caseColumns) FROM cases WHERE worker_id = k.id AND open) c
        """)

    /// The open cases of the establishments requests are about, that are their own (no worker).
    static let loadEstablishmentCases = Statement("aggregates_load_establishment_cases", """
        SELECT c.* FROM unnest($1::text[]) AS k(id)
        CROSS JOIN LATERAL (
            SELECT \(AggregateRows.caseColumns) FROM cases WHERE establishment_id = k.id AND open AND worker_id IS NULL
        ) c
        """)

    static let loadVisaBalances = Statement("aggregates_load_visa_balances", """
        SELECT b.* FROM unnest($1::text[]) AS k(id)
        CROSS JOIN LATERAL (
            SELECT establishment_id, occupation, approved, remaining FROM visa_balances WHERE establishment_id = k.id
        ) b
        """)

    /// Each establishment's visas so far (the next one's number) and its compensatory visas
    /// issued since $2 (the yearly limit).
    static let loadVisaCounts = Statement("aggregates_load_visa_counts", """
        SELECT k.id,
               (SELECT count(*) FROM visas WHERE establishment_id = k.id)::int AS issued,
               (SELECT count(*) FROM visas
                WHERE establishment_id = k.id AND replaces_worker_id IS NOT NULL AND issued_on >= $2)::int AS compensatory
        FROM unnest($1::text[]) AS k(id)
        """)

    /// The named visas and the compensatory visas replacing the named workers, each with
    /// whether a visa of its package (visa issue) was used.
    static let loadVisas = Statement("aggregates_load_visas", """
        SELECT v.*, EXISTS (SELECT 1 FROM visas u WHERE u.case_id = v.case_id AND u.state = 'used') AS package_used
        FROM (
            SELECT k.id FROM unnest($1::text[]) AS k(id)
            UNION
            SELECT r.id FROM unnest($2::text[]) AS k(worker) CROSS JOIN LATERAL (SELECT id FROM visas WHERE replaces_worker_id = k.worker) r
        ) ids
        CROSS JOIN LATERAL (SELECT \(AggregateRows.visaColumns) FROM visas WHERE id = ids.id) v
        """)

    /// The registered portal accounts of the people requests are about.
    static let loadAccounts = Statement("aggregates_load_accounts", """
        SELECT id, person_id, name, registered_on FROM users WHERE role = 'person' AND person_id = ANY($1::text[])
        """)

    /// The active grants and powers of attorney of the people requests are about.
    static let loadAuthorizations = Statement("aggregates_load_authorizations", """
        SELECT \(AggregateRows.authorizationColumns) FROM authorizations WHERE person_id = ANY($1::text[]) AND state = 'active'
        """)

    /// The owners of the named establishments (one row per establishment that has any).
    static let loadOwners = Statement("aggregates_load_owners", """
        SELECT establishment_id, array_agg(person_id ORDER BY person_id) FROM establishment_owners
        WHERE establishment_id = ANY($1::text[]) GROUP BY establishment_id
        """)

    static let insertAccounts = Statement("aggregates_insert_accounts", """
        INSERT INTO users (id, person_id, name, role, registered_on)
        SELECT u.id, u.person_id, u.name, 'person', u.registered_on
        FROM unnest($1::uuid[], $2::text[], $3::text[], $4::date[]) AS u(id, person_id, name, registered_on)
        """)

    /// Services travel as one comma-joined text per row (an array of arrays would flatten).
    static let upsertAuthorizations = Statement("aggregates_upsert_authorizations", """
        INSERT INTO authorizations AS a (id, kind, person_id, establishment_id, services, ends_on, poa_number, poa_authority,
                                         granted_by, state, granted_on, ended_on, version)
        SELECT u.id, u.kind, u.person_id, u.establishment_id, string_to_array(u.services, ','), u.ends_on, u.poa_number,
               u.poa_authority, u.granted_by, u.state, u.granted_on, u.ended_on, u.expected + 1
        FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::date[], $7::text[], $8::text[], $9::text[],
                    $10::text[], $11::date[], $12::date[], $13::int[])
             AS u(id, kind, person_id, establishment_id, services, ends_on, poa_number, poa_authority, granted_by, state,
                  granted_on, ended_on, expected)
        ON CONFLICT (id) DO UPDATE SET
            services = excluded.services, ends_on = excluded.ends_on, poa_number = excluded.poa_number,
            poa_authority = excluded.poa_authority, granted_by = excluded.granted_by, state = excluded.state,
            granted_on = excluded.granted_on, ended_on = excluded.ended_on, version = a.version + 1
        WHERE a.version = excluded.version - 1
        """)

    /// Owners are replaced whole: the old list goes, then the new one comes.
    static let deleteOwners = Statement("aggregates_delete_owners", """
        DELETE FROM establishment_owners WHERE establishment_id = ANY($1::text[])
        """)
    static let insertOwners = Statement("aggregates_insert_owners", """
        INSERT INTO establishment_owners (establishment_id, person_id)
        SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING
        """)

    /// The named establishments, those holding the named CRs, and every establishment of the
    /// named unified numbers (each once); each with its company's expired permits (a shared
    /// gate), summed over every establishment of the company.
    ///
    /// The keys are merged before any row is read: a UNION of whole rows hashed every column
    /// of each, and cost about a fifth more (BENCHMARKS.md, "The aggregates' loads"). The sum
    /// rides on the rows: a statement of its own looked each establishment up again to find
    /// its company, 11 µs of PostgreSQL's time a request at 4,800/s.
    static let loadEstablishments = Statement("aggregates_load_establishments", """
        SELECT e.*, t.company_expired_permits
        FROM (
            SELECT k.id FROM unnest($1::text[]) AS k(id)
            UNION
            SELECT e.id FROM unnest($2::text[]) AS k(cr) CROSS JOIN LATERAL (SELECT id FROM establishments WHERE cr_number = k.cr) e
            UNION
            SELECT e.id FROM unnest($3::text[]) AS k(company)
            CROSS JOIN LATERAL (SELECT id FROM establishments WHERE unified_number = k.company) e
        ) ids
        CROSS JOIN LATERAL (SELECT \(AggregateRows.establishmentColumns) FROM establishments WHERE id = ids.id) e
        CROSS JOIN LATERAL (
            SELECT sum(expired_permits)::int AS company_expired_permits FROM establishments WHERE unified_number = e.unified_number
        ) t
        """)

    static let upsertEstablishments = Statement("aggregates_upsert_establishments", """
        INSERT INTO establishments AS e (id, unified_number, cr_number, name_ar, name_en, activity, status, cr_expires_on,
                                         owner_full_time, suspended_until, malicious_reports, opened_on, version)
        SELECT u.id, u.unified_number, u.cr_number, u.name_ar, u.name_en, u.activity, u.status, u.cr_expires_on,
               u.owner_full_time, u.suspended_until, u.malicious_reports, u.opened_on, u.expected + 1
        FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::date[],
                    $9::boolean[], $10::date[], $11::int[], $12::date[], $13::int[])
             AS u(id, unified_number, cr_number, name_ar, name_en, activity, status, cr_expires_on, owner_full_time,
                  suspended_until, malicious_reports, opened_on, expected)
        ON CONFLICT (id) DO UPDATE SET
            unified_number = excluded.unified_number, cr_number = excluded.cr_number, name_ar = excluded.name_ar,
            name_en = excluded.name_en, activity = excluded.activity, status = excluded.status,
            cr_expires_on = excluded.cr_expires_on, owner_full_time = excluded.owner_full_time,
            suspended_until = excluded.suspended_until, malicious_reports = excluded.malicious_reports,
            version = e.version + 1
        WHERE e.version = excluded.version - 1
        """)

    static let upsertWorkers = Statement("aggregates_upsert_workers", """
        INSERT INTO workers AS w (id, name, nationality, birth_date, establishment_id, occupation, wage, part_time, disabled,
                                  employment, arrived_on, contract_ends_on, iqama_expires_on, transfer_count,
                                  generic_title_corrected, guardian_id, last_establishment_id, levy_exempt, version)
        SELECT u.id, u.name, u.nationality, u.birth_date, u.establishment_id, u.occupation, u.wage, u.part_time, u.disabled,
               u.employment, u.arrived_on, u.contract_ends_on, u.iqama_expires_on, u.transfer_count,
               u.generic_title_corrected, u.guardian_id, u.last_establishment_id, u.levy_exempt, u.expected + 1
        FROM unnest($1::text[], $2::text[], $3::text[], $4::date[], $5::text[], $6::text[], $7::int[], $8::boolean[],
                    $9::boolean[], $10::text[], $11::date[], $12::date[], $13::date[], $14::int[], $15::boolean[],
                    $16::text[], $17::text[], $18::boolean[], $19::int[])
             AS u(id, name, nationality, birth_date, establishment_id, occupation, wage, part_time, disabled, employment,
                  arrived_on, contract_ends_on, iqama_expires_on, transfer_count, generic_title_corrected, guardian_id,
                  last_establishment_id, levy_exempt, expected)
        ON CONFLICT (id) DO UPDATE SET
            name = excluded.name, nationality = excluded.nationality, birth_date = excluded.birth_date,
            establishment_id = excluded.establishment_id, occupation = excluded.occupation, wage = excluded.wage,
            part_time = excluded.part_time, disabled = excluded.disabled, employment = excluded.employment,
            arrived_on = excluded.arrived_on, contract_ends_on = excluded.contract_ends_on,
            iqama_expires_on = excluded.iqama_expires_on, transfer_count = excluded.transfer_count,
            generic_title_corrected = excluded.generic_title_corrected, guardian_id = excluded.guardian_id,
            last_establishment_id = excluded.last_establishment_id, levy_exempt = excluded.levy_exempt,
            version = w.version + 1
        WHERE w.version = excluded.version - 1
        """)

    static let upsertPermits = Statement("aggregates_upsert_permits", """
        INSERT INTO permits AS p (id, worker_id, establishment_id, kind, state, valid_from, expires_on, months, levy, fee,
                                  extensions, version, updated_at)
        SELECT u.id, u.worker_id, u.establishment_id, u.kind, u.state, u.valid_from, u.expires_on, u.months, u.levy, u.fee,
               u.extensions, u.expected + 1, $13
        FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::date[], $7::date[], $8::int[],
                    $9::int[], $10::int[], $11::int[], $12::int[])
             AS u(id, worker_id, establishment_id, kind, state, valid_from, expires_on, months, levy, fee, extensions, expected)
        ON CONFLICT (id) DO UPDATE SET
            worker_id = excluded.worker_id, establishment_id = excluded.establishment_id, kind = excluded.kind,
            state = excluded.state, valid_from = excluded.valid_from, expires_on = excluded.expires_on,
            months = excluded.months, levy = excluded.levy, fee = excluded.fee, extensions = excluded.extensions,
            version = p.version + 1, updated_at = excluded.updated_at
        WHERE p.version = excluded.version - 1
        """)

    static let upsertCases = Statement("aggregates_upsert_cases", """
        INSERT INTO cases AS c (id, kind, worker_id, establishment_id, counterpart_id, state, opened_at, opened_on, deadline,
                                details, closed_at, version)
        SELECT u.id, u.kind, u.worker_id, u.establishment_id, u.counterpart_id, u.state, u.opened_at, u.opened_on,
               u.deadline, u.details::jsonb, u.closed_at, u.expected + 1
        FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::date[],
                    $9::date[], $10::text[], $11::timestamptz[], $12::int[])
             AS u(id, kind, worker_id, establishment_id, counterpart_id, state, opened_at, opened_on, deadline, details,
                  closed_at, expected)
        ON CONFLICT (id) DO UPDATE SET
            establishment_id = excluded.establishment_id, counterpart_id = excluded.counterpart_id, state = excluded.state,
            deadline = excluded.deadline, details = excluded.details, closed_at = excluded.closed_at,
            version = c.version + 1
        WHERE c.version = excluded.version - 1
        """)

    static let insertCertificates = Statement("aggregates_insert_certificates", """
        INSERT INTO certificates (id, establishment_id, band, saudization_percent, issued_on, valid_until)
        SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::float8[], $5::date[], $6::date[])
        """)

    /// Relative updates of existing balances, and new rows for the rest. Not an upsert:
    /// PostgreSQL checks a proposed row's CHECK before it finds the conflict, so a draw
    /// (a negative delta) could never reach the update. The table's CHECK refuses a balance
    /// drawn below zero, whichever way it is written.
    static let applyVisaBalances = Statement("aggregates_apply_visa_balances", """
        WITH d AS (
            SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::int[]) AS d(establishment_id, occupation, approved, remaining)
        ), moved AS (
            UPDATE visa_balances b SET approved = b.approved + d.approved, remaining = b.remaining + d.remaining
            FROM d WHERE b.establishment_id = d.establishment_id AND b.occupation = d.occupation
            RETURNING b.establishment_id, b.occupation
        )
        INSERT INTO visa_balances (establishment_id, occupation, approved, remaining)
        SELECT d.* FROM d
        WHERE NOT EXISTS (SELECT 1 FROM moved m WHERE m.establishment_id = d.establishment_id AND m.occupation = d.occupation)
        """)

    static let upsertVisas = Statement("aggregates_upsert_visas", """
        INSERT INTO visas AS v (id, establishment_id, case_id, occupation, nationality, state, issued_on, expires_on, fee, refund,
                                replaces_worker_id, used_by_worker_id, ended_on, version)
        SELECT u.id, u.establishment_id, u.case_id, u.occupation, u.nationality, u.state, u.issued_on, u.expires_on, u.fee,
               u.refund, u.replaces_worker_id, u.used_by_worker_id, u.ended_on, u.expected + 1
        FROM unnest($1::text[], $2::text[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::date[], $8::date[], $9::int[],
                    $10::int[], $11::text[], $12::text[], $13::date[], $14::int[])
             AS u(id, establishment_id, case_id, occupation, nationality, state, issued_on, expires_on, fee, refund,
                  replaces_worker_id, used_by_worker_id, ended_on, expected)
        ON CONFLICT (id) DO UPDATE SET
            state = excluded.state, refund = excluded.refund, used_by_worker_id = excluded.used_by_worker_id,
            ended_on = excluded.ended_on, version = v.version + 1
        WHERE v.version = excluded.version - 1
        """)

    /// Relative updates: concurrent hires and departures add up instead of overwriting.
    static let applyDeltas = Statement("aggregates_apply_deltas", """
        UPDATE establishments e SET
            headcount = e.headcount + d.headcount, saudi_count = e.saudi_count + d.saudi_count,
            saudi_weight = e.saudi_weight + d.saudi_weight, expired_permits = e.expired_permits + d.expired,
            levy_exempt_expats = e.levy_exempt_expats + d.levy_exempt
        FROM unnest($1::text[], $2::int[], $3::int[], $4::float8[], $5::int[], $6::int[])
             AS d(id, headcount, saudi_count, saudi_weight, expired, levy_exempt)
        WHERE e.id = d.id
        """)
}
