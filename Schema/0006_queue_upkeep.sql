-- Upkeep for the tables of constant churn.
--
-- Every request is inserted into `requests` and deleted from it within seconds, so the
-- table's live size stays small while dead rows arrive at thousands a second. PostgreSQL's
-- default thresholds (vacuum and analyze after 20% / 10% of the live rows change, at
-- least 50) are relative to that small size and keep being met, but the statistics they
-- leave describe whatever the queue held at that instant. Fixed thresholds keep dead rows
-- and statistics in step with the flow instead of the backlog: measured on an empty,
-- never-analyzed queue under HTTP load, the claim took 58 ms per batch before the first
-- analyze and 3 ms after (BENCHMARKS.md).
ALTER TABLE requests SET (
    autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 20000,
    autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 20000,
    autovacuum_vacuum_cost_delay = 0
);

-- Stream heads grow by one row per new worker or establishment and are read every batch.
ALTER TABLE streams SET (autovacuum_analyze_scale_factor = 0.02, autovacuum_analyze_threshold = 1000);
