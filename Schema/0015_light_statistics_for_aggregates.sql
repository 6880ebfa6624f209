-- Statistics from a small sample on the labor aggregates and the stream heads too.
--
-- Under load every decided request changes a worker, a permit, a case or a stream head, so
-- autovacuum analyzes `workers`, `permits`, `cases`, `establishments` and `streams` at
-- nearly every visit (once a minute). With PostgreSQL's default target (100) each analyze
-- samples 30,000 rows and builds 100-entry histograms of every column: in the middle of an
-- HTTP load at 5,000/s, one visit spent 0.19 s of a core on `workers`, 0.16 on `permits`,
-- 0.10 on `cases`, 0.07 on `establishments` and 0.06 on `streams` — more than half of the
-- visit's 1.1 s, on two cores that had 0.2 to spare — and the seconds of that visit had a
-- p99 of 126–225 ms against 25–45 around them (BENCHMARKS.md, "Autovacuum's visit").
--
-- These tables are read by key (ids, worker, establishment, company) and by the partial
-- indexes' states; no plan depends on fine histograms, so a target of 10 (3,000 sampled
-- rows) is enough, as for history and the queue (`0011`, `0013`). Documents (`jsonb`)
-- are never filtered on and get none. A column added later gets the default again; the
-- schema test (`SchemaShapeTests`) says so.
DO $$
DECLARE
    col record;
BEGIN
    FOR col IN
        SELECT a.attrelid::regclass AS tab, a.attname AS name, a.atttypid = 'jsonb'::regtype AS document
        FROM pg_attribute a
        WHERE a.attrelid = ANY (ARRAY['establishments', 'workers', 'permits', 'cases', 'certificates', 'streams']::regclass[])
          AND a.attnum > 0 AND NOT a.attisdropped
          AND NOT (a.attrelid = 'streams'::regclass AND a.attname = 'head')  -- 0 since 0011
        ORDER BY a.attrelid, a.attnum
    LOOP
        EXECUTE format('ALTER TABLE %s ALTER COLUMN %I SET STATISTICS %s',
                       col.tab, col.name, CASE WHEN col.document THEN 0 ELSE 10 END);
    END LOOP;
END
$$;
