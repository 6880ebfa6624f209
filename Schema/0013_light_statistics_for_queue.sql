-- Statistics from a small sample on the queue table too.
--
-- `requests` churns: every request is inserted and deleted within seconds, so with the
-- fixed threshold of 0006 (20,000 changes) autovacuum analyzes it at every visit under
-- load, once a minute. With PostgreSQL's default target an analyze samples 30,000 rows,
-- and the queue's pages are mostly dead rows and waiting timers: it read every page, 172
-- ms here with 65,000 timers and 54 MB of table (0.19 s of a core, 0.39 s elapsed, in the
-- middle of an HTTP load at 8,200/s), 12 ms after this change (BENCHMARKS.md, "HTTP"). At
-- national scale, with a timer per permit waiting in the same table, the default sample
-- would read 30,000 pages every minute.
--
-- The claim reads the due-time index and the subject index; its plan does not need fine
-- histograms. Payloads, keys and errors are never filtered on.
ALTER TABLE requests
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
    ALTER COLUMN retry_at SET STATISTICS 10,
    ALTER COLUMN attempts SET STATISTICS 10,
    ALTER COLUMN last_error SET STATISTICS 0,
    ALTER COLUMN notify SET STATISTICS 10;
