-- The request queue: every e-service request is a row here until it is decided, then it
-- moves to request_history in the same transaction. The hot table stays as small as the
-- backlog, however many millions of requests have passed through.

CREATE TABLE requests (
    id              uuid PRIMARY KEY,
    -- Submission order; requests on one subject take effect in this order.
    seq             bigint GENERATED ALWAYS AS IDENTITY,
    service         text NOT NULL,
    establishment_id text,
    -- 'worker:<id>' or 'establishment:<id>': what the request is about.
    subject         text NOT NULL,
    actor_id        text NOT NULL,
    actor_role      text NOT NULL CHECK (actor_role IN ('owner', 'delegate', 'agent', 'worker', 'staff', 'system')),
    payload         jsonb NOT NULL,
    idempotency_key text,
    priority        smallint NOT NULL DEFAULT 0,
    origin          text NOT NULL DEFAULT 'api' CHECK (origin IN ('api', 'cli', 'timer', 'replay')),
    submitted_at    timestamptz NOT NULL,
    -- Business time from which it may run (timers are requests whose time has not come).
    not_before      timestamptz NOT NULL,
    -- Real time from which a retry may run, after a technical failure (back-off).
    retry_at        timestamptz NOT NULL,
    attempts        integer NOT NULL DEFAULT 0,
    last_error      text,
    -- Someone waits for the decision (HTTP ?wait=): tell them by NOTIFY.
    notify          boolean NOT NULL DEFAULT false
);

-- Claim order: due time first, so timers waiting for their day sit at the end of the
-- index and are never scanned by a claim.
CREATE INDEX requests_claim ON requests (priority DESC, not_before, seq);
-- "Is there an earlier due request on this subject?"
CREATE INDEX requests_subject ON requests (subject, seq) INCLUDE (not_before);
CREATE INDEX requests_establishment ON requests (establishment_id, seq);

-- Decided, failed and withdrawn requests. Append-mostly; a failed request may be re-driven
-- (moved back to the queue by staff).
CREATE TABLE request_history (
    id              uuid PRIMARY KEY,
    seq             bigint NOT NULL,
    service         text NOT NULL,
    establishment_id text,
    subject         text NOT NULL,
    actor_id        text NOT NULL,
    actor_role      text NOT NULL,
    payload         jsonb NOT NULL,
    idempotency_key text,
    priority        smallint NOT NULL,
    origin          text NOT NULL,
    submitted_at    timestamptz NOT NULL,
    not_before      timestamptz NOT NULL,
    attempts        integer NOT NULL,
    last_error      text,
    state           text NOT NULL CHECK (state IN ('completed', 'rejected', 'failed', 'cancelled')),
    -- What changed (completed), or why not (rejected: code and texts).
    outcome         jsonb NOT NULL DEFAULT '{}',
    reason_code     text,
    decided_at      timestamptz NOT NULL,
    -- Real time of the decision (decided_at is business time, which may be simulated).
    finished_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    CHECK ((state = 'rejected') = (reason_code IS NOT NULL))
);

CREATE INDEX request_history_establishment ON request_history (establishment_id, seq DESC);
CREATE INDEX request_history_subject ON request_history (subject, seq DESC);
CREATE INDEX request_history_failed ON request_history (seq) WHERE state = 'failed';
CREATE INDEX request_history_finished ON request_history (finished_at);

-- The same actor and key always mean the same request. Kept apart from the queue so that
-- the guarantee holds after the request has moved to history.
CREATE TABLE idempotency_keys (
    actor_id     text NOT NULL,
    key          text NOT NULL,
    request_id   uuid NOT NULL,
    payload_hash bytea NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (actor_id, key)
);

GRANT SELECT, INSERT, UPDATE, DELETE ON requests, request_history, idempotency_keys TO muamala_app;
