-- Idempotency keys are kept for a retention (MUAMALA_IDEMPOTENCY_RETENTION_HOURS, 30 days by
-- default), then purged by the daemons in batches: about 11 million rows per ten months
-- otherwise, forever. Keys are written in time order and never updated, so a BRIN index
-- finds the old ones for a few pages of index, at no cost worth measuring to each insert.
CREATE INDEX idempotency_keys_created ON idempotency_keys USING brin (created_at);
