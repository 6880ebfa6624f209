-- Idempotency keys are kept for a retention (MUAMALA_IDEMPOTENCY_RETENTION_HOURS, 30 days by
-- default), then purged by the daemons in batches: about 11 million rows per ten months
-- otherwise, forever. A btree on the time they were made finds the old ones; keys arrive
-- in time order, so each insert lands on the index's rightmost page. (A BRIN index, tried
-- first, would widen its ranges as purged space is reused and end up scanning the table.)
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
