-- A claim reads the due requests only, never the timers still waiting for their day.
--
-- requests_claim began with `priority`. A B-tree scan stops at the end of a range only on
-- its leading column, so with `priority` first the condition `not_before <= now` filtered
-- entries instead of bounding the scan: a claim that found fewer due requests than its
-- limit (every claim but those of a backlog) read on through every future timer. With the
-- bench population's 57,638 timers, a claim that found nothing read 419 buffers and took
-- 3.4 ms; under HTTP load claims were a third of PostgreSQL's time, and the cost grows with
-- the number of timers (a permit's expiry is one), so with the population.
--
-- Claims now take due requests in due-time, then submission, order. `priority` was never
-- set by any caller (always 0); the column stays, recorded with each request, but no
-- longer orders the claim.
DROP INDEX requests_claim;
CREATE INDEX requests_claim ON requests (not_before, seq);
COMMENT ON COLUMN requests.priority IS
    'Recorded with the request; claims follow not_before then seq (Schema/0010_claim_by_due_time.sql).';
