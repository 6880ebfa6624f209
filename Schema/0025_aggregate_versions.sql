-- Every version of every row of the aggregates, kept in the transaction that wrote it: any
-- worker, establishment or case as it stood at the end of any day (`--as-of`, `?as_of=`),
-- and the current rows checked against their record (`muamala verify --state`).
--
-- Why versioned rows and not a fold of the events (docs/ARCHITECTURE.md, "The state as of a
-- day"): an event says what a decision did, not the whole aggregate. Nitaqat counts move by
-- relative updates that no event carries, and populations are loaded by COPY with no event
-- at all. A version is the whole row after the change, whoever wrote it.
--
-- A version is written by a trigger on each table, once per statement (its transition
-- table), so no writer can forget it: the engine, a bulk load, a migration, or a superuser
-- at a psql prompt. Who wrote it is `source`, said by the writer through the transaction's
-- settings (`muamala.change_source`, `muamala.changed_at`; the engine sets both to its own
-- name and the batch's business time): a write that says nothing is 'outside', and
-- `verify --state` names it. The daemon's role cannot say otherwise: whatever it claims,
-- its versions are the engine's. (It can still date them: the record trusts the engine's
-- business time, as the rows and events do.)
--
-- A later migration that adds a column to one of these tables, or changes rows, appends a
-- version of every row it touched (as the backfill below does): an image is the row as it
-- was written, and a row changed without one is what `verify --state` reports.

CREATE TABLE aggregate_versions (
    n                bigint GENERATED ALWAYS AS IDENTITY,
    -- The table the row belongs to, and its key there ('establishment/occupation' for a
    -- visa balance, 'establishment/person' for an owner).
    entity           text NOT NULL,
    key              text COLLATE "C" NOT NULL,
    -- The worker and the establishment the row names, for the reads by them.
    worker_id        text COLLATE "C",
    establishment_id text COLLATE "C",
    -- Business time of the change (simulated in a demo), and who made it.
    at               timestamptz NOT NULL,
    source           text NOT NULL CHECK (source IN ('engine', 'load', 'migration', 'outside')),
    changed_by       text NOT NULL,
    -- The whole row after the change (before it, for a removal).
    removed          boolean NOT NULL DEFAULT false,
    image            jsonb NOT NULL
);

-- A row's versions, newest last; a worker's permits and cases; an establishment's own cases,
-- certificates, visas and balances. Every other read would be paid for on each write.
CREATE INDEX aggregate_versions_key ON aggregate_versions (entity, key, at, n);
CREATE INDEX aggregate_versions_worker ON aggregate_versions (worker_id, n)
    WHERE entity IN ('permits', 'cases');
CREATE INDEX aggregate_versions_establishment ON aggregate_versions (establishment_id, n)
    WHERE entity IN ('certificates', 'visas', 'visa_balances');
-- Changes nobody vouched for: `verify --state` lists them.
CREATE INDEX aggregate_versions_outside ON aggregate_versions (n) WHERE source = 'outside';

ALTER TABLE aggregate_versions ALTER COLUMN image SET STATISTICS 10;
ALTER TABLE aggregate_versions ALTER COLUMN changed_by SET STATISTICS 10;

-- Versions are history: nobody changes or removes one, not even the owner.
CREATE TRIGGER aggregate_versions_no_update BEFORE UPDATE OR DELETE ON aggregate_versions
    FOR EACH ROW EXECUTE FUNCTION events_are_append_only();
CREATE TRIGGER aggregate_versions_no_truncate BEFORE TRUNCATE ON aggregate_versions
    FOR EACH STATEMENT EXECUTE FUNCTION events_are_append_only();

-- Records the statement's rows (`changed`, its transition table). TG_ARGV names the key's
-- columns. It runs as its owner: the daemon's role may read versions, never write one.
-- Images are written in UTC whatever the writer's time zone, so that equal rows have equal images.
CREATE FUNCTION record_aggregate_versions() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp SET TimeZone = 'UTC' AS $$
DECLARE
    changed_at timestamptz := nullif(current_setting('muamala.changed_at', true), '')::timestamptz;
    source     text := coalesce(nullif(current_setting('muamala.change_source', true), ''), 'outside');
BEGIN
    IF source NOT IN ('engine', 'load', 'migration', 'outside') THEN
        RAISE EXCEPTION 'muamala.change_source is %: say engine, load or migration, or nothing', source
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- The daemon's role (not a superuser acting as it) writes the engine's versions only.
    IF source <> 'engine' AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'muamala_app')
       AND NOT (SELECT rolsuper FROM pg_roles WHERE rolname = session_user) THEN
        IF pg_has_role(session_user, 'muamala_app', 'MEMBER') THEN
            source := 'engine';
        END IF;
    END IF;
    IF changed_at IS NULL THEN
        SELECT CASE WHEN mode = 'simulated' THEN simulated_now ELSE now() END INTO changed_at FROM clock;
    END IF;
    INSERT INTO aggregate_versions (entity, key, worker_id, establishment_id, at, source, changed_by, removed, image)
    SELECT TG_TABLE_NAME,
           CASE WHEN TG_NARGS = 1 THEN j ->> TG_ARGV[0] ELSE (j ->> TG_ARGV[0]) || '/' || (j ->> TG_ARGV[1]) END,
           j ->> 'worker_id', CASE WHEN TG_TABLE_NAME = 'establishments' THEN j ->> 'id' ELSE j ->> 'establishment_id' END,
           changed_at, source, session_user, TG_OP = 'DELETE', j
    FROM (SELECT to_jsonb(c) AS j FROM changed c) r;
    RETURN NULL;
END
$$;

-- The tables whose rows the engine loads to decide: every one gets a version on every write.
DO $$
DECLARE
    t record;
BEGIN
    PERFORM set_config('TimeZone', 'UTC', true);
    FOR t IN SELECT * FROM (VALUES
        ('establishments', 'id'), ('workers', 'id'), ('permits', 'id'), ('cases', 'id'), ('certificates', 'id'),
        ('visas', 'id'), ('visa_balances', 'establishment_id, occupation'), ('authorizations', 'id'),
        ('establishment_owners', 'establishment_id, person_id')) AS v(name, keys)
    LOOP
        -- One trigger per operation: a trigger with transition tables has one event.
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS changed
                        FOR EACH STATEMENT EXECUTE FUNCTION record_aggregate_versions(%s)',
                       t.name || '_versions_insert', t.name, (SELECT string_agg(quote_literal(trim(k)), ', ') FROM unnest(string_to_array(t.keys, ',')) k));
        EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING NEW TABLE AS changed
                        FOR EACH STATEMENT EXECUTE FUNCTION record_aggregate_versions(%s)',
                       t.name || '_versions_update', t.name, (SELECT string_agg(quote_literal(trim(k)), ', ') FROM unnest(string_to_array(t.keys, ',')) k));
        EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS changed
                        FOR EACH STATEMENT EXECUTE FUNCTION record_aggregate_versions(%s)',
                       t.name || '_versions_delete', t.name, (SELECT string_agg(quote_literal(trim(k)), ', ') FROM unnest(string_to_array(t.keys, ',')) k));
        -- The rows already there are their own first version.
        EXECUTE format($f$
            INSERT INTO aggregate_versions (entity, key, worker_id, establishment_id, at, source, changed_by, image)
            SELECT %L, %s, j ->> 'worker_id', %s,
                   (SELECT CASE WHEN mode = 'simulated' THEN simulated_now ELSE now() END FROM clock), 'migration', session_user, j
            FROM (SELECT to_jsonb(r) AS j FROM %I r) rows
            $f$, t.name,
            (SELECT string_agg(format('(j ->> %L)', trim(k)), ' || ''/'' || ') FROM unnest(string_to_array(t.keys, ',')) k),
            CASE WHEN t.name = 'establishments' THEN $e$j ->> 'id'$e$ ELSE $e$j ->> 'establishment_id'$e$ END,
            t.name);
    END LOOP;
END
$$;

GRANT SELECT ON aggregate_versions TO muamala_app;
