-- Statistics gathered from a small sample on the tables that only grow.
--
-- `request_history`, `events` and `idempotency_keys` take one row (or several) per
-- request, and autovacuum analyzes a table each time it has grown by a tenth: under load,
-- about once a minute. With PostgreSQL's default target (100) an analyze samples 30,000
-- rows, which on these tables means reading nearly every page: 340 ms of a core for
-- `request_history` at 446,000 rows, 110 ms for `events`, 120 ms for `streams`, whose
-- random 32-byte heads make costly histograms (BENCHMARKS.md, "HTTP"). On two cores that
-- is a stall which every request in flight waits out.
--
-- These tables are read by key (primary keys, subject, establishment, request): the plans
-- do not depend on fine histograms, so a target of 10 (3,000 sampled rows) is enough;
-- columns never used to filter (payloads, outcomes, hashes) get none at all.
ALTER TABLE request_history
    ALTER COLUMN id SET STATISTICS 10,
    ALTER COLUMN seq SET STATISTICS 10,
    ALTER COLUMN service SET STATISTICS 10,
    ALTER COLUMN establishment_id SET STATISTICS 10,
    ALTER COLUMN subject SET STATISTICS 10,
    ALTER COLUMN actor_id SET STATISTICS 10,
    ALTER COLUMN actor_role SET STATISTICS 10,
    ALTER COLUMN payload SET STATISTICS 0,
    ALTER COLUMN idempotency_key SET STATISTICS 0,
    ALTER COLUMN priority SET STATISTICS 10,
    ALTER COLUMN origin SET STATISTICS 10,
    ALTER COLUMN submitted_at SET STATISTICS 10,
    ALTER COLUMN not_before SET STATISTICS 10,
    ALTER COLUMN attempts SET STATISTICS 10,
    ALTER COLUMN last_error SET STATISTICS 0,
    ALTER COLUMN state SET STATISTICS 10,
    ALTER COLUMN outcome SET STATISTICS 0,
    ALTER COLUMN reason_code SET STATISTICS 10,
    ALTER COLUMN decided_at SET STATISTICS 10,
    ALTER COLUMN finished_at SET STATISTICS 10;

ALTER TABLE events
    ALTER COLUMN stream SET STATISTICS 10,
    ALTER COLUMN seq SET STATISTICS 10,
    ALTER COLUMN aggregate SET STATISTICS 10,
    ALTER COLUMN type SET STATISTICS 10,
    ALTER COLUMN data SET STATISTICS 0,
    ALTER COLUMN establishment_id SET STATISTICS 10,
    ALTER COLUMN request_id SET STATISTICS 10,
    ALTER COLUMN actor_id SET STATISTICS 10,
    ALTER COLUMN at SET STATISTICS 10,
    ALTER COLUMN prev_hash SET STATISTICS 0,
    ALTER COLUMN hash SET STATISTICS 0;

ALTER TABLE idempotency_keys
    ALTER COLUMN actor_id SET STATISTICS 10,
    ALTER COLUMN key SET STATISTICS 10,
    ALTER COLUMN request_id SET STATISTICS 10,
    ALTER COLUMN payload_hash SET STATISTICS 0,
    ALTER COLUMN created_at SET STATISTICS 10;

-- Read every batch by key; the head is a hash that no query compares.
ALTER TABLE streams ALTER COLUMN head SET STATISTICS 0;
