-- The append-only history: every transition, with actor, request and time, chained by
-- SHA-256 per stream (the request's subject) so that `muamala verify` can prove nobody
-- edited it. No one changes or removes a row: a trigger refuses it even to the owner, and
-- the daemon's role is not even granted the right.

CREATE TABLE events (
    stream           text NOT NULL,
    seq              bigint NOT NULL,
    aggregate        text NOT NULL,
    type             text NOT NULL,
    -- Exactly the text that was hashed (json keeps it as written; jsonb would not).
    data             json NOT NULL,
    establishment_id text,
    request_id       uuid,
    actor_id         text NOT NULL,
    at               timestamptz NOT NULL,
    prev_hash        bytea NOT NULL,
    hash             bytea NOT NULL,
    PRIMARY KEY (stream, seq)
);

-- History is read by stream (the primary key) and by request; every other index would be
-- paid for on each of millions of appends.
CREATE INDEX events_request ON events (request_id);

-- The head of each chain: a truncated chain no longer reaches its head.
CREATE TABLE streams (
    stream text PRIMARY KEY,
    seq    bigint NOT NULL,
    head   bytea NOT NULL
);

CREATE FUNCTION events_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events are append-only: % is refused', TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'history is corrected by appending a new event, never by editing one';
END
$$;

CREATE TRIGGER events_no_update BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_are_append_only();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_are_append_only();

GRANT SELECT, INSERT ON events TO muamala_app;
GRANT SELECT, INSERT, UPDATE ON streams TO muamala_app;
