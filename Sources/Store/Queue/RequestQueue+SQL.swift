import Domain
import Foundation
import PQ

/// The request queue's SQL, every statement in one place.
extension RequestQueue {
    static let insertColumns = """
        id, service, establishment_id, subject, actor_id, actor_role, payload, idempotency_key, priority,
        origin, submitted_at, not_before, retry_at, notify
        """

    static let insert = Statement("queue_insert", """
        INSERT INTO requests (\(insertColumns))
        VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $11, $12, clock_timestamp(), $13)
        RETURNING \(RequestRecord.columns), 'queued' AS state, NULL::text AS outcome, NULL::text AS reason_code,
                  NULL::timestamptz AS decided_at
        """)

    /// The key and the request in one statement: when the key is taken, nothing is inserted.
    static let insertWithKey = Statement("queue_insert_with_key", """
        WITH key AS (
            INSERT INTO idempotency_keys (actor_id, key, request_id, payload_hash)
            VALUES ($5, $8, $1, $14)
            ON CONFLICT DO NOTHING
            RETURNING request_id
        )
        INSERT INTO requests (\(insertColumns))
        SELECT $1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $11, $12, clock_timestamp(), $13
        WHERE EXISTS (SELECT 1 FROM key)
        RETURNING \(RequestRecord.columns), 'queued' AS state, NULL::text AS outcome, NULL::text AS reason_code,
                  NULL::timestamptz AS decided_at
        """)

    /// Intake in batches (`submitMany`): keys and requests in one statement; a request whose
    /// key was taken is not inserted, and is then looked up by its key. A request asked to be
    /// decided at once (`$15`) whose subject has nothing due in the queue at its submission
    /// (business time) is not queued either: it comes back with `at_once` and a number from
    /// the queue's sequence, to be decided in the same transaction and written straight to
    /// history.
    static let insertMany = Statement("queue_insert_many", """
        WITH input AS (
            SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                                 $8::text[], $9::int[], $10::text[], $11::timestamptz[], $12::timestamptz[],
                                 $13::boolean[], $14::bytea[], $15::boolean[])
                     AS i(id, service, establishment_id, subject, actor_id, actor_role, payload, idempotency_key,
                          priority, origin, submitted_at, not_before, notify, payload_hash, decide)
        ), keys AS (
            INSERT INTO idempotency_keys (actor_id, key, request_id, payload_hash)
            SELECT actor_id, idempotency_key, id, payload_hash FROM input WHERE idempotency_key IS NOT NULL
            ON CONFLICT DO NOTHING
            RETURNING request_id
        ), accepted AS (
            SELECT i.*, CASE WHEN i.decide
                             THEN NOT EXISTS (SELECT 1 FROM requests p WHERE p.subject = i.subject AND p.not_before <= i.submitted_at)
                             ELSE false END AS at_once
            FROM input i
            WHERE i.idempotency_key IS NULL OR i.id IN (SELECT request_id FROM keys)
        ), queued AS (
            INSERT INTO requests (\(insertColumns))
            SELECT id, service, establishment_id, subject, actor_id, actor_role, payload::jsonb, idempotency_key, priority,
                   origin, submitted_at, not_before, clock_timestamp(), notify
            FROM accepted
            WHERE NOT at_once
            RETURNING id, seq
        )
        SELECT id, seq, false AS at_once FROM queued
        UNION ALL
        SELECT id, nextval('requests_seq_seq'::regclass), true FROM accepted WHERE at_once
        """)

    /// Requests decided in the transaction that accepted them: straight into history, as the
    /// move from the queue (`completeStatement`) would have left them after one attempt.
    static let insertDecided = Statement("queue_insert_decided", """
        INSERT INTO request_history (
            id, seq, service, establishment_id, subject, actor_id, actor_role, payload, idempotency_key, priority,
            origin, submitted_at, not_before, attempts, state, outcome, reason_code, decided_at)
        SELECT d.id, d.seq, d.service, d.establishment_id, d.subject, d.actor_id, d.actor_role, d.payload::jsonb,
               d.idempotency_key, d.priority, d.origin, d.submitted_at, d.not_before, 1, d.state, d.outcome::jsonb,
               d.reason_code, $17
        FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                    $9::text[], $10::int[], $11::text[], $12::timestamptz[], $13::timestamptz[], $14::text[],
                    $15::text[], $16::text[])
             AS d(id, seq, service, establishment_id, subject, actor_id, actor_role, payload, idempotency_key, priority,
                  origin, submitted_at, not_before, state, outcome, reason_code)
        """)

    static let findKeys = Statement("queue_find_keys", """
        SELECT k.actor_id, k.key, k.request_id, k.payload_hash
        FROM idempotency_keys k JOIN unnest($1::text[], $2::text[]) AS w(actor_id, key)
          ON k.actor_id = w.actor_id AND k.key = w.key
        """)

    static let findMany = Statement("queue_find_many", """
        SELECT \(RequestRecord.columns), 'queued' AS state, NULL::text AS outcome, NULL::text AS reason_code,
               NULL::timestamptz AS decided_at
        FROM requests WHERE id = ANY($1::uuid[])
        UNION ALL
        SELECT \(RequestRecord.columns), state, outcome::text AS outcome, reason_code, decided_at
        FROM request_history WHERE id = ANY($1::uuid[])
        """)

    /// Up to `$2` keys made before `$1`; skips keys another purge holds.
    static let purgeKeys = Statement("queue_purge_keys", """
        DELETE FROM idempotency_keys
        WHERE ctid = ANY (ARRAY(SELECT ctid FROM idempotency_keys WHERE created_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED))
        """)

    static let findKey = Statement("queue_find_key", """
        SELECT request_id, payload_hash FROM idempotency_keys WHERE actor_id = $1 AND key = $2
        """)

    static let notifyQueue = Statement("queue_notify", "SELECT pg_notify('muamala_queue', '')")

    /// At most one request per subject, and only the subject's earliest due one.
    static let claimStatement = Statement("queue_claim", """
        SELECT r.id, r.seq, r.service, r.establishment_id, r.subject, r.actor_id, r.actor_role, r.payload::text,
               r.submitted_at, r.attempts, r.notify
        FROM requests r
        WHERE r.not_before <= $1 AND r.retry_at <= $2
          AND NOT EXISTS (
              SELECT 1 FROM requests p
              WHERE p.subject = r.subject AND p.seq < r.seq AND p.not_before <= $1)
        ORDER BY r.not_before, r.seq
        LIMIT $3
        FOR UPDATE OF r SKIP LOCKED
        """)

    /// The decisions are written in the order they were made (the arrays' order), so that
    /// `finished_at` (the clock at each row) orders a batch's decisions as the engine made
    /// them: `muamala simulate` replays them in that order.
    static let completeStatement = Statement("queue_complete", """
        WITH outcome AS (
            SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS o(id, state, outcome, reason_code, made)
        ), done AS (
            DELETE FROM requests r USING outcome o WHERE r.id = o.id RETURNING r.*
        )
        INSERT INTO request_history (
            id, seq, service, establishment_id, subject, actor_id, actor_role, payload, idempotency_key, priority,
            origin, submitted_at, not_before, attempts, last_error, state, outcome, reason_code, decided_at)
        SELECT d.id, d.seq, d.service, d.establishment_id, d.subject, d.actor_id, d.actor_role, d.payload,
               d.idempotency_key, d.priority, d.origin, d.submitted_at, d.not_before,
               d.attempts + CASE WHEN o.state = 'cancelled' THEN 0 ELSE 1 END, d.last_error,
               o.state, o.outcome::jsonb, o.reason_code, $5
        FROM done d JOIN outcome o ON o.id = d.id
        ORDER BY o.made
        """)

    static let failStatement = Statement("queue_fail", """
        UPDATE requests SET attempts = attempts + 1, last_error = $2 WHERE id = $1 RETURNING attempts
        """)

    static let retryAtStatement = Statement("queue_retry_at", "UPDATE requests SET retry_at = $2 WHERE id = $1")

    static let parkStatement = Statement("queue_park", """
        WITH done AS (DELETE FROM requests WHERE id = $1 RETURNING *)
        INSERT INTO request_history (
            id, seq, service, establishment_id, subject, actor_id, actor_role, payload, idempotency_key, priority,
            origin, submitted_at, not_before, attempts, last_error, state, outcome, reason_code, decided_at)
        SELECT id, seq, service, establishment_id, subject, actor_id, actor_role, payload, idempotency_key, priority,
               origin, submitted_at, not_before, attempts, last_error, 'failed', $2::jsonb, NULL, $3
        FROM done
        """)

    static let lockQueued = Statement("queue_lock_one", "SELECT id FROM requests WHERE id = $1 FOR UPDATE NOWAIT")

    static let redriveStatement = Statement("queue_redrive", """
        WITH failed AS (DELETE FROM request_history WHERE id = $1 AND state = 'failed' RETURNING *)
        INSERT INTO requests (id, service, establishment_id, subject, actor_id, actor_role, payload, idempotency_key,
                              priority, origin, submitted_at, not_before, retry_at, attempts, last_error)
        SELECT id, service, establishment_id, subject, actor_id, actor_role, payload, idempotency_key, priority,
               origin, submitted_at, LEAST(not_before, $2), clock_timestamp(), 0, last_error
        FROM failed
        """)

    static let findStatement = Statement("queue_find", """
        SELECT \(RequestRecord.columns), 'queued' AS state, NULL::text AS outcome, NULL::text AS reason_code,
               NULL::timestamptz AS decided_at
        FROM requests WHERE id = $1
        UNION ALL
        SELECT \(RequestRecord.columns), state, outcome::text AS outcome, reason_code, decided_at
        FROM request_history WHERE id = $1
        """)

    static let listStatement = Statement("queue_list", """
        SELECT * FROM (
            SELECT \(RequestRecord.columns), 'queued' AS state, NULL::text AS outcome, NULL::text AS reason_code,
                   NULL::timestamptz AS decided_at
            FROM requests
            WHERE ($1::text IS NULL OR establishment_id = $1) AND ($2::text IS NULL OR $2 = 'queued')
              AND ($3::text IS NULL OR subject = $3) AND seq < $4
            ORDER BY seq DESC LIMIT $5
        ) q
        UNION ALL
        SELECT * FROM (
            SELECT \(RequestRecord.columns), state, outcome::text AS outcome, reason_code, decided_at
            FROM request_history
            WHERE ($1::text IS NULL OR establishment_id = $1) AND ($2::text IS NULL OR state = $2)
              AND ($3::text IS NULL OR subject = $3) AND seq < $4
            ORDER BY seq DESC LIMIT $5
        ) h
        ORDER BY seq DESC LIMIT $5
        """)

    /// Bounded by the due requests: the claim index's range up to now. The table's live rows
    /// at its last vacuum or analyze (-1 before the first) come along, for the sampled count.
    static let dueStatement = Statement("queue_due", """
        SELECT
            count(*)::int AS due,
            count(*) FILTER (WHERE retry_at > $2)::int AS retrying,
            COALESCE(EXTRACT(EPOCH FROM ($1::timestamptz - min(submitted_at))), 0)::float8 AS oldest_age,
            (SELECT count(*) FROM request_history WHERE state = 'failed')::int AS failed,
            (SELECT GREATEST(reltuples, 0)::bigint FROM pg_class WHERE oid = 'requests'::regclass) AS rows_estimate
        FROM requests
        WHERE not_before <= $1
        """)

    /// Requests finished in each of the last 60 minutes of the database's real time, the
    /// current (partial) minute last: the console's chart of the last hour.
    static let finishedPerMinuteStatement = Statement("queue_finished_per_minute", """
        SELECT EXTRACT(EPOCH FROM m)::bigint AS minute,
               (SELECT count(*) FROM request_history WHERE finished_at >= m AND finished_at < m + interval '1 minute')::int AS finished
        FROM generate_series(date_trunc('minute', clock_timestamp()) - interval '59 minutes',
                             date_trunc('minute', clock_timestamp()), interval '1 minute') AS m
        ORDER BY m
        """)

    /// What only an exact count gives: every timer (the rest of the queue table) and a minute
    /// of history's index.
    static let exactCountsStatement = Statement("queue_exact_counts", """
        SELECT
            (SELECT count(*) FROM requests WHERE not_before > $1)::int AS scheduled,
            (SELECT count(*) FROM request_history WHERE finished_at > $2::timestamptz - interval '1 minute')::int AS finished
        """)
}

extension RequestQueue {
    /// Dead rows in the queue (PostgreSQL's statistics, at most a second or so behind).
    static let deadRowsStatement = Statement("queue_dead_rows", """
        SELECT COALESCE((SELECT n_dead_tup FROM pg_stat_user_tables WHERE relid = 'requests'::regclass), 0)::bigint
        """)

    /// Whether this session may VACUUM the queue: PostgreSQL 15 allows its owner, the
    /// database's owner and superusers (a member of either owner role counts).
    static let mayVacuumStatement = Statement("queue_may_vacuum", """
        SELECT r.rolsuper
            OR pg_has_role(current_user, c.relowner, 'USAGE')
            OR pg_has_role(current_user, d.datdba, 'USAGE')
        FROM pg_class c, pg_roles r, pg_database d
        WHERE c.oid = 'requests'::regclass AND r.rolname = current_user AND d.datname = current_database()
        """)

    /// Outside any transaction; skips rather than waits when another session vacuums it.
    /// One process: with the queue's four indexes above 512 kB, PostgreSQL would otherwise
    /// start two parallel workers for every sweep (every few seconds under load), and on two
    /// cores the extra processes made each sweep slower (50–59 ms against 32–36 ms) and the
    /// HTTP p99 worse (127–194 ms against 50–74 ms at 8,200/s, BENCHMARKS.md).
    static let vacuumScript = "VACUUM (SKIP_LOCKED, PARALLEL 0) requests"
}

extension RequestQueue {
    /// Inserts requests in one statement (timers that decisions schedule).
    public static func scheduleStatement(_ requests: [NewRequest]) -> PipelineStatement {
        let ids: [UUID] = requests.map(\.id)
        let establishments: NullableArray<String> = NullableArray(requests.map { $0.establishment?.description })
        let subjects: [String] = requests.map(\.subject.key)
        let actors: [String] = requests.map(\.actor.id)
        let roles: [String] = requests.map(\.actor.role.rawValue)
        let payloads: [String] = requests.map { JSONCoding.encode(JSONValue.object($0.payload)) }
        let priorities: [Int] = requests.map(\.priority)
        let origins: [String] = requests.map(\.origin)
        let submitted: [Date] = requests.map(\.submittedAt)
        let notBefore: [Date] = requests.map(\.notBefore)
        let services: [String] = requests.map(\.service)
        return PipelineStatement(scheduleMany, [
            ids, services, establishments, subjects, actors, roles, payloads, priorities, origins, submitted, notBefore,
        ])
    }

    static let scheduleMany = Statement("queue_schedule_many", """
        INSERT INTO requests (id, service, establishment_id, subject, actor_id, actor_role, payload, priority, origin,
                              submitted_at, not_before, retry_at)
        SELECT u.id, u.service, u.establishment_id, u.subject, u.actor_id, u.actor_role, u.payload::jsonb, u.priority,
               u.origin, u.submitted_at, u.not_before, clock_timestamp()
        FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[],
                    $9::text[], $10::timestamptz[], $11::timestamptz[])
             AS u(id, service, establishment_id, subject, actor_id, actor_role, payload, priority, origin, submitted_at, not_before)
        ON CONFLICT (id) DO NOTHING
        """)

    /// Removes timers that will not be needed (never a request that people submitted).
    public static func cancelTimersStatement(_ ids: [UUID]) -> PipelineStatement {
        PipelineStatement(cancelTimers, [ids])
    }

    static let cancelTimers = Statement("queue_cancel_timers", """
        DELETE FROM requests WHERE id = ANY($1::uuid[]) AND origin = 'timer'
        """)

    /// Tells waiting HTTP clients (on any daemon) which requests were decided; sent on commit.
    public static func notifyDecidedStatement(_ ids: [UUID]) -> PipelineStatement {
        PipelineStatement(notifyDecided, [ids.map(\.lowercasedText).joined(separator: ",")])
    }

    static let notifyDecided = Statement("queue_notify_decided", "SELECT pg_notify('muamala_decided', $1)")
}
